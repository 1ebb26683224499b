import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore, SWEEP_STATE_KEY, formatBytes, readText } from '../../core';
import type { ObjectStore } from '../../core';
import { localCandidateBytes, localParquetColumnBytes } from '../../local-engine';
import {
  S3ObjectStore,
  DEFAULT_PRICE_PER_TB,
  estimateScopes,
  listLakeFiles,
  type HuntScanEstimate,
  type ScanEstimate,
  planSweepDetailed,
  estimateStaged,
  type StagedEstimate,
} from '../../aws';
import { loadIndicators, loadQueries, type Hunt, DEFAULT_SINCE, parseDay } from '../../hunt';
import { rowsIndicatorsDigest, storedIndicatorsDigest, type HuntDecision } from '../../sweep';
import { CliError, CliErrorCode } from '../errors';

interface Opts {
  lake?: string;
  bucket?: string;
  region?: string;
  since: string;
  until?: string;
  agency?: string[];
  queries: string;
  indicators: string;
  pricePerTb: string;
  json?: boolean;
}

/** The incremental sweep priced beside the full one: what each hunt reads and why. */
export interface IncrementalEstimate {
  /** Whether a completed sweep was recorded (without one, the next scheduled sweep reads all history). */
  readonly stateFound: boolean;
  readonly decisions: HuntDecision[];
  readonly hunts: HuntScanEstimate[];
  readonly totalBytes: number;
  readonly totalBilledBytes: number;
  readonly totalCostUsd: number;
}

export type PlanEstimate = ScanEstimate & {
  rawBytes: number;
  incremental: IncrementalEstimate;
  /** The staged sweep (candidate selections, then batches): a full sweep of the window, and the next scheduled one. */
  staged: StagedEstimate | null;
  stagedIncremental: StagedEstimate | null;
};

