/**
 * One row group of one table in columns, and its encoding into Parquet pages.
 *
 * Rows are appended synchronously from the parsers' hot loop by a compiled
 * appender (straight-line code, one constant property read per column: a keyed
 * read in a loop over 40 names is megamorphic). Values are checked against the
 * column type here: a value of the wrong type is stored as NULL and counted
 * ({@link ColumnBuffer.coercions}), a string longer than
 * {@link MAX_STRING_CHARS} is cut and counted, so a bad value never fails a
 * file.
 *
 * {@link ColumnBuffer.encode} turns the buffered rows into pages:
 * - strings: dictionary-encoded (PLAIN_DICTIONARY) when values repeat, which web
 *   logs do (hosts, methods, paths, agents); PLAIN when they do not (request ids);
 * - numbers and timestamps: PLAIN, with min/max statistics;
 * - definition levels (every column is OPTIONAL): RLE/bit-packed hybrid.
 * Compression happens later, off the JS thread ({@link ParquetFileWriter}).
 */
import { type EncodedColumn, type EncodedPage } from './parquet/file-writer';
import { Encoding, PageType } from './parquet/format';
import { bitWidth, ByteSink, encodeHybrid } from './parquet/rle';
import { writeInt64LE } from './parquet/thrift';
import type { ColumnType, Row, TableDef } from './schema';

export const enum Kind { Str, Int, Big, Dbl, Bool, Time }

const KIND: Record<ColumnType, Kind> = {
  string: Kind.Str,
  int: Kind.Int,
  bigint: Kind.Big,
  double: Kind.Dbl,
  boolean: Kind.Bool,
  timestamp: Kind.Time,
};

const TWO32 = 2 ** 32;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Timestamps DuckDB and Athena both accept: years 0001..9999 (epoch ms). */
export const TIME_MIN = -62135596800000;
export const TIME_MAX = 253402300799999;
/** Longest string value kept whole, in UTF-16 units; longer values are cut and counted. */
export const MAX_STRING_CHARS = 512 * 1024;
/** Rows per data page. */
const PAGE_ROWS = 32_768;
/** A string column is written PLAIN once it has at least this many / 2 distinct values, more than half its non-null values. */
const DICT_PROBE = 4096;
/** Dictionary limits per column chunk: entries, and UTF-16 units of all entries. */
const DICT_MAX_ENTRIES = 1 << 20;
const DICT_MAX_CHARS = 16 * 1024 * 1024;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the Parquet writer assumes a little-endian CPU');

/**
 * Per string column: dictionary mode (`D` a Map, `I` entry indices, -1 = null) or plain mode (`D` null, `I` 0 or
 * -1 = null, the values' PLAIN bytes written at once into a buffer: holding the strings themselves would keep each
 * row's whole line alive and promote it to the old generation, which measured ~3 us per row of GC).
 */
interface StrState {
  D: (Map<string, number> | null)[];
  I: Int32Array[];
  /** Plain mode: PLAIN bytes per column, bytes used, and the end offset of each row's value. */
  PB: Buffer[];
  PP: number[];
  O: Int32Array[];
  /** Last value and its index, per column (rows repeat: one comparison instead of a lookup). */
  L: (string | null)[];
  LI: number[];
  /** Dictionary entries, in index order. */
  E: string[][];
  /**
   * A direct-mapped cache per column: slot (from the length and two characters) -> entry index, or -1. A hit costs
   * two character reads and one comparison; a Map lookup first hashes the whole (new, sliced) string.
   */
  C: Int32Array[];
}

/** Slots of the per-column lookup cache (a power of two). */
const CACHE_SLOTS = 512;

type Appender = (row: Row, r: number, st: StrState, N: (Float64Array | Int32Array | Uint8Array)[], P: Uint8Array[], b: ColumnBuffer) => number;

const appenderCache = new Map<string, Appender>();

/**
 * Builds a table's appender: strings go to a per-row-group dictionary (`st.I[i][r]` = index) or, for a column
 * whose values are mostly distinct, to `st.S[i][r]`; other types to `N[i][r]` and `P[i][r]` (present). Returns
 * the UTF-16 units of the strings kept (dictionary entries and plain values: what the row group holds on to).
 * Common value types are handled inline, the rest goes through {@link ColumnBuffer.coerce}.
 */
