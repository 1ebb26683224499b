/**
 * Parquet page encoding, as ONE self-contained function: it uses no import and no name from outside its body, so
 * that the page worker (compress.ts) can evaluate its source text (a worker evaluated from a string can only
 * `require` Node's own modules), and in-process callers (tests) call it directly. Keep it that way: constants are
 * plain numbers here, not the enums of format.ts.
 *
 * What it encodes, from a {@link ColumnSnapshot} of one row group's column (column-buffer.ts):
 * - strings: `PLAIN_DICTIONARY` data pages with RLE/bit-packed indices, or `PLAIN`;
 * - integers and times (INT32, INT64; times as INT64 microseconds): `DELTA_BINARY_PACKED` pages (a page whose range
 *   is too wide for exact arithmetic: `PLAIN`); DOUBLE and BOOLEAN: `PLAIN`; all with min/max;
 * - definition levels (every column is OPTIONAL): the RLE / bit-packing hybrid (parquet-format Encodings.md):
 *   a run of 8 or more equal values is an RLE run, the rest bit-packed in groups of 8.
 */
/** One encoded page: the uncompressed body (levels and values, as Parquet lays them out). */
export interface EncodedPage {
  /** PageType: 0 data, 2 dictionary. */
  readonly type: number;
  readonly body: Uint8Array;
  /** Values in the page, nulls included (data pages), or dictionary entries. */
  readonly numValues: number;
  /** Encoding: 0 PLAIN, 2 PLAIN_DICTIONARY, 5 DELTA_BINARY_PACKED. */
  readonly encoding: number;
}

/** One column of one row group, encoded. */
export interface EncodedColumn {
  /** A dictionary page first when the column is dictionary-encoded, then the data pages. */
  readonly pages: readonly EncodedPage[];
  readonly numValues: number;
  readonly nullCount: number;
  /**
   * Plain-encoded min and max of the non-null values, else null (no value, or a string column whose bounds could not
   * be cut short). Strings: their UTF-8 bytes in unsigned byte order; one longer than `STAT_BYTES` is cut at a
   * character boundary, and a cut max then raised above every value it stands for (see `statBounds`).
   */
  readonly min: Uint8Array | null;
  readonly max: Uint8Array | null;
  /** Whether min / max are values of the column (false: a cut string bound). */
  readonly minExact: boolean;
  readonly maxExact: boolean;
}

/** One column of one row group, as the appender left it (copied, so the buffers can be transferred). */
export type ColumnSnapshot =
  | { readonly t: 'const'; readonly value: string; readonly rows: number }
  | { readonly t: 'dict'; readonly ids: Int32Array; readonly entries: string[]; readonly rows: number }
  | { readonly t: 'plain'; readonly present: Int32Array; readonly ends: Int32Array; readonly bytes: Uint8Array; readonly rows: number }
  | {
      readonly t: 'num';
      readonly kind: number;
      readonly vals: Float64Array | Int32Array | Uint8Array;
      readonly present: Uint8Array;
      readonly rows: number;
    };

/** Builds an encoder (its own scratch buffers): `encodeColumn`, and the RLE helpers for tests. */

