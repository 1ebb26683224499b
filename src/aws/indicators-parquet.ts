/**
 * The indicators as Athena reads them: one Parquet file under `s3://<lake>/indicators/`, written by the lake's own
 * writer (src/lake/parquet) with the columns of INDICATORS_TABLE (src/lake/schema.ts), the table the Glue catalog
 * declares (lib/lake-catalog.ts) and the local DuckDB engine fills. Not CSV: Athena's OpenCSVSerde treats `\` as an
 * escape character and drops the backslashes of every Windows path indicator (`c:\inetpub\...` became
 * `c:inetpub...`), so path hunts matched locally and never on Athena. Parquet stores the text as it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ColumnBuffer, ParquetFileWriter, INDICATORS_TABLE, type Row, type TableDef } from '../lake';

/** File name of the indicators object under the `indicators/` prefix. */
export const INDICATORS_PARQUET_NAME = 'indicators.parquet';

/** Rows per row group: the feeds hold a few thousand indicators, so usually one. */
const ROW_GROUP_ROWS = 50_000;

/**
 * Writes indicator rows (objects with the INDICATORS_TABLE columns; missing ones are NULL) to `file` as Parquet.
 * The file is a function of the rows (same rows, same bytes), so a redeploy with unchanged feeds changes nothing.
 * Returns the file size.
 */
export async function writeIndicatorsParquet(rows: readonly Record<string, unknown>[], file: string): Promise<number> {
  // The column buffer only reads a table's name and columns; the indicators table has no log families.
  const def = { ...INDICATORS_TABLE, families: [] } as unknown as TableDef;
  const buffer = new ColumnBuffer(def);
  const writer = new ParquetFileWriter(file, INDICATORS_TABLE.columns, { createdBy: 'hafnium-sweep indicators' });
  try {
    // No rows: one empty row group, so that the table exists and reads as empty.
    let start = 0;
    do {
      for (const r of rows.slice(start, start + ROW_GROUP_ROWS)) buffer.add(r as Row);
      await writer.writeRowGroup(buffer.rows, buffer.snapshot());
      buffer.reset();
      start += ROW_GROUP_ROWS;
    } while (start < rows.length);
    const coerced = [...buffer.coercions.entries()];
    if (coerced.length > 0)
      throw new Error(`indicator values that do not fit the table: ${coerced.map(([c, n]) => `${c}: ${n}`).join(', ')}`);
    return await writer.close();
  } catch (err) {
    await writer.close().catch(() => undefined);
    fs.rmSync(file, { force: true });
    throw err;
  } finally {
    buffer.reset();
    buffer.release();
  }
}

/** Writes the indicators into a fresh folder `dir` (the deployment asset: the folder's only file). Returns `dir`. */
export async function writeIndicatorsAsset(rows: readonly Record<string, unknown>[], dir: string): Promise<string> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await writeIndicatorsParquet(rows, path.join(dir, INDICATORS_PARQUET_NAME));
  return dir;
}