function compileAppender(names: readonly string[], kinds: readonly Kind[]): Appender {
  const key = names.map((n, i) => `${n}:${kinds[i]}`).join(',');
  const cached = appenderCache.get(key);
  if (cached) return cached;
  const lines: string[] = ['let v, x, d, h, n, c = 0;', 'const D = st.D, I = st.I, L = st.L, LI = st.LI, E = st.E, C = st.C;'];
  names.forEach((name, i) => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`column name "${name}" cannot be compiled`);
    const slowNum = `{ v = b.coerce(${i}, v); if (v === null) P[${i}][r] = 0; else { N[${i}][r] = v; P[${i}][r] = 1; } }`;
    switch (kinds[i]) {
      case Kind.Str:
        lines.push(
          `v = row.${name}; d = D[${i}];`,
          `if (v === undefined || v === null) { I[${i}][r] = -1; if (d === null) st.O[${i}][r] = st.PP[${i}]; }`,
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
      case Kind.Int:
        lines.push(`v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && (v | 0) === v) { N[${i}][r] = v; P[${i}][r] = 1; } else ${slowNum}`);
        break;
      case Kind.Big:
        lines.push(`v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && Number.isSafeInteger(v)) { N[${i}][r] = v; P[${i}][r] = 1; } else ${slowNum}`);
        break;
      case Kind.Time:
        lines.push(`v = row.${name}; if (v === undefined || v === null) P[${i}][r] = 0; else if (typeof v === 'number' && v >= ${TIME_MIN} && v <= ${TIME_MAX}) { N[${i}][r] = Math.floor(v); P[${i}][r] = 1; } else ${slowNum}`);
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

/** Scratch buffers reused by every encode (encoding is synchronous: one at a time). */
const scratch = {
  def: new Uint8Array(PAGE_ROWS * 2),
  idx: new Int32Array(PAGE_ROWS * 2),
  sink: new ByteSink(1 << 20),
  plain: Buffer.allocUnsafe(1 << 20),
};

function growDef(n: number): Uint8Array {
  if (scratch.def.length < n) scratch.def = new Uint8Array(n * 2);
  return scratch.def;
}

function growIdx(n: number): Int32Array {
  if (scratch.idx.length < n) scratch.idx = new Int32Array(n * 2);
  return scratch.idx;
}

function growPlain(n: number): Buffer {
  if (scratch.plain.length < n) scratch.plain = Buffer.allocUnsafe(Math.max(n, scratch.plain.length * 2));
  return scratch.plain;
}

/** The rows of one row group of one table, by column. */
export class ColumnBuffer {
  readonly names: readonly string[];
  readonly kinds: readonly Kind[];
  /** Rows buffered. */
  rows = 0;
  /** UTF-16 units of the strings the row group holds (dictionary entries and plain values). */
  chars = 0;
  /** Column name -> values stored as NULL because they did not fit the column type (or cut: "<name> (truncated)"). */
  readonly coercions = new Map<string, number>();
  private capacity: number;
  private readonly st: StrState = { D: [], I: [], PB: [], PP: [], O: [], L: [], LI: [], E: [], C: [] };
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
  constructor(readonly table: TableDef, constants: Readonly<Record<string, string>> = {}, private readonly initialCapacity = 1024) {
    this.names = table.columns.map((c) => c.name);
    this.kinds = table.columns.map((c) => KIND[c.type]);
    this.constants = this.names.map((n) => constants[n] ?? null);
    for (const [n, v] of Object.entries(constants)) {
      const i = this.names.indexOf(n);
      if (i < 0 || this.kinds[i] !== Kind.Str || typeof v !== 'string') throw new Error(`constant column "${n}" is not a string column of ${table.name}`);
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
      const str = k === Kind.Str;
      st.D.push(str ? new Map() : null);
      st.I.push(str ? new Int32Array(initialCapacity) : (null as never));
      st.PB.push(null as never);
      st.PP.push(0);
      st.O.push(null as never);
      st.L.push(null);
      st.LI.push(-1);
      st.E.push(str ? [] : (null as never));
      st.C.push(str ? new Int32Array(CACHE_SLOTS).fill(-1) : (null as never));
      this.dictChars.push(0);
      this.N.push(str ? (null as never) : newNumbers(k, initialCapacity));
      this.P.push(str ? (null as never) : new Uint8Array(initialCapacity));
    }
  }

  /** Appends one row (missing columns are NULL). */
  add(row: Row): void {
    const r = this.rows;
    if (r === this.capacity) this.grow();
    this.chars += this.append(row, r, this.st, this.N, this.P, this);
    this.rows = r + 1;
  }

  /**
   * A new dictionary entry `v` of appended string column `ai` at row `r`: its index, or -1 when the column has just
   * switched to plain values (mostly distinct: request ids), `v` then stored as such.
   */
  entry(ai: number, v: string, r: number): number {
    const st = this.st;
    const e = st.E[ai];
    const i = e.length;
    if ((i >= DICT_PROBE / 2 && i % 1024 === 0 && i * 2 > this.nonNull(ai, r)) || i >= DICT_MAX_ENTRIES || this.dictChars[ai] + v.length > DICT_MAX_CHARS) {
      this.toPlain(ai, r);
      this.plain(ai, v, r);
      return -1;
    }
    st.D[ai]!.set(v, i);
    e.push(v);
    this.dictChars[ai] += v.length;
    return i;
  }

  /** Non-null values of dictionary column `ai` in rows [0, r) (counted only every 1024 new entries). */
  private nonNull(ai: number, r: number): number {
    const idx = this.st.I[ai];
    let n = 0;
    for (let k = 0; k < r; k++) if (idx[k] >= 0) n++;
    return n;
  }

  /** Rows [0, r) of a dictionary column become plain values; the column stays plain for this buffer's life. */
  private toPlain(ai: number, r: number): void {
    const st = this.st;
    const e = st.E[ai];
    const idx = st.I[ai];
    st.PB[ai] ??= Buffer.allocUnsafe(64 * 1024);
    st.O[ai] = new Int32Array(this.capacity);
    st.PP[ai] = 0;
    st.D[ai] = null;
    st.L[ai] = null;
    // The row group now holds each plain value's bytes, not each distinct string.
    let chars = 0;
    for (const x of e) chars -= x.length;
    for (let k = 0; k < r; k++) {
      if (idx[k] < 0) st.O[ai][k] = st.PP[ai];
      else chars += this.plain(ai, e[idx[k]], k);
    }
    this.chars += chars;
    st.E[ai] = [];
    st.C[ai].fill(-1);
    this.dictChars[ai] = 0;
  }

  /** Appends `v`'s PLAIN bytes (length + UTF-8) to plain column `ai` at row `r`; returns the bytes added. */
  plain(ai: number, v: string, r: number): number {
    const st = this.st;
    let buf = st.PB[ai];
    let pos = st.PP[ai];
    const need = 4 + 3 * v.length;
    if (pos + need > buf.length) {
      const next = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + need));
      buf.copy(next, 0, 0, pos);
      st.PB[ai] = buf = next;
    }
    const len = v.length === 0 ? 0 : buf.write(v, pos + 4, 'utf8');
    buf[pos] = len & 0xff;
    buf[pos + 1] = (len >>> 8) & 0xff;
    buf[pos + 2] = (len >>> 16) & 0xff;
    buf[pos + 3] = (len >>> 24) & 0xff;
    pos += 4 + len;
    st.PP[ai] = pos;
    st.I[ai][r] = 0;
    st.O[ai][r] = pos;
    return 4 + len;
  }

  /** Drops the buffered rows (after {@link encode}), keeping the arrays; each dictionary starts again. */
  reset(): void {
    const st = this.st;
    for (let a = 0; a < this.appendedIndex.length; a++) {
      if (this.kinds[this.appendedIndex[a]] !== Kind.Str) continue;
      if (st.D[a] !== null) {
        st.D[a] = new Map();
        st.E[a] = [];
        st.C[a].fill(-1);
        this.dictChars[a] = 0;
      } else st.PP[a] = 0;
      st.L[a] = null;
      st.LI[a] = -1;
    }
    this.rows = 0;
    this.chars = 0;
  }

  /** Bytes held by the column arrays and plain-value buffers (their capacity, whether rows fill it or not). */
  allocatedBytes(): number {
    const st = this.st;
    let n = 0;
    for (let a = 0; a < this.appendedIndex.length; a++) {
      n += st.I[a]?.byteLength ?? 0;
      n += st.O[a]?.byteLength ?? 0;
      n += st.PB[a]?.length ?? 0;
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
    for (let a = 0; a < this.appendedIndex.length; a++) {
      const k = this.kinds[this.appendedIndex[a]];
      if (k === Kind.Str) {
        st.I[a] = new Int32Array(cap);
        if (st.O[a]) st.O[a] = new Int32Array(cap);
        if (st.PB[a]) st.PB[a] = Buffer.allocUnsafe(64 * 1024);
      } else {
        this.N[a] = newNumbers(k, cap);
        this.P[a] = new Uint8Array(cap);
      }
    }
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
      case Kind.Str: {
        let t = typeof v === 'string' ? v : String(v);
        if (t.length > MAX_STRING_CHARS) {
          t = t.slice(0, MAX_STRING_CHARS);
          this.count(`${name} (truncated)`);
        }
        return t;
      }
      case Kind.Int: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : NaN;
        if (Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX) return n;
        break;
      }
      case Kind.Big: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
        if (Number.isSafeInteger(n)) return n;
        break;
      }
      case Kind.Dbl: {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isFinite(n)) return n;
        break;
      }
      case Kind.Bool:
        if (typeof v === 'boolean') return v ? 1 : 0;
        break;
      case Kind.Time:
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
    for (let a = 0; a < this.appendedIndex.length; a++) {
      const k = this.kinds[this.appendedIndex[a]];
      if (k === Kind.Str) {
        const idx = new Int32Array(cap);
        idx.set(st.I[a]);
        st.I[a] = idx;
        if (st.O[a]) {
          const o = new Int32Array(cap);
          o.set(st.O[a]);
          st.O[a] = o;
        }
        continue;
      }
      const n = newNumbers(k, cap);
      n.set(this.N[a]);
      this.N[a] = n;
      const p = new Uint8Array(cap);
      p.set(this.P[a]);
      this.P[a] = p;
    }
    this.capacity = cap;
  }

  /** The buffered rows as one encoded row group (all columns, table order). */
  encode(): EncodedColumn[] {
    const out: EncodedColumn[] = [];
    const st = this.st;
    let a = 0;
    for (let ci = 0; ci < this.names.length; ci++) {
      const k = this.kinds[ci];
      const constant = this.constants[ci];
      if (constant !== null) {
        out.push(encodeConstant(constant, this.rows));
        continue;
      }
      if (k !== Kind.Str) out.push(encodeNumbers(k, this.N[a], this.P[a], this.rows));
      else if (st.D[a] !== null) out.push(encodeDictionary(st.I[a], st.E[a], this.rows));
      else out.push(encodePlain(st.I[a], st.O[a], st.PB[a], this.rows));
      a++;
    }
    return out;
  }
}

