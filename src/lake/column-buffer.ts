/**
 * One row group of one table in columns.
 *
 * Rows are appended synchronously from the parsers' hot loop by a compiled
 * appender (straight-line code, one constant property read per column: a keyed
 * read in a loop over 40 names is megamorphic). Values are checked against the
 * column type here: a value of the wrong type is stored as NULL and counted
 * ({@link ColumnBuffer.coercions}), a string longer than
 * {@link MAX_STRING_CHARS} is cut and counted, so a bad value never fails a
 * file.
 *
 * Strings go into a per-row-group dictionary when values repeat, which web logs
 * do (hosts, methods, paths, agents), and turn plain (their UTF-8 bytes written
 * at once) when they do not (request ids); numbers and times into typed arrays.
 * {@link ColumnBuffer.snapshot} hands the arrays to the page worker
 * (parquet/compress.ts, parquet/page-encoder.ts), which encodes and compresses
 * the pages off the JS thread and gives the arrays back for reuse.
 */
import { giveBack, recycled, recycledBuffer } from './parquet/array-pool';
import type { ColumnSnapshot } from './parquet/page-encoder';
import type { ColumnType, Row, TableDef } from './schema';

export const enum ColumnKind {
  Str,
  Int,
  Big,
  Dbl,
  Bool,
  Time,
}

const KIND: Record<ColumnType, ColumnKind> = {
  string: ColumnKind.Str,
  int: ColumnKind.Int,
  bigint: ColumnKind.Big,
  double: ColumnKind.Dbl,
  boolean: ColumnKind.Bool,
  timestamp: ColumnKind.Time,
};

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Timestamps DuckDB and Athena both accept: years 0001..9999 (epoch ms). */
export const TIME_MIN = -62135596800000;
export const TIME_MAX = 253402300799999;
/** Longest string value kept whole, in UTF-16 units; longer values are cut and counted. */
export const MAX_STRING_CHARS = 512 * 1024;
/** A string column is written PLAIN once it has at least this many / 2 distinct values, more than half its non-null values. */
const DICT_PROBE = 4096;
/** Dictionary limits per column chunk: entries, and UTF-16 units of all entries. */
const DICT_MAX_ENTRIES = 1 << 20;
const DICT_MAX_CHARS = 16 * 1024 * 1024;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the Parquet writer assumes a little-endian CPU');

/**
 * Per string column: dictionary mode (`dicts` a Map, `ids` entry indices, -1 = null) or plain mode (`dicts` null, `ids` 0 or
 * -1 = null, the values' PLAIN bytes written at once into a buffer: holding the strings themselves would keep each
 * row's whole line alive and promote it to the old generation, which measured ~3 us per row of GC).
 */
interface StrState {
  dicts: (Map<string, number> | null)[];
  ids: Int32Array[];
  /** Plain mode: PLAIN bytes per column, bytes used, and the end offset of each row's value. */
  plainBytes: Buffer[];
  plainUsed: number[];
  plainEnds: Int32Array[];
  /** Last value and its index, per column (rows repeat: one comparison instead of a lookup). */
  lastValue: (string | null)[];
  lastId: number[];
  /** Dictionary entries, in index order. */
  entries: string[][];
  /**
   * A direct-mapped cache per column: slot (from the length and two characters) -> entry index, or -1. A hit costs
   * two character reads and one comparison; a Map lookup first hashes the whole (new, sliced) string.
   */
  cache: Int32Array[];
}

/** Slots of the per-column lookup cache (a power of two). */
const CACHE_SLOTS = 512;

/**
 * One column of a {@link RowBatch}: strings as dictionary ids (-1 = NULL) over entries (`str`), or over distinct
 * values given as printable-ASCII bytes (`ascii`: value `e` is `bytes[starts[e], starts[e] + lens[e])`, made a string
 * only where a dictionary needs one; a plain column copies the bytes), or numbers with presence.
 */
export type BatchColumn = StrColumn | AsciiColumn | { readonly t: 'num'; readonly vals: Float64Array; readonly present: Uint8Array };

/** A batch string column over distinct values given as strings (null: the value is NULL). */
export interface StrColumn {
  readonly t: 'str';
  readonly ids: Int32Array;
  readonly entries: readonly (string | null)[];
}

/** A batch string column whose distinct values are printable ASCII bytes (the same bytes in Latin-1 and UTF-8). */
export interface AsciiColumn {
  readonly t: 'ascii';
  readonly ids: Int32Array;
  /** Distinct values. */
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly lens: Int32Array;
}

