// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.js (not by tsc): the Snappy compressor of
// testkit/snappy-reference.ts (SNAPPY_SOURCE, the JS reference) ported step for step, so that its output is the same, byte for byte, for every input
// (test/lake/snappy.test.ts compares them). Same 64 KiB blocks, same 16 K-entry table reset per block, same hash,
// same skip heuristic, same copy splitting; matches are compared 8 bytes at a time (the same match lengths as the JS
// loop's 4, so the same output).
//
// Memory, no allocator (--runtime stub, nothing is allocated): from __heap_base, the hash table (16 K u16 offsets
// into the block: a block is 64 KiB), then the input, then the output. `reserve(n)` lays them out for an n-byte
// input, growing the memory when needed (it never shrinks), and returns where the JS side copies the input;
// `compress(n)` writes the output at `outputPtr()` and returns its length.

const TABLE_BITS: u32 = 14;
const TABLE_BYTES: usize = (1 << TABLE_BITS) * 2;
const BLOCK: i32 = 65536;
/** Slack after the input and the output: short literals are copied 16 bytes at a time. */
const PAD: usize = 16;

let tablePtr: usize = 0;
let inPtr: usize = 0;
let outPtr: usize = 0;
/** compress() calls since instantiation (the page worker reports it: proof that the WASM path ran). */
let calls: i32 = 0;

@inline function maxLength(n: usize): usize {
  return 32 + n + n / 6;
}

@inline function hash(x: u32): u32 {
  return (x * 0x1e35a7bd) >> (32 - TABLE_BITS);
}