function newNumbers(k: Kind, n: number): Float64Array | Int32Array | Uint8Array {
  return k === Kind.Int ? new Int32Array(n) : k === Kind.Bool ? new Uint8Array(n) : new Float64Array(n);
}

/** A data page body: 4-byte length + definition levels (RLE, width 1) for rows [a, b), then `values`. */
function dataPage(def: Uint8Array, a: number, b: number, values: Uint8Array, encoding: Encoding): EncodedPage {
  const sink = scratch.sink;
  sink.pos = 0;
  sink.ensure(4);
  sink.pos = 4;
  encodeHybrid(def, a, b - a, 1, sink);
  const levelBytes = sink.pos - 4;
  sink.buf[0] = levelBytes & 0xff;
  sink.buf[1] = (levelBytes >>> 8) & 0xff;
  sink.buf[2] = (levelBytes >>> 16) & 0xff;
  sink.buf[3] = (levelBytes >>> 24) & 0xff;
  const body = new Uint8Array(sink.pos + values.length);
  body.set(sink.buf.subarray(0, sink.pos), 0);
  body.set(values, sink.pos);
  return { type: PageType.Data, body, numValues: b - a, encoding };
}

/** A column with one value in every row: a one-entry dictionary and all-zero indices (a few bytes per page). */
function encodeConstant(value: string, rows: number): EncodedColumn {
  const dict = plainStrings([value], 0, 1);
  const pages: EncodedPage[] = [{ type: PageType.Dictionary, body: dict, numValues: 1, encoding: Encoding.PlainDictionary }];
  const def = growDef(rows);
  def.fill(1, 0, rows);
  const idx = growIdx(rows);
  idx.fill(0, 0, rows);
  for (let a = 0; a < rows; a += PAGE_ROWS) {
    const b = Math.min(rows, a + PAGE_ROWS);
    pages.push(dataPage(def, a, b, dictIndices(idx, a, b, 1), Encoding.PlainDictionary));
  }
  return { pages, numValues: rows, nullCount: 0, min: null, max: null };
}

