/**
 * Runs a set of hunts over a window on one engine: rows -> findings, per-hunt timing, and errors that never stop the
 * sweep (a broken query is reported and skipped).
 */
import { rowsToFindings } from './findings';
import type { Hunt } from './query-file';
import type { Finding, QueryEngine } from './types';
import { windowParams, type HuntWindow } from './window';

/** What one hunt did. */
export interface HuntRunStat {
  readonly huntId: string;
  readonly name: string;
  readonly path: string;
  readonly ms: number;
  /** Result rows (before merging rows into findings); null when the query failed. */
  readonly rows: number | null;
  readonly findings: number;
}

/** A hunt that failed to run, with the reason. */
export interface HuntRunError {
  readonly huntId: string;
  readonly path: string;
  readonly message: string;
}

export interface RunHuntsOptions {
  readonly engine: QueryEngine;
  readonly hunts: readonly Hunt[];
  readonly window: HuntWindow;
  /** Called when a query fails (it is then skipped). */
  readonly onQueryError?: (e: HuntRunError) => void;
  /** Called after each hunt. */
  readonly onHuntDone?: (s: HuntRunStat) => void;
  /** Skip deprecated hunts. @default true */
  readonly skipDeprecated?: boolean;
}

export interface RunHuntsResult {
  readonly findings: Finding[];
  readonly errors: HuntRunError[];
  readonly stats: HuntRunStat[];
}

/** Runs the hunts one after the other (DuckDB uses every core for one query). */
export async function runHunts(opts: RunHuntsOptions): Promise<RunHuntsResult> {
  const findings: Finding[] = [];
  const errors: HuntRunError[] = [];
  const stats: HuntRunStat[] = [];
  for (const hunt of opts.hunts) {
    if ((opts.skipDeprecated ?? true) && hunt.meta.status === 'deprecated') continue;
    const t0 = performance.now();
    let stat: HuntRunStat;
    try {
      const rows = await opts.engine.run(hunt.sql, windowParams(hunt.sql, opts.window));
      const fs = rowsToFindings(hunt, rows);
      findings.push(...fs);
      stat = {
        huntId: hunt.meta.id,
        name: hunt.meta.name,
        path: hunt.path,
        ms: performance.now() - t0,
        rows: rows.length,
        findings: fs.length,
      };
    } catch (err) {
      const e: HuntRunError = { huntId: hunt.meta.id, path: hunt.path, message: (err as Error).message };
      errors.push(e);
      opts.onQueryError?.(e);
      stat = { huntId: hunt.meta.id, name: hunt.meta.name, path: hunt.path, ms: performance.now() - t0, rows: null, findings: 0 };
    }
    stats.push(stat);
    opts.onHuntDone?.(stat);
  }
  return { findings, errors, stats };
}