/**
 * Rows i.. of a batch string column into dictionary indices `ids` (from row `r`), while each row is null or a value
 * `remap` already has an index for; returns the first row that is neither (or `to`).
 */
function remapKnown(ids: Int32Array, remap: Int32Array, I: Int32Array, i: number, to: number, r: number): number {
  for (; i < to; i++, r++) {
    const id = ids[i];
    if (id < 0) I[r] = -1;
    else {
      const x = remap[id];
      if (x < 0) return i;
      I[r] = x;
    }
  }
  return to;
}

/** The distinct values of an `ascii` batch column as strings. */
export function asciiEntries(col: AsciiColumn): string[] {
  const out: string[] = new Array<string>(col.count);
  const b = Buffer.from(col.bytes.buffer, col.bytes.byteOffset, col.bytes.byteLength);
  for (let e = 0; e < col.count; e++) out[e] = b.toString('latin1', col.starts[e], col.starts[e] + col.lens[e]);
  return out;
}

/** Rows in columns (the IIS kernel's output): a column not given is NULL in every row. */
export interface RowBatch {
  readonly rows: number;
  readonly cols: ReadonlyMap<string, BatchColumn>;
  /**
   * An upper bound of the UTF-16 units the batch's strings can add per row, summed over its rows (e.g. the bytes of
   * the lines they were cut from): when the bound cannot reach the flush threshold, rows are appended column by
   * column (fast), else row by row. @default - unknown: row by row
   */
  readonly charsBound?: number;
}

type Appender = (
  row: Row,
  r: number,
  st: StrState,
  N: (Float64Array | Int32Array | Uint8Array)[],
  P: Uint8Array[],
  b: ColumnBuffer,
) => number;

const appenderCache = new Map<string, Appender>();

/**
 * Builds a table's appender: strings go to a per-row-group dictionary (`st.ids[i][r]` = index) or, for a column
 * whose values are mostly distinct, to `st.S[i][r]`; other types to `N[i][r]` and `P[i][r]` (present). Returns
 * the UTF-16 units of the strings kept (dictionary entries and plain values: what the row group holds on to).
 * Common value types are handled inline, the rest goes through {@link ColumnBuffer.coerce}.
 */
function compileAppender(names: readonly string[], kinds: readonly ColumnKind[]): Appender {
  const key = names.map((n, i) => `${n}:${kinds[i]}`).join(',');
  const cached = appenderCache.get(key);
  if (cached) return cached;
  const lines: string[] = [
    'let v, x, d, h, n, c = 0;',
    'const D = st.dicts, I = st.ids, L = st.lastValue, LI = st.lastId, E = st.entries, C = st.cache;',
  ];
  names.forEach((name, i) => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`column name "${name}" cannot be compiled`);
    const slowNum = `{ v = b.coerce(${i}, v); if (v === null) P[${i}][r] = 0; else { N[${i}][r] = v; P[${i}][r] = 1; } }`;
    switch (kinds[i]) {
      case ColumnKind.Str:
        lines.push(
          `v = row.${name}; d = D[${i}];`,
          `if (v === undefined || v === null) { I[${i}][r] = -1; if (d === null) st.plainEnds[${i}][r] = st.plainUsed[${i}]; }`,
          `else {`,
          `  if (typeof v !== 'string' || v.length > ${MAX_STRING_CHARS}) v = b.coerce(${i}, v);`,
          `  if (d === null) c += b.plain(${i}, v, r);`,
          `  else if (v === L[${i}]) I[${i}][r] = LI[${i}];`,
          `  else {`,
          `    n = v.length; h = (n * 97 + v.charCodeAt(n - 1) * 7 + v.charCodeAt(n >> 1)) & ${CACHE_SLOTS - 1};`,
          `    x = C[${i}][h];`,
          `    if (x < 0 || E[${i}][x] !== v) {`,
          `      x = d.get(v);`,
          `      if (x === undefined) { c += n; x = b.entry(${i}, v, r); }`,
          `      if (x >= 0) C[${i}][h] = x;`,
          `    }`,
          `    if (x >= 0) { I[${i}][r] = x; L[${i}] = v; LI[${i}] = x; }`,
          `  }`,
          `}`,
        );
        break;
      case ColumnKind.Int:
        lines.push(
          `v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && (v | 0) === v) { N[${i}][r] = v; P[${i}][r] = 1; } else ${slowNum}`,
        );
        break;
      case ColumnKind.Big:
        lines.push(
          `v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && Number.isSafeInteger(v)) { N[${i}][r] = v; P[${i}][r] = 1; } else ${slowNum}`,
        );
        break;
      case ColumnKind.Time:
        lines.push(
          `v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && v >= ${TIME_MIN} && v <= ${TIME_MAX}) { N[${i}][r] = Math.floor(v); P[${i}][r] = 1; } else ${slowNum}`,
        );
        break;
      default:
        lines.push(`v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else ${slowNum}`);
    }
  });
  lines.push('return c;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema's column names (checked above), never from input
  const fn = new Function(`return function appendRow(row, r, st, N, P, b) {\n${lines.join('\n')}\n};`)() as Appender;
  appenderCache.set(key, fn);
  return fn;
}