/** PLAIN BYTE_ARRAY encoding of the non-null `values[a .. b)` (4-byte length + UTF-8 bytes each). */
function plainStrings(values: readonly (string | null)[], a: number, b: number): Uint8Array {
  let chars = 0;
  let n = 0;
  for (let i = a; i < b; i++) {
    const v = values[i];
    if (v !== null) {
      chars += v.length;
      n++;
    }
  }
  const buf = growPlain(4 * n + 3 * chars);
  let pos = 0;
  for (let i = a; i < b; i++) {
    const v = values[i];
    if (v === null) continue;
    // One write per value measured faster than a JS byte loop, and than joining the page into one latin1 string.
    const len = v.length === 0 ? 0 : buf.write(v, pos + 4, 'utf8');
    buf[pos] = len & 0xff;
    buf[pos + 1] = (len >>> 8) & 0xff;
    buf[pos + 2] = (len >>> 16) & 0xff;
    buf[pos + 3] = (len >>> 24) & 0xff;
    pos += 4 + len;
  }
  return Uint8Array.prototype.slice.call(buf, 0, pos);
}

/** Bit width byte + RLE/bit-packed dictionary indices `idx[a .. b)` (width at least 1). */
function dictIndices(idx: Int32Array, a: number, b: number, dictSize: number): Uint8Array {
  const width = Math.max(1, bitWidth(dictSize - 1));
  const sink = new ByteSink(16 + Math.ceil(((b - a) * width) / 8) + Math.ceil((b - a) / 8) * 2);
  sink.buf[sink.pos++] = width;
  encodeHybrid(idx, a, b - a, width, sink);
  return sink.bytes();
}

