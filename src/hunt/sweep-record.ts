/**
 * The record of the last sweep, `<out>/sweep.json`: when it ran, over which window, with which hunt pack and which
 * indicator feeds (content hashes, so two boards can tell whether they were judged by the same rules). The board
 * shows it; a hash changes whenever a query or a feed file changes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HuntWindow } from './window';

export interface FeedVersion {
  /** Path relative to the indicators folder. */
  readonly file: string;
  /** First 12 hex digits of the file's sha256. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface SweepRecord {
  readonly swept_at: string;
  readonly engine: 'duckdb' | 'athena';
  readonly window: HuntWindow;
  /** The hunt pack: a hash over every file of the queries folder, and the hunts run. */
  readonly pack: { readonly sha256: string; readonly hunts: number; readonly files: number };
  readonly indicators: readonly FeedVersion[];
  readonly findings: number;
  readonly new_findings: number;
  readonly errors: number;
}

export const SWEEP_RECORD_FILE = 'sweep.json';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Hash of a folder: every file's relative path and content, in sorted order (streams each file). */
export function folderVersion(dir: string): { sha256: string; files: number } {
  const h = createHash('sha256');
  const files = filesUnder(dir);
  for (const f of files) {
    h.update(path.relative(dir, f).split(path.sep).join('/') + '\0');
    h.update(fs.readFileSync(f));
    h.update('\0');
  }
  return { sha256: h.digest('hex').slice(0, 12), files: files.length };
}

/** Each indicator feed file and its hash. */
export function feedVersions(dir: string | null): FeedVersion[] {
  if (!dir) return [];
  return filesUnder(dir)
    .filter((f) => !/(^|\/)README[^/]*$/i.test(f))
    .map((f) => {
      const buf = fs.readFileSync(f);
      return {
        file: path.relative(dir, f).split(path.sep).join('/'),
        sha256: createHash('sha256').update(buf).digest('hex').slice(0, 12),
        bytes: buf.length,
      };
    });
}

export function writeSweepRecord(outDir: string, r: SweepRecord): string {
  const file = path.join(outDir, SWEEP_RECORD_FILE);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}

/** The last sweep's record, or null when none was written (or it cannot be read). */
export function readSweepRecord(outDir: string): SweepRecord | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, SWEEP_RECORD_FILE), 'utf8')) as SweepRecord;
  } catch {
    return null;
  }
}