/** The rows of one row group of one table, by column. */
export class ColumnBuffer {
  readonly names: readonly string[];
  readonly kinds: readonly ColumnKind[];
  /** Rows buffered. */
  rows = 0;
  /** UTF-16 units of the strings the row group holds (dictionary entries and plain values). */
  chars = 0;
  /** Column name -> values stored as NULL because they did not fit the column type (or cut: "<name> (truncated)"). */
  readonly coercions = new Map<string, number>();
  private capacity: number;
  private readonly st: StrState = {
    dicts: [],
    ids: [],
    plainBytes: [],
    plainUsed: [],
    plainEnds: [],
    lastValue: [],
    lastId: [],
    entries: [],
    cache: [],
  };
  /** UTF-16 units of each column's dictionary entries. */
  private readonly dictChars: number[] = [];
  private readonly N: (Float64Array | Int32Array | Uint8Array)[] = [];
  private readonly P: Uint8Array[] = [];
  private readonly append: Appender;
  /** Columns with one value for every row (e.g. the upload id): table index -> value. */
  private readonly constants: (string | null)[];
  /** Table column index of each appended column. */
  private readonly appendedIndex: number[] = [];

  /**
   * @param constants column name -> the value of every row (not read from the rows).
   */
  constructor(
    readonly table: TableDef,
    constants: Readonly<Record<string, string>> = {},
    private readonly initialCapacity = 1024,
  ) {
    this.names = table.columns.map((c) => c.name);
    this.kinds = table.columns.map((c) => KIND[c.type]);
    this.constants = this.names.map((n) => constants[n] ?? null);
    for (const [n, v] of Object.entries(constants)) {
      const i = this.names.indexOf(n);
      if (i < 0 || this.kinds[i] !== ColumnKind.Str || typeof v !== 'string')
        throw new Error(`constant column "${n}" is not a string column of ${table.name}`);
    }
    this.capacity = initialCapacity;
    this.names.forEach((_, i) => {
      if (this.constants[i] === null) this.appendedIndex.push(i);
    });
    this.append = compileAppender(
      this.appendedIndex.map((i) => this.names[i]),
      this.appendedIndex.map((i) => this.kinds[i]),
    );
    const st = this.st;
    for (const ci of this.appendedIndex) {
      const k = this.kinds[ci];
      const str = k === ColumnKind.Str;
      st.dicts.push(str ? new Map() : null);
      st.ids.push(str ? recycled(Int32Array, initialCapacity) : (null as never));
      st.plainBytes.push(null as never);
      st.plainUsed.push(0);
      st.plainEnds.push(null as never);
      st.lastValue.push(null);
      st.lastId.push(-1);
      st.entries.push(str ? [] : (null as never));
      st.cache.push(str ? new Int32Array(CACHE_SLOTS).fill(-1) : (null as never));
      this.dictChars.push(0);
      this.N.push(str ? (null as never) : newNumbers(k, initialCapacity));
      this.P.push(str ? (null as never) : recycled(Uint8Array, initialCapacity));
    }
  }

  /** Appends one row (missing columns are NULL). */
  add(row: Row): void {
    const r = this.rows;
    if (r === this.capacity) this.grow();
    // Not `this.chars += this.append(...)`: that reads `chars` before the call, and would lose what a switch to
    // plain values inside it (toPlain) adds.
    const c = this.append(row, r, this.st, this.N, this.P, this);
    this.chars += c;
    this.rows = r + 1;
  }

