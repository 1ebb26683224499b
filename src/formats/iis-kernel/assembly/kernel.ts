// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.js (not by tsc): IIS W3C and HttpProxy CSV data
// lines -> columns.
//
// The kernel takes the lines it is sure to read exactly as src/formats/iis.ts (httpproxy.ts) does, and stops at any
// other line (directives, header rows, non-ASCII or control bytes, a wrong field count, a bad or unusual time,
// escaped quotes, a number over 15 characters) for the JS parser to handle. Strings become per-batch dictionary ids over the input bytes (no string is made
// here): the JS side turns each distinct value into a string once and applies the per-value rules there
// (`+` in user agents, ports after client addresses, short host names).

const MAX_FIELDS: i32 = 128;
/** Rows per batch; a batch also ends where the UTC day changes (one lake partition per batch). */
export const BATCH: i32 = 4096;
const SLOTS: i32 = 8192;

export const KIND_SKIP: i32 = 0;
export const KIND_DATE: i32 = 1;
export const KIND_TIME: i32 = 2;
export const KIND_STR: i32 = 3;
export const KIND_NUM: i32 = 4;
/** `YYYY-MM-DDTHH:MM:SS[.fff…]Z` in one field (HttpProxy); other ISO forms go to JS. */
export const KIND_ISOTIME: i32 = 5;

/** CSV (HttpProxy: commas, RFC 4180 quotes) instead of W3C (single spaces). */
let csv: bool = false;

export function setCsv(on: i32): void {
  csv = on != 0;
}

/** Why `run` returned. */
export const STOP_END: i32 = 0;
export const STOP_FULL: i32 = 1;
export const STOP_DAY: i32 = 2;
export const STOP_JS: i32 = 3;

class Dict {
  table: StaticArray<i32> = new StaticArray<i32>(SLOTS);
  hashes: StaticArray<u32> = new StaticArray<u32>(BATCH);
  starts: StaticArray<i32> = new StaticArray<i32>(BATCH);
  lens: StaticArray<i32> = new StaticArray<i32>(BATCH);
  ids: StaticArray<i32> = new StaticArray<i32>(BATCH);
  /** Table slot of each entry: a reset clears only those. */
  slots: StaticArray<i32> = new StaticArray<i32>(BATCH);
  n: i32 = 0;

  constructor() {
    memory.fill(changetype<usize>(this.table), 0xff, <usize>SLOTS * 4);
  }

  reset(): void {
    for (let e = 0; e < this.n; e++) unchecked((this.table[unchecked(this.slots[e])] = -1));
    this.n = 0;
  }

  get(base: usize, s: i32, e: i32): i32 {
    const len = e - s;
    const p = base + <usize>s;
    const h = hashBytes(p, len);
    const mask = SLOTS - 1;
    let slot = <i32>h & mask;
    // At most BATCH entries in SLOTS = 2 x BATCH slots: a free slot is always found.
    for (;;) {
      const k = unchecked(this.table[slot]);
      if (k < 0) break;
      if (unchecked(this.hashes[k]) == h && unchecked(this.lens[k]) == len && sameBytes(base + <usize>unchecked(this.starts[k]), p, len)) return k;
      slot = (slot + 1) & mask;
    }
    const id = this.n++;
    unchecked((this.starts[id] = s));
    unchecked((this.lens[id] = len));
    unchecked((this.hashes[id] = h));
    unchecked((this.table[slot] = id));
    unchecked((this.slots[id] = slot));
    return id;
  }
}

/** Bytes a word load may read past the data: the input buffer has this much room after its capacity. */
const PAD: i32 = 64;

/** The low `n` bytes (0..7) of a 64-bit word. */
@inline function lowBytes(w: u64, n: i32): u64 {
  return w & ((<u64>1 << (<u64>n << 3)) - 1);
}

/**
 * A hash of `len` bytes at `p`, 8 at a time (the last word masked: loads may read up to 7 bytes past the value,
 * within {@link PAD}). Only the probe sequence depends on it: ids are given in first-seen order whatever it is.
 */