export function pageEncoder() {
  // Same values as ColumnKind (column-buffer.ts), Encoding and PageType (format.ts).
  const K_INT = 1,
    K_DBL = 3,
    K_BOOL = 4,
    K_TIME = 5;
  const PLAIN = 0,
    PLAIN_DICTIONARY = 2,
    DELTA_BINARY_PACKED = 5,
    DATA_PAGE = 0,
    DICTIONARY_PAGE = 2;
  const PAGE_ROWS = 32_768;
  const TWO32 = 2 ** 32;
  /**
   * Longest string min / max written, in bytes (parquet-mr's default for its column indexes): longer ones are cut,
   * which keeps footers small whatever the values (a value can be 1.5 MB).
   */
  const STAT_BYTES = 64;
  /**
   * Bytes of a plain column's values compared for its min / max (a dictionary's entries: `STAT_BYTES`): values that
   * share a longer prefix with a bound get that bound cut here, so a column of long shared-prefix values costs a
   * bounded comparison per value (IPv4 addresses stay exact).
   */
  const PLAIN_STAT_CMP = 16;
  const NO_STATS = { min: null, max: null, minExact: true, maxExact: true } as const;

  /** Bits needed for values 0..max. */
  function bitWidth(max: number): number {
    let w = 0;
    while (max > 0) {
      w++;
      max = Math.floor(max / 2);
    }
    return w;
  }

  /** A growable byte sink. */
  class ByteSink {
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
  function encodeHybrid(values: ArrayLike<number>, start: number, n: number, width: number, out: ByteSink): void {
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

  /**
   * Compares `b[as, as + al)` with `b[bs, bs + bl)` as unsigned bytes (Parquet's order of UTF8 BYTE_ARRAY values),
   * from byte `from` on (the bytes before it known equal), 4 bytes at a time, up to byte `limit`: values equal that
   * far and both longer compare as 0.
   */
  function cmpBytes(b: Uint8Array, as: number, al: number, bs: number, bl: number, from: number, limit: number): number {
    const shorter = al < bl ? al : bl;
    const n = shorter < limit ? shorter : limit;
    let k = from;
    for (; k + 4 <= n; k += 4) {
      const x = ((b[as + k] << 24) | (b[as + k + 1] << 16) | (b[as + k + 2] << 8) | b[as + k + 3]) >>> 0;
      const y = ((b[bs + k] << 24) | (b[bs + k + 1] << 16) | (b[bs + k + 2] << 8) | b[bs + k + 3]) >>> 0;
      if (x !== y) return x < y ? -1 : 1;
    }
    for (; k < n; k++) {
      const d = b[as + k] - b[bs + k];
      if (d !== 0) return d;
    }
    return n < shorter ? 0 : al - bl;
  }

  /** Bytes `[s + at, s + at + 4)` of the value `b[s, s + len)`, zero-padded, as an unsigned big-endian number (orders like the bytes). */
  function prefixKey(b: Uint8Array, s: number, len: number, at: number): number {
    if (len >= at + 4) return ((b[s + at] << 24) | (b[s + at + 1] << 16) | (b[s + at + 2] << 8) | b[s + at + 3]) >>> 0;
    let k = 0;
    for (let i = at; i < at + 4; i++) k = k * 256 + (i < len ? b[s + i] : 0);
    return k;
  }

  /**
   * Min and max of the PLAIN BYTE_ARRAY values (4-byte length + bytes, each) in `b[from, to)`: a dictionary page's
   * entries or a plain column's values. One pass over the values, comparing their first 4 bytes as a number (a value
   * strictly between the bounds' is skipped at once), then the next 4, then the rest up to byte `limit`. Values that
   * tie with a bound that far (a plain column of long values with a shared prefix: backend cookies, time-ordered
   * ids) cost no more: that bound is then cut at `limit` bytes, a lower bound of them all (the min's prefix) or an
   * upper bound (the max's prefix raised), valid whichever of the tied values is the real one.
   */
  function stringStats(b: Uint8Array, from: number, to: number, limit: number) {
    if (from >= to) return NO_STATS;
    let minS = from + 4;
    let minL = b[from] | (b[from + 1] << 8) | (b[from + 2] << 16) | (b[from + 3] << 24);
    let maxS = minS;
    let maxL = minL;
    let minK = prefixKey(b, minS, minL, 0);
    let minK2 = prefixKey(b, minS, minL, 4);
    let maxK = minK;
    let maxK2 = minK2;
    let minCut = false;
    let maxCut = false;
    let pos = minS + minL;
    while (pos < to) {
      const len = b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24);
      const s = pos + 4;
      pos = s + len;
      const k = len >= 4 ? ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0 : prefixKey(b, s, len, 0);
      if (k > minK && k < maxK) continue;
      const k2 = k === minK || k === maxK ? prefixKey(b, s, len, 4) : 0;
      // The max first: logs come in time order, and a value that becomes the max needs no comparison with the min.
      let c = k !== maxK ? k - maxK : k2 !== maxK2 ? k2 - maxK2 : cmpBytes(b, s, len, maxS, maxL, 8, limit);
      if (c === 0 && len > limit && maxL > limit) maxCut = true;
      if (c > 0) {
        maxS = s;
        maxL = len;
        maxK = k;
        maxK2 = prefixKey(b, s, len, 4);
        maxCut = false;
        continue;
      }
      c = k !== minK ? k - minK : k2 !== minK2 ? k2 - minK2 : cmpBytes(b, s, len, minS, minL, 8, limit);
      if (c === 0 && len > limit && minL > limit) minCut = true;
      if (c < 0) {
        minS = s;
        minL = len;
        minK = k;
        minK2 = prefixKey(b, s, len, 4);
        minCut = false;
      }
    }
    return statBounds(
      b.subarray(minS, minS + minL),
      b.subarray(maxS, maxS + maxL),
      minCut ? limit : STAT_BYTES,
      maxCut ? limit : STAT_BYTES,
    );
  }

  /** The largest n' <= n where a UTF-8 character starts in `b` (b.length > n). */
  function charBoundary(b: Uint8Array, n: number): number {
    let k = n;
    while (k > 0 && (b[k] & 0xc0) === 0x80) k--;
    return k;
  }

  /** The code point of the UTF-8 character `b[st, end)`, or -1 if it is not one well-formed character. */
  function codePoint(b: Uint8Array, st: number, end: number): number {
    const n = end - st;
    const b0 = b[st];
    for (let k = st + 1; k < end; k++) if ((b[k] & 0xc0) !== 0x80) return -1;
    if (n === 1) return b0 < 0x80 ? b0 : -1;
    if (n === 2 && b0 >= 0xc2 && b0 <= 0xdf) return ((b0 & 0x1f) << 6) | (b[st + 1] & 0x3f);
    if (n === 3 && b0 >= 0xe0 && b0 <= 0xef) {
      const cp = ((b0 & 0x0f) << 12) | ((b[st + 1] & 0x3f) << 6) | (b[st + 2] & 0x3f);
      return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? cp : -1;
    }
    if (n === 4 && b0 >= 0xf0 && b0 <= 0xf4) {
      const cp = ((b0 & 0x07) << 18) | ((b[st + 1] & 0x3f) << 12) | ((b[st + 2] & 0x3f) << 6) | (b[st + 3] & 0x3f);
      return cp >= 0x10000 && cp <= 0x10ffff ? cp : -1;
    }
    return -1;
  }

  /**
   * An upper bound of every value that begins with `b`'s first `n` bytes (cut at a character boundary), at most
   * `n` bytes long and valid UTF-8: the prefix with its last character raised by one code point (a character that
   * cannot be raised is dropped, and the one before it raised), as parquet-format asks of a truncated max and as
   * parquet-mr's BinaryTruncator does. Null when no such bound exists (every character U+10FFFF, or bytes that are
   * not UTF-8).
   */
  function raisedPrefix(b: Uint8Array, n: number): Uint8Array | null {
    let end = charBoundary(b, n);
    while (end > 0) {
      let st = end - 1;
      while (st > 0 && (b[st] & 0xc0) === 0x80) st--;
      const cp = codePoint(b, st, end);
      if (cp < 0) return null;
      if (cp < 0x10ffff) {
        const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
        const enc = Buffer.from(String.fromCodePoint(next), 'utf8');
        if (st + enc.length <= n) {
          const out = new Uint8Array(st + enc.length);
          out.set(b.subarray(0, st), 0);
          out.set(enc, st);
          return out;
        }
      }
      end = st;
    }
    return null;
  }

  /** The statistics of a string column chunk whose min and max values are these bytes, cut past `minCut` / `maxCut` bytes. */
  function statBounds(min: Uint8Array, max: Uint8Array, minCut = STAT_BYTES, maxCut = STAT_BYTES) {
    const lo = min.length > minCut ? min.slice(0, charBoundary(min, minCut)) : min.slice();
    const hi = max.length > maxCut ? raisedPrefix(max, maxCut) : max.slice();
    if (hi === null) return NO_STATS;
    return { min: lo, max: hi, minExact: lo.length === min.length, maxExact: max.length <= maxCut };
  }

  /** Values per DELTA_BINARY_PACKED block, and per miniblock (parquet-mr's defaults: 4 miniblocks of 32). */
  const DELTA_BLOCK = 128;
  const DELTA_MINI = 32;

  /** ZigZag ULEB128 of a safe integer. */
  function zigzag(out: ByteSink, n: number): void {
    out.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  /**
   * Appends `n` values (each 0 <= v < 2^53) bit-packed with `width` bits each, least significant bit first (the
   * bit-packing of parquet-format's Encodings.md). Values are pushed 24 bits at most at a time (16 + 16 up to 32
   * bits, 24 + 24 + rest beyond), so that the accumulator's shifts stay within 32 bits.
   */
  function packBits(values: Float64Array, from: number, n: number, width: number, out: ByteSink): void {
    if (width === 0) return;
    out.ensure(((n * width) >> 3) + 8);
    const buf = out.buf;
    let pos = out.pos;
    let acc = 0;
    let bits = 0;
    const end = from + n;
    if (width <= 24) {
      for (let i = from; i < end; i++) {
        acc |= values[i] << bits;
        bits += width;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
    } else if (width <= 32) {
      const w1 = width - 16;
      for (let i = from; i < end; i++) {
        const v = values[i] >>> 0;
        acc |= (v & 0xffff) << bits;
        bits += 16;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
        acc |= (v >>> 16) << bits;
        bits += w1;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
    } else {
      const w1 = width < 48 ? width - 24 : 24;
      const w2 = width < 48 ? 0 : width - 48;
      for (let i = from; i < end; i++) {
        const v = values[i];
        const hi = Math.floor(v / 16_777_216);
        acc |= (v - hi * 16_777_216) << bits;
        bits += 24;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
        const top = Math.floor(hi / 16_777_216);
        acc |= (hi - top * 16_777_216) << bits;
        bits += w1;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
        if (w2 === 0) continue;
        acc |= top << bits;
        bits += w2;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
    }
    out.pos = pos;
  }

  /** Scratch for one block's deltas. */
  const deltas = new Float64Array(DELTA_BLOCK);

  /**
   * DELTA_BINARY_PACKED (parquet-format Encodings.md) of `vals[0 .. n)`, safe integers whose range (max - min) is
   * below 2^52, so every delta and every delta minus the block's min delta is exact in a double. Blocks of 128
   * values in 4 miniblocks of 32; a last miniblock is padded with zeros; the bit widths of a last block's unused
   * miniblocks are 0 and their bodies absent.
   */
  function deltaBinaryPacked(vals: Float64Array, n: number): Uint8Array {
    const minis = DELTA_BLOCK / DELTA_MINI;
    const out = new ByteSink(64 + n * 3);
    out.varint(DELTA_BLOCK);
    out.varint(minis);
    out.varint(n);
    zigzag(out, n > 0 ? vals[0] : 0);
    for (let a = 1; a < n; a += DELTA_BLOCK) {
      const m = Math.min(DELTA_BLOCK, n - a);
      let minDelta = Infinity;
      for (let i = 0; i < m; i++) {
        const d = vals[a + i] - vals[a + i - 1];
        deltas[i] = d;
        if (d < minDelta) minDelta = d;
      }
      zigzag(out, minDelta);
      out.ensure(minis);
      const widths = out.pos;
      out.pos += minis;
      for (let mb = 0; mb < minis; mb++) {
        const from = mb * DELTA_MINI;
        if (from >= m) {
          out.buf[widths + mb] = 0;
          continue;
        }
        const end = Math.min(m, from + DELTA_MINI);
        let max = 0;
        for (let i = from; i < end; i++) {
          const x = deltas[i] - minDelta;
          deltas[i] = x;
          if (x > max) max = x;
        }
        for (let i = end; i < from + DELTA_MINI; i++) deltas[i] = 0;
        const w = max < 4_294_967_296 ? 32 - Math.clz32(max) : bitWidth(max);
        // packBits may move the sink's buffer: the width byte is written through the current one.
        packBits(deltas, from, DELTA_MINI, w, out);
        out.buf[widths + mb] = w;
      }
    }
    return out.bytes();
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

  function writeInt64LE(b: Uint8Array, n: number, off: number): void {
    const hi = Math.floor(n / TWO32);
    const lo = n - hi * TWO32;
    b[off] = lo & 0xff;
    b[off + 1] = (lo >>> 8) & 0xff;
    b[off + 2] = (lo >>> 16) & 0xff;
    b[off + 3] = (lo >>> 24) & 0xff;
    b[off + 4] = hi & 0xff;
    b[off + 5] = (hi >>> 8) & 0xff;
    b[off + 6] = (hi >>> 16) & 0xff;
    b[off + 7] = (hi >>> 24) & 0xff;
  }

  /** A data page body: 4-byte length + definition levels (RLE, width 1) for rows [a, b), then `values`. */
  function dataPage(def: Uint8Array, a: number, b: number, values: Uint8Array, encoding: number): EncodedPage {
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
    return { type: DATA_PAGE, body, numValues: b - a, encoding };
  }

  /** A column with one value in every row: a one-entry dictionary and all-zero indices (a few bytes per page). */
  function encodeConstant(value: string, rows: number): EncodedColumn {
    const dict = plainStrings([value], 0, 1);
    const stats = stringStats(dict, 0, dict.length, STAT_BYTES);
    const pages: EncodedPage[] = [{ type: DICTIONARY_PAGE, body: dict, numValues: 1, encoding: PLAIN_DICTIONARY }];
    const def = growDef(rows);
    def.fill(1, 0, rows);
    const idx = growIdx(rows);
    idx.fill(0, 0, rows);
    for (let a = 0; a < rows; a += PAGE_ROWS) {
      const b = Math.min(rows, a + PAGE_ROWS);
      pages.push(dataPage(def, a, b, dictIndices(idx, a, b, 1), PLAIN_DICTIONARY));
    }
    return { pages, numValues: rows, nullCount: 0, ...stats };
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
  function encodePlain(present: Int32Array, ends: Int32Array, bytes: Uint8Array, rows: number): EncodedColumn {
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
      pages.push(dataPage(def, a, b, bytes.subarray(from, ends[b - 1]), PLAIN));
    }
    return { pages, numValues: rows, nullCount: nulls, ...stringStats(bytes, 0, rows === 0 ? 0 : ends[rows - 1], PLAIN_STAT_CMP) };
  }

  /**
   * Definition levels `def[r]` and the non-null entry indices `idx[0 .. k)` of `ids[0 .. rows)`; returns k. (The
   * loops over rows are functions of their own, here and below: code optimized on stack replacement at a loop of a
   * long function carries the rest of that function without type feedback, and deoptimized there at every call.)
   */
  function splitIds(ids: Int32Array, rows: number, def: Uint8Array, idx: Int32Array): number {
    let k = 0;
    for (let r = 0; r < rows; r++) {
      const x = ids[r];
      if (x < 0) def[r] = 0;
      else {
        def[r] = 1;
        idx[k++] = x;
      }
    }
    return k;
  }

  /** How many of `def[a .. b)` are 1. */
  function countPresent(def: Uint8Array, a: number, b: number): number {
    let n = 0;
    for (let r = a; r < b; r++) n += def[r];
    return n;
  }

  /** A dictionary-encoded string column: `ids[r]` is the entry of row r, or -1 for NULL. */
  function encodeDictionary(ids: Int32Array, entries: readonly string[], rows: number): EncodedColumn {
    const def = growDef(rows);
    const idx = growIdx(rows);
    const k = splitIds(ids, rows, def, idx);
    const nulls = rows - k;
    const pages: EncodedPage[] = [];
    if (entries.length === 0) {
      for (let a = 0; a < rows; a += PAGE_ROWS) pages.push(dataPage(def, a, Math.min(rows, a + PAGE_ROWS), new Uint8Array(0), PLAIN));
      return { pages, numValues: rows, nullCount: nulls, ...NO_STATS };
    }
    const dict = plainStrings(entries, 0, entries.length);
    pages.push({ type: DICTIONARY_PAGE, body: dict, numValues: entries.length, encoding: PLAIN_DICTIONARY });
    let v0 = 0;
    for (let a = 0; a < rows; a += PAGE_ROWS) {
      const b = Math.min(rows, a + PAGE_ROWS);
      const present = countPresent(def, a, b);
      // dataPage reuses the scratch sink: the indices are encoded into their own buffer first.
      const values = dictIndices(idx, v0, v0 + present, entries.length);
      pages.push(dataPage(def, a, b, values, PLAIN_DICTIONARY));
      v0 += present;
    }
    return { pages, numValues: rows, nullCount: nulls, ...stringStats(dict, 0, dict.length, STAT_BYTES) };
  }

  function encodeNumbers(k: number, vals: Float64Array | Int32Array | Uint8Array, present: Uint8Array, rows: number): EncodedColumn {
    const pages: EncodedPage[] = [];
    const width = k === K_INT ? 4 : k === K_BOOL ? 0 : 8;
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
      if (k !== K_BOOL && k !== K_DBL && n >= 2) {
        const delta = deltaPage(k, vals, present, a, b, n);
        if (delta !== null) {
          pages.push(dataPage(present, a, b, delta, DELTA_BINARY_PACKED));
          continue;
        }
      }
      if (k === K_BOOL) {
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
        if (k === K_INT) {
          const o32 = new Int32Array(buf);
          for (let r = a; r < b; r++) if (present[r] !== 0) o32[j++] = vals[r];
        } else if (k === K_DBL) {
          const o64 = new Float64Array(buf);
          for (let r = a; r < b; r++) if (present[r] !== 0) o64[j++] = vals[r];
        } else {
          const o32 = new Int32Array(buf);
          const micros = k === K_TIME;
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
      pages.push(dataPage(present, a, b, out, PLAIN));
    }
    if (nulls === rows) return { pages, numValues: rows, nullCount: nulls, ...NO_STATS };
    return { pages, numValues: rows, nullCount: nulls, min: plainValue(k, min), max: plainValue(k, max), minExact: true, maxExact: true };
  }

  /** Scratch for one page's integer values. */
  let pageInts = new Float64Array(PAGE_ROWS);

  /**
   * The present values of rows [a, b) (`n` of them) of an integer or time column, DELTA_BINARY_PACKED, or null when
   * they or their range are too wide for the exact arithmetic of {@link deltaBinaryPacked} (beyond 2^52; INT32 range:
   * 2^31, so that every delta and the min delta fit a reader's 32-bit arithmetic), PLAIN then.
   */
  function deltaPage(
    k: number,
    vals: Float64Array | Int32Array | Uint8Array,
    present: Uint8Array,
    a: number,
    b: number,
    n: number,
  ): Uint8Array | null {
    if (pageInts.length < n) pageInts = new Float64Array(n);
    const xs = pageInts;
    const scale = k === K_TIME ? 1000 : 1;
    let lo = Infinity;
    let hi = -Infinity;
    let whole = true;
    let j = 0;
    for (let r = a; r < b; r++) {
      if (present[r] === 0) continue;
      const v = vals[r] * scale;
      xs[j++] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (Math.floor(v) !== v) whole = false;
    }
    // Values and the range within 2^52 keep every ZigZag number (2|v|+1 at most) exact in a double too.
    const limit = k === K_INT ? 2 ** 31 : 2 ** 52;
    if (!whole || !(hi - lo < limit) || !(lo > -(2 ** 52)) || !(hi < 2 ** 52)) return null;
    return deltaBinaryPacked(xs, n);
  }

  /** Epoch ms as INT64 microseconds (exact beyond 2^53 µs too). */
  function writeMicros(out: Uint8Array, ms: number, pos: number): void {
    const us = ms * 1000;
    if (Number.isSafeInteger(us)) writeInt64LE(out, us, pos);
    else new DataView(out.buffer, out.byteOffset).setBigInt64(pos, BigInt(ms) * 1000n, true);
  }

  function plainValue(k: number, v: number): Uint8Array {
    switch (k) {
      case K_INT: {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, v, true);
        return b;
      }
      case K_DBL: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v, true);
        return b;
      }
      case K_BOOL:
        return new Uint8Array([v ? 1 : 0]);
      case K_TIME: {
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

  /** Encodes one column of a row group into its pages (uncompressed) and statistics. */
  function encodeColumn(c: ColumnSnapshot): EncodedColumn {
    switch (c.t) {
      case 'const':
        return encodeConstant(c.value, c.rows);
      case 'dict':
        return encodeDictionary(c.ids, c.entries, c.rows);
      case 'plain':
        return encodePlain(c.present, c.ends, c.bytes, c.rows);
      case 'num':
        return encodeNumbers(c.kind, c.vals, c.present, c.rows);
    }
  }

  return { encodeColumn, encodeHybrid, bitWidth, ByteSink, statBounds, deltaBinaryPacked };
}
