import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore } from '../../core';
import type { ObjectStore } from '../../core/object-store';
import { localParquetColumnBytes } from '../../aws/parquet-column-bytes';
import { S3ObjectStore } from '../../aws/s3-object-store';
import { formatBytes } from '../../core';
import { DEFAULT_PRICE_PER_TB, estimateScans, type ScanEstimate } from '../../aws/scan-estimate';
import { loadQueries } from '../../hunt/query-file';
import { DEFAULT_SINCE, parseDay } from '../../hunt/window';
import { CliError, CliErrorCode } from '../errors';

interface Opts {
  lake?: string;
  bucket?: string;
  region?: string;
  since: string;
  until?: string;
  agency?: string[];
  queries: string;
  pricePerTb: string;
  json?: boolean;
}

/** `sweep plan`: estimates the bytes each hunt would scan on Athena for a window, and the cost. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('Estimate the bytes each hunt would scan on Athena for a window, and the cost, before running a large retro-hunt.')
    .option('--lake <dir>', 'local lake root (column-level estimate from the Parquet footers)')
    .option('--bucket <name>', 'the deployed lake bucket (estimate from object sizes: an upper bound); AWS credentials from the default chain')
    .option('--region <region>', 'region of --bucket (default: AWS_REGION / profile)')
    .option('--since <day>', 'first day of the window, YYYY-MM-DD', DEFAULT_SINCE)
    .option('--until <day>', 'last day of the window, YYYY-MM-DD (default: today)')
    .option('--agency <id...>', 'only these agencies (default: every agency in the lake)')
    .option('--queries <dir>', 'folder of hunt queries', 'queries')
    .option('--price-per-tb <usd>', 'Athena price per TB scanned', String(DEFAULT_PRICE_PER_TB))
    .option('--json', 'print the estimate as JSON')
    .addHelpText('after', '\nAthena bills per query at least 10 MB, rounded up to the MB. The estimate prunes partitions exactly as Athena does\n(agency, dt); with --lake it counts only the referenced columns, with --bucket whole files (the most a query could read).')
    .action(async (opts: Opts) => {
      if (!opts.lake === !opts.bucket) throw new CliError(CliErrorCode.BadArgument, 'give exactly one of --lake DIR or --bucket NAME', 'e.g. sweep plan --lake out/demo/lake-root --since 2021-01-01');
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
      if (!Number.isFinite(price) || price < 0) throw new CliError(CliErrorCode.BadArgument, `--price-per-tb must be a non-negative number, got "${opts.pricePerTb}"`);
      if (!fs.existsSync(opts.queries)) throw new CliError(CliErrorCode.NotFound, `queries folder not found: ${opts.queries}`);
      const { hunts, broken } = loadQueries(path.resolve(opts.queries));
      let lake: ObjectStore;
      let client: S3Client | undefined;
      if (opts.lake) {
        if (!fs.existsSync(opts.lake)) throw new CliError(CliErrorCode.NotFound, `lake root not found: ${opts.lake}`, 'give the folder made by `sweep normalize --lake DIR`');
        lake = new LocalObjectStore(path.resolve(opts.lake));
      } else {
        client = new S3Client(opts.region ? { region: opts.region } : {});
        lake = new S3ObjectStore({ client, bucket: opts.bucket! });
      }
      try {
        const est = await estimateScans({
          lake,
          hunts,
          window: { since, until },
          agencies: opts.agency,
          pricePerTb: price,
          columnBytes: opts.lake ? localParquetColumnBytes(path.resolve(opts.lake)) : undefined,
        });
        process.stdout.write(opts.json ? JSON.stringify({ ...est, broken: broken.map((b) => ({ path: b.path, error: b.error.message })) }) + '\n' : renderEstimate(est));
        for (const b of broken) process.stderr.write(`skipped ${b.path}: ${b.error.message}\n`);
      } finally {
        client?.destroy();
      }
    });
}

/** The estimate as a table a person reads before pressing "run". */
export function renderEstimate(est: ScanEstimate): string {
  const lines: string[] = [];
  lines.push(`Athena scan estimate, ${est.window.since}..${est.window.until}, agencies: ${est.agencies.join(', ') || '(none in the lake)'}`);
  lines.push(est.columnLevel ? 'bytes: referenced columns only (Parquet footers)' : 'bytes: whole files (upper bound; Athena reads only the referenced columns)');
  lines.push('');
  const rows = [...est.hunts].sort((a, b) => b.bytes - a.bytes);
  const w = Math.min(70, Math.max(4, ...rows.map((h) => h.name.length)));
  lines.push(`${'hunt'.padEnd(w)}  ${'tables'.padEnd(28)}  ${'files'.padStart(6)}  ${'scanned'.padStart(10)}  ${'billed'.padStart(10)}  ${'USD'.padStart(8)}`);
  for (const h of rows) {
    const name = h.name.length > w ? `${h.name.slice(0, w - 3)}...` : h.name;
    const tables = h.tables.map((t) => (t.scans > 1 ? `${t.table}x${t.scans}` : t.table)).join(',');
    const files = h.tables.reduce((s, t) => s + t.files, 0);
    lines.push(`${name.padEnd(w)}  ${tables.slice(0, 28).padEnd(28)}  ${String(files).padStart(6)}  ${formatBytes(h.bytes).padStart(10)}  ${formatBytes(h.billedBytes).padStart(10)}  ${h.costUsd.toFixed(4).padStart(8)}`);
  }
  lines.push('');
  lines.push(`${est.hunts.length} hunts: ${formatBytes(est.totalBytes)} scanned, ${formatBytes(est.totalBilledBytes)} billed, about $${est.totalCostUsd.toFixed(4)} at $${est.pricePerTb}/TB`);
  return lines.join('\n') + '\n';
}
