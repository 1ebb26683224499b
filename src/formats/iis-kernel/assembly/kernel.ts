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
    let h: u32 = 0x811c9dc5;
    for (let i = s; i < e; i++) h = (h ^ <u32>load<u8>(base + <usize>i)) * 16777619;
    const mask = SLOTS - 1;
    let slot = <i32>h & mask;
    const len = e - s;
    // At most BATCH entries in SLOTS = 2 x BATCH slots: a free slot is always found.
    for (;;) {
      const k = unchecked(this.table[slot]);
      if (k < 0) break;
      if (unchecked(this.hashes[k]) == h && unchecked(this.lens[k]) == len) {
        if (memory.compare(base + <usize>unchecked(this.starts[k]), base + <usize>s, <usize>len) == 0) return k;
      }
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

let width: i32 = 0;
const kinds = new StaticArray<i32>(MAX_FIELDS);
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
  input = new StaticArray<u8>(capacity);
  return changetype<usize>(input);
}

/** A new #Fields layout of `n` fields (the JS side has taken the batch before); then `setKind` for each. */
export function setLayout(n: i32): void {
  width = n;
  rows = 0;
  batchDay = NaN;
  for (let i = 0; i < MAX_FIELDS; i++) unchecked((kinds[i] = KIND_SKIP));
}

/** Field `field` is of `kind`; a string field starts with an empty dictionary. */
export function setKind(field: i32, kind: i32): void {
  unchecked((kinds[field] = kind));
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

/**
 * Reads whole lines from `pos` up to `len`. Returns STOP_JS at a line the JS parser must read (`position()` is its
 * start), STOP_FULL or STOP_DAY when the batch must be taken first (`position()` is the next line), STOP_END when
 * the chunk is done.
 */
export function run(len: i32): i32 {
  const base = changetype<usize>(input);
  while (pos < len) {
    let eol = pos;
    while (eol < len && load<u8>(base + <usize>eol) != 10) eol++;
    let end = eol;
    if (end > pos && load<u8>(base + <usize>end - 1) == 13) end--;
    // Empty lines and directives: the JS parser's (it counts them and reads #Fields).
    if (end == pos || load<u8>(base + <usize>pos) == 35 || end - pos > maxLine) return STOP_JS;
    // Split (W3C: single spaces; CSV: commas and quotes); anything outside printable ASCII goes to JS.
    let f = 0;
    if (!csv) {
      let s = pos;
      for (let i = pos; i < end; i++) {
        const c = load<u8>(base + <usize>i);
        if (c == 32) {
          if (f < MAX_FIELDS) {
            unchecked((fs[f] = s));
            unchecked((fe[f] = i));
          }
          f++;
          s = i + 1;
        } else if (c < 32 || c > 126) return STOP_JS;
      }
      if (f < MAX_FIELDS) {
        unchecked((fs[f] = s));
        unchecked((fe[f] = end));
      }
      f++;
    } else {
      let i = pos;
      for (;;) {
        if (f == MAX_FIELDS) return STOP_JS;
        if (i < end && load<u8>(base + <usize>i) == 34) {
          // Quoted: up to the closing quote; doubled quotes (escapes) and anything after the quote but a comma: JS.
          let q = i + 1;
          for (; q < end; q++) {
            const c = load<u8>(base + <usize>q);
            if (c == 34) break;
            if (c < 32 || c > 126) return STOP_JS;
          }
          if (q >= end) return STOP_JS;
          if (q + 1 < end && load<u8>(base + <usize>q + 1) == 34) return STOP_JS;
          unchecked((fs[f] = i + 1));
          unchecked((fe[f] = q));
          f++;
          i = q + 1;
          if (i == end) break;
          if (load<u8>(base + <usize>i) != 44) return STOP_JS;
          i++;
          continue;
        }
        let j = i;
        for (; j < end; j++) {
          const c = load<u8>(base + <usize>j);
          if (c == 44) break;
          if (c < 32 || c > 126) return STOP_JS;
        }
        unchecked((fs[f] = i));
        unchecked((fe[f] = j));
        f++;
        if (j >= end) break;
        i = j + 1;
      }
      // A header row (DateTime,...): data rows start with a 20+ character time.
      if (unchecked(fe[0]) - unchecked(fs[0]) <= 10) return STOP_JS;
    }
    if (f != width) return STOP_JS;
    // Date and time first: a bad one is the JS parser's to reject, and the day decides the batch.
    let day: f64 = NaN;
    let tod: f64 = NaN;
    for (let k = 0; k < width; k++) {
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
      }
    }
    if (isNaN(day) || isNaN(tod)) return STOP_JS;
    for (let k = 0; k < width; k++) {
      if (unchecked(kinds[k]) == KIND_NUM && unchecked(fe[k]) - unchecked(fs[k]) > 15) return STOP_JS;
    }
    if (rows > 0 && day != batchDay) return STOP_DAY;
    batchDay = day;
    // The row.
    for (let k = 0; k < width; k++) {
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