@inline function hashBytes(p: usize, len: i32): u32 {
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>len;
  let q = p;
  const e = p + <usize>len;
  while (q + 8 <= e) {
    h = (h ^ load<u64>(q)) * 0xff51afd7ed558ccd;
    h ^= h >> 32;
    q += 8;
  }
  if (q < e) {
    h = (h ^ lowBytes(load<u64>(q), <i32>(e - q))) * 0xff51afd7ed558ccd;
    h ^= h >> 32;
  }
  return <u32>h;
}

/** Whether the `len` bytes at `a` and at `b` are equal (8 at a time, the last word masked). */
@inline function sameBytes(a: usize, b: usize, len: i32): bool {
  let k: i32 = 0;
  for (; k + 8 <= len; k += 8) if (load<u64>(a + <usize>k) != load<u64>(b + <usize>k)) return false;
  if (k < len) return lowBytes(load<u64>(a + <usize>k) ^ load<u64>(b + <usize>k), len - k) == 0;
  return true;
}

let width: i32 = 0;
const kinds = new StaticArray<i32>(MAX_FIELDS);
/** The fields of the layout the kernel reads (kind not SKIP), in field order. */
const used = new StaticArray<i32>(MAX_FIELDS);
let nUsed: i32 = 0;
const dicts = new StaticArray<Dict | null>(MAX_FIELDS);
const nums = new StaticArray<StaticArray<f64> | null>(MAX_FIELDS);
const present = new StaticArray<StaticArray<u8> | null>(MAX_FIELDS);
const times = new StaticArray<f64>(BATCH);
const lines = new StaticArray<i32>(BATCH);
const fs = new StaticArray<i32>(MAX_FIELDS + 1);
const fe = new StaticArray<i32>(MAX_FIELDS + 1);
let input = new StaticArray<u8>(0);

/** Rows in the current batch, the input offset reached, and the line number of the next line. */
let rows: i32 = 0;
let pos: i32 = 0;
let lineNo: i32 = 0;
let batchDay: f64 = NaN;
/** Lines longer than this (bytes, without the line break) are the JS side's to report. */
let maxLine: i32 = 0x7fffffff;

export function setMaxLine(n: i32): void {
  maxLine = n;
}

/** Allocates the input buffer (whole lines are copied in by the JS side); returns its address. */
export function init(capacity: i32): usize {
  input = new StaticArray<u8>(capacity + PAD);
  return changetype<usize>(input);
}

/** A new #Fields layout of `n` fields (the JS side has taken the batch before); then `setKind` for each. */
export function setLayout(n: i32): void {
  width = n;
  rows = 0;
  batchDay = NaN;
  nUsed = 0;
  for (let i = 0; i < MAX_FIELDS; i++) unchecked((kinds[i] = KIND_SKIP));
}

/** Field `field` is of `kind`; a string field starts with an empty dictionary. */
export function setKind(field: i32, kind: i32): void {
  const was = unchecked(kinds[field]);
  unchecked((kinds[field] = kind));
  if (was == KIND_SKIP && kind != KIND_SKIP) {
    // Into `used`, kept in field order.
    let u = nUsed++;
    for (; u > 0 && unchecked(used[u - 1]) > field; u--) unchecked((used[u] = used[u - 1]));
    unchecked((used[u] = field));
  } else if (was != KIND_SKIP && kind == KIND_SKIP) {
    let u = 0;
    while (unchecked(used[u]) != field) u++;
    for (nUsed--; u < nUsed; u++) unchecked((used[u] = used[u + 1]));
  }
  // Column arrays are made on first use of a field index, and kept (the stub runtime never frees).
  if (kind == KIND_STR) {
    if (unchecked(dicts[field]) == null) unchecked((dicts[field] = new Dict()));
    else unchecked(dicts[field])!.reset();
  } else if (kind == KIND_NUM && unchecked(nums[field]) == null) {
    unchecked((nums[field] = new StaticArray<f64>(BATCH)));
    unchecked((present[field] = new StaticArray<u8>(BATCH)));
  }
}

/** Starts reading a new chunk of `len` bytes at offset 0 whose first line is number `firstLine`. */
export function begin(firstLine: i32): void {
  pos = 0;
  lineNo = firstLine;
}

/** Starts a new batch (after the JS side has taken the last one). */
export function newBatch(): void {
  rows = 0;
  batchDay = NaN;
  for (let i = 0; i < width; i++) if (unchecked(kinds[i]) == KIND_STR) unchecked(dicts[i])!.reset();
}

