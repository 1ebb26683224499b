/**
 * One sweep, whatever the engine: the pack run over a window on a QueryEngine (DuckDB over a local lake, or Athena),
 * then dedup, findings.jsonl, coverage, verdicts and report.html, and the JSON summary `sweep hunt --json` prints.
 *
 * It sits above `hunt` (queries, runner, findings, coverage, verdicts) and `report` (the HTML page), so neither of
 * those imports the other. findings.jsonl is written before coverage is read: when coverage cannot be read, the
 * findings stand and the failure is reported as an error, with no verdicts (on either engine).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  readCoverage,
  lakeDayBounds,
  type FamilyCoverage,
  sortFindings,
  severityRank,
  LocalDedupStore,
  LocalTriageStore,
  feedVersions,
  folderVersion,
  writeSweepRecord,
  openFindings,
  triageStates,
  withTriage,
  type TriageState,
  runHunts,
  type HuntRunError,
  type HuntRunStat,
  buildVerdicts,
  type HostVerdict,
  DEFAULT_SINCE,
  parseDay,
  type HuntWindow,
} from '../hunt';
import type { BrokenQuery, Hunt, Finding, QueryEngine, Severity } from '../hunt';
import type { CommittedLake } from '../lake';
import { renderReport } from '../report';
import { canMaterialize, runStagedHunts } from './staged-run';

/** Indicator rows loaded, and the feed entries the loader refused (file, place, reason). */
export interface IndicatorSummary {
  readonly rows: number;
  readonly rejects: readonly { file: string; location: string; reason: string }[];
}

export interface SweepOptions {
  readonly engine: QueryEngine;
  /** The loaded query files (broken ones are reported, not run). */
  readonly pack: { readonly hunts: readonly Hunt[]; readonly broken: readonly BrokenQuery[] };
  /** The indicators the engine was given (local engine); null when the engine reads its own table (Athena). */
  readonly indicators: IndicatorSummary | null;
  /** Where findings.jsonl, report.html and the dedup record (findings/seen.jsonl) go. */
  readonly outDir: string;
  /**
   * Widen the default window to the lake's own first and last day (one cheap query on a local lake; skipped on
   * Athena, where it would be billed).
   */
  readonly windowFromLake: boolean;
  /** @default - 2019-01-01, or the earliest day in the lake when earlier and `windowFromLake` */
  readonly since?: string;
  /** @default - today (UTC), or the latest day in the lake when later and `windowFromLake` */
  readonly until?: string;
  /** Clock (today, report time). @default () => new Date() */
  readonly now?: () => Date;
  /** Called after each hunt (progress). */
  readonly onHuntDone?: (stat: HuntRunStat) => void;
  /**
   * What the engine's lake views read and left out (the local engine checks each file against its manifest):
   * damaged or missing files in the window become gaps in the verdicts. @default - none (Athena)
   */
  readonly lakeCheck?: CommittedLake | null;
  /**
   * Where the pack and the feeds came from, for `<outDir>/sweep.json` (the board's "last sweep": pack and feed
   * versions). @default - no sweep record
   */
  readonly record?: { readonly engine: 'duckdb' | 'athena'; readonly queriesDir: string; readonly indicatorsDir: string | null };
  /**
   * Run in stages (src/sweep/candidates.ts): one candidate selection per lake table, then the hunts over it, when
   * the engine can keep a result as a table. @default false
   */
  readonly staged?: boolean;
}

export interface SweepResult {
  readonly window: HuntWindow;
  readonly hunts: readonly Hunt[];
  readonly broken: readonly { path: string; message: string }[];
  readonly indicators: IndicatorSummary | null;
  readonly findings: readonly Finding[];
  readonly newFingerprints: ReadonlySet<string>;
  /** Hunts that failed, and coverage when it could not be read. */
  readonly errors: readonly HuntRunError[];
  readonly stats: readonly HuntRunStat[];
  /** Coverage per agency, host and log family; empty when it could not be read (see `coverageError`). */
  readonly coverage: readonly FamilyCoverage[];
  readonly verdicts: readonly HostVerdict[];
  /** Why coverage could not be read (then there are no verdicts); null when it was. */
  readonly coverageError: string | null;
  readonly findingsFile: string;
  readonly reportFile: string;
  /** What the lake views read and left out: damaged or missing files (gaps), unreadable manifests, unlisted files. */
  readonly lakeCheck: CommittedLake | null;
  /** Triage decisions against these findings (by fingerprint). */
  readonly triage: ReadonlyMap<string, TriageState>;
}

/** Picks the window: the given days, else all data (from 2019-01-01 or earlier data, to today or later data). */
export function chooseWindow(
  given: { since?: string; until?: string },
  bounds: { first: string; last: string } | null,
  today: string,
): HuntWindow {
  const since = given.since ? parseDay(given.since, '--since') : bounds && bounds.first < DEFAULT_SINCE ? bounds.first : DEFAULT_SINCE;
  const until = given.until ? parseDay(given.until, '--until') : bounds && bounds.last > today ? bounds.last : today;
  if (since > until) throw new RangeError(`--since ${since} is after --until ${until}`);
  return { since, until };
}

