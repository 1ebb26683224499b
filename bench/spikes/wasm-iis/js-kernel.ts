/**
 * The spike's IIS W3C line -> columns kernel in plain JS: the same algorithm as assembly/index.ts (split on spaces,
 * date + time -> epoch ms, numbers in place, every other field dictionary-encoded by its bytes), for a like-for-like
 * comparison of the two runtimes.
 */
export const enum FieldKind { String = 0, Number = 1, Date = 2, Time = 3 }

// One row group of 65,536 rows: each dictionary starts again after it (as the lake writer's do).
const RING = 1 << 16;
const TABLE_SLOTS = 1 << 17;

class ByteDict {
  readonly table = new Int32Array(TABLE_SLOTS).fill(-1);
  hashes: number[] = [];
  starts: number[] = [];
  lens: number[] = [];
  store = Buffer.allocUnsafe(1 << 20);
  pos = 0;

  reset(): void {
    this.table.fill(-1);
    this.hashes = [];
    this.starts = [];
    this.lens = [];
    this.pos = 0;
  }

  get(b: Uint8Array, s: number, e: number, h: number): number {
    const mask = TABLE_SLOTS - 1;
    let slot = h & mask;
    const len = e - s;
    for (;;) {
      const k = this.table[slot];
      if (k < 0) break;
      if (this.hashes[k] === h && this.lens[k] === len) {
        const o = this.starts[k];
        let eq = true;
        for (let i = 0; i < len; i++) {
          if (this.store[o + i] !== b[s + i]) {
            eq = false;
            break;
          }
        }
        if (eq) return k;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.starts.length;
    if (this.pos + len > this.store.length) {
      const next = Buffer.allocUnsafe(this.store.length * 2);
      this.store.copy(next);
      this.store = next;
    }
    this.store.set(b.subarray(s, e), this.pos);
    this.starts.push(this.pos);
    this.lens.push(len);
    this.hashes.push(h);
    this.pos += len;
    this.table[slot] = id;
    return id;
  }
}

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export class JsKernel {
  private readonly dicts: (ByteDict | null)[];
  private readonly ids: Int32Array[];
  private readonly nums: Float64Array[];
  private readonly times = new Float64Array(RING);
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private ring = 0;

  constructor(private readonly kinds: readonly FieldKind[]) {
    this.dicts = kinds.map((k) => (k === FieldKind.String ? new ByteDict() : null));
    this.ids = kinds.map(() => new Int32Array(RING));
    this.nums = kinds.map(() => new Float64Array(RING));
    this.starts = new Int32Array(kinds.length + 1);
    this.ends = new Int32Array(kinds.length + 1);
  }

  /** Distinct values of string field `field` in the current row group. */
  entries(field: number): number {
    return this.dicts[field]?.starts.length ?? 0;
  }

  /** Parses the whole lines of `b`; returns the data rows. */
  parse(b: Uint8Array): number {
    const n = b.length;
    const nf = this.kinds.length;
    const { starts, ends, kinds } = this;
    let rows = 0;
    let p = 0;
    while (p < n) {
      let eol = b.indexOf(10, p);
      if (eol < 0) eol = n;
      let end = eol;
      if (end > p && b[end - 1] === 13) end--;
      if (end > p && b[p] !== 35) {
        let f = 0;
        let s = p;
        for (let i = p; i < end; i++) {
          if (b[i] === 32) {
            if (f < nf) {
              starts[f] = s;
              ends[f] = i;
            }
            f++;
            s = i + 1;
          }
        }
        if (f < nf) {
          starts[f] = s;
          ends[f] = end;
        }
        f++;
        if (f === nf) {
          let day = 0;
          let secs = 0;
          for (let k = 0; k < nf; k++) {
            const a = starts[k];
            const e = ends[k];
            const kind = kinds[k];
            if (kind === FieldKind.String) {
              let h = 0x811c9dc5;
              for (let i = a; i < e; i++) h = Math.imul(h ^ b[i], 16777619);
              this.ids[k][this.ring] = this.dicts[k]!.get(b, a, e, h >>> 0);
            } else if (kind === FieldKind.Number) {
              let v = 0;
              for (let i = a; i < e; i++) v = v * 10 + b[i] - 48;
              this.nums[k][this.ring] = v;
            } else if (kind === FieldKind.Date) {
              day = daysFromCivil((b[a] - 48) * 1000 + (b[a + 1] - 48) * 100 + (b[a + 2] - 48) * 10 + (b[a + 3] - 48), (b[a + 5] - 48) * 10 + (b[a + 6] - 48), (b[a + 8] - 48) * 10 + (b[a + 9] - 48));
            } else {
              secs = ((b[a] - 48) * 10 + (b[a + 1] - 48)) * 3600 + ((b[a + 3] - 48) * 10 + (b[a + 4] - 48)) * 60 + (b[a + 6] - 48) * 10 + (b[a + 7] - 48);
            }
          }
          this.times[this.ring] = (day * 86400 + secs) * 1000;
          rows++;
          this.ring = (this.ring + 1) & (RING - 1);
          if (this.ring === 0) for (const d of this.dicts) d?.reset();
        }
      }
      p = eol + 1;
    }
    return rows;
  }
}
