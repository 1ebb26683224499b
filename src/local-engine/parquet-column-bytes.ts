/**
 * Compressed bytes of chosen columns in local Parquet files, read from their
 * footers with DuckDB's `parquet_metadata` (no data pages are read): what
 * Athena would read for a query referencing those columns.
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Returns a `columnBytes` function for {@link estimateScans} over a local storage root.
 * Each file's footer is counted too (Athena reads it to plan the scan). Footers are read once per file and kept,
 * so pricing many hunts over the same files reads each footer once.
 */
export function localParquetColumnBytes(root: string): (keys: readonly string[], columns: readonly string[]) => Promise<number> {
  const sizes = new Map<string, { footer: number; columns: Map<string, number> }>();
  const load = async (keys: readonly string[]): Promise<void> => {
    const missing = [...new Set(keys)].filter((k) => !sizes.has(k));
    if (missing.length === 0) return;
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await db.connect();
    try {
      const byPath = new Map(missing.map((k) => [path.join(root, ...k.split('/')), k]));
      for (const k of missing) sizes.set(k, { footer: 0, columns: new Map() });
      const files = `[${[...byPath.keys()].map(q).join(', ')}]`;
      const chunks = await conn.runAndReadAll(
        `SELECT file_name, path_in_schema, sum(total_compressed_size)::BIGINT FROM parquet_metadata(${files}) GROUP BY 1, 2`,
      );
      for (const [file, column, bytes] of chunks.getRows()) {
        const cols = sizes.get(byPath.get(String(file))!)!.columns;
        cols.set(String(column), Number(bytes));
      }
      const footers = await conn.runAndReadAll(`SELECT file_name, footer_size::BIGINT FROM parquet_file_metadata(${files})`);
      for (const [file, bytes] of footers.getRows()) sizes.get(byPath.get(String(file))!)!.footer = Number(bytes);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };
  return async (keys, columns) => {
    if (keys.length === 0) return 0;
    await load(keys);
    let total = 0;
    for (const k of keys) {
      const s = sizes.get(k)!;
      total += s.footer;
      for (const c of columns) total += s.columns.get(c) ?? 0;
    }
    return total;
  };
}