/**
 * `sweep plan`: prices the queries the state machine would run (planSweep's SQL, parameters and partitions): a full
 * sweep of the window, and the next scheduled sweep against the recorded sweep state.
 */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('Estimate the bytes each hunt would scan on Athena for a window, and the cost, before running a large retro-hunt.')
    .option('--lake <dir>', 'local lake root (column-level estimate from the Parquet footers)')
    .option(
      '--bucket <name>',
      'the deployed lake bucket (estimate from object sizes: an upper bound); AWS credentials from the default chain',
    )
    .option('--region <region>', 'region of --bucket (default: AWS_REGION / profile)')
    .option('--since <day>', 'first day of the window, YYYY-MM-DD', DEFAULT_SINCE)
    .option('--until <day>', 'last day of the window, YYYY-MM-DD (default: today)')
    .option('--agency <id...>', 'only these agencies (default: every agency in the lake)')
    .option('--queries <dir>', 'folder of hunt queries', 'queries')
    .option(
      '--indicators <dir>',
      'indicator feeds the local hunts read, with --lake (with --bucket: the deployed indicators/)',
      'indicators',
    )
    .option('--price-per-tb <usd>', 'Athena price per TB scanned', String(DEFAULT_PRICE_PER_TB))
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      '\nAthena bills per query at least 10 MB, rounded up to the MB. The estimate prunes partitions exactly as Athena does\n(agency, dt); with --lake it counts only the referenced columns, with --bucket whole files (the most a query could read).\n' +
        'The incremental column prices the next scheduled sweep against the sweep state recorded in the lake (sweep-state/state.json):\n' +
        'each hunt reads only new or changed partitions, all history (new or changed hunt, changed indicators), or nothing.\n' +
        'The staged lines price the same two runs as the state machine runs them (the same SQL text): one candidate selection (CTAS) per lake table (per table and scope group in an incremental run), then the hunts batched over the candidates;\n' +
        'with --lake the selections run locally to measure the candidates, with --bucket the batches are an upper bound (every row of each column a hunt names).',
    )
    .action(async (opts: Opts) => {
      if (!opts.lake === !opts.bucket)
        throw new CliError(
          CliErrorCode.BadArgument,
          'give exactly one of --lake DIR or --bucket NAME',
          'e.g. sweep plan --lake out/demo/lake-root --since 2021-01-01',
        );
      let since: string;
      let until: string;
      try {
        since = parseDay(opts.since, '--since');
        until = parseDay(opts.until ?? new Date().toISOString().slice(0, 10), '--until');
      } catch (err) {
        throw new CliError(CliErrorCode.BadArgument, (err as Error).message, 'days are given as YYYY-MM-DD, e.g. --since 2021-01-01');
      }
      if (since > until) throw new CliError(CliErrorCode.BadArgument, `--since ${since} is after --until ${until}`);
      const price = Number(opts.pricePerTb);
      if (!Number.isFinite(price) || price < 0)
        throw new CliError(CliErrorCode.BadArgument, `--price-per-tb must be a non-negative number, got "${opts.pricePerTb}"`);
      if (!fs.existsSync(opts.queries)) throw new CliError(CliErrorCode.NotFound, `queries folder not found: ${opts.queries}`);
      const { hunts, broken } = loadQueries(path.resolve(opts.queries));
      let lake: ObjectStore;
      let client: S3Client | undefined;
      if (opts.lake) {
        if (!fs.existsSync(opts.lake))
          throw new CliError(
            CliErrorCode.NotFound,
            `lake root not found: ${opts.lake}`,
            'give the folder made by `sweep normalize --lake DIR`',
          );
        lake = new LocalObjectStore(path.resolve(opts.lake));
      } else {
        client = new S3Client(opts.region ? { region: opts.region } : {});
        lake = new S3ObjectStore({ client, bucket: opts.bucket! });
      }
      try {
        const indicatorsDigest = opts.lake
          ? async () =>
              rowsIndicatorsDigest(fs.existsSync(opts.indicators) ? (await loadIndicators(path.resolve(opts.indicators))).rows : [])
          : () => storedIndicatorsDigest(lake);
        const candidates = opts.lake ? localCandidateBytes(path.resolve(opts.lake)) : null;
        const est = await estimatePlans({
          lake,
          hunts,
          since,
          until,
          agencies: opts.agency,
          pricePerTb: price,
          indicatorsDigest,
          columnBytes: opts.lake ? localParquetColumnBytes(path.resolve(opts.lake)) : undefined,
          measureCandidates: candidates?.measure,
        }).finally(() => candidates?.close());
        process.stdout.write(
          opts.json
            ? JSON.stringify({ ...est, broken: broken.map((b) => ({ path: b.path, error: b.error.message })) }) + '\n'
            : renderEstimate(est),
        );
        for (const b of broken) process.stderr.write(`skipped ${b.path}: ${b.error.message}\n`);
      } finally {
        client?.destroy();
      }
    });
}

/**
 * Plans a full sweep of the window and the next scheduled sweep with planSweep (dry run: no state written), and
 * prices both from the same listing of the lake.
 */