/** Runs every non-deprecated hunt of the pack and writes `<outDir>/findings.jsonl`, `report.html`, `findings/seen.jsonl`. */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const now = opts.now ?? (() => new Date());
  const bounds = opts.windowFromLake ? await lakeDayBounds(opts.engine) : null;
  const window = chooseWindow(opts, bounds, now().toISOString().slice(0, 10));
  const hunts = opts.pack.hunts.filter((h) => h.meta.status !== 'deprecated');
  const broken = opts.pack.broken.map((b) => ({ path: b.path, message: b.error.message }));
  const run =
    opts.staged && canMaterialize(opts.engine)
      ? await runStagedHunts({ engine: opts.engine, hunts, window, onHuntDone: opts.onHuntDone })
      : await runHunts({ engine: opts.engine, hunts, window, onHuntDone: opts.onHuntDone });
  const findings = sortFindings(run.findings);
  // Findings the team closed (benign, false positive) are not alerted again (src/hunt/triage.ts).
  const triageStore = LocalTriageStore.under(opts.outDir);
  const dedup = withTriage(LocalDedupStore.under(opts.outDir), triageStore);
  const fresh = await dedup.filterNew(findings);
  await dedup.markSeen(fresh);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const findingsFile = path.join(opts.outDir, 'findings.jsonl');
  fs.writeFileSync(findingsFile, findings.map((f) => JSON.stringify(f)).join('\n') + (findings.length ? '\n' : ''));
  let coverage: FamilyCoverage[] = [];
  let coverageError: string | null = null;
  try {
    coverage = await readCoverage(opts.engine, window);
  } catch (err) {
    coverageError = err instanceof Error ? err.message : String(err);
  }
  // Damaged or missing lake files in the window were left out of every query: the verdicts list them as gaps.
  const lakeCheck = opts.lakeCheck ?? null;
  const gaps = (lakeCheck?.gaps ?? []).filter((g) => g.dt >= window.since && g.dt <= window.until);
  const triage = triageStates(await triageStore.list(), findings);
  // Findings the team closed do not make a host red or amber.
  const verdicts = coverageError === null ? buildVerdicts(hunts, openFindings(findings, triage), coverage, window.since, gaps) : [];
  const newFingerprints = new Set(fresh.map((f) => f.fingerprint));
  const errors: HuntRunError[] =
    coverageError === null
      ? [...run.errors]
      : [
          ...run.errors,
          {
            huntId: 'coverage',
            path: 'coverage (src/hunt/coverage.ts)',
            message: `coverage could not be read, so there are no verdicts: ${coverageError}`,
          },
        ];
  const reportFile = path.join(opts.outDir, 'report.html');
  fs.writeFileSync(
    reportFile,
    renderReport({ generatedAt: now(), window, hunts, findings, newFingerprints, verdicts, coverage, errors, broken, triage }),
  );
  if (opts.record) {
    const packVersion = folderVersion(opts.record.queriesDir);
    writeSweepRecord(opts.outDir, {
      swept_at: now().toISOString(),
      engine: opts.record.engine,
      window,
      pack: { sha256: packVersion.sha256, hunts: run.stats.length, files: packVersion.files },
      indicators: opts.record.indicatorsDir ? feedVersions(opts.record.indicatorsDir) : [],
      findings: findings.length,
      new_findings: fresh.length,
      errors: errors.length + broken.length,
    });
  }
  return {
    window,
    hunts,
    broken,
    indicators: opts.indicators,
    findings,
    newFingerprints,
    errors,
    stats: run.stats,
    coverage,
    verdicts,
    coverageError,
    findingsFile,
    reportFile,
    lakeCheck,
    triage,
  };
}

/** The JSON summary of a sweep (`sweep hunt --json`, `sweep scan --json`), the same for both engines. */
export function sweepSummaryJson(r: SweepResult): Record<string, unknown> {
  return {
    window: r.window,
    findings: r.findings,
    new_fingerprints: [...r.newFingerprints],
    verdicts: r.verdicts.map((v) => ({ agency: v.agency, host: v.host, level: v.level, counts: v.counts, lines: v.lines })),
    errors: [...r.broken, ...r.errors],
    ...(r.indicators ? { indicators: r.indicators } : {}),
    hunts: r.stats.map((h) => ({ hunt_id: h.huntId, path: h.path, ms: Math.round(h.ms), rows: h.rows, findings: h.findings })),
    findings_file: r.findingsFile,
    report_file: r.reportFile,
    lake_gaps: (r.lakeCheck?.gaps ?? []).map((g) => ({
      key: g.key,
      agency: g.agency,
      upload_id: g.uploadId,
      table: g.table,
      dt: g.dt,
      problem: g.problem,
      reason: g.reason,
      sources: g.sources,
    })),
    lake_bad_manifests: r.lakeCheck?.badManifests ?? [],
    lake_unlisted_files: r.lakeCheck?.unlisted.length ?? 0,
  };
}

/** Do any findings reach the given severity (or a more severe one)? */
export function hasFindingsAtLeast(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) <= severityRank(threshold));
}
