/**
 * Runs a pack in stages on an engine that can keep a query's result as a table: one candidate selection per lake
 * table (src/sweep/candidates.ts), then every hunt, the staged ones over the candidates, the others over the lake.
 * The candidate tables are dropped afterwards, also when a hunt failed.
 */
import { rowsToFindings, windowParams, type Finding, type Hunt, type HuntRunError, type HuntRunStat, type HuntWindow } from '../hunt';
import type { QueryEngine } from '../hunt';
import { huntOverCandidates, planStages, selectionParams } from './candidates';

/** An engine that can materialize a SELECT as a table, and drop it. */
export interface MaterializingEngine extends QueryEngine {
  materialize(name: string, select: string, params: readonly string[]): Promise<void>;
  dropMaterialized(name: string): Promise<void>;
}

export function canMaterialize(engine: QueryEngine): engine is MaterializingEngine {
  return typeof (engine as Partial<MaterializingEngine>).materialize === 'function';
}

/** Runs the hunts in stages; same findings, errors and stats as running them one by one over the lake. */
export async function runStagedHunts(opts: {
  engine: MaterializingEngine;
  hunts: readonly Hunt[];
  window: HuntWindow;
  onHuntDone?: (s: HuntRunStat) => void;
}): Promise<{ findings: Finding[]; errors: HuntRunError[]; stats: HuntRunStat[] }> {
  const plan = planStages(opts.hunts);
  const made: string[] = [];
  const failedSelections = new Map<string, string>();
  const findings: Finding[] = [];
  const errors: HuntRunError[] = [];
  const stats: HuntRunStat[] = [];
  try {
    for (const s of plan.selections) {
      try {
        await opts.engine.materialize(s.name, s.select, selectionParams(opts.window));
        made.push(s.name);
      } catch (err) {
        failedSelections.set(s.table, `the candidate selection of ${s.table} failed: ${(err as Error).message}`);
      }
    }
    const stagedIds = new Set(plan.staged.map((h) => h.meta.id));
    for (const hunt of opts.hunts) {
      const t0 = performance.now();
      let stat: HuntRunStat;
      try {
        let sql = hunt.sql;
        if (stagedIds.has(hunt.meta.id)) {
          const mine = plan.selections.filter((s) => s.hunts.includes(hunt.meta.id));
          const failed = mine.map((s) => failedSelections.get(s.table)).find((m) => m !== undefined);
          if (failed) throw new Error(failed);
          sql = huntOverCandidates(hunt, mine);
        }
        const rows = await opts.engine.run(sql, windowParams(sql, opts.window));
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
        errors.push({ huntId: hunt.meta.id, path: hunt.path, message: (err as Error).message });
        stat = { huntId: hunt.meta.id, name: hunt.meta.name, path: hunt.path, ms: performance.now() - t0, rows: null, findings: 0 };
      }
      stats.push(stat);
      opts.onHuntDone?.(stat);
    }
  } finally {
    for (const name of made) await opts.engine.dropMaterialized(name).catch(() => undefined);
  }
  return { findings, errors, stats };
}
