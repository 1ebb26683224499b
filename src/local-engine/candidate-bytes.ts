/**
 * Measures candidate tables on a local lake: each selection run by DuckDB over the lake (Trino shims, committed
 * files) and written as one ZSTD Parquet file, as Athena's CTAS would write it; its column chunks' sizes are what
 * the hunts over the candidates read. `sweep plan --lake` prices the staged sweep with it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { windowParams, type HuntWindow } from '../hunt';
import { DuckDbQueryEngine } from './duckdb-query-engine';

/** Bytes of a selection's rows written as Parquet; `close` frees the engine and the scratch folder. */
export function localCandidateBytes(lakeRoot: string): {
  measure: (selection: { name: string; select: string }, window: HuntWindow) => Promise<Record<string, number>>;
  close: () => Promise<void>;
} {
  let engine: Promise<DuckDbQueryEngine> | null = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-candidates-'));
  return {
    async measure(selection, window) {
      engine ??= DuckDbQueryEngine.open({ lakeRoot, checksums: false });
      const e = await engine;
      const file = path.join(dir, `${selection.name}.parquet`);
      await e.exportParquet(selection.select, windowParams(selection.select, window), file);
      const chunks = await e.run(
        `SELECT path_in_schema AS c, sum(total_compressed_size)::BIGINT AS b FROM parquet_metadata(?) GROUP BY 1`,
        [file],
      );
      const footer = fs.statSync(file).size - chunks.reduce((n, r) => n + Number(r.b), 0);
      fs.rmSync(file, { force: true });
      // The footer (and page headers outside the chunks' sizes) is read by any query: counted under ''.
      return { ...Object.fromEntries(chunks.map((r) => [String(r.c), Number(r.b)])), '': Math.max(0, footer) };
    },
    async close() {
      if (engine) await (await engine).close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
