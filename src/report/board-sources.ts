/**
 * Reads what the board shows from where it lives: the upload manifests (any ObjectStore: the lake folder or the lake
 * bucket), the lake's coverage (DuckDB locally), the last sweep's findings and record, and the triage decisions.
 * Also where boards are kept on AWS: `board/board.html` and `board/board.json` in the lake bucket (a private prefix).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOARD_PREFIX, readText, type ObjectStore } from '../core';
import type { Finding } from '../hunt';
import type { Manifest } from '../lake';
import type { Board } from './board-model';
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

/** Writes board.html and board.json into a folder; returns their paths. */
export function writeBoard(outDir: string, board: Board): { html: string; json: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, 'board.html');
  const json = path.join(outDir, 'board.json');
  fs.writeFileSync(html, renderBoard(board));
  fs.writeFileSync(json, JSON.stringify(board, null, 2) + '\n');
  return { html, json };
}