/** Lays the buffers out for an `n`-byte input (growing the memory if needed); the input's address, 0 if it cannot grow. */
export function reserve(n: i32): usize {
  tablePtr = (__heap_base + 15) & ~<usize>15;
  inPtr = tablePtr + TABLE_BYTES;
  outPtr = (inPtr + <usize>n + PAD + 15) & ~<usize>15;
  const need = <u64>outPtr + <u64>maxLength(<usize>n) + <u64>PAD;
  const have = <u64>memory.size() << 16;
  if (need > have) {
    const pages = <i32>((need - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return inPtr;
}

export function outputPtr(): usize {
  return outPtr;
}

export function compressCalls(): i32 {
  return calls;
}

/** Compresses the `n` bytes at the input (after `reserve(n)`); returns the output's length. */
export function compress(n: i32): i32 {
  calls++;
  let op = outPtr;
  let v = <u32>n;
  while (v >= 0x80) {
    store<u8>(op++, (v & 0x7f) | 0x80);
    v >>= 7;
  }
  store<u8>(op++, v);
  for (let start: i32 = 0; start < n; start += BLOCK) {
    const end = start + BLOCK < n ? start + BLOCK : n;
    const s = inPtr + <usize>start;
    const len = end - start;
    op = len < 15 ? literal(s, len, op) : block(s, s + <usize>len, op);
  }
  return <i32>(op - outPtr);
}

/** snappyBlock: one block [start, end) of the input (absolute addresses). */
function block(start: usize, end: usize, op: usize): usize {
  const table = tablePtr;
  // Every entry starts as the block's first position (offset 0): a valid (if unlikely) candidate.
  memory.fill(table, 0, TABLE_BYTES);
  const ipLimit = end - 15;
  let nextEmit = start;
  let ip = start + 1;
  let nextHash = hash(load<u32>(ip));
  for (;;) {
    // Look for a 4-byte match, stepping faster through data that does not compress.
    let skip: u32 = 32;
    let nextIp = ip;
    let cand: usize = 0;
    do {
      ip = nextIp;
      const h = nextHash;
      nextIp = ip + <usize>(skip++ >> 5);
      if (nextIp > ipLimit) {
        if (nextEmit < end) op = literal(nextEmit, <i32>(end - nextEmit), op);
        return op;
      }
      nextHash = hash(load<u32>(nextIp));
      const slot = table + (<usize>h << 1);
      cand = start + <usize>load<u16>(slot);
      store<u16>(slot, <u16>(ip - start));
    } while (load<u32>(ip) != load<u32>(cand));
    if (ip > nextEmit) op = shortLiteral(nextEmit, <i32>(ip - nextEmit), op);
    // Emit copies back to back while the next position matches too.
    for (;;) {
      const s2 = matchEnd(cand + 4, ip + 4, end);
      op = copy(<u32>(ip - cand), <i32>(s2 - ip), op);
      ip = s2;
      nextEmit = ip;
      if (ip >= ipLimit) {
        if (nextEmit < end) op = literal(nextEmit, <i32>(end - nextEmit), op);
        return op;
      }
      // ip < end - 15: the 8 bytes from ip - 1 are in the block.
      const w = load<u64>(ip - 1);
      store<u16>(table + (<usize>hash(<u32>w) << 1), <u16>(ip - 1 - start));
      const x = <u32>(w >> 8);
      const slot = table + (<usize>hash(x) << 1);
      cand = start + <usize>load<u16>(slot);
      store<u16>(slot, <u16>(ip - start));
      if (x != load<u32>(cand)) break;
    }
    ip++;
    nextHash = hash(load<u32>(ip));
  }
  return op; // not reached (asc's flow analysis wants it)
}

/**
 * Where the match of s2 against s1 (s1 < s2) stops: at the first differing byte, or at `end`. The JS loop finds the
 * same byte 4 bytes at a time, then byte by byte for the last 1-3 (any exact search gives the same output).
 */
@inline function matchEnd(s1: usize, s2: usize, end: usize): usize {
  while (s2 + 8 <= end) {
    const x = load<u64>(s1) ^ load<u64>(s2);
    if (x != 0) return s2 + <usize>(ctz(x) >> 3);
    s1 += 8;
    s2 += 8;
  }
  while (s2 < end && load<u8>(s1) == load<u8>(s2)) {
    s1++;
    s2++;
  }
  return s2;
}

/** {@link literal}, its 1-16 byte case inline (most literals between copies are short: ~6% faster overall). */
@inline function shortLiteral(src: usize, len: i32, op: usize): usize {
  if (len > 16) return literal(src, len, op);
  store<u8>(op, (len - 1) << 2);
  store<u64>(op + 1, load<u64>(src));
  store<u64>(op + 9, load<u64>(src + 8));
  return op + 1 + <usize>len;
}

/** snappyLiteral: a literal of `len` (>= 1) bytes from `src`. */
function literal(src: usize, len: i32, op: usize): usize {
  const n = <u32>(len - 1);
  if (n < 60) {
    store<u8>(op++, n << 2);
  } else if (n < 0x100) {
    store<u8>(op++, 60 << 2);
    store<u8>(op++, n);
  } else if (n < 0x10000) {
    store<u8>(op++, 61 << 2);
    store<u16>(op, n);
    op += 2;
  } else if (n < 0x1000000) {
    store<u8>(op++, 62 << 2);
    store<u16>(op, n);
    store<u8>(op + 2, n >> 16);
    op += 3;
  } else {
    store<u8>(op++, 63 << 2);
    store<u32>(op, n);
    op += 4;
  }
  if (len <= 16) {
    // 16 bytes whatever the length: the input and the output have PAD bytes of slack, and what lands past the
    // literal is overwritten by the next element or lies past the output's end.
    store<u64>(op, load<u64>(src));
    store<u64>(op + 8, load<u64>(src + 8));
  } else {
    memory.copy(op, src, <usize>len);
  }
  return op + <usize>len;
}

/** snappyCopy: a copy of `len` (>= 4) bytes from `offset` (< 64 KiB) back, split as the JS splits it. */
function copy(offset: u32, len: i32, op: usize): usize {
  while (len >= 68) {
    store<u8>(op, (63 << 2) | 2);
    store<u16>(op + 1, <u16>offset);
    op += 3;
    len -= 64;
  }
  if (len > 64) {
    store<u8>(op, (59 << 2) | 2);
    store<u16>(op + 1, <u16>offset);
    op += 3;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    store<u8>(op, 1 | ((len - 4) << 2) | ((offset >> 8) << 5));
    store<u8>(op + 1, offset);
    op += 2;
  } else {
    store<u8>(op, ((len - 1) << 2) | 2);
    store<u16>(op + 1, <u16>offset);
    op += 3;
  }
  return op;
}
