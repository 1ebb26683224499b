/**
 * Parquet's RLE / bit-packing hybrid encoding (parquet-format Encodings.md),
 * used for definition levels (bit width 1) and dictionary indices.
 *
 * A run of 8 or more equal values becomes an RLE run; everything else is
 * bit-packed in groups of 8 values (the last group padded with zeros, which a
 * reader ignores because it knows the value count).
 */

/** Bits needed for values 0..max. */
export function bitWidth(max: number): number {
  let w = 0;
  while (max > 0) {
    w++;
    max = Math.floor(max / 2);
  }
  return w;
}

/** A growable byte sink. */
export class ByteSink {
  buf: Uint8Array;
  pos = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Appends `values[start .. start + n)` RLE/bit-packed with `width` bits each (width 0: nothing, a reader
 * then knows every value is 0). Values must fit the width.
 */
export function encodeHybrid(values: ArrayLike<number>, start: number, n: number, width: number, out: ByteSink): void {
  if (width === 0 || n === 0) return;
  const valueBytes = (width + 7) >> 3;
  const end = start + n;
  let i = start;
  while (i < end) {
    // An RLE run here?
    const v = values[i];
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    if (j - i >= 8) {
      out.varint((j - i) * 2);
      out.ensure(valueBytes);
      let x = v;
      for (let b = 0; b < valueBytes; b++) {
        out.buf[out.pos++] = x & 0xff;
        x = Math.floor(x / 256);
      }
      i = j;
      continue;
    }
    // Bit-packed groups of 8 from i, until a run of 8 equal values starts at a group boundary (or the end).
    let groups = 0;
    let p = i;
    while (p < end) {
      if (groups > 0) {
        const w = values[p];
        let k = p + 1;
        while (k < end && k < p + 8 && values[k] === w) k++;
        if (k - p >= 8) break;
      }
      groups++;
      p += 8;
    }
    out.varint(groups * 2 + 1);
    const total = groups * width; // bytes: 8 values x width bits = width bytes per group
    out.ensure(total);
    const buf = out.buf;
    let pos = out.pos;
    let acc = 0;
    let bits = 0;
    const stop = i + groups * 8;
    for (let k = i; k < stop; k++) {
      const x = k < end ? values[k] : 0;
      // width <= 24 here (dictionary indices and levels), so acc stays below 2^32.
      acc |= x << bits;
      bits += width;
      while (bits >= 8) {
        buf[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.pos = pos;
    i = Math.min(stop, end);
  }
}
