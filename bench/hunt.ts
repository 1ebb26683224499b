/**
 * `npm run bench -- hunt [--size=1GB] [--clients=N] [--compression=snappy|gzip|zstd] [--keep]`
 *
 * All hunts of the pack over a lake built from N bytes of generated IIS and HttpProxy logs, against one
 * `zcat FILES | grep -c ServerInfo~` pass over the same gzip'd raw logs, in the same run (the reference runs before
 * and after; the ratio uses their mean). Prints the ratio (goal < 1: the hunts finish faster than one grep), each
 * hunt's time, rows scanned by DuckDB (profiling), and what Athena would bill: the compressed Parquet column
 * chunks of the columns the hunt names, in the partitions of the window (Athena bills at least 10 MB per query).
 *
 * --size=N   raw (uncompressed) log bytes to generate, half IIS, half HttpProxy (default 1GB)
 * --clients=N  client addresses from a population of N clients (default: a random address per request)
 * --compression=C  the lake's page codec (default: the writer's, Snappy); `zstd` is what the normalizer writes on AWS
 *             (Node >= 22.15): its lake is cached apart, under lake-root-zstd, for `sweep plan --lake` to price it
 * Logs and lake are cached under .cache/bench-hunt/<size>/ (deterministic, reused across runs).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeUpload } from '../src/pipeline';
import { parseSize } from '../src/cli/commands/normalize';
import { TABLES, TABLE_NAMES, type TableName } from '../src/lake/schema';
import { DuckDbQueryEngine } from '../src/local-engine/duckdb-query-engine';
import { loadPack } from '../src/hunt/pack';
import { tokenize } from '../src/hunt/lint';
import { lakeDayBounds } from '../src/hunt/coverage';
import { chooseWindow } from '../src/sweep';
import { windowParams, type HuntWindow } from '../src/hunt/window';
import type { Hunt } from '../src/hunt/query-file';
import { benchArg as arg, clientsArg, generateWebCorpus } from '../testkit/gen/web-corpus';

/** One `zcat FILES | grep -c ServerInfo~` pass: the reference an analyst would otherwise run. */
function zcatGrep(files: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('sh', ['-c', 'zcat "$@" | grep -c ServerInfo~ || true', 'sh', ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', () => resolve((performance.now() - t0) / 1000));
  });
}

/** Columns of lake tables a hunt names (identifiers ∩ columns of the tables it reads). */
function huntColumns(h: Hunt): Map<TableName, Set<string>> {
  const idents = new Set(
    tokenize(h.sql)
      .filter((t) => t.kind === 'ident')
      .map((t) => t.text),
  );
  const out = new Map<TableName, Set<string>>();
  for (const t of TABLE_NAMES) {
    if (!idents.has(t)) continue;
    const cols = TABLES[t].columns.map((c) => c.name).filter((c) => idents.has(c));
    out.set(t, new Set(cols));
  }
  return out;
}

interface ChunkRow {
  file_name: string;
  path_in_schema: string;
  total_compressed_size: number;
}

/** What Athena would bill for a hunt: compressed column chunks of the named columns in the window's partitions. */
function athenaBytes(h: Hunt, chunks: Map<TableName, ChunkRow[]>, window: HuntWindow): number {
  let bytes = 0;
  for (const [t, cols] of huntColumns(h)) {
    for (const c of chunks.get(t) ?? []) {
      const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(c.file_name)?.[1];
      if (!dt || dt < window.since || dt > window.until) continue;
      if (cols.has(c.path_in_schema)) bytes += Number(c.total_compressed_size);
    }
  }
  return bytes;
}

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

