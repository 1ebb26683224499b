/**
 * Snappy compression (the raw block format Parquet's SNAPPY codec uses), in plain JavaScript: the reference
 * implementation. The page worker runs its port to WebAssembly instead (assembly/snappy.ts via snappy-wasm-codec.ts,
 * the same output byte for byte, tested): on the pages of 200 MB of generated logs, best of 7 in one process,
 * ~610 MB/s here against ~970 MB/s (1.6x) for the WASM one, copies in and out of its memory included.
 * {@link snappyCompress} is this source run in-process (tests, the bench); it is kept as source text so that a
 * worker evaluated from a string could run it too.
 *
 * Format (google/snappy format_description.txt): the uncompressed length as a
 * varint, then literals and copies. This compressor follows the reference one
 * (snappy.cc, CompressFragment): 64 KiB blocks compressed independently, a
 * 16 K-entry hash table of 4-byte sequences, the search stepping faster through
 * data that does not compress, copies emitted back to back while the next
 * position matches too, and matches compared 4 bytes at a time (DataView
 * loads). Speed: docs/benchmarks.md.
 *
 * Why Snappy: hunts read the lake far more often than it is written, and DuckDB
 * reads Snappy pages faster than GZIP ones (measured: docs/benchmarks.md).
 */
export const SNAPPY_SOURCE = String.raw`
function snappyMaxLength(n) {
  return 32 + n + Math.floor(n / 6);
}
const SNAPPY_TABLE = new Int32Array(1 << 14);
function snappyCompress(src) {
  const n = src.length;
  const out = new Uint8Array(snappyMaxLength(n));
  let op = 0;
  let v = n;
  while (v >= 0x80) {
    out[op++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[op++] = v;
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let start = 0; start < n; start += 65536) {
    const end = start + 65536 < n ? start + 65536 : n;
    op = end - start < 15 ? snappyLiteral(src, start, end - start, out, op) : snappyBlock(src, dv, start, end, out, op, SNAPPY_TABLE);
  }
  return out.subarray(0, op);
}

function snappyBlock(src, dv, start, end, out, op, table) {
  // Every table entry starts as the block's first position: a valid (if unlikely) candidate, never out of range.
  table.fill(start);
  const ipLimit = end - 15;
  let nextEmit = start;
  let ip = start + 1;
  let nextHash = Math.imul(dv.getInt32(ip, true), 0x1e35a7bd) >>> 18;
  for (;;) {
    // Look for a 4-byte match, stepping faster through data that does not compress.
    let skip = 32;
    let nextIp = ip;
    let cand = 0;
    do {
      ip = nextIp;
      const h = nextHash;
      nextIp = ip + (skip++ >> 5);
      if (nextIp > ipLimit) {
        if (nextEmit < end) op = snappyLiteral(src, nextEmit, end - nextEmit, out, op);
        return op;
      }
      nextHash = Math.imul(dv.getInt32(nextIp, true), 0x1e35a7bd) >>> 18;
      cand = table[h];
      table[h] = ip;
    } while (dv.getInt32(ip, true) !== dv.getInt32(cand, true));
    if (ip > nextEmit) op = snappyLiteral(src, nextEmit, ip - nextEmit, out, op);
    // Emit copies back to back while the next position matches too.
    for (;;) {
      let s1 = cand + 4;
      let s2 = ip + 4;
      while (s2 + 4 <= end) {
        const x = dv.getInt32(s1, true) ^ dv.getInt32(s2, true);
        if (x !== 0) {
          // s1 moves with s2: the byte loop below must not restart from the word's first byte, or a copy could be
          // extended over a differing byte among a block's last 3 (a page that decodes to wrong values).
          const k = (31 - Math.clz32(x & -x)) >> 3;
          s1 += k;
          s2 += k;
          break;
        }
        s1 += 4;
        s2 += 4;
      }
      if (s2 + 4 > end) {
        while (s2 < end && src[s1] === src[s2]) {
          s1++;
          s2++;
        }
      }
      op = snappyCopy(ip - cand, s2 - ip, out, op);
      ip = s2;
      nextEmit = ip;
      if (ip >= ipLimit) {
        if (nextEmit < end) op = snappyLiteral(src, nextEmit, end - nextEmit, out, op);
        return op;
      }
      table[Math.imul(dv.getInt32(ip - 1, true), 0x1e35a7bd) >>> 18] = ip - 1;
      const h = Math.imul(dv.getInt32(ip, true), 0x1e35a7bd) >>> 18;
      cand = table[h];
      table[h] = ip;
      if (dv.getInt32(ip, true) !== dv.getInt32(cand, true)) break;
    }
    ip++;
    nextHash = Math.imul(dv.getInt32(ip, true), 0x1e35a7bd) >>> 18;
  }
}

function snappyLiteral(src, pos, len, out, op) {
  const n = len - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = (n >>> 16) & 0xff;
    out[op++] = n >>> 24;
  }
  if (len < 32) {
    for (let k = 0; k < len; k++) out[op + k] = src[pos + k];
  } else {
    out.set(src.subarray(pos, pos + len), op);
  }
  return op + len;
}

function snappyCopy(offset, len, out, op) {
  while (len >= 68) {
    out[op++] = (63 << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    out[op++] = (59 << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = ((len - 1) << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}
`;

/** Snappy-compresses `src` in-process with the JS reference (the worker uses the WASM port: snappy-wasm-codec.ts). */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- our own constant source above, never input
export const snappyCompress = new Function(`${SNAPPY_SOURCE}\nreturn snappyCompress;`)() as (src: Uint8Array) => Uint8Array;