/** A string column whose values are mostly distinct: PLAIN pages cut from the bytes written while appending. */
function encodePlain(present: Int32Array, ends: Int32Array, bytes: Buffer, rows: number): EncodedColumn {
  const def = growDef(rows);
  let nulls = 0;
  for (let r = 0; r < rows; r++) {
    if (present[r] < 0) {
      def[r] = 0;
      nulls++;
    } else def[r] = 1;
  }
  const pages: EncodedPage[] = [];
  for (let a = 0; a < rows; a += PAGE_ROWS) {
    const b = Math.min(rows, a + PAGE_ROWS);
    const from = a === 0 ? 0 : ends[a - 1];
    pages.push(dataPage(def, a, b, bytes.subarray(from, ends[b - 1]), Encoding.Plain));
  }
  return { pages, numValues: rows, nullCount: nulls, min: null, max: null };
}

/** A dictionary-encoded string column: `ids[r]` is the entry of row r, or -1 for NULL. */
function encodeDictionary(ids: Int32Array, entries: readonly string[], rows: number): EncodedColumn {
  const def = growDef(rows);
  const idx = growIdx(rows);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const x = ids[r];
    if (x < 0) def[r] = 0;
    else {
      def[r] = 1;
      idx[k++] = x;
    }
  }
  const nulls = rows - k;
  const pages: EncodedPage[] = [];
  if (entries.length === 0) {
    for (let a = 0; a < rows; a += PAGE_ROWS) pages.push(dataPage(def, a, Math.min(rows, a + PAGE_ROWS), new Uint8Array(0), Encoding.Plain));
    return { pages, numValues: rows, nullCount: nulls, min: null, max: null };
  }
  pages.push({ type: PageType.Dictionary, body: plainStrings(entries, 0, entries.length), numValues: entries.length, encoding: Encoding.PlainDictionary });
  let v0 = 0;
  for (let a = 0; a < rows; a += PAGE_ROWS) {
    const b = Math.min(rows, a + PAGE_ROWS);
    let present = 0;
    for (let r = a; r < b; r++) present += def[r];
    // dataPage reuses the scratch sink: the indices are encoded into their own buffer first.
    const values = dictIndices(idx, v0, v0 + present, entries.length);
    pages.push(dataPage(def, a, b, values, Encoding.PlainDictionary));
    v0 += present;
  }
  return { pages, numValues: rows, nullCount: nulls, min: null, max: null };
}