  /**
   * Appends rows [from, to) of `batch` with exactly {@link add}'s rules and results (dictionary order, plain switch,
   * coercions, `chars`), stopping after the row that brings `rows` to `maxRows` or `chars * 2` to `maxChars2` (where
   * the lake writer flushes after a single row). Returns the rows appended. A batch string is looked up in the
   * dictionary once per distinct value, not once per row.
   */
  addBatch(batch: RowBatch, from: number, to: number, maxRows: number, maxChars2: number): number {
    const span = Math.min(to - from, maxRows - this.rows);
    if (span > 0 && batch.charsBound !== undefined && (this.chars + batch.charsBound + 4 * span) * 2 < maxChars2)
      return this.addColumns(batch, from, from + span);
    return this.addRows(batch, from, to, maxRows, maxChars2);
  }

  /**
   * Rows [from, to) column by column: the same values as row by row, since a column's values depend only on its own
   * earlier rows (the caller has made sure no flush threshold falls inside).
   */
  private addColumns(batch: RowBatch, from: number, to: number): number {
    const st = this.st;
    const n = to - from;
    while (this.rows + n > this.capacity) this.grow();
    const r0 = this.rows;
    let c = 0;
    for (let a = 0; a < this.appendedIndex.length; a++) {
      const ci = this.appendedIndex[a];
      const k = this.kinds[ci];
      const col = batch.cols.get(this.names[ci]);
      if (k === ColumnKind.Str) {
        if (col === undefined) {
          st.ids[a].fill(-1, r0, r0 + n);
          if (st.dicts[a] === null) st.plainEnds[a].fill(st.plainUsed[a], r0, r0 + n);
          continue;
        }
        if (col.t === 'num') throw new Error(`batch column ${this.names[ci]} is ${col.t}, the table's is not`);
        c += this.strColumn(a, col, from, to, r0);
      } else {
        const P = this.P[a];
        const N = this.N[a];
        if (col === undefined) {
          P.fill(0, r0, r0 + n);
          continue;
        }
        if (col.t !== 'num') throw new Error(`batch column ${this.names[ci]} is ${col.t}, the table's is not`);
        const vals = col.vals;
        const present = col.present;
        for (let i = from, r = r0; i < to; i++, r++) {
          if (present[i] === 0) {
            P[r] = 0;
            continue;
          }
          const v = vals[i];
          const ok =
            k === ColumnKind.Int
              ? (v | 0) === v
              : k === ColumnKind.Big
                ? Number.isSafeInteger(v)
                : k === ColumnKind.Time
                  ? v >= TIME_MIN && v <= TIME_MAX
                  : false;
          if (ok) {
            N[r] = k === ColumnKind.Time ? Math.floor(v) : v;
            P[r] = 1;
          } else {
            const w = this.coerce(a, v);
            if (w === null) P[r] = 0;
            else {
              N[r] = w as number;
              P[r] = 1;
            }
          }
        }
      }
    }
    this.chars += c;
    this.rows = r0 + n;
    return n;
  }

