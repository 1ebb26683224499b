import * as fc from 'fast-check';
import { readLines, walkInputs, type IngestProblem } from '../../src/ingest';
import { buildTar, buildZip, gzip } from '../support/archive-builders';
import { streamSource, tempDir } from './walk-helpers';

const LOG = '2021-03-02 10:20:30 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 - 200 0 0 15\r\n'.repeat(20);
const SEED_ZIP = buildZip([
  { name: 'a/u_ex210302.log', data: LOG },
  { name: 'b.log.gz', data: gzip(LOG), method: 'store' },
  { name: 'c/', method: 'store' },
  { name: 'inner.tar', data: buildTar([{ name: 'x.log', data: LOG }]) },
]);
const SEED_TAR = buildTar([
  { name: 'd/one.log', data: LOG },
  { name: 'two.log.gz', data: gzip(LOG) },
  { name: 'three.log', data: 'end\n' },
]);
const SEED_TGZ = gzip(
  buildTar([
    { name: 'd/one.log', data: LOG },
    { name: 'two.zip', data: buildZip([{ name: 'z.log', data: LOG }]) },
    { name: 'three.log', data: 'end\n' },
  ]),
);

/** A mutation: overwrite bytes, cut the tail, or insert bytes. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of muts) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'set') for (let i = 0; i < m.bytes.length && at + i < b.length; i++) b[at + i] = m.bytes[i];
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
  }
  return b;
}

/** Walks and reads everything; resolves with counts, rejects on any throw that is not an entry-stream failure. */
async function walkFully(data: Buffer, spoolDir: string): Promise<{ entries: number; problems: IngestProblem[] }> {
  const problems: IngestProblem[] = [];
  let entries = 0;
  for await (const e of walkInputs([streamSource('fuzz.bin', data, 4096)], {
    onProblem: (p) => problems.push(p),
    tmpDir: spoolDir,
    limits: { maxEntryBytes: 10 * 1024 * 1024 },
  })) {
    entries++;
    await readLines(
      e.open(),
      { maxLineBytes: 4096 },
      () => undefined,
      () => undefined,
    ).catch((err) => {
      // An entry stream may only fail with a typed, reported error.
      if (err?.name !== 'IngestError') throw err;
      if (!problems.some((p) => p.code === err.code)) throw new Error(`stream error ${err.code} was not reported`);
    });
  }
  return { entries, problems };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`walker hung for ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

describe('walkInputs on mutated archives', () => {
  const spool = tempDir();
  afterAll(() => spool.cleanup());

  for (const [label, seed] of [
    ['zip', SEED_ZIP],
    ['tar', SEED_TAR],
    ['tar.gz', SEED_TGZ],
  ] as const) {
    it(`never crashes or hangs on a mutated ${label}`, async () => {
      // Prepare: the seed itself walks cleanly.
      const clean = await walkFully(seed, spool.dir);
      expect(clean.problems).toEqual([]);
      expect(clean.entries).toBe(3);
      // Act + Assess
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
          const out = await withTimeout(walkFully(mutate(seed, muts), spool.dir), 5000);
          for (const p of out.problems) {
            expect(typeof p.code).toBe('string');
            expect(p.path.startsWith('fuzz.bin')).toBe(true);
            expect(p.reason.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 150, seed: 20210302 + label.length },
      );
    });
  }
});
