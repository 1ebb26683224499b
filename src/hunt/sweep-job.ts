/**
 * One sweep of a local lake, as `sweep hunt` and `sweep scan` run it: load the pack, open DuckDB over the lake, pick
 * the window, run the hunts, read the coverage, build the verdicts, dedup, and write findings.jsonl + report.html.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderReport } from '../report';
import { readCoverage, lakeDayBounds, type FamilyCoverage } from './coverage';
import { DuckDbQueryEngine } from './engines/duckdb';
import { sortFindings, severityRank } from './findings';
import { LocalDedupStore } from './local-dedup-store';
import { LocalTriageStore } from './local-triage-store';
import { feedVersions, folderVersion, writeSweepRecord } from './sweep-record';
import { openFindings, triageStates, withTriage, type TriageState } from './triage';
import { loadPack } from './pack';
import type { Hunt } from './query-file';
import { runHunts, type HuntRunError, type HuntRunStat } from './run';
import type { Finding, Severity } from './types';
import { buildVerdicts, type HostVerdict } from './verdict';
import { DEFAULT_SINCE, parseDay, type HuntWindow } from './window';

export interface SweepJobOptions {
  readonly lakeRoot: string;
  readonly outDir: string;
  readonly queriesDir: string;
  /** null: no indicators table content. */
  readonly indicatorsDir: string | null;
  /** @default - 2019-01-01, or the earliest day in the lake when earlier */
  readonly since?: string;
  /** @default - today (UTC), or the latest day in the lake when later */
  readonly until?: string;
  /** Clock (today, report time). @default () => new Date() */
  readonly now?: () => Date;
}

export interface SweepJobResult {
  readonly window: HuntWindow;
  readonly hunts: readonly Hunt[];
  readonly broken: readonly { path: string; message: string }[];
  /** Indicator rows loaded, and feed entries the loader refused (file, place, reason). */
  readonly indicators: { readonly rows: number; readonly rejects: readonly { file: string; location: string; reason: string }[] };
  readonly findings: readonly Finding[];
  readonly newFingerprints: ReadonlySet<string>;
  readonly errors: readonly HuntRunError[];
  readonly stats: readonly HuntRunStat[];
  readonly coverage: readonly FamilyCoverage[];
  readonly verdicts: readonly HostVerdict[];
  /** Triage decisions against these findings (by fingerprint). */
  readonly triage: ReadonlyMap<string, TriageState>;
  readonly findingsFile: string;
  readonly reportFile: string;
}

/** Picks the window: the given days, else all data (from 2019-01-01 or earlier data, to today or later data). */
export function chooseWindow(given: { since?: string; until?: string }, bounds: { first: string; last: string } | null, today: string): HuntWindow {
  const since = given.since ? parseDay(given.since, '--since') : bounds && bounds.first < DEFAULT_SINCE ? bounds.first : DEFAULT_SINCE;
  const until = given.until ? parseDay(given.until, '--until') : bounds && bounds.last > today ? bounds.last : today;
  if (since > until) throw new RangeError(`--since ${since} is after --until ${until}`);
  return { since, until };
}

/**
 * Runs the sweep and writes `<outDir>/findings.jsonl`, `<outDir>/report.html`, `<outDir>/findings/seen.jsonl` and
 * `<outDir>/sweep.json`; triage decisions (`<outDir>/findings/triage.jsonl`) close findings for alerts and verdicts.
 */
export async function runSweepJob(opts: SweepJobOptions): Promise<SweepJobResult> {
  const now = opts.now ?? (() => new Date());
  const pack = await loadPack(opts.queriesDir, opts.indicatorsDir);
  const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');
  const broken = pack.broken.map((b) => ({ path: b.path, message: b.error.message }));
  const engine = await DuckDbQueryEngine.open({ lakeRoot: opts.lakeRoot, indicators: pack.indicators });
  try {
    const window = chooseWindow(opts, await lakeDayBounds(engine), now().toISOString().slice(0, 10));
    const run = await runHunts({ engine, hunts, window });
    const coverage = await readCoverage(engine, window);
    const findings = sortFindings(run.findings);
    const triageStore = LocalTriageStore.under(opts.outDir);
    const dedup = withTriage(LocalDedupStore.under(opts.outDir), triageStore);
    const fresh = await dedup.filterNew(findings);
    await dedup.markSeen(fresh);
    const newFingerprints = new Set(fresh.map((f) => f.fingerprint));
    const triage = triageStates(await triageStore.list(), findings);
    // Findings the team closed (benign, false positive) do not make a host red or amber.
    const verdicts = buildVerdicts(hunts, openFindings(findings, triage), coverage, window.since);

    fs.mkdirSync(opts.outDir, { recursive: true });
    const findingsFile = path.join(opts.outDir, 'findings.jsonl');
    fs.writeFileSync(findingsFile, findings.map((f) => JSON.stringify(f)).join('\n') + (findings.length ? '\n' : ''));
    const reportFile = path.join(opts.outDir, 'report.html');
    fs.writeFileSync(reportFile, renderReport({ generatedAt: now(), window, hunts, findings, newFingerprints, verdicts, coverage, errors: run.errors, broken, triage }));
    const packVersion = folderVersion(opts.queriesDir);
    writeSweepRecord(opts.outDir, {
      swept_at: now().toISOString(),
      engine: 'duckdb',
      window,
      pack: { sha256: packVersion.sha256, hunts: run.stats.length, files: packVersion.files },
      indicators: feedVersions(opts.indicatorsDir),
      findings: findings.length,
      new_findings: fresh.length,
      errors: run.errors.length + broken.length,
    });
    const indicators = { rows: pack.indicators.length, rejects: pack.indicatorRejects };
    return { window, hunts, broken, indicators, findings, newFingerprints, errors: run.errors, stats: run.stats, coverage, verdicts, triage, findingsFile, reportFile };
  } finally {
    await engine.close();
  }
}

/** Do any findings reach the given severity (or a more severe one)? */
export function hasFindingsAtLeast(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) <= severityRank(threshold));
}