  /**
   * One string column of batch rows [from, to) at rows r0...: in dictionary mode, ids remapped once per distinct
   * value; in plain mode, each value's UTF-8 bytes made once per distinct value (`ascii`: copied from the batch).
   */
  private strColumn(a: number, col: StrColumn | AsciiColumn, from: number, to: number, r0: number): number {
    const st = this.st;
    const ids = col.ids;
    const I = st.ids[a];
    const ascii = col.t === 'ascii' ? col : null;
    const given = col.t === 'str' ? col.entries : null;
    const count = ascii !== null ? ascii.count : given!.length;
    const bytes = ascii !== null ? Buffer.from(ascii.bytes.buffer, ascii.bytes.byteOffset, ascii.bytes.byteLength) : null;
    // A value as a string: given (`str`), or made from its bytes on first use (`ascii`, dictionary mode only).
    const made: (string | undefined)[] = [];
    const valueOf = (id: number): string | null =>
      given !== null ? given[id] : (made[id] ??= bytes!.toString('latin1', ascii!.starts[id], ascii!.starts[id] + ascii!.lens[id]));
    let c = 0;
    let i = from;
    let r = r0;
    if (st.dicts[a] !== null) {
      // remap[id]: the entry (>= 0); -2: not seen yet in this batch; <= -3: entry -3 - x of a value over
      // MAX_STRING_CHARS (each row counts its cut, as row by row).
      const remap = new Int32Array(count).fill(-2);
      for (; i < to; i++, r++) {
        // Nulls and values already seen in this batch, in a tight loop; below, the first sight of a value.
        const k = remapKnown(ids, remap, I, i, to, r);
        r += k - i;
        i = k;
        if (i >= to) break;
        const id = ids[i];
        const x = remap[id];
        let v = valueOf(id);
        if (v === null) {
          I[r] = -1;
          continue;
        }
        if (x <= -3) {
          this.coerce(a, v);
          I[r] = -3 - x;
          continue;
        }
        const long = v.length > MAX_STRING_CHARS;
        if (long) v = this.coerce(a, v) as string;
        const found = st.dicts[a]!.get(v);
        let y: number;
        if (found === undefined) {
          c += v.length;
          y = this.entry(a, v, r);
        } else y = found;
        if (y < 0) {
          // The column has just turned plain (row r stored so): the rest of the batch below.
          i++;
          r++;
          break;
        }
        remap[id] = long ? -3 - y : y;
        I[r] = y;
      }
      if (i >= to) return c;
    }
    const O = st.plainEnds[a];
    if (ascii !== null) {
      const { starts, lens } = ascii;
      for (; i < to; i++, r++) {
        const id = ids[i];
        if (id < 0) {
          I[r] = -1;
          O[r] = st.plainUsed[a];
          continue;
        }
        const len = lens[id];
        if (len > MAX_STRING_CHARS)
          c += this.plain(a, this.coerce(a, bytes!.toString('latin1', starts[id], starts[id] + len)) as string, r);
        else c += this.plainAscii(a, bytes!, starts[id], len, r);
      }
      return c;
    }
    /** Each distinct value's UTF-8 bytes, made once per batch. */
    const utf8: (Buffer | undefined)[] = [];
    for (; i < to; i++, r++) {
      const id = ids[i];
      const v = id < 0 ? null : given![id];
      if (v === null) {
        I[r] = -1;
        O[r] = st.plainUsed[a];
        continue;
      }
      if (v.length > MAX_STRING_CHARS) {
        c += this.plain(a, this.coerce(a, v) as string, r);
        continue;
      }
      let b = utf8[id];
      if (b === undefined) utf8[id] = b = Buffer.from(v, 'utf8');
      c += this.plainBytes(a, v.length, b, r);
    }
    return c;
  }

  private addRows(batch: RowBatch, from: number, to: number, maxRows: number, maxChars2: number): number {
    const st = this.st;
    const nA = this.appendedIndex.length;
    const cols: (BatchColumn | null)[] = [];
    const kinds: ColumnKind[] = [];
    const remaps: (Int32Array | null)[] = [];
    for (let a = 0; a < nA; a++) {
      const ci = this.appendedIndex[a];
      const given = batch.cols.get(this.names[ci]) ?? null;
      // Row by row (rare: where a flush can fall inside the batch) takes every value as a string.
      const col: BatchColumn | null =
        given !== null && given.t === 'ascii' ? { t: 'str', ids: given.ids, entries: asciiEntries(given) } : given;
      const k = this.kinds[ci];
      if (col !== null && (col.t === 'str') !== (k === ColumnKind.Str))
        throw new Error(`batch column ${this.names[ci]} is ${col.t}, the table's is not`);
      cols.push(col);
      kinds.push(k);
      remaps.push(col !== null && col.t === 'str' ? new Int32Array(col.entries.length).fill(-2) : null);
    }
    for (let row = from; row < to; row++) {
      const r = this.rows;
      if (r === this.capacity) this.grow();
      let c = 0;
      for (let a = 0; a < nA; a++) {
        const col = cols[a];
        if (kinds[a] === ColumnKind.Str) {
          const id = col === null ? -1 : (col as { ids: Int32Array }).ids[row];
          let v = id < 0 ? null : (col as { entries: readonly (string | null)[] }).entries[id];
          const d = st.dicts[a];
          if (v === null) {
            st.ids[a][r] = -1;
            if (d === null) st.plainEnds[a][r] = st.plainUsed[a];
            continue;
          }
          if (v.length > MAX_STRING_CHARS) v = this.coerce(a, v) as string;
          if (d === null) {
            c += this.plain(a, v, r);
            continue;
          }
          const remap = remaps[a]!;
          let x = remap[id];
          if (x === -2) {
            const found = d.get(v);
            if (found === undefined) {
              c += v.length;
              x = this.entry(a, v, r);
            } else x = found;
            if (x >= 0) remap[id] = x;
          }
          if (x >= 0) st.ids[a][r] = x;
        } else {
          const num = col as { vals: Float64Array; present: Uint8Array } | null;
          if (num === null || num.present[row] === 0) {
            this.P[a][r] = 0;
            continue;
          }
          const v = num.vals[row];
          let ok = false;
          if (kinds[a] === ColumnKind.Int) ok = (v | 0) === v;
          else if (kinds[a] === ColumnKind.Big) ok = Number.isSafeInteger(v);
          else if (kinds[a] === ColumnKind.Time) ok = v >= TIME_MIN && v <= TIME_MAX;
          if (ok) {
            this.N[a][r] = kinds[a] === ColumnKind.Time ? Math.floor(v) : v;
            this.P[a][r] = 1;
          } else {
            const w = this.coerce(a, v);
            if (w === null) this.P[a][r] = 0;
            else {
              this.N[a][r] = w as number;
              this.P[a][r] = 1;
            }
          }
        }
      }
      this.chars += c;
      this.rows = r + 1;
      if (this.rows >= maxRows || this.chars * 2 >= maxChars2) return row - from + 1;
    }
    return to - from;
  }

