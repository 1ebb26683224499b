/**
 * Runs a pack in stages on an engine that can keep a query's result as a table: one candidate selection per lake
 * table (src/sweep/candidates.ts), then the hunts batched into few queries (src/sweep/batch.ts): the staged ones
 * over the candidates, the others over the lake.
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
  /** Hunts run on their own (columns not nameable, or their candidate selection failed). */
  readonly alone: number;
  /** Hunts that read the lake rather than candidates (batched with the others). */
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
        await opts.engine.materialize(s.name, s.select, selectionParams(s, opts.window));
        made.push(s.name);
        queries.selections++;
      } catch (err) {
        failedSelections.set(s.name, `the candidate selection of ${s.table} failed: ${(err as Error).message}`);
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
          const failed = mine.map((s) => failedSelections.get(s.name)).find((m) => m !== undefined);
          if (failed) throw new Error(failed);
          sql = huntOverCandidates(hunt, mine);
        }
        done.set(hunt.meta.id, { rows: await opts.engine.run(sql, windowParams(sql, opts.window)), ms: performance.now() - t0 });
      } catch (err) {
        done.set(hunt.meta.id, { rows: null, ms: performance.now() - t0, error: (err as Error).message });
      }
    };
    // Hunts over candidates whose selection failed, or whose columns cannot be named, run on their own.
    const failedFor = (h: Hunt): boolean => plan.selections.some((s) => s.hunts.includes(h.meta.id) && failedSelections.has(s.name));
    const members = [
      ...plan.staged
        .filter((h) => !failedFor(h))
        .map((hunt) => ({ hunt, selections: plan.selections.filter((s) => s.hunts.includes(hunt.meta.id)) })),
      ...plan.direct.map((d) => ({ hunt: d.hunt, selections: [] })),
    ];
    const isStaged = new Set(plan.staged.map((h) => h.meta.id));
    const { batches, alone } = batchHunts(members, opts.window);
    for (const batch of batches) {
      const t0 = performance.now();
      let split: Map<string, Record<string, unknown>[]> | null = null;
      try {
        split = unbatchRows(batch, await opts.engine.run(batch.sql, []));
        queries.batches++;
      } catch {
        queries.batchesFailed++;
        // One hunt's failure must not cost the others: each runs on its own, and the failing one says why.
        for (const m of batch.hunts) await runAlone(byId.get(m.hunt_id)!, isStaged.has(m.hunt_id));
      }
      if (split) {
        const ms = (performance.now() - t0) / batch.hunts.length;
        for (const [id, rows] of split) done.set(id, { rows, ms });
      }
    }
    const lone = [...alone, ...plan.staged.filter(failedFor)];
    queries.alone = lone.length;
    for (const hunt of lone) await runAlone(hunt, isStaged.has(hunt.meta.id));
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
