/**
 * Row -> CSV line, in a table's column order, for DuckDB's `read_csv` with
 * explicit column types (the fastest way found here to get rows into Parquet:
 * see toolchain.md). One spool line per row, in the table's column order, less the
 * columns the writer supplies as SQL constants (e.g. `upload_id`); the partition
 * day is not written (a spool holds one day: it is in the path, not in the file).
 *
 * Values are checked against the column type here, in JS, because one value
 * DuckDB cannot cast would fail the whole batch: a value of the wrong type is
 * written as NULL and counted (see {@link SpoolEncoder.coercions}).
 */
import type { ColumnType, Row, TableDef } from './schema';

enum Kind { Str, Int, Big, Dbl, Bool, Time }

const KIND: Record<ColumnType, Kind> = {
  string: Kind.Str,
  int: Kind.Int,
  bigint: Kind.Big,
  double: Kind.Dbl,
  boolean: Kind.Bool,
  timestamp: Kind.Time,
};

/** DuckDB type of a spool column (timestamps travel as epoch ms). */
export function spoolType(t: ColumnType): string {
  switch (t) {
    case 'string': return 'VARCHAR';
    case 'int': return 'INTEGER';
    case 'bigint': return 'BIGINT';
    case 'double': return 'DOUBLE';
    case 'boolean': return 'BOOLEAN';
    case 'timestamp': return 'BIGINT';
  }
}

const NEEDS_QUOTE = /[",\r\n]/;
const QUOTE_ALL = /"/g;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Timestamps DuckDB and Athena both accept: years 0001..9999. */
const TIME_MIN = -62135596800000;
const TIME_MAX = 253402300799999;

/** Longest string value kept whole, in UTF-16 units; longer values are cut and counted. */
export const MAX_STRING_CHARS = 512 * 1024;
/** Longest spool line, in UTF-16 units: a row beyond it is re-encoded with every string cut shorter. */
export const MAX_LINE_CHARS = 1_300_000;
/**
 * max_line_size (and buffer_size) given to DuckDB's read_csv, bytes: MAX_LINE_CHARS units of at most 3 UTF-8
 * bytes each fit. 4 MiB buffers measured ~70 MB less DuckDB RSS than 16 MiB over repeated conversions.
 */
export const SPOOL_MAX_LINE_BYTES = 4 * 1024 * 1024;

function str(v: string): string {
  // Empty strings are quoted so that they stay '' (an unquoted empty field is NULL).
  if (v === '') return '""';
  return NEEDS_QUOTE.test(v) ? `"${v.replace(QUOTE_ALL, '""')}"` : v;
}

type CompiledEncoder = (row: Row, maxChars: number, parts: string[], enc: SpoolEncoder) => string;

/**
 * Builds a table's row encoder as straight-line code: one constant property read per column (a keyed read in a
 * loop over 40 names is megamorphic) and the common value types inline; everything else goes through
 * {@link SpoolEncoder.value}. Measured: this function was the largest JS cost of normalizing after parsing.
 */
function compileEncoder(names: readonly string[], kinds: readonly Kind[]): CompiledEncoder {
  // The high part of the last event time (closure variables of the compiled function).
  const vars: string[] = ['hi = NaN, hiText = ""'];
  const lines: string[] = ['let v;'];
  names.forEach((name, i) => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`column name "${name}" cannot be compiled`);
    const slow = `enc.value(${kinds[i]}, '${name}', v, maxChars)`;
    const nul = `if (v === undefined || v === null) parts[${i}] = '';`;
    switch (kinds[i]) {
      case Kind.Str:
        lines.push(`v = row.${name}; ${nul} else parts[${i}] = typeof v === 'string' && v.length <= maxChars && v !== '' ? (NEEDS_QUOTE.test(v) ? '"' + v.replace(QUOTE_ALL, '""') + '"' : v) : ${slow};`);
        break;
      case Kind.Int:
        lines.push(`v = row.${name}; ${nul} else parts[${i}] = typeof v === 'number' && (v | 0) === v ? '' + v : ${slow};`);
        break;
      case Kind.Big:
        lines.push(`v = row.${name}; ${nul} else parts[${i}] = typeof v === 'number' && Number.isSafeInteger(v) ? '' + v : ${slow};`);
        break;
      case Kind.Time:
        // Epoch ms of 2001..2286 as (ms / 1e6) and 6 padded digits: the high part changes every ~17 minutes and is
        // cached; a 13-digit number is a heap number, whose general to-string is ~4x slower than two small ones.
        lines.push(
          `v = row.${name}; ${nul}`,
          `else if (typeof v === 'number' && v >= 1e12 && v < 1e13) { v = Math.floor(v); const h = Math.floor(v / 1e6); if (h !== hi) { hi = h; hiText = '' + h; } parts[${i}] = hiText + ('' + (v - h * 1e6 + 1e6)).slice(1); }`,
          `else parts[${i}] = typeof v === 'number' && v >= ${TIME_MIN} && v <= ${TIME_MAX} ? '' + Math.floor(v) : ${slow};`,
        );
        break;
      default:
        lines.push(`v = row.${name}; ${nul} else parts[${i}] = ${slow};`);
    }
  });
  lines.push(`return parts.join(',');`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema's column names (checked above), never from input
  const factory = new Function('NEEDS_QUOTE', 'QUOTE_ALL', `${vars.map((v) => `let ${v};`).join('\n')}\nreturn function encodeRow(row, maxChars, parts, enc) {\n${lines.join('\n')}\n};`);
  return factory(NEEDS_QUOTE, QUOTE_ALL) as CompiledEncoder;
}