  /**
   * A new dictionary entry `v` of appended string column `ai` at row `r`: its index, or -1 when the column has just
   * switched to plain values (mostly distinct: request ids), `v` then stored as such.
   */
  entry(ai: number, v: string, r: number): number {
    const st = this.st;
    const e = st.entries[ai];
    const i = e.length;
    if (
      (i >= DICT_PROBE / 2 && i % 1024 === 0 && i * 2 > this.nonNull(ai, r)) ||
      i >= DICT_MAX_ENTRIES ||
      this.dictChars[ai] + v.length > DICT_MAX_CHARS
    ) {
      this.toPlain(ai, r);
      this.plain(ai, v, r);
      return -1;
    }
    st.dicts[ai]!.set(v, i);
    e.push(v);
    this.dictChars[ai] += v.length;
    return i;
  }

  /** Non-null values of dictionary column `ai` in rows [0, r) (counted only every 1024 new entries). */
  private nonNull(ai: number, r: number): number {
    const idx = this.st.ids[ai];
    let n = 0;
    for (let k = 0; k < r; k++) if (idx[k] >= 0) n++;
    return n;
  }

  /** Rows [0, r) of a dictionary column become plain values; the column stays plain for this buffer's life. */
  private toPlain(ai: number, r: number): void {
    const st = this.st;
    const e = st.entries[ai];
    const idx = st.ids[ai];
    st.plainBytes[ai] ??= recycledBuffer(64 * 1024);
    st.plainEnds[ai] = recycled(Int32Array, this.capacity);
    st.plainUsed[ai] = 0;
    st.dicts[ai] = null;
    st.lastValue[ai] = null;
    // The row group now holds each plain value's bytes, not each distinct string.
    let chars = 0;
    for (const x of e) chars -= x.length;
    for (let k = 0; k < r; k++) {
      if (idx[k] < 0) st.plainEnds[ai][k] = st.plainUsed[ai];
      else chars += this.plain(ai, e[idx[k]], k);
    }
    this.chars += chars;
    st.entries[ai] = [];
    st.cache[ai].fill(-1);
    this.dictChars[ai] = 0;
  }

  /** Appends `v`'s PLAIN bytes (length + UTF-8) to plain column `ai` at row `r`; returns the bytes added. */
  plain(ai: number, v: string, r: number): number {
    const pos = this.reservePlain(ai, v.length);
    const len = v.length === 0 ? 0 : this.st.plainBytes[ai].write(v, pos + 4, 'utf8');
    return this.endPlain(ai, pos, len, r);
  }

  /** Room for a plain value of `chars` UTF-16 units (at most 3 UTF-8 bytes each) plus its length; returns where it starts. */
  private reservePlain(ai: number, chars: number): number {
    const st = this.st;
    const buf = st.plainBytes[ai];
    const pos = st.plainUsed[ai];
    const need = 4 + 3 * chars;
    if (pos + need > buf.length) {
      const next = recycledBuffer(Math.max(buf.length * 2, pos + need));
      buf.copy(next, 0, 0, pos);
      st.plainBytes[ai] = next;
      giveBack([buf.buffer]);
    }
    return pos;
  }

