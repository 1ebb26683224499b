import fc from 'fast-check';
import { snappyCompress } from '../../src/lake/parquet/snappy';

/** Reference decoder of Snappy's raw format, written from google/snappy's format_description.txt. */
function snappyDecompress(src: Uint8Array): Uint8Array {
  let pos = 0;
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = src[pos++];
    n += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  const out = new Uint8Array(n);
  let op = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        len = 0;
        for (let k = 0; k < bytes; k++) len += src[pos++] * 2 ** (8 * k);
        len += 1;
      }
      out.set(src.subarray(pos, pos + len), op);
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      len = (tag >>> 2) + 1;
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16)) + src[pos + 3] * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw new Error(`bad copy offset ${offset} at output ${op}`);
    for (let k = 0; k < len; k++, op++) out[op] = out[op - offset];
  }
  if (op !== n) throw new Error(`decoded ${op} bytes, header says ${n}`);
  return out;
}

describe('snappyCompress', () => {
  it('decodes back to the input: random bytes, repetitive text, long runs, across 64 KiB blocks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 3000 })).map(([s, k]) => new TextEncoder().encode(s.repeat(k))),
            fc.tuple(fc.nat(255), fc.integer({ min: 1, max: 70_000 })).map(([b, k]) => new Uint8Array(k).fill(b)),
          ),
          { maxLength: 12 },
        ),
        (parts) => {
          // Prepare
          const input = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
          let o = 0;
          for (const p of parts) {
            input.set(p, o);
            o += p.length;
          }
          // Act
          const packed = snappyCompress(input);
          // Assess
          expect(Buffer.from(snappyDecompress(packed)).equals(Buffer.from(input))).toBe(true);
          expect(packed.length).toBeLessThanOrEqual(32 + input.length + Math.floor(input.length / 6));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shrinks log-like pages and leaves incompressible ones at about their size', () => {
    // Prepare
    const log = new TextEncoder().encode(Array.from({ length: 5000 }, (_, i) => `/owa/service.svc?action=GetItem&ID=${i % 97}`).join('\n'));
    const noise = new Uint8Array(200_000).map((_, i) => (Math.imul(i + 1, 2654435761) >>> 13) & 0xff);
    // Act
    const a = snappyCompress(log);
    const b = snappyCompress(noise);
    // Assess
    expect(a.length).toBeLessThan(log.length / 4);
    expect(b.length).toBeLessThan(noise.length * 1.01);
    expect(Buffer.from(snappyDecompress(b)).equals(Buffer.from(noise))).toBe(true);
  });

  it('reads a view into a larger buffer, and block tails too short to search (under 15 bytes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom(1, 14, 15, 16, 100, 65_535, 65_536, 65_537, 65_550, 131_072 + 3), (pre, post, n) => {
        // Prepare: a repetitive page in the middle of a bigger allocation, as page bodies often are.
        const big = new Uint8Array(pre + n + post).map((_, i) => (i % 7 === 0 ? 0x41 : (i * 31) & 0x3f));
        const view = big.subarray(pre, pre + n);
        // Act
        const packed = snappyCompress(view);
        // Assess
        expect(Buffer.from(snappyDecompress(packed)).equals(Buffer.from(view))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('compresses an empty input to its length header alone', () => {
    expect([...snappyCompress(new Uint8Array(0))]).toEqual([0]);
  });
});
