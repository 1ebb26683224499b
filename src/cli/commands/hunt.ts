import * as path from 'node:path';
import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';
import * as fs from 'node:fs';
import type { CommittedLake } from '../../lake';
import { createEngine, DuckDbQueryEngine } from '../../local-engine';
import { loadPack, loadQueries } from '../../hunt';
import { renderSummary } from '../../notify';
import { hasFindingsAtLeast, runSweep, sweepSummaryJson, type SweepResult } from '../../sweep';

interface Opts {
  lake?: string;
  engine: string;
  workgroup?: string;
  database: string;
  region?: string;
  since?: string;
  until?: string;
  out: string;
  queries: string;
  indicators: string;
  json?: boolean;
  staged?: boolean;
}

/** `sweep hunt`: runs the hunt pack over a lake and writes findings. */
export function registerHunt(program: Command): void {
  program
    .command('hunt')
    .description('Run the hunt queries over a lake; write findings.jsonl and report.html; print the verdict per host.')
    .option('--lake <dir>', 'lake root (the folder holding lake/<table>/agency=<id>/dt=<day>/*.parquet); required with --engine duckdb')
    .option('--engine <name>', 'where the hunts run: duckdb (local lake) or athena (the deployed lake)', 'duckdb')
    .option('--workgroup <name>', 'Athena workgroup, with --engine athena (deployment output WorkGroupName)')
    .option('--database <name>', 'Glue database of the lake, with --engine athena', 'sweep_lake')
    .option('--region <region>', 'AWS region, with --engine athena (default: AWS_REGION / profile)')
    .option('--since <day>', 'first day of the window, YYYY-MM-DD (default: 2019-01-01, or the earliest day in the lake)')
    .option('--until <day>', 'last day of the window, YYYY-MM-DD (default: today, or the latest day in the lake)')
    .option('--out <dir>', 'where findings.jsonl, report.html and the dedup record (findings/seen.jsonl) go', 'out/hunt')
    .option('--queries <dir>', 'folder of hunt queries', 'queries')
    .option('--indicators <dir>', 'folder of indicator feeds', 'indicators')
    .option('--json', 'print a JSON summary (findings, verdicts, errors) instead of text')
    .option(
      '--staged',
      'with --engine duckdb: one candidate selection per lake table, then the hunts batched over the candidates (the queries `sweep plan` prices as staged)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 no finding at medium or above, 1 findings at medium or above (like a failing test), 2 usage error, 3 runtime error.',
    )
    .action(async (opts: Opts) => {
      if (opts.engine === 'athena') return runOnAthena(opts);
      if (opts.engine !== 'duckdb') throw new CliError(CliErrorCode.BadArgument, `--engine must be duckdb or athena, got "${opts.engine}"`);
      if (!opts.lake)
        throw new CliError(
          CliErrorCode.BadArgument,
          'missing --lake <dir>',
          'give the folder made by `sweep normalize --lake DIR`, or use --engine athena --workgroup W',
        );
      const result = await runJob({ ...opts, lakeRoot: resolveLakeRoot(opts.lake) });
      printResult(result, opts.json === true);
      if (hasFindingsAtLeast(result.findings, 'medium')) process.exitCode = 1;
    });
}

/** `--engine athena`: the pack on Athena with the analyst's credentials; findings.jsonl, verdicts and report.html. */
async function runOnAthena(opts: Opts): Promise<void> {
  if (!opts.workgroup)
    throw new CliError(
      CliErrorCode.BadArgument,
      '--workgroup is required with --engine athena',
      'the deployment prints it as the WorkGroupName output, e.g. --workgroup sweep',
    );
  const engine = await createEngine({ engine: 'athena', workGroup: opts.workgroup, database: opts.database, region: opts.region });
  try {
    const pack = loadQueries(path.resolve(opts.queries));
    const record = { engine: 'athena' as const, queriesDir: path.resolve(opts.queries), indicatorsDir: null };
    const r = await usageErrors(
      runSweep({
        engine,
        pack,
        indicators: null,
        outDir: path.resolve(opts.out),
        windowFromLake: false,
        since: opts.since,
        until: opts.until,
        record,
      }),
    );
    printResult(r, opts.json === true);
    if (hasFindingsAtLeast(r.findings, 'medium')) process.exitCode = 1;
  } finally {
    await engine.close();
  }
}

