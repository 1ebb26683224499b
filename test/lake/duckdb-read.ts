/** Test helper: reads lake Parquet files back with DuckDB (the engine hunts use). */
import { DuckDBInstance } from '@duckdb/node-api';

/** Runs one query on a fresh in-memory DuckDB; values converted to plain JS (timestamps as ISO strings). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** `read_parquet` over every file of a table under a storage root, with the partition columns as VARCHAR. */
export function lakeScan(root: string, table: string): string {
  return `read_parquet('${root.replace(/'/g, "''")}/lake/${table}/**/*.parquet', hive_partitioning = true, hive_types = {'agency': VARCHAR, 'dt': VARCHAR})`;
}