  /** Writes the 4-byte length of the `len` value bytes at `pos` and records row `r`; returns the bytes added. */
  private endPlain(ai: number, pos: number, len: number, r: number): number {
    const st = this.st;
    const buf = st.plainBytes[ai];
    buf[pos] = len & 0xff;
    buf[pos + 1] = (len >>> 8) & 0xff;
    buf[pos + 2] = (len >>> 16) & 0xff;
    buf[pos + 3] = (len >>> 24) & 0xff;
    st.plainUsed[ai] = pos + 4 + len;
    st.ids[ai][r] = 0;
    st.plainEnds[ai][r] = pos + 4 + len;
    return 4 + len;
  }

  /** {@link plain} for a value whose UTF-8 `bytes` are known (`chars`: its length in UTF-16 units). */
  private plainBytes(ai: number, chars: number, bytes: Uint8Array, r: number): number {
    const pos = this.reservePlain(ai, chars);
    const buf = this.st.plainBytes[ai];
    const len = bytes.length;
    if (len < 32) for (let k = 0; k < len; k++) buf[pos + 4 + k] = bytes[k];
    else buf.set(bytes, pos + 4);
    return this.endPlain(ai, pos, len, r);
  }

  /** {@link plain} for a printable-ASCII value: its `len` bytes at `start` of `src` (UTF-8 as they are). */
  private plainAscii(ai: number, src: Buffer, start: number, len: number, r: number): number {
    const pos = this.reservePlain(ai, len);
    const buf = this.st.plainBytes[ai];
    if (len < 48) for (let k = 0; k < len; k++) buf[pos + 4 + k] = src[start + k];
    else src.copy(buf, pos + 4, start, start + len);
    return this.endPlain(ai, pos, len, r);
  }

  /** Drops the buffered rows (after {@link encode}), keeping the arrays; each dictionary starts again. */
  reset(): void {
    const st = this.st;
    for (let a = 0; a < this.appendedIndex.length; a++) {
      if (this.kinds[this.appendedIndex[a]] !== ColumnKind.Str) continue;
      if (st.dicts[a] !== null) {
        st.dicts[a] = new Map();
        st.entries[a] = [];
        st.cache[a].fill(-1);
        this.dictChars[a] = 0;
      } else st.plainUsed[a] = 0;
      st.lastValue[a] = null;
      st.lastId[a] = -1;
    }
    this.rows = 0;
    this.chars = 0;
  }

  /** Bytes held by the column arrays and plain-value buffers (their capacity, whether rows fill it or not). */
  allocatedBytes(): number {
    const st = this.st;
    let n = 0;
    for (let a = 0; a < this.appendedIndex.length; a++) {
      n += st.ids[a]?.byteLength ?? 0;
      n += st.plainEnds[a]?.byteLength ?? 0;
      n += st.plainBytes[a]?.length ?? 0;
      n += this.N[a]?.byteLength ?? 0;
      n += this.P[a]?.byteLength ?? 0;
    }
    return n;
  }

  /**
   * Gives the arrays back (after {@link encode} and {@link reset}, for a day that has gone quiet): a part that gets
   * rows again grows them again. Without this, every day of a long upload kept a full row group's arrays.
   */
  release(): void {
    if (this.rows !== 0) throw new Error('release() with rows buffered');
    const st = this.st;
    const cap = this.initialCapacity;
    // The arrays go back to the pool (array-pool.ts) for the next row groups of any day.
    const given: ArrayBufferLike[] = [];
    for (let a = 0; a < this.appendedIndex.length; a++) {
      const k = this.kinds[this.appendedIndex[a]];
      if (k === ColumnKind.Str) {
        given.push(st.ids[a].buffer);
        st.ids[a] = recycled(Int32Array, cap);
        if (st.plainEnds[a]) {
          given.push(st.plainEnds[a].buffer);
          st.plainEnds[a] = recycled(Int32Array, cap);
        }
        if (st.plainBytes[a]) {
          given.push(st.plainBytes[a].buffer);
          st.plainBytes[a] = recycledBuffer(64 * 1024);
        }
      } else {
        given.push(this.N[a].buffer, this.P[a].buffer);
        this.N[a] = newNumbers(k, cap);
        this.P[a] = recycled(Uint8Array, cap);
      }
    }
    giveBack(given);
    this.capacity = cap;
  }

