// AssemblyScript (compiled by `asc`, not by tsc): the IIS W3C line -> columns kernel of the spike (see ../README.md).
// Same algorithm as ../js-kernel.ts: split on spaces, date + time -> epoch ms, numbers in place, every other field
// dictionary-encoded by its bytes (FNV-1a, open addressing) without ever making a string.

const MAX_FIELDS: i32 = 64;
// One row group of 65,536 rows: each dictionary starts again after it (as the lake writer's do).
const RING: i32 = 1 << 16;
const TABLE_SLOTS: i32 = 1 << 17;
const MAX_ENTRIES: i32 = RING;

export const KIND_STRING: i32 = 0;
export const KIND_NUMBER: i32 = 1;
export const KIND_DATE: i32 = 2;
export const KIND_TIME: i32 = 3;

class ByteDict {
  table: StaticArray<i32> = new StaticArray<i32>(TABLE_SLOTS);
  hashes: StaticArray<u32> = new StaticArray<u32>(MAX_ENTRIES);
  starts: StaticArray<i32> = new StaticArray<i32>(MAX_ENTRIES);
  lens: StaticArray<i32> = new StaticArray<i32>(MAX_ENTRIES);
  store: StaticArray<u8> = new StaticArray<u8>(1 << 24);
  pos: i32 = 0;
  n: i32 = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    memory.fill(changetype<usize>(this.table), 0xff, <usize>TABLE_SLOTS * 4);
    this.n = 0;
    this.pos = 0;
  }

  get(base: usize, s: i32, e: i32, h: u32): i32 {
    const mask = TABLE_SLOTS - 1;
    let slot = <i32>h & mask;
    const len = e - s;
    const store = changetype<usize>(this.store);
    for (;;) {
      const k = unchecked(this.table[slot]);
      if (k < 0) break;
      if (unchecked(this.hashes[k]) == h && unchecked(this.lens[k]) == len) {
        if (memory.compare(store + <usize>unchecked(this.starts[k]), base + <usize>s, <usize>len) == 0) return k;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.n++;
    memory.copy(store + <usize>this.pos, base + <usize>s, <usize>len);
    unchecked((this.starts[id] = this.pos));
    unchecked((this.lens[id] = len));
    unchecked((this.hashes[id] = h));
    this.pos += len;
    unchecked((this.table[slot] = id));
    return id;
  }
}

let fieldCount: i32 = 0;
const kinds = new StaticArray<i32>(MAX_FIELDS);
const dicts: ByteDict[] = [];
const ids: StaticArray<i32>[] = [];
const nums: StaticArray<f64>[] = [];
const times = new StaticArray<f64>(RING);
const starts = new StaticArray<i32>(MAX_FIELDS + 1);
const ends = new StaticArray<i32>(MAX_FIELDS + 1);
let input = new StaticArray<u8>(0);
let ring: i32 = 0;

/** Sets up `n` fields and an input buffer of `capacity` bytes; returns the buffer's address. */
export function init(n: i32, capacity: i32): usize {
  fieldCount = n;
  for (let k = 0; k < n; k++) {
    dicts.push(changetype<ByteDict>(0));
    ids.push(new StaticArray<i32>(RING));
    nums.push(new StaticArray<f64>(RING));
  }
  input = new StaticArray<u8>(capacity);
  return changetype<usize>(input);
}

export function setKind(field: i32, kind: i32): void {
  unchecked((kinds[field] = kind));
  if (kind == KIND_STRING) unchecked((dicts[field] = new ByteDict()));
}

/** Distinct values of string field `field` in the current row group. */
export function entries(field: i32): i32 {
  return unchecked(dicts[field]).n;
}

function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

@inline function digit(p: usize): i32 {
  return <i32>load<u8>(p) - 48;
}

/** Parses the whole lines in the first `n` bytes of the input buffer; returns the data rows. */
export function parse(n: i32): i32 {
  const base = changetype<usize>(input);
  let rows = 0;
  let p = 0;
  while (p < n) {
    let eol = p;
    while (eol < n && load<u8>(base + <usize>eol) != 10) eol++;
    let end = eol;
    if (end > p && load<u8>(base + <usize>end - 1) == 13) end--;
    if (end > p && load<u8>(base + <usize>p) != 35) {
      let f = 0;
      let s = p;
      for (let i = p; i < end; i++) {
        if (load<u8>(base + <usize>i) == 32) {
          if (f < MAX_FIELDS) {
            unchecked((starts[f] = s));
            unchecked((ends[f] = i));
          }
          f++;
          s = i + 1;
        }
      }
      if (f < MAX_FIELDS) {
        unchecked((starts[f] = s));
        unchecked((ends[f] = end));
      }
      f++;
      if (f == fieldCount) {
        let day: i64 = 0;
        let secs: i64 = 0;
        for (let k = 0; k < fieldCount; k++) {
          const a = unchecked(starts[k]);
          const b = unchecked(ends[k]);
          const kind = unchecked(kinds[k]);
          if (kind == KIND_STRING) {
            let h: u32 = 0x811c9dc5;
            for (let i = a; i < b; i++) h = (h ^ <u32>load<u8>(base + <usize>i)) * 16777619;
            unchecked((unchecked(ids[k])[ring] = unchecked(dicts[k]).get(base, a, b, h)));
          } else if (kind == KIND_NUMBER) {
            let v: f64 = 0;
            for (let i = a; i < b; i++) v = v * 10 + <f64>digit(base + <usize>i);
            unchecked((unchecked(nums[k])[ring] = v));
          } else if (kind == KIND_DATE) {
            const d = base + <usize>a;
            day = daysFromCivil(digit(d) * 1000 + digit(d + 1) * 100 + digit(d + 2) * 10 + digit(d + 3), digit(d + 5) * 10 + digit(d + 6), digit(d + 8) * 10 + digit(d + 9));
          } else {
            const t = base + <usize>a;
            secs = <i64>((digit(t) * 10 + digit(t + 1)) * 3600 + (digit(t + 3) * 10 + digit(t + 4)) * 60 + digit(t + 6) * 10 + digit(t + 7));
          }
        }
        unchecked((times[ring] = <f64>((day * 86400 + secs) * 1000)));
        rows++;
        ring = (ring + 1) & (RING - 1);
        if (ring == 0) {
          for (let k = 0; k < fieldCount; k++) if (unchecked(kinds[k]) == KIND_STRING) unchecked(dicts[k]).reset();
        }
      }
    }
    p = eol + 1;
  }
  return rows;
}
