/**
 * The security team's board of a local lake: coverage read with DuckDB over the lake, findings, triage and the last
 * sweep from the sweep's output folder. CLI side (it loads DuckDB); the AWS board is built without it
 * (src/aws/board-job.ts).
 */
import { LocalObjectStore } from '../core';
import { readCoverage, lakeDayBounds, LocalTriageStore, loadQueries, readSweepRecord, triageStates, DEFAULT_SINCE } from '../hunt';
import { buildBoard, readFindings, readManifests, uploadSummary, type Board, type UploadSummary } from '../report';
import { DuckDbQueryEngine } from './duckdb-query-engine';

export interface LocalBoardOptions {
  readonly lakeRoot: string;
  /** The sweep's output folder: findings.jsonl, sweep.json, findings/triage.jsonl. */
  readonly resultsDir: string;
  readonly queriesDir: string;
  readonly expectedAgencies?: readonly string[];
  readonly now?: () => Date;
  readonly onBadManifest?: (key: string, reason: string) => void;
}

/** Builds the board of a local lake and the sweep results beside it. */
export async function buildLocalBoard(opts: LocalBoardOptions): Promise<{ board: Board; uploads: readonly UploadSummary[] }> {
  const now = (opts.now ?? (() => new Date()))();
  const today = now.toISOString().slice(0, 10);
  const manifests = await readManifests(new LocalObjectStore(opts.lakeRoot), opts.onBadManifest);
  const uploads = manifests.map(uploadSummary);
  const engine = await DuckDbQueryEngine.open({ lakeRoot: opts.lakeRoot, indicators: [] });
  try {
    const bounds = await lakeDayBounds(engine);
    const since = bounds && bounds.first < DEFAULT_SINCE ? bounds.first : DEFAULT_SINCE;
    const until = bounds && bounds.last > today ? bounds.last : today;
    const coverage = await readCoverage(engine, { since, until });
    const hunts = loadQueries(opts.queriesDir).hunts.filter((h) => h.meta.status !== 'deprecated');
    const findings = readFindings(opts.resultsDir);
    const triage = triageStates(await LocalTriageStore.under(opts.resultsDir).list(), findings);
    const board = buildBoard({
      generatedAt: now,
      since,
      until,
      uploads,
      coverage,
      hunts,
      findings,
      triage,
      lastSweep: readSweepRecord(opts.resultsDir),
      expectedAgencies: opts.expectedAgencies,
    });
    return { board, uploads };
  } finally {
    await engine.close();
  }
}