export function batchRows(): i32 {
  return rows;
}
export function position(): i32 {
  return pos;
}
export function nextLine(): i32 {
  return lineNo;
}
export function timesPtr(): usize {
  return changetype<usize>(times);
}
export function linesPtr(): usize {
  return changetype<usize>(lines);
}
export function idsPtr(field: i32): usize {
  return changetype<usize>(unchecked(dicts[field])!.ids);
}
export function entryCount(field: i32): i32 {
  return unchecked(dicts[field])!.n;
}
export function entryStartsPtr(field: i32): usize {
  return changetype<usize>(unchecked(dicts[field])!.starts);
}
export function entryLensPtr(field: i32): usize {
  return changetype<usize>(unchecked(dicts[field])!.lens);
}
export function numsPtr(field: i32): usize {
  return changetype<usize>(unchecked(nums[field])!);
}
export function presentPtr(field: i32): usize {
  return changetype<usize>(unchecked(present[field])!);
}

@inline function digit(p: usize): i32 {
  return <i32>load<u8>(p) - 48;
}

function isLeap(y: i32): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

function daysIn(y: i32, m: i32): i32 {
  if (m == 2) return isLeap(y) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

/** Epoch ms of `YYYY-MM-DD` at [a, b), or NaN (src/formats/text/time.ts dayMs rules, exactly 10 characters). */
function dateMs(base: usize, a: i32, b: i32): f64 {
  if (b - a != 10) return NaN;
  const p = base + <usize>a;
  if (load<u8>(p + 4) != 45 || load<u8>(p + 7) != 45) return NaN;
  for (let k = 0; k < 10; k++) if (k != 4 && k != 7 && !isDigit(<i32>load<u8>(p + <usize>k))) return NaN;
  const y = digit(p) * 1000 + digit(p + 1) * 100 + digit(p + 2) * 10 + digit(p + 3);
  const mo = digit(p + 5) * 10 + digit(p + 6);
  const d = digit(p + 8) * 10 + digit(p + 9);
  if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return NaN;
  return <f64>(daysFromCivil(y, mo, d) * 86400000);
}

/** ms since midnight of `HH:MM:SS[.fff…]` filling [a, b), or NaN (timeOfDayMs rules). */
function timeMs(base: usize, a: i32, b: i32): f64 {
  if (b - a < 8) return NaN;
  const p = base + <usize>a;
  if (load<u8>(p + 2) != 58 || load<u8>(p + 5) != 58) return NaN;
  for (let k = 0; k < 8; k++) if (k != 2 && k != 5 && !isDigit(<i32>load<u8>(p + <usize>k))) return NaN;
  const h = digit(p) * 10 + digit(p + 1);
  const m = digit(p + 3) * 10 + digit(p + 4);
  const s = digit(p + 6) * 10 + digit(p + 7);
  if (h > 23 || m > 59 || s > 59) return NaN;
  let ms: i32 = 0;
  let j = a + 8;
  if (j < b) {
    const c = <i32>load<u8>(base + <usize>j);
    if (c != 46 && c != 44) return NaN;
    j++;
    if (j == b) return NaN;
    let scale = 100;
    for (; j < b; j++) {
      const c2 = <i32>load<u8>(base + <usize>j);
      if (!isDigit(c2)) return NaN;
      if (scale >= 1) ms += (c2 - 48) * scale;
      scale /= 10;
    }
  }
  return <f64>(((h * 60 + m) * 60 + s) * 1000 + ms);
}

// Splitting: 16 bytes at a time (WebAssembly SIMD), a bit per byte that ends a field or the line or that the kernel
// does not read (outside printable ASCII); the bits are walked with ctz.

/** W3C: a space, or a byte outside printable ASCII (line breaks included). */
@inline function w3cStops(p: usize): i32 {
  const v = v128.load(p);
  return i8x16.bitmask(v128.or(i8x16.lt_u(v, i8x16.splat(33)), i8x16.gt_u(v, i8x16.splat(126))));
}

/** CSV, outside quotes: a comma, or a byte outside printable ASCII. A quote matters only where a field starts. */
@inline function csvStops(p: usize): i32 {
  const v = v128.load(p);
  return i8x16.bitmask(v128.or(v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126))), i8x16.eq(v, i8x16.splat(44))));
}

