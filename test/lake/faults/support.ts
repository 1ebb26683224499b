/**
 * Helpers of the fault-injection tests: tiny IIS uploads with a known line count, the lake's invariants (whole
 * uploads, nothing lost), byte comparison of two lakes, and the child process the SIGKILL trials kill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { LocalObjectStore } from '../../../src/core/local-object-store';
import { readCommittedLake, type CommittedLake } from '../../../src/lake/committed';
import type { Manifest } from '../../../src/lake/manifest';
import { DuckDbQueryEngine } from '../../../src/local-engine/duckdb-query-engine';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

const HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];

/** An IIS log: 2 header lines, `rows` request lines over `days` days from 2021-03-01, and one line the parser rejects. */
export function iisLog(rows: number, seed: number, days = 1): { text: string; lines: number; rows: number; rejected: number } {
  const out = [...HEADER];
  for (let i = 0; i < rows; i++) {
    const day = `2021-03-0${1 + (i % days)}`;
    const t = `${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7 + seed) % 60).padStart(2, '0')}`;
    out.push(
      `${day} ${t} 10.0.0.5 GET /owa/auth/x${seed}.js q=${i} 443 - 198.51.100.${(i + seed) % 250} Mozilla/5.0+(s${seed}) - 200 0 0 ${i % 97}`,
    );
    if (i === Math.floor(rows / 2)) out.push(`not an IIS line ${seed}`);
  }
  return { text: out.join('\r\n') + '\r\n', lines: out.length, rows, rejected: 1 };
}

/** Every file under `dir` (relative path -> bytes), skipping the given top-level folders. */
export function treeBytes(dir: string, skip: readonly string[] = ['.tmp', '.locks']): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && skip.includes(e.name)) continue;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.set(r, fs.readFileSync(path.join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

/** The lake files of a lake root, keyed, without the manifests (whose `normalized_at` differs by run). */
export function lakeFiles(root: string): Map<string, Buffer> {
  return new Map([...treeBytes(root)].filter(([k]) => k.startsWith('lake/') && !/\.tmp-\d+-\d+$/.test(k)));
}

/** Manifests of a lake root as the store lists them: key -> parsed. */
export function manifests(root: string): Map<string, Manifest> {
  return new Map(
    [...treeBytes(root)]
      // A manifest still under its temporary name (a run killed between writing and renaming it) is no manifest: the
      // store lists no such name, so no reader sees it.
      .filter(([k]) => k.startsWith('manifests/') && !/\.tmp-\d+-\d+$/.test(k))
      .map(([k, b]) => [k, JSON.parse(b.toString('utf8')) as Manifest]),
  );
}

/**
 * The reader's invariants: every committed file checks out, every upload a hunt sees has exactly the rows its
 * manifest counts (whole or not at all), and each manifest's lines add up. Returns the committed lake and the row
 * counts a hunt saw per upload.
 */
export async function assertLakeWhole(root: string): Promise<{ lake: CommittedLake; seen: Map<string, number> }> {
  const lake = await readCommittedLake(new LocalObjectStore(root));
  expect({ gaps: lake.gaps, bad: lake.badManifests }).toEqual({ gaps: [], bad: [] });
  const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
  const seen = new Map<string, number>();
  try {
    for (const r of await engine.run('SELECT upload_id, count(*) AS n FROM web_requests GROUP BY upload_id', []))
      seen.set(String(r.upload_id), Number(r.n));
    expect(engine.lakeCheck?.gaps).toEqual([]);
  } finally {
    await engine.close();
  }
  const committed = new Map<string, number>();
  for (const m of manifests(root).values()) {
    const t = m.totals;
    expect(t.lines_read).toBe(t.lines_with_rows + t.lines_rejected + t.lines_skipped);
    committed.set(m.upload_id, m.rows_per_table.web_requests);
  }
  // Uploads with rows in the hunt = committed uploads with rows, with the same counts.
  expect(Object.fromEntries(seen)).toEqual(Object.fromEntries([...committed].filter(([, n]) => n > 0)));
  return { lake, seen };
}

/**
 * Bundles the fault child (normalize or hunt in a process the tests may kill) once, into the repository's .cache
 * (npm packages stay external and resolve from node_modules); returns the script path.
 */
export function buildFaultChild(): string {
  const outfile = path.join(ROOT, '.cache', 'test', `fault-child-${process.pid}.cjs`);
  buildSync({
    entryPoints: [path.join(__dirname, 'child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}
