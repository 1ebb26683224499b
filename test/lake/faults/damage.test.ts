import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../../src/core/local-object-store';
import { DuckDbQueryEngine } from '../../../src/local-engine/duckdb-query-engine';
import { readCommittedLake, type LakeGap } from '../../../src/lake/committed';
import type { Manifest } from '../../../src/lake/manifest';
import { normalizeUpload } from '../../../src/pipeline';
import { differingKeys, planLocalRepairs } from '../../../src/pipeline/repair';
import { assertLakeWhole, iisLog, lakeFiles } from './support';

const TRIALS = 12;
type Damage = 'flip' | 'truncate' | 'delete' | 'append';

describe('damaged lake files', () => {
  let dir: string;
  let root: string;
  let reference: Map<string, Buffer>;
  const uploads: { file: string; agency: string; uploadId: string }[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-damage-'));
    root = path.join(dir, 'lake-root');
    for (const [i, agency] of ['dhs', 'dhs', 'doj'].entries()) {
      const f = path.join(dir, 'in', `EXCH0${i + 1}`, 'W3SVC1', `u_ex2103${i}.log`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, iisLog(300, i, 4).text);
      uploads.push({ file: f, agency, uploadId: `up-${i}` });
      await normalizeUpload({ inputs: [f], agency, uploadId: `up-${i}`, lakeRoot: root, tmpDir: path.join(dir, 'tmp') });
    }
    reference = lakeFiles(root);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Rows of one lake file, as its manifest counts them (one file per table, day and upload here). */
  function rowsOf(gap: Pick<LakeGap, 'agency' | 'uploadId' | 'table' | 'dt'>): number {
    const m = JSON.parse(fs.readFileSync(path.join(root, 'manifests', `agency=${gap.agency}`, `${gap.uploadId}.json`), 'utf8')) as Manifest;
    return m.rows_per_partition[gap.table][gap.dt];
  }

  it('bit flips, truncations, deletions and appended bytes: found, named, left out, the rest hunted, and repaired byte-identical', async () => {
    // Prepare
    let seed = Number(process.env.FAULT_SEED ?? Date.now() % 100000);
    const first = seed;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const keys = [...reference.keys()].sort();
    const total = 3 * 300;
    const kinds: Damage[] = ['flip', 'truncate', 'delete', 'append'];
    const seen: string[] = [];

    for (let t = 0; t < TRIALS; t++) {
      const key = keys[Math.floor(random() * keys.length)];
      const kind = kinds[t % kinds.length];
      const file = path.join(root, ...key.split('/'));
      const bytes = fs.readFileSync(file);
      // Act: damage one file.
      if (kind === 'flip') {
        const b = Buffer.from(bytes);
        const at = Math.floor(random() * (b.length - 2));
        b[at] ^= 0xff;
        b[at + 1] ^= 0x5a;
        fs.writeFileSync(file, b);
      } else if (kind === 'truncate') fs.truncateSync(file, Math.floor(random() * bytes.length));
      else if (kind === 'delete') fs.rmSync(file);
      else fs.appendFileSync(file, Buffer.from('garbage'));

      // Assess: verify names exactly that file, with the right problem.
      const check = await readCommittedLake(new LocalObjectStore(root));
      const problem = { flip: 'checksum', truncate: 'size', delete: 'missing', append: 'size' }[kind];
      expect(check.gaps.map((g) => [g.key, g.problem])).toEqual([[key, problem]]);
      const gap = check.gaps[0];
      expect(gap.sources.length).toBeGreaterThan(0);
      // A hunt leaves it out, names it, and reads every other row.
      const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
      try {
        const [{ n }] = await engine.run('SELECT count(*) AS n FROM web_requests', []);
        expect(n).toBe(total - rowsOf(gap));
        expect(engine.lakeCheck!.gaps.map((g) => g.key)).toEqual([key]);
      } finally {
        await engine.close();
      }
      // Repair: the upload normalized again from its raw input, byte-identical to the recorded checksums.
      const [plan] = await planLocalRepairs(new LocalObjectStore(root), check.gaps);
      expect(plan.refused).toBeNull();
      const r = await normalizeUpload({
        inputs: [...plan.inputs],
        agency: plan.agency,
        uploadId: plan.uploadId,
        lakeRoot: root,
        tmpDir: path.join(dir, 'tmp'),
      });
      expect(differingKeys(plan, r.manifest)).toEqual([]);
      expect(fs.readFileSync(file).equals(reference.get(key)!)).toBe(true);
      seen.push(`${kind} ${key.split('/').slice(-3).join('/')}`);
    }
    await assertLakeWhole(root);
    process.stdout.write(`damage trials (seed ${first}): ${seen.length} of ${TRIALS} found, contained and repaired\n`);
  }, 180_000);

  it('a file whose manifest has no checksum (written before checksums): the failing query leaves it out and runs again', async () => {
    // Prepare: strip the checksums of one upload's manifest, truncate one of its files and record that size.
    const mFile = path.join(root, 'manifests', 'agency=doj', 'up-2.json');
    const original = fs.readFileSync(mFile, 'utf8');
    const m = JSON.parse(original) as Manifest;
    const target = m.files.find((f) => f.table === 'web_requests')!;
    const file = path.join(root, ...target.key.split('/'));
    fs.truncateSync(file, target.bytes - 9);
    const legacy = { ...m, files: m.files.map(({ sha256: _, ...f }) => (f.key === target.key ? { ...f, bytes: target.bytes - 9 } : f)) };
    fs.writeFileSync(mFile, JSON.stringify(legacy, null, 2) + '\n');
    try {
      // Act
      const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
      let n: unknown;
      let gaps: readonly LakeGap[];
      try {
        [{ n }] = await engine.run('SELECT count(*) AS n FROM web_requests', []);
        gaps = engine.lakeCheck!.gaps;
      } finally {
        await engine.close();
      }
      // Assess
      expect(n).toBe(900 - m.rows_per_partition.web_requests[target.dt]);
      expect(gaps.map((g) => [g.key, g.problem])).toEqual([[target.key, 'unreadable']]);
      expect(gaps[0].reason).toMatch(/^unreadable: /);
    } finally {
      fs.writeFileSync(mFile, original);
      fs.writeFileSync(file, reference.get(target.key)!);
    }
  });

  it('files that vanish after the hunt opened the lake (a concurrent re-publish): each left out, the query answers', async () => {
    // Prepare
    const gone = [...reference.keys()].filter((k) => k.includes('/agency=dhs/') && k.includes('up-0-')).slice(0, 2);
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
    try {
      for (const k of gone) fs.rmSync(path.join(root, ...k.split('/')));
      // Act
      const [{ n }] = await engine.run('SELECT count(*) AS n FROM web_requests', []);
      // Assess
      const lost = engine.lakeCheck!.gaps.map((g) => rowsOf(g)).reduce((a, b) => a + b, 0);
      expect(engine.lakeCheck!.gaps.map((g) => [g.key, g.problem]).sort()).toEqual(gone.map((k) => [k, 'unreadable']).sort());
      expect(n).toBe(900 - lost);
    } finally {
      await engine.close();
      for (const k of gone) fs.writeFileSync(path.join(root, ...k.split('/')), reference.get(k)!);
    }
  });

  it('refuses to rebuild from a raw input that changed or is gone, and says which', async () => {
    // Prepare
    const u = uploads[1];
    const key = [...reference.keys()].find((k) => k.includes(u.uploadId))!;
    fs.rmSync(path.join(root, ...key.split('/')));
    const saved = fs.readFileSync(u.file);
    fs.appendFileSync(u.file, 'one more line\r\n');
    try {
      // Act
      const check = await readCommittedLake(new LocalObjectStore(root));
      const [changed] = await planLocalRepairs(new LocalObjectStore(root), check.gaps);
      fs.rmSync(u.file);
      const [gone] = await planLocalRepairs(new LocalObjectStore(root), check.gaps);
      // Assess
      expect(changed.refused).toMatch(/^raw input .*u_ex21031\.log changed since it was normalized \(\d+ bytes, manifest says \d+\)$/);
      expect(gone.refused).toMatch(/^raw input .*u_ex21031\.log is gone$/);
    } finally {
      fs.writeFileSync(u.file, saved);
      fs.writeFileSync(path.join(root, ...key.split('/')), reference.get(key)!);
    }
  });
});
