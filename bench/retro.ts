/**
 * `npm run bench -- retro [--size=600MB] [--compression=snappy|gzip|zstd]`
 *
 * What a weekly retro-hunt bills on Athena, priced by `sweep plan`'s code (planSweep's queries, partitions and
 * Parquet column chunks) on a multi-agency, multi-year lake: 3 agencies x 2 years of generated IIS and HttpProxy
 * logs. Four moments: the first sweep (no sweep state: all history), the week after with one agency's new upload,
 * the week after an indicator feed changed, and a week with nothing new. Each is shown as billed bytes and as a
 * share of the raw logs' size, with the hunts that run and why. Bytes only: whether the incremental sweeps find the
 * same findings is proven by test/sweep/incremental.test.ts.
 *
 * --size=N   raw log bytes in all (default 600MB; a sixth per agency and year)
 * --clients=N  client addresses from a population of N clients (testkit/gen/exchange-logs.ts GenOptions.clients);
 *             default: a random address per request, the worst case for the lake's size
 * --compression=C  the lake's page codec (default: the writer's, Snappy); `zstd` is what the normalizer writes on AWS
 *             (Node >= 22.15), its lake cached apart under lake-root-zstd
 * The corpus and lake are cached under .cache/bench-retro/<size>/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { localCandidateBytes, localParquetColumnBytes } from '../src/local-engine';
import { formatBytes, LocalObjectStore } from '../src/core';
import { planSweep } from '../src/aws/sweep-plan';
import { parseSize } from '../src/cli/commands/normalize';
import { estimatePlans, type PlanEstimate } from '../src/cli/commands/plan';
import { loadQueries } from '../src/hunt/query-file';
import { normalizeUpload } from '../src/pipeline';
import { commitSweepState } from '../src/sweep/sweep-state';
import { benchArg as arg, clientsArg, generateWebCorpus } from '../testkit/gen/web-corpus';

const AGENCIES = ['dhs', 'doj', 'treasury'];
const YEARS = ['2020-01-06', '2021-01-04'];
const TODAY = '2026-12-01';

export async function run(args: string[]): Promise<void> {
  const size = parseSize('--size', arg(args, 'size') ?? '600MB');
  const clients = clientsArg(args);
  const base = path.resolve('.cache', 'bench-retro', `${size}${clients ? `-clients${clients}` : ''}`);
  const compression = arg(args, 'compression');
  if (compression !== undefined && compression !== 'snappy' && compression !== 'gzip' && compression !== 'zstd')
    throw new Error(`--compression must be snappy, gzip or zstd, got ${compression}`);
  const suffix = compression && compression !== 'snappy' ? `-${compression}` : '';
  const writer: { writer?: { compression: 'snappy' | 'gzip' | 'zstd' } } = compression ? { writer: { compression } } : {};
  const root = path.join(base, `lake-root${suffix}`);
  const done = path.join(base, `lake${suffix}.done`);
  if (!fs.existsSync(done)) {
    fs.rmSync(root, { recursive: true, force: true });
    let seed = 5000;
    for (const agency of AGENCIES) {
      for (const start of YEARS) {
        const dir = path.join(base, 'logs', agency, start);
        await generateWebCorpus(dir, size / (AGENCIES.length * YEARS.length), { seedBase: (seed += 100), start, clients });
        await normalizeUpload({
          inputs: [dir],
          agency,
          uploadId: `${agency}-${start}`,
          lakeRoot: root,
          tmpDir: path.join(base, 'tmp'),
          ...writer,
        });
      }
    }
    fs.rmSync(path.join(base, 'tmp'), { recursive: true, force: true });
    fs.writeFileSync(done, '');
  }
  // Each run starts from the two-year lake without state, week upload or extra feed.
  const lake = new LocalObjectStore(root);
  for (const o of await lake.list('sweep-state/')) await lake.delete(o.key);
  const week = path.join(base, 'week');
  for (const o of [...(await lake.list('lake/')), ...(await lake.list('manifests/'))])
    if (o.key.includes('week-')) await lake.delete(o.key);

  const hunts = loadQueries(path.resolve('queries')).hunts.filter((h) => h.meta.status !== 'deprecated');
  let feeds = 'feeds-v1';
  const columnBytes = localParquetColumnBytes(root);
  const candidates = localCandidateBytes(root);
  const price = (): Promise<PlanEstimate> =>
    estimatePlans({
      lake,
      hunts,
      since: '2019-01-01',
      until: TODAY,
      pricePerTb: 5,
      indicatorsDigest: async () => feeds,
      columnBytes,
      measureCandidates: candidates.measure,
    });
  /** Records a completed scheduled sweep (every planned hunt succeeded), as the commit step does. */
  const complete = async (runId: string): Promise<void> => {
    const plan = await planSweep(
      { trigger: 'schedule' },
      {
        lake,
        hunts,
        agencies: AGENCIES,
        retroSince: '2019-01-01',
        today: TODAY,
        newRunId: () => runId,
        state: { store: lake, indicatorsDigest: async () => feeds },
      },
    );
    await commitSweepState(
      lake,
      runId,
      plan.hunts.map((h) => ({ hunt_id: h.hunt_id, ok: true })),
    );
  };

  const rows: [string, PlanEstimate][] = [];
  rows.push(['first sweep (no state)', await price()]);
  await complete('bench-1');
  await generateWebCorpus(week, size / 300, { seedBase: 9000, start: '2026-11-23', clients });
  await normalizeUpload({ inputs: [week], agency: 'doj', uploadId: 'week-doj', lakeRoot: root, tmpDir: path.join(base, 'tmp'), ...writer });
  rows.push(['a week later, one agency uploaded', await price()]);
  await complete('bench-2');
  feeds = 'feeds-v2';
  rows.push(['an indicator feed changed', await price()]);
  await complete('bench-3');
  rows.push(['nothing new', await price()]);

  const raw = rows[0][1].rawBytes;
  process.stdout.write(
    `\nlake: ${AGENCIES.length} agencies x ${YEARS.length} years, ${formatBytes(raw)} raw logs; ${hunts.length} hunts\n`,
  );
  process.stdout.write(
    `${'moment'.padEnd(36)} ${'runs'.padStart(5)} ${'scanned'.padStart(10)} ${'billed'.padStart(10)} ${'% raw'.padStart(7)} ${'staged'.padStart(8)} ${'billed'.padStart(10)} ${'% raw'.padStart(7)}  why (hunts)\n`,
  );
  for (const [label, est] of rows) {
    const inc = est.incremental;
    const why = new Map<string, number>();
    for (const d of inc.decisions)
      why.set(
        `${d.mode}: ${d.reason.replace(/\d+ new or changed/, 'N new or changed')}`,
        (why.get(`${d.mode}: ${d.reason.replace(/\d+ new or changed/, 'N new or changed')}`) ?? 0) + 1,
      );
    const runs = inc.decisions.filter((d) => d.mode !== 'skip').length;
    // Nothing to re-run: the staged sweep sends no query either.
    const st = runs === 0 ? null : est.stagedIncremental;
    process.stdout.write(
      `${label.padEnd(36)} ${String(runs).padStart(5)} ${formatBytes(inc.totalBytes).padStart(10)} ${formatBytes(inc.totalBilledBytes).padStart(10)} ` +
        `${((100 * inc.totalBilledBytes) / raw).toFixed(2).padStart(6)}% ${`${st?.queries.length ?? 0} q`.padStart(8)} ${formatBytes(st?.totalBilledBytes ?? 0).padStart(10)} ` +
        `${((100 * (st?.totalBilledBytes ?? 0)) / raw).toFixed(2).padStart(6)}%  ${[...why].map(([k, n]) => `${n} ${k}`).join('; ')}\n`,
    );
  }
  const full = rows[0][1];
  process.stdout.write(
    `\nfull-history sweep: ${formatBytes(full.totalBytes)} scanned, ${formatBytes(full.totalBilledBytes)} billed = ${((100 * full.totalBilledBytes) / raw).toFixed(1)}% of raw ` +
      `(${full.hunts.filter((h) => h.bytes < 10 * 1024 * 1024).length} of ${full.hunts.length} queries under the 10 MB minimum)\n`,
  );
  if (full.staged)
    process.stdout.write(
      `staged full-history sweep: ${full.staged.queries.length} queries, ${formatBytes(full.staged.totalBytes)} scanned, ` +
        `${formatBytes(full.staged.totalBilledBytes)} billed = ${((100 * full.staged.totalBilledBytes) / raw).toFixed(1)}% of raw ` +
        `(${full.staged.queries.map((q) => `${q.kind} ${q.label} ${formatBytes(q.bytes)}`).join('; ')})\n`,
    );
  const weekly = rows[1][1].stagedIncremental;
  if (weekly)
    process.stdout.write(
      `staged sweep a week later: ${weekly.queries.map((q) => `${q.kind} ${q.label} (${q.hunts} hunts) ${formatBytes(q.bytes)} read, ${formatBytes(q.billedBytes)} billed`).join('; ')}\n`,
    );
  await candidates.close();
}