/** Encodes rows of one table as CSV lines; counts values it had to drop. */
export class SpoolEncoder {
  private readonly names: string[];
  private readonly kinds: Kind[];
  /** Column name -> number of values written as NULL because they did not fit the column type (or cut: "<name> (truncated)"). */
  readonly coercions = new Map<string, number>();
  /** Columns dropped or cut while encoding the current row. */
  private readonly dropped: string[] = [];
  private readonly parts: string[] = [];
  private readonly compiled: CompiledEncoder;

  /**
   * @param constants columns not written to the spool: the writer gives them as SQL constants
   *   (one value for the whole upload costs nothing per row in JS, in the CSV reader or in the Parquet writer).
   */
  constructor(readonly table: TableDef, constants: ReadonlySet<string> = new Set()) {
    const cols = table.columns.filter((c) => !constants.has(c.name));
    this.names = cols.map((c) => c.name);
    this.kinds = cols.map((c) => KIND[c.type]);
    this.compiled = compileEncoder(this.names, this.kinds);
  }

  /** Spool columns (the table's columns less the constants), in order. */
  get columns(): readonly string[] {
    return this.names;
  }

  /** One CSV line (without newline): the spool columns. */
  encode(row: Row): string {
    let line = this.encodeWith(row, MAX_STRING_CHARS);
    if (line.length > MAX_LINE_CHARS) {
      // A row of many huge values: cut every string so the line fits DuckDB's max_line_size (quotes may double it).
      line = this.encodeWith(row, Math.floor(MAX_LINE_CHARS / (2 * this.names.length + 2)));
    }
    // Counted once, for the encoding kept.
    if (this.dropped.length) {
      for (const k of this.dropped) this.coercions.set(k, (this.coercions.get(k) ?? 0) + 1);
      this.dropped.length = 0;
    }
    return line;
  }

  private encodeWith(row: Row, maxChars: number): string {
    this.dropped.length = 0;
    return this.compiled(row, maxChars, this.parts, this);
  }

  /**
   * The value's CSV text, or '' (NULL) with the column recorded as dropped. The generic path: the compiled
   * encoder handles the common cases inline and calls this for the rest (wrong types, long strings).
   */
  value(kind: Kind, name: string, v: unknown, maxChars: number): string {
    if (v === null || v === undefined) return '';
    switch (kind) {
      case Kind.Str: {
        let t = typeof v === 'string' ? v : String(v);
        if (t.length > maxChars) {
          t = t.slice(0, maxChars);
          this.truncated(name);
        }
        return str(t);
      }
      case Kind.Int: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : NaN;
        if (Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX) return '' + n;
        break;
      }
      case Kind.Big: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
        if (Number.isSafeInteger(n)) return '' + n;
        break;
      }
      case Kind.Dbl: {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
        if (Number.isFinite(n)) return '' + n;
        break;
      }
      case Kind.Bool:
        if (typeof v === 'boolean') return v ? 'true' : 'false';
        break;
      case Kind.Time:
        if (typeof v === 'number' && v >= TIME_MIN && v <= TIME_MAX) return '' + Math.floor(v);
        break;
    }
    this.coerced(name);
    return '';
  }

  private truncated(name: string): void {
    this.dropped.push(`${name} (truncated)`);
  }

  private coerced(name: string): void {
    this.dropped.push(name);
  }
}

/** Valid epoch-ms event time for partitioning, else null. */
export function validTime(v: unknown): number | null {
  return typeof v === 'number' && v >= TIME_MIN && v <= TIME_MAX ? v : null;
}

const DAY_MS = 86_400_000;

/** UTC day `YYYY-MM-DD` of an epoch-ms time, with a one-entry cache (rows come in time order). */
export class DayFormatter {
  private lastDay = NaN;
  private lastText = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.lastDay) {
      this.lastDay = day;
      this.lastText = new Date(day * DAY_MS).toISOString().slice(0, 10);
    }
    return this.lastText;
  }
}