/**
 * The lake root given to --lake: a folder holding `lake/`; the output folder of `sweep scan` (holding
 * `lake-root/lake/`) is accepted too.
 */
export function resolveLakeRoot(dir: string): string {
  if (fs.existsSync(path.join(dir, 'lake'))) return dir;
  if (fs.existsSync(path.join(dir, 'lake-root', 'lake'))) return path.join(dir, 'lake-root');
  throw new CliError(
    CliErrorCode.NotFound,
    fs.existsSync(dir) ? `no lake/ folder under ${dir}` : `lake root not found: ${dir}`,
    'give the folder made by `sweep normalize --lake DIR`, or the --out folder of `sweep scan`',
  );
}

/** Runs the sweep over a local lake with CLI paths (DuckDB); usage mistakes become CliErrors. */
export async function runJob(opts: {
  lakeRoot: string;
  out: string;
  queries: string;
  indicators: string;
  since?: string;
  until?: string;
  staged?: boolean;
}): Promise<SweepResult> {
  const indicatorsDir = fs.existsSync(opts.indicators) ? path.resolve(opts.indicators) : null;
  const pack = await loadPack(path.resolve(opts.queries), indicatorsDir);
  const engine = await DuckDbQueryEngine.open({ lakeRoot: path.resolve(opts.lakeRoot), indicators: pack.indicators });
  try {
    const indicators = { rows: pack.indicators.length, rejects: pack.indicatorRejects };
    const lakeCheck = engine.lakeCheck;
    return await usageErrors(
      runSweep({
        engine,
        pack,
        indicators,
        outDir: path.resolve(opts.out),
        windowFromLake: true,
        since: opts.since,
        until: opts.until,
        lakeCheck,
        record: { engine: 'duckdb', queriesDir: path.resolve(opts.queries), indicatorsDir },
        staged: opts.staged === true,
      }),
    );
  } finally {
    await engine.close();
  }
}

/** A bad day given to --since/--until is a usage error. */
async function usageErrors<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof RangeError)
      throw new CliError(CliErrorCode.BadArgument, err.message, 'days are given as YYYY-MM-DD, e.g. --since 2021-01-01');
    throw err;
  }
}

/** The lake files the hunts left out, named (empty when the lake was whole). */
export function lakeCheckText(c: CommittedLake | null): string {
  if (!c) return '';
  const out: string[] = [];
  if (c.gaps.length || c.badManifests.length)
    out.push(
      `Lake: ${c.gaps.length + c.badManifests.length} file(s) left out of every hunt (the verdicts list the gaps; sweep repair rebuilds them):`,
    );
  for (const g of c.gaps) out.push(`  ${g.key}: ${g.reason}`);
  for (const m of c.badManifests) out.push(`  ${m.key}: ${m.reason} (its upload is left out whole)`);
  if (c.unlisted.length)
    out.push(
      `Lake: ${c.unlisted.length} file(s) in no committed manifest (uploads being published, or left by a crashed run) were not read.`,
    );
  return out.length ? out.join('\n') + '\n\n' : '';
}

/** Prints the summary (text, coloured on a TTY without NO_COLOR) or the JSON summary. */
export function printResult(r: SweepResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(sweepSummaryJson(r)) + '\n');
    return;
  }
  process.stdout.write(lakeCheckText(r.lakeCheck));
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(
    renderSummary(
      {
        findings: r.findings,
        newFingerprints: r.newFingerprints,
        verdicts: r.verdicts,
        errors: r.errors,
        broken: r.broken,
        huntsRun: r.stats.length,
        window: r.window,
        indicators: r.indicators ?? undefined,
      },
      color,
    ),
  );
  process.stdout.write(
    `\nfindings: ${path.relative(process.cwd(), r.findingsFile)}\nreport:   ${path.relative(process.cwd(), r.reportFile)}\n`,
  );
}