  /**
   * The value stored for `v` in appended column `ai`, or null (counted). The generic path: the compiled appender
   * handles the common cases inline and calls this for the rest (wrong types, long strings, numeric strings).
   */
  coerce(ai: number, v: unknown): string | number | null {
    const ci = this.appendedIndex[ai];
    const name = this.names[ci];
    switch (this.kinds[ci]) {
      case ColumnKind.Str: {
        let t = typeof v === 'string' ? v : String(v);
        if (t.length > MAX_STRING_CHARS) {
          t = t.slice(0, MAX_STRING_CHARS);
          this.count(`${name} (truncated)`);
        }
        return t;
      }
      case ColumnKind.Int: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : NaN;
        if (Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX) return n;
        break;
      }
      case ColumnKind.Big: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
        if (Number.isSafeInteger(n)) return n;
        break;
      }
      case ColumnKind.Dbl: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isFinite(n)) return n;
        break;
      }
      case ColumnKind.Bool:
        if (typeof v === 'boolean') return v ? 1 : 0;
        break;
      case ColumnKind.Time:
        if (typeof v === 'number' && v >= TIME_MIN && v <= TIME_MAX) return Math.floor(v);
        break;
    }
    this.count(name);
    return null;
  }

  private count(key: string): void {
    this.coercions.set(key, (this.coercions.get(key) ?? 0) + 1);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const st = this.st;
    const old: ArrayBufferLike[] = [];
    for (let a = 0; a < this.appendedIndex.length; a++) {
      const k = this.kinds[this.appendedIndex[a]];
      if (k === ColumnKind.Str) {
        const idx = recycled(Int32Array, cap);
        idx.set(st.ids[a]);
        old.push(st.ids[a].buffer);
        st.ids[a] = idx;
        if (st.plainEnds[a]) {
          const o = recycled(Int32Array, cap);
          o.set(st.plainEnds[a]);
          old.push(st.plainEnds[a].buffer);
          st.plainEnds[a] = o;
        }
        continue;
      }
      const n = newNumbers(k, cap);
      n.set(this.N[a]);
      const p = recycled(Uint8Array, cap);
      p.set(this.P[a]);
      old.push(this.N[a].buffer, this.P[a].buffer);
      this.N[a] = n;
      this.P[a] = p;
    }
    giveBack(old);
    this.capacity = cap;
  }

  /**
   * Hands over the buffered rows of every column (table order) for the page worker: the arrays themselves (shared
   * memory: the worker sends it back to the pool), replaced here by recycled ones of the same size. Call
   * {@link reset} after.
   */
  snapshot(): ColumnSnapshot[] {
    const out: ColumnSnapshot[] = [];
    const st = this.st;
    const rows = this.rows;
    const cap = this.capacity;
    let a = 0;
    for (let ci = 0; ci < this.names.length; ci++) {
      const k = this.kinds[ci];
      const constant = this.constants[ci];
      if (constant !== null) {
        out.push({ t: 'const', value: constant, rows });
        continue;
      }
      if (k !== ColumnKind.Str) {
        out.push({ t: 'num', kind: k, vals: this.N[a], present: this.P[a], rows });
        this.N[a] =
          k === ColumnKind.Int
            ? recycled(Int32Array, cap)
            : k === ColumnKind.Bool
              ? recycled(Uint8Array, cap)
              : recycled(Float64Array, cap);
        this.P[a] = recycled(Uint8Array, cap);
      } else if (st.dicts[a] !== null) {
        out.push({ t: 'dict', ids: st.ids[a], entries: st.entries[a], rows });
        st.ids[a] = recycled(Int32Array, cap);
      } else {
        out.push({ t: 'plain', present: st.ids[a], ends: st.plainEnds[a], bytes: st.plainBytes[a].subarray(0, st.plainUsed[a]), rows });
        st.ids[a] = recycled(Int32Array, cap);
        st.plainEnds[a] = recycled(Int32Array, cap);
        st.plainBytes[a] = recycledBuffer(st.plainBytes[a].length);
      }
      a++;
    }
    return out;
  }
}

function newNumbers(k: ColumnKind, n: number): Float64Array | Int32Array | Uint8Array {
  return k === ColumnKind.Int ? recycled(Int32Array, n) : k === ColumnKind.Bool ? recycled(Uint8Array, n) : recycled(Float64Array, n);
}
