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
 * Each file's footer is counted too (Athena reads it to plan the scan).
 */
export function localParquetColumnBytes(root: string): (keys: readonly string[], columns: readonly string[]) => Promise<number> {
  return async (keys, columns) => {
    if (keys.length === 0) return 0;
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await db.connect();
    try {
      const files = `[${keys.map((k) => q(path.join(root, ...k.split('/')))).join(', ')}]`;
      const wanted = columns.length > 0 ? `path_in_schema IN (${columns.map(q).join(', ')})` : 'false';
      const chunks = await conn.runAndReadAll(`SELECT coalesce(sum(total_compressed_size), 0)::BIGINT AS b FROM parquet_metadata(${files}) WHERE ${wanted}`);
      const footers = await conn.runAndReadAll(`SELECT coalesce(sum(footer_size), 0)::BIGINT AS b FROM parquet_file_metadata(${files})`);
      const chunkBytes = Number(chunks.getRows()[0][0]);
      const footerBytes = Number(footers.getRows()[0][0]);
      return chunkBytes + footerBytes;
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };
}
