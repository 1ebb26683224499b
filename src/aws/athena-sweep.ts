/**
 * `sweep hunt --engine athena`: the pack run from a laptop on Athena, with the
 * same runner, findings and dedup record as the local sweep. Coverage verdicts
 * and report.html need the local lake (DuckDB) and are not produced here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sortFindings } from '../hunt/findings';
import { LocalDedupStore } from '../hunt/local-dedup-store';
import { loadQueries, type Hunt } from '../hunt/query-file';
import { runHunts, type HuntRunError, type HuntRunStat } from '../hunt/run';
import type { Finding, QueryEngine } from '../hunt/types';
import { DEFAULT_SINCE, parseDay, type HuntWindow } from '../hunt/window';

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
  readonly findingsFile: string;
}

/** Runs every non-deprecated hunt of the pack on the engine and writes `<outDir>/findings.jsonl`. */
export async function runAthenaSweep(opts: AthenaSweepOptions): Promise<AthenaSweepResult> {
  const today = (opts.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const window = { since: parseDay(opts.since ?? DEFAULT_SINCE, '--since'), until: parseDay(opts.until ?? today, '--until') };
  if (window.since > window.until) throw new RangeError(`--since ${window.since} is after --until ${window.until}`);
  const pack = loadQueries(opts.queriesDir);
  const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');
  const run = await runHunts({ engine: opts.engine, hunts, window, onHuntDone: opts.onHuntDone });
  const findings = sortFindings(run.findings);
  const dedup = LocalDedupStore.under(opts.outDir);
  const fresh = await dedup.filterNew(findings);
  await dedup.markSeen(fresh);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const findingsFile = path.join(opts.outDir, 'findings.jsonl');
  fs.writeFileSync(findingsFile, findings.map((f) => JSON.stringify(f)).join('\n') + (findings.length ? '\n' : ''));
  return {
    window,
    hunts,
    broken: pack.broken.map((b) => ({ path: b.path, message: b.error.message })),
    findings,
    newFingerprints: new Set(fresh.map((f) => f.fingerprint)),
    errors: run.errors,
    stats: run.stats,
    findingsFile,
  };
}
