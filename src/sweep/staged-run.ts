/**
 * Runs a pack in stages on an engine that can keep a query's result as a table: one candidate selection per lake
 * table (src/sweep/candidates.ts), then the staged hunts over the candidates, batched into few queries
 * (src/sweep/batch.ts), and the others over the lake, one query each.
 * The candidate tables are dropped afterwards, also when a hunt failed.
 */
import { rowsToFindings, windowParams, type Finding, type Hunt, type HuntRunError, type HuntRunStat, type HuntWindow } from '../hunt';
import type { QueryEngine } from '../hunt';
import { huntOverCandidates, planStages, selectionParams } from './candidates';
import { batchHunts, unbatchRows } from './batch';

/** The queries a staged run sent: selections, batches (and those that failed, then run hunt by hunt), others. */
export interface StagedQueries {
  readonly selections: number;
  readonly batches: number;
  readonly batchesFailed: number;
  /** Hunts over candidates run on their own (columns not nameable, or their selection failed). */
  readonly alone: number;
  /** Hunts that read the lake, one query each. */
  readonly direct: number;
}

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
}): Promise<{ findings: Finding[]; errors: HuntRunError[]; stats: HuntRunStat[]; queries: StagedQueries }> {
  const plan = planStages(opts.hunts);
  const made: string[] = [];
  const failedSelections = new Map<string, string>();
  const findings: Finding[] = [];
  const errors: HuntRunError[] = [];
  const stats: HuntRunStat[] = [];
  const queries = { selections: 0, batches: 0, batchesFailed: 0, alone: 0, direct: plan.direct.length };
  try {
    for (const s of plan.selections) {
      try {
        await opts.engine.materialize(s.name, s.select, selectionParams(opts.window));
        made.push(s.name);
        queries.selections++;
      } catch (err) {
        failedSelections.set(s.table, `the candidate selection of ${s.table} failed: ${(err as Error).message}`);
      }
    }
    const byId = new Map(opts.hunts.map((h) => [h.meta.id, h]));
    const done = new Map<string, { rows: Record<string, unknown>[] | null; ms: number; error?: string }>();
    const runAlone = async (hunt: Hunt, overCandidates: boolean): Promise<void> => {
      const t0 = performance.now();
      try {
        let sql = hunt.sql;
        if (overCandidates) {
          const mine = plan.selections.filter((s) => s.hunts.includes(hunt.meta.id));
          const failed = mine.map((s) => failedSelections.get(s.table)).find((m) => m !== undefined);
          if (failed) throw new Error(failed);
          sql = huntOverCandidates(hunt, mine);
        }
        done.set(hunt.meta.id, { rows: await opts.engine.run(sql, windowParams(sql, opts.window)), ms: performance.now() - t0 });
      } catch (err) {
        done.set(hunt.meta.id, { rows: null, ms: performance.now() - t0, error: (err as Error).message });
      }
    };
    // Hunts over candidates whose selection failed, or whose columns cannot be named, run on their own.
    const ready = plan.staged.filter((h) => !plan.selections.some((s) => s.hunts.includes(h.meta.id) && failedSelections.has(s.table)));
    const { batches, alone } = batchHunts(ready, plan.selections, opts.window);
    for (const batch of batches) {
      const t0 = performance.now();
      let split: Map<string, Record<string, unknown>[]> | null = null;
      try {
        split = unbatchRows(batch, await opts.engine.run(batch.sql, []));
        queries.batches++;
      } catch {
        queries.batchesFailed++;
        // One hunt's failure must not cost the others: each runs on its own, and the failing one says why.
        for (const m of batch.hunts) await runAlone(byId.get(m.hunt_id)!, true);
      }
      if (split) {
        const ms = (performance.now() - t0) / batch.hunts.length;
        for (const [id, rows] of split) done.set(id, { rows, ms });
      }
    }
    const lone = [...alone, ...plan.staged.filter((h) => !ready.includes(h))];
    queries.alone = lone.length;
    for (const hunt of lone) await runAlone(hunt, true);
    for (const { hunt } of plan.direct) await runAlone(hunt, false);
    for (const hunt of opts.hunts) {
      const r = done.get(hunt.meta.id)!;
      const base = { huntId: hunt.meta.id, name: hunt.meta.name, path: hunt.path, ms: r.ms };
      let stat: HuntRunStat;
      if (r.rows) {
        const fs = rowsToFindings(hunt, r.rows);
        findings.push(...fs);
        stat = { ...base, rows: r.rows.length, findings: fs.length };
      } else {
        errors.push({ huntId: hunt.meta.id, path: hunt.path, message: r.error ?? 'failed' });
        stat = { ...base, rows: null, findings: 0 };
      }
      stats.push(stat);
      opts.onHuntDone?.(stat);
    }
  } finally {
    for (const name of made) await opts.engine.dropMaterialized(name).catch(() => undefined);
  }
  return { findings, errors, stats, queries };
}
