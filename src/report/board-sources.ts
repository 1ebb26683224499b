/**
 * Reads what the board shows from where it lives: the upload manifests (any ObjectStore: the lake folder or the lake
 * bucket), the lake's coverage (DuckDB locally), the last sweep's findings and record, and the triage decisions.
 * Also where boards are kept on AWS: `board/board.html` and `board/board.json` in the lake bucket (a private prefix).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOARD_PREFIX } from '../core/layout';
import { readText, type ObjectStore } from '../core/object-store';
import { LocalObjectStore } from '../core/local-object-store';
import { readCoverage, lakeDayBounds } from '../hunt/coverage';
import { DuckDbQueryEngine } from '../local-engine/duckdb-query-engine';
import { LocalTriageStore } from '../hunt/local-triage-store';
import { loadQueries } from '../hunt/query-file';
import { readSweepRecord } from '../hunt/sweep-record';
import { triageStates } from '../hunt/triage';
import type { Finding } from '../hunt/types';
import { DEFAULT_SINCE } from '../hunt/window';
import type { Manifest } from '../lake/manifest';
import { buildBoard, uploadSummary, type Board, type UploadSummary } from './board-model';
import { renderBoard } from './board-html';

export { BOARD_PREFIX };
export const BOARD_HTML_KEY = `${BOARD_PREFIX}board.html`;
export const BOARD_JSON_KEY = `${BOARD_PREFIX}board.json`;

/** Every manifest under `manifests/` (one that cannot be read is reported through `onBad` and skipped). */
export async function readManifests(store: ObjectStore, onBad: (key: string, reason: string) => void = () => {}): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const o of await store.list('manifests/')) {
    if (!o.key.endsWith('.json')) continue;
    try {
      const m = JSON.parse(await readText(store, o.key)) as Manifest;
      if (typeof m.agency !== 'string' || !Array.isArray(m.coverage)) throw new Error('not an upload manifest');
      out.push(m);
    } catch (err) {
      onBad(o.key, (err as Error).message);
    }
  }
  return out;
}

/** The findings of the last sweep under an output folder (none when it has not run). */
export function readFindings(outDir: string): Finding[] {
  const file = path.join(outDir, 'findings.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Finding);
}

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

/** Writes board.html and board.json into a folder; returns their paths. */
export function writeBoard(outDir: string, board: Board): { html: string; json: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, 'board.html');
  const json = path.join(outDir, 'board.json');
  fs.writeFileSync(html, renderBoard(board));
  fs.writeFileSync(json, JSON.stringify(board, null, 2) + '\n');
  return { html, json };
}