/** Inside quotes: a quote, or a byte outside printable ASCII. */
@inline function quoteStops(p: usize): i32 {
  const v = v128.load(p);
  return i8x16.bitmask(v128.or(v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126))), i8x16.eq(v, i8x16.splat(34))));
}

/** The bits of a 16-byte block at `blk` that fall before `len` (loads past `len` read stale bytes, within PAD). */
@inline function within(m: i32, blk: i32, len: i32): i32 {
  const rem = len - blk;
  return rem >= 16 ? m : m & ((1 << rem) - 1);
}

/** Where the line being split ends: `end` without its CR, `eol` at its LF (or `len`). Set by the split functions. */
let lineEnd: i32 = 0;
let lineEol: i32 = 0;

/**
 * If the byte at `p` (a stop that is not a separator) ends the line (LF, or CR LF), records the end and returns
 * true; any other byte is one the kernel does not read.
 */
@inline function endsLine(base: usize, p: i32, len: i32): bool {
  const c = load<u8>(base + <usize>p);
  if (c == 10) {
    lineEnd = p;
    lineEol = p;
    return true;
  }
  if (c == 13 && p + 1 < len && load<u8>(base + <usize>p + 1) == 10) {
    lineEnd = p;
    lineEol = p + 1;
    return true;
  }
  return false;
}

/**
 * Splits the W3C line at `pos` on single spaces into `fs`/`fe`: returns the field count, or -1 when the line is the
 * JS parser's (a byte outside printable ASCII, more fields than the layout).
 */
function splitW3c(base: usize, len: i32): i32 {
  let f = 0;
  let s = pos;
  let blk = pos;
  for (;;) {
    if (blk >= len) {
      lineEnd = len;
      lineEol = len;
      break;
    }
    let m = within(w3cStops(base + <usize>blk), blk, len);
    while (m != 0) {
      const p = blk + ctz(m);
      m &= m - 1;
      if (load<u8>(base + <usize>p) == 32) {
        if (f + 1 >= width) return -1;
        unchecked((fs[f] = s));
        unchecked((fe[f] = p));
        f++;
        s = p + 1;
        continue;
      }
      if (!endsLine(base, p, len)) return -1;
      unchecked((fs[f] = s));
      unchecked((fe[f] = p));
      return f + 1;
    }
    blk += 16;
  }
  unchecked((fs[f] = s));
  unchecked((fe[f] = len));
  return f + 1;
}

/**
 * Splits the CSV line at `pos` (commas, RFC 4180 quotes) into `fs`/`fe` (a quoted field without its quotes):
 * returns the field count, or -1 when the line is the JS parser's (a byte outside printable ASCII, more fields
 * than the layout, a doubled quote inside a quoted field, anything but a comma after a closing quote, an
 * unterminated quote).
 */
function splitCsv(base: usize, len: i32): i32 {
  let f = 0;
  // The field that starts at `s`; an unquoted one is scanned from block `blk`.
  let s = pos;
  for (;;) {
    if (f >= width) return -1;
    if (s < len && load<u8>(base + <usize>s) == 34) {
      // Quoted: up to the closing quote.
      let q = -1;
      for (let blk = s + 1; q < 0; blk += 16) {
        if (blk >= len) return -1;
        const m = within(quoteStops(base + <usize>blk), blk, len);
        if (m != 0) {
          q = blk + ctz(m);
          if (load<u8>(base + <usize>q) != 34) return -1;
        }
      }
      unchecked((fs[f] = s + 1));
      unchecked((fe[f] = q));
      f++;
      const n = q + 1;
      if (n >= len) {
        lineEnd = len;
        lineEol = len;
        return f;
      }
      const c = load<u8>(base + <usize>n);
      if (c == 44) {
        s = n + 1;
        continue;
      }
      // A doubled quote (an escape) or any other byte but the line's end: the JS parser's.
      return endsLine(base, n, len) ? f : -1;
    }
    let blk = s;
    for (;;) {
      if (blk >= len) {
        unchecked((fs[f] = s));
        unchecked((fe[f] = len));
        lineEnd = len;
        lineEol = len;
        return f + 1;
      }
      const m = within(csvStops(base + <usize>blk), blk, len);
      if (m != 0) {
        const p = blk + ctz(m);
        unchecked((fs[f] = s));
        unchecked((fe[f] = p));
        f++;
        if (load<u8>(base + <usize>p) == 44) {
          s = p + 1;
          break;
        }
        return endsLine(base, p, len) ? f : -1;
      }
      blk += 16;
    }
  }
  // Not reached (every path above returns or takes the next field); asc's flow analysis wants a return.
  return -1;
}