export async function run(args: string[]): Promise<void> {
  const size = parseSize('--size', arg(args, 'size') ?? '1GB');
  const clients = clientsArg(args);
  const base = path.resolve('.cache', 'bench-hunt', `${size}${clients ? `-clients${clients}` : ''}`);
  const corpus = await generateWebCorpus(base, size, { seedBase: 2000, logsSubdir: 'logs', clients });
  const compression = arg(args, 'compression');
  if (compression !== undefined && compression !== 'snappy' && compression !== 'gzip' && compression !== 'zstd')
    throw new Error(`--compression must be snappy, gzip or zstd, got ${compression}`);
  const suffix = compression && compression !== 'snappy' ? `-${compression}` : '';
  const lakeRoot = path.join(base, `lake-root${suffix}`);
  const done = path.join(base, `lake${suffix}.done`);
  if (!fs.existsSync(done)) {
    fs.rmSync(lakeRoot, { recursive: true, force: true });
    const t0 = performance.now();
    await normalizeUpload({
      inputs: [path.join(base, 'logs')],
      agency: 'bench',
      uploadId: 'bench',
      lakeRoot,
      tmpDir: path.join(base, 'tmp'),
      ...(compression ? { writer: { compression } } : {}),
    });
    fs.rmSync(path.join(base, 'tmp'), { recursive: true, force: true });
    fs.writeFileSync(done, '');
    process.stdout.write(`lake built in ${((performance.now() - t0) / 1000).toFixed(1)} s (once, cached)\n`);
  }
  const pack = await loadPack(path.resolve('queries'), path.resolve('indicators'));
  const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');

  const refBefore = await zcatGrep(corpus.files);

  const t0 = performance.now();
  const engine = await DuckDbQueryEngine.open({ lakeRoot, indicators: pack.indicators });
  const window = chooseWindow({}, await lakeDayBounds(engine), new Date().toISOString().slice(0, 10));
  const openSec = (performance.now() - t0) / 1000;
  const times: { hunt: Hunt; sec: number; rows: number; error?: string }[] = [];
  for (const h of hunts) {
    const s = performance.now();
    try {
      const rows = await engine.run(h.sql, windowParams(h.sql, window));
      times.push({ hunt: h, sec: (performance.now() - s) / 1000, rows: rows.length });
    } catch (err) {
      times.push({ hunt: h, sec: (performance.now() - s) / 1000, rows: 0, error: (err as Error).message });
    }
  }
  const huntsSec = (performance.now() - t0) / 1000;

  const refAfter = await zcatGrep(corpus.files);
  const ref = (refBefore + refAfter) / 2;

  // Rows scanned from DuckDB's profile (separate runs, not timed); the Athena bill from the Parquet metadata.
  const chunks = new Map<TableName, ChunkRow[]>();
  for (const t of TABLE_NAMES) {
    const dir = path.join(lakeRoot, 'lake', t);
    if (!fs.existsSync(dir)) continue;
    chunks.set(
      t,
      (await engine.run(
        `SELECT file_name, path_in_schema, total_compressed_size FROM parquet_metadata('${DuckDbQueryEngine.lakeGlob(lakeRoot, t)}')`,
        [],
      )) as unknown as ChunkRow[],
    );
  }
  const lakeBytes = [...chunks.values()].flat().reduce((s, c) => s + Number(c.total_compressed_size), 0);
  process.stdout.write(
    `\nlogs: ${mb(corpus.rawBytes)} raw, ${mb(corpus.gzBytes)} gzip, ${corpus.files.length} files; lake: ${mb(lakeBytes)} of Parquet column chunks; window ${window.since}..${window.until}\n`,
  );
  process.stdout.write(
    `${'hunt'.padEnd(70)} ${'sec'.padStart(7)} ${'rows'.padStart(6)} ${'scanned'.padStart(10)} ${'athena bill'.padStart(12)}\n`,
  );
  let athenaTotal = 0;
  for (const t of times) {
    let scanned = '';
    if (!t.error) {
      const prof = JSON.parse(await engine.profile(t.hunt.sql, windowParams(t.hunt.sql, window))) as { cumulative_rows_scanned?: number };
      scanned = String(prof.cumulative_rows_scanned ?? '?');
    }
    const bill = athenaBytes(t.hunt, chunks, window);
    athenaTotal += Math.max(bill, 10e6);
    process.stdout.write(
      `${t.hunt.stem.slice(0, 70).padEnd(70)} ${t.sec.toFixed(2).padStart(7)} ${String(t.rows).padStart(6)} ${scanned.padStart(10)} ${mb(bill).padStart(12)}${t.error ? `  FAILED: ${t.error.slice(0, 80)}` : ''}\n`,
    );
  }
  await engine.close();
  process.stdout.write(
    `\nall ${hunts.length} hunts: ${huntsSec.toFixed(2)} s (engine open ${openSec.toFixed(2)} s); zcat | grep -c: ${refBefore.toFixed(2)} s before, ${refAfter.toFixed(2)} s after\n`,
  );
  process.stdout.write(`ratio hunts / zcat-grep = ${(huntsSec / ref).toFixed(2)} (goal < 1)\n`);
  process.stdout.write(
    `Athena bill for one sweep: ${mb(athenaTotal)} (with the 10 MB minimum per query), ${((athenaTotal / 1e12) * 5).toFixed(4)} USD at 5 USD/TB\n`,
  );
}
