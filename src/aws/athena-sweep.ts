/**
 * `sweep hunt --engine athena`: the pack run from a laptop on Athena, with the
 * same runner, findings, dedup record, coverage, verdicts and report.html as the
 * local sweep. Coverage is read with the same SQL as on DuckDB (src/hunt/coverage.ts:
 * a few grouped queries over the window's partitions, small next to the hunts).
 * findings.jsonl is written before coverage is read: when coverage cannot be read,
 * the findings stand and the failure is reported, with no verdicts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCoverage, type FamilyCoverage } from '../hunt/coverage';
import { sortFindings } from '../hunt/findings';
import { LocalDedupStore } from '../hunt/local-dedup-store';
import { LocalTriageStore } from '../hunt/local-triage-store';
import { folderVersion, writeSweepRecord } from '../hunt/sweep-record';
import { openFindings, triageStates, withTriage } from '../hunt/triage';
import { loadQueries, type Hunt } from '../hunt/query-file';
import { runHunts, type HuntRunError, type HuntRunStat } from '../hunt/run';
import type { Finding, QueryEngine } from '../hunt/types';
import { buildVerdicts, type HostVerdict } from '../hunt/verdict';
import { DEFAULT_SINCE, parseDay, type HuntWindow } from '../hunt/window';
import { renderReport } from '../report';

export interface AthenaSweepOptions {
  readonly engine: QueryEngine;
  readonly queriesDir: string;
  /** Where findings.jsonl and the dedup record (findings/seen.jsonl) go. */
  readonly outDir: string;
  /** @default '2019-01-01' */
  readonly since?: string;
  /** @default - today (UTC) */
  readonly until?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Called after each hunt (progress). */
  readonly onHuntDone?: (stat: HuntRunStat) => void;
}

export interface AthenaSweepResult {
  readonly window: HuntWindow;
  readonly hunts: readonly Hunt[];
  readonly broken: readonly { path: string; message: string }[];
  readonly findings: readonly Finding[];
  readonly newFingerprints: ReadonlySet<string>;
  readonly errors: readonly HuntRunError[];
  readonly stats: readonly HuntRunStat[];
  /** Coverage per agency, host and log family; empty when it could not be read (see `coverageError`). */
  readonly coverage: readonly FamilyCoverage[];
  readonly verdicts: readonly HostVerdict[];
  /** Why coverage could not be read (then there are no verdicts); null when it was. */
  readonly coverageError: string | null;
  readonly findingsFile: string;
  readonly reportFile: string;
}

/** Runs every non-deprecated hunt of the pack on the engine and writes `<outDir>/findings.jsonl`. */
export async function runAthenaSweep(opts: AthenaSweepOptions): Promise<AthenaSweepResult> {
  const now = opts.now ?? (() => new Date());
  const today = now().toISOString().slice(0, 10);
  const window = { since: parseDay(opts.since ?? DEFAULT_SINCE, '--since'), until: parseDay(opts.until ?? today, '--until') };
  if (window.since > window.until) throw new RangeError(`--since ${window.since} is after --until ${window.until}`);
  const pack = loadQueries(opts.queriesDir);
  const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');
  const run = await runHunts({ engine: opts.engine, hunts, window, onHuntDone: opts.onHuntDone });
  const findings = sortFindings(run.findings);
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
  const triage = triageStates(await triageStore.list(), findings);
  const verdicts = coverageError === null ? buildVerdicts(hunts, openFindings(findings, triage), coverage, window.since) : [];
  const broken = pack.broken.map((b) => ({ path: b.path, message: b.error.message }));
  const newFingerprints = new Set(fresh.map((f) => f.fingerprint));
  const errors: HuntRunError[] = coverageError === null ? [...run.errors] : [...run.errors, { huntId: 'coverage', path: 'coverage (src/hunt/coverage.ts)', message: `coverage could not be read, so there are no verdicts: ${coverageError}` }];
  const reportFile = path.join(opts.outDir, 'report.html');
  fs.writeFileSync(reportFile, renderReport({ generatedAt: now(), window, hunts, findings, newFingerprints, verdicts, coverage, errors, broken, triage }));
  const packVersion = folderVersion(opts.queriesDir);
  writeSweepRecord(opts.outDir, {
    swept_at: now().toISOString(), engine: 'athena', window, pack: { sha256: packVersion.sha256, hunts: run.stats.length, files: packVersion.files },
    indicators: [], findings: findings.length, new_findings: fresh.length, errors: errors.length + broken.length,
  });
  return { window, hunts, broken, findings, newFingerprints, errors, stats: run.stats, coverage, verdicts, coverageError, findingsFile, reportFile };
}