/**
 * Reads whole lines from `pos` up to `len`. Returns STOP_JS at a line the JS parser must read (`position()` is its
 * start), STOP_FULL or STOP_DAY when the batch must be taken first (`position()` is the next line), STOP_END when
 * the chunk is done.
 */
export function run(len: i32): i32 {
  const base = changetype<usize>(input);
  while (pos < len) {
    // Directives: the JS parser's (it counts them and reads #Fields).
    if (load<u8>(base + <usize>pos) == 35) return STOP_JS;
    const f = csv ? splitCsv(base, len) : splitW3c(base, len);
    const end = lineEnd;
    const eol = lineEol;
    // Empty lines, long lines (the JS side reports them), a wrong field count.
    if (f != width || end == pos || end - pos > maxLine) return STOP_JS;
    // A header row (DateTime,...): data rows start with a 20+ character time.
    if (csv && unchecked(fe[0]) - unchecked(fs[0]) <= 10) return STOP_JS;
    // Date and time first: a bad one is the JS parser's to reject, and the day decides the batch.
    let day: f64 = NaN;
    let tod: f64 = NaN;
    for (let u = 0; u < nUsed; u++) {
      const k = unchecked(used[u]);
      const kind = unchecked(kinds[k]);
      if (kind == KIND_DATE) day = dateMs(base, unchecked(fs[k]), unchecked(fe[k]));
      else if (kind == KIND_TIME) tod = timeMs(base, unchecked(fs[k]), unchecked(fe[k]));
      else if (kind == KIND_ISOTIME) {
        // YYYY-MM-DD T time Z
        const a = unchecked(fs[k]);
        const b = unchecked(fe[k]);
        if (b - a < 20 || load<u8>(base + <usize>a + 10) != 84 || load<u8>(base + <usize>b - 1) != 90) return STOP_JS;
        day = dateMs(base, a, a + 10);
        tod = timeMs(base, a + 11, b - 1);
      } else if (kind == KIND_NUM && unchecked(fe[k]) - unchecked(fs[k]) > 15) return STOP_JS;
    }
    if (isNaN(day) || isNaN(tod)) return STOP_JS;
    if (rows > 0 && day != batchDay) return STOP_DAY;
    batchDay = day;
    // The row.
    for (let u = 0; u < nUsed; u++) {
      const k = unchecked(used[u]);
      const kind = unchecked(kinds[k]);
      const a = unchecked(fs[k]);
      const b = unchecked(fe[k]);
      if (kind == KIND_STR) {
        const d = unchecked(dicts[k])!;
        const dash = b == a + 1 && load<u8>(base + <usize>a) == 45;
        unchecked((d.ids[rows] = b == a || dash ? -1 : d.get(base, a, b)));
      } else if (kind == KIND_NUM) {
        // intInRange: empty or a lone "-" is null, so is anything but an optional "-" and digits.
        let ok = b > a;
        let neg = false;
        let j = a;
        if (ok && load<u8>(base + <usize>j) == 45) {
          neg = true;
          j++;
          if (j == b) ok = false;
        }
        let v: f64 = 0;
        for (; ok && j < b; j++) {
          const c = <i32>load<u8>(base + <usize>j);
          if (!isDigit(c)) ok = false;
          else v = v * 10 + <f64>(c - 48);
        }
        unchecked((unchecked(present[k])![rows] = ok ? 1 : 0));
        unchecked((unchecked(nums[k])![rows] = neg ? -v : v));
      }
    }
    unchecked((times[rows] = day + tod));
    unchecked((lines[rows] = lineNo));
    rows++;
    lineNo++;
    pos = eol + 1;
    if (rows == BATCH) return STOP_FULL;
  }
  return STOP_END;
}

/** The JS parser has read the line at `position()`: go past it. */
export function skipLine(len: i32): void {
  const base = changetype<usize>(input);
  let eol = pos;
  while (eol < len && load<u8>(base + <usize>eol) != 10) eol++;
  pos = eol + 1;
  lineNo++;
}