export async function estimatePlans(o: {
  lake: ObjectStore;
  hunts: readonly Hunt[];
  since: string;
  until: string;
  agencies?: readonly string[];
  pricePerTb: number;
  indicatorsDigest: () => Promise<string>;
  columnBytes?: (keys: readonly string[], columns: readonly string[]) => Promise<number>;
  /** Measures a candidate selection's result (local lake). @default - the selection's scanned bytes (upper bound) */
  measureCandidates?: Parameters<typeof estimateStaged>[4]['measureCandidates'];
}): Promise<PlanEstimate> {
  const files = await listLakeFiles(o.lake);
  const agencies = o.agencies && o.agencies.length > 0 ? [...o.agencies] : [...files.agencies].sort();
  const ctx = { lake: o.lake, hunts: o.hunts, agencies, retroSince: o.since, today: o.until, newRunId: () => 'plan' };
  const byId = new Map(o.hunts.map((h) => [h.meta.id, h]));
  const scopes = (ds: HuntDecision[]) =>
    ds
      .filter((d) => d.mode !== 'skip')
      .map((d) => ({ hunt: byId.get(d.hunt_id)!, agencies: d.agencies, ranges: d.ranges, touch: d.touch }));
  const price = { pricePerTb: o.pricePerTb, columnBytes: o.columnBytes };
  const full =
    agencies.length === 0
      ? { decisions: [] as HuntDecision[] }
      : await planSweepDetailed({ trigger: 'manual', since: o.since, until: o.until, agencies }, ctx);
  const fullEst = await estimateScopes(files, scopes(full.decisions), price);
  const stateFound = await o.lake.exists(SWEEP_STATE_KEY);
  const inc =
    agencies.length === 0
      ? { decisions: [] as HuntDecision[] }
      : await planSweepDetailed(
          { trigger: 'schedule' },
          { ...ctx, state: { store: o.lake, indicatorsDigest: o.indicatorsDigest, dryRun: true } },
        );
  const incEst = await estimateScopes(files, scopes(inc.decisions), price);
  const window = { since: o.since, until: o.until };
  const active = o.hunts.filter((h) => h.meta.status !== 'deprecated');
  const staged =
    agencies.length === 0
      ? null
      : await estimateStaged(files, active, window, agencies, { ...price, measureCandidates: o.measureCandidates });
  // Only the hunts the next scheduled sweep re-runs, each over what it reads (its agencies and days).
  const rerun = inc.decisions.filter((d) => d.mode !== 'skip');
  const stagedIncremental =
    agencies.length === 0
      ? null
      : await estimateStaged(
          files,
          rerun.map((d) => byId.get(d.hunt_id)!),
          window,
          agencies,
          {
            ...price,
            measureCandidates: o.measureCandidates,
            scopes: new Map(rerun.map((d) => [d.hunt_id, { agencies: d.agencies, ranges: d.ranges, touch: d.touch }])),
          },
        );
  return {
    staged,
    stagedIncremental,
    window: { since: o.since, until: o.until },
    agencies,
    ...fullEst,
    rawBytes: await rawBytes(o.lake, agencies),
    incremental: {
      stateFound,
      decisions: inc.decisions,
      hunts: incEst.hunts,
      totalBytes: incEst.totalBytes,
      totalBilledBytes: incEst.totalBilledBytes,
      totalCostUsd: incEst.totalCostUsd,
    },
  };
}

/** Raw (uncompressed) bytes of the log entries the agencies' upload manifests record. */
async function rawBytes(lake: ObjectStore, agencies: readonly string[]): Promise<number> {
  let total = 0;
  for (const a of agencies) {
    for (const m of await lake.list(`manifests/agency=${a}/`)) {
      if (!m.key.endsWith('.json')) continue;
      try {
        const manifest = JSON.parse(await readText(lake, m.key)) as { entries?: { bytes?: number }[] };
        for (const e of manifest.entries ?? []) total += typeof e.bytes === 'number' ? e.bytes : 0;
      } catch {
        // A manifest that cannot be read only makes the raw total smaller; the estimate itself does not use it.
      }
    }
  }
  return total;
}