function encodeNumbers(k: Kind, vals: Float64Array | Int32Array | Uint8Array, present: Uint8Array, rows: number): EncodedColumn {
  const pages: EncodedPage[] = [];
  const width = k === Kind.Int ? 4 : k === Kind.Bool ? 0 : 8;
  let nulls = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < rows; r++) {
    if (present[r] === 0) {
      nulls++;
      continue;
    }
    const v = vals[r];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (let a = 0; a < rows; a += PAGE_ROWS) {
    const b = Math.min(rows, a + PAGE_ROWS);
    let n = 0;
    for (let r = a; r < b; r++) n += present[r];
    let out: Uint8Array;
    if (k === Kind.Bool) {
      out = new Uint8Array(Math.ceil(n / 8));
      let j = 0;
      for (let r = a; r < b; r++) {
        if (present[r] === 0) continue;
        if (vals[r]) out[j >> 3] |= 1 << (j & 7);
        j++;
      }
    } else {
      // Values go into typed arrays over one buffer (little-endian CPU, checked at load): one store per value or
      // per 32-bit half instead of a DataView call or eight byte stores.
      const buf = new ArrayBuffer(n * width);
      out = new Uint8Array(buf);
      let j = 0;
      if (k === Kind.Int) {
        const o32 = new Int32Array(buf);
        for (let r = a; r < b; r++) if (present[r] !== 0) o32[j++] = vals[r];
      } else if (k === Kind.Dbl) {
        const o64 = new Float64Array(buf);
        for (let r = a; r < b; r++) if (present[r] !== 0) o64[j++] = vals[r];
      } else {
        const o32 = new Int32Array(buf);
        const micros = k === Kind.Time;
        for (let r = a; r < b; r++) {
          if (present[r] === 0) continue;
          const v = micros ? vals[r] * 1000 : vals[r];
          if (v <= Number.MAX_SAFE_INTEGER && v >= Number.MIN_SAFE_INTEGER) {
            const hi = Math.floor(v / TWO32);
            o32[2 * j] = (v - hi * TWO32) | 0;
            o32[2 * j + 1] = hi;
          } else {
            writeMicros(out, vals[r], 8 * j);
          }
          j++;
        }
      }
    }
    pages.push(dataPage(present, a, b, out, Encoding.Plain));
  }
  if (nulls === rows) return { pages, numValues: rows, nullCount: nulls, min: null, max: null };
  return { pages, numValues: rows, nullCount: nulls, min: plainValue(k, min), max: plainValue(k, max) };
}

/** Epoch ms as INT64 microseconds (exact beyond 2^53 µs too). */
function writeMicros(out: Uint8Array, ms: number, pos: number): void {
  const us = ms * 1000;
  if (Number.isSafeInteger(us)) writeInt64LE(out, us, pos);
  else new DataView(out.buffer, out.byteOffset).setBigInt64(pos, BigInt(ms) * 1000n, true);
}

function plainValue(k: Kind, v: number): Uint8Array {
  switch (k) {
    case Kind.Int: {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, v, true);
      return b;
    }
    case Kind.Dbl: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, true);
      return b;
    }
    case Kind.Bool:
      return new Uint8Array([v ? 1 : 0]);
    case Kind.Time: {
      const b = new Uint8Array(8);
      writeMicros(b, v, 0);
      return b;
    }
    default: {
      const b = new Uint8Array(8);
      writeInt64LE(b, v, 0);
      return b;
    }
  }
}