/** The estimate as a table a person reads before pressing "run": full sweep and next scheduled sweep side by side. */
export function renderEstimate(est: PlanEstimate): string {
  const lines: string[] = [];
  lines.push(
    `Athena scan estimate, ${est.window.since}..${est.window.until}, agencies: ${est.agencies.join(', ') || '(none in the lake)'}`,
  );
  lines.push(
    est.columnLevel
      ? 'bytes: referenced columns only (Parquet footers)'
      : 'bytes: whole files (upper bound; Athena reads only the referenced columns)',
  );
  lines.push(
    est.incremental.stateFound
      ? 'next scheduled sweep: against the recorded sweep state'
      : 'next scheduled sweep: no sweep state recorded yet, so all history',
  );
  lines.push('');
  const inc = new Map(est.incremental.hunts.map((h) => [h.hunt_id, h]));
  const why = new Map(est.incremental.decisions.map((d) => [d.hunt_id, d]));
  const rows = [...est.hunts].sort((a, b) => b.bytes - a.bytes);
  const w = Math.min(60, Math.max(4, ...rows.map((h) => h.name.length)));
  lines.push(
    `${'hunt'.padEnd(w)}  ${'tables'.padEnd(28)}  ${'files'.padStart(6)}  ${'scanned'.padStart(10)}  ${'billed'.padStart(10)}  ${'USD'.padStart(8)}  ${'next'.padStart(10)}  why`,
  );
  for (const h of rows) {
    const name = h.name.length > w ? `${h.name.slice(0, w - 3)}...` : h.name;
    const tables = h.tables.map((t) => (t.scans > 1 ? `${t.table}x${t.scans}` : t.table)).join(',');
    const files = h.tables.reduce((s, t) => s + t.files, 0);
    const next = inc.get(h.hunt_id);
    const d = why.get(h.hunt_id);
    lines.push(
      `${name.padEnd(w)}  ${tables.slice(0, 28).padEnd(28)}  ${String(files).padStart(6)}  ${formatBytes(h.bytes).padStart(10)}  ${formatBytes(h.billedBytes).padStart(10)}  ` +
        `${h.costUsd.toFixed(4).padStart(8)}  ${(next ? formatBytes(next.billedBytes) : '-').padStart(10)}  ${d ? `${d.mode}: ${d.reason}` : ''}`,
    );
  }
  const pct = (b: number) =>
    est.rawBytes > 0 ? ` (${((100 * b) / est.rawBytes).toFixed(1)}% of ${formatBytes(est.rawBytes)} raw logs)` : '';
  const reruns = est.incremental.decisions.filter((d) => d.mode !== 'skip').length;
  const stagedLines = (what: string, st: StagedEstimate): void => {
    const kinds = (k: string) => st.queries.filter((q) => q.kind === k);
    lines.push(
      `${what}: ${st.queries.length} queries (${kinds('selection').length} candidate selections, ${kinds('batch').length} batches of ` +
        `${kinds('batch').reduce((n, q) => n + q.hunts, 0)} hunts, ${kinds('alone').length} hunts alone; ${st.direct.length} hunts read a table from the lake), ` +
        `${formatBytes(st.totalBytes)} scanned, ${formatBytes(st.totalBilledBytes)} billed, about $${st.totalCostUsd.toFixed(4)}${pct(st.totalBilledBytes)}`,
    );
    for (const q of st.queries)
      lines.push(
        `  ${q.kind.padEnd(9)}  ${q.label.slice(0, 60).padEnd(60)}  ${formatBytes(q.bytes).padStart(10)}  ${formatBytes(q.billedBytes).padStart(10)}`,
      );
  };
  lines.push('');
  lines.push('Staged (one candidate selection per table and scope group, then the hunts batched over the candidates):');
  if (est.staged) {
    stagedLines('full sweep', est.staged);
    lines.push(
      `  candidates (${est.staged.candidatesMeasured ? 'measured: the selections run locally, written as ZSTD Parquet' : "upper bound: the selections' scanned bytes"}): ` +
        Object.entries(est.staged.candidateBytes)
          .map(([t, b]) => `${t} ${formatBytes(b)}`)
          .join(', '),
    );
    for (const d of est.staged.direct) lines.push(`  reads the lake: ${d.hunt_id} (${d.reason})`);
  }
  if (est.stagedIncremental) stagedLines('next scheduled sweep', est.stagedIncremental);
  lines.push('');
  lines.push('Hunt by hunt (one query per hunt, as the state machine ran them before the stages):');
  lines.push(
    `${est.hunts.length} hunts: ${formatBytes(est.totalBytes)} scanned, ${formatBytes(est.totalBilledBytes)} billed, about $${est.totalCostUsd.toFixed(4)} at $${est.pricePerTb}/TB${pct(est.totalBilledBytes)}`,
  );
  lines.push(
    `next scheduled sweep: ${reruns} of ${est.incremental.decisions.length} hunts run, ${formatBytes(est.incremental.totalBytes)} scanned, ` +
      `${formatBytes(est.incremental.totalBilledBytes)} billed, about $${est.incremental.totalCostUsd.toFixed(4)}${pct(est.incremental.totalBilledBytes)}`,
  );
  return lines.join('\n') + '\n';
}
