/**
 * The footer reader a scan planner uses (src/lake/parquet/footer.ts), checked against DuckDB's `parquet_metadata`
 * over files of this writer and of DuckDB's own writer (another writer's footer: fields this writer does not write).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ColumnBuffer } from '../../src/lake/column-buffer';
import { footerLength, parseFooter, stringChunkMayContain, type FooterStats } from '../../src/lake';
import { ParquetFileWriter } from '../../src/lake/parquet/file-writer';
import type { ColumnDef, Row, TableDef, TableName } from '../../src/lake/schema';
import { query } from './duckdb-read';

const c = (name: string, type: ColumnDef['type']): ColumnDef => ({ name, type, description: name });
const TABLE: TableDef = {
  name: 'test_footer' as TableName,
  description: 'test',
  columns: [c('t', 'timestamp'), c('ip', 'string'), c('id', 'string'), c('n', 'string'), c('i', 'int'), c('k', 'string')],
};

interface Meta {
  rg: number;
  col: string;
  bytes: number;
  nulls: number | null;
  lo: string | null;
  hi: string | null;
  type: string;
}

describe('Parquet footer reader', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'footer-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const duckMeta = async (file: string) =>
    (await query(
      `SELECT row_group_id::INT AS rg, path_in_schema AS col, total_compressed_size::INT AS bytes, stats_null_count::INT AS nulls,
              stats_min_value AS lo, stats_max_value AS hi, type FROM parquet_metadata('${file}') ORDER BY rg, column_id`,
    )) as unknown as Meta[];

  /** Our reading, in DuckDB's terms: strings as text, INT32 as its decimal text; other bounds as present or not. */
  function ours(f: FooterStats): Meta[] {
    return f.rowGroups.flatMap((g, rg) =>
      g.columns.map((ch) => {
        const show = (b: Uint8Array | null) =>
          b === null
            ? null
            : ch.physicalType === 6
              ? Buffer.from(b).toString('utf8')
              : ch.physicalType === 1
                ? String(Buffer.from(b).readInt32LE(0))
                : 'set';
        return {
          rg,
          col: ch.column,
          bytes: ch.compressedBytes,
          nulls: ch.nullCount,
          lo: show(ch.min),
          hi: show(ch.max),
          type: String(ch.physicalType),
        };
      }),
    );
  }

  /** DuckDB's view with non-string, non-INT32 bounds reduced to present / absent, for comparison with {@link ours}. */
  const comparable = (m: Meta[]) =>
    m.map((x) => {
      const physical = { BYTE_ARRAY: '6', INT32: '1', INT64: '2', DOUBLE: '5', BOOLEAN: '0' }[x.type] ?? x.type;
      const keep = physical === '6' || physical === '1';
      return { ...x, type: physical, lo: keep || x.lo === null ? x.lo : 'set', hi: keep || x.hi === null ? x.hi : 'set' };
    });

  it('reads what DuckDB reads from this writer’s footers: bytes, null counts and bounds per row group and column', async () => {
    // Prepare: three row groups; dictionary, plain (mostly distinct), null-only and constant string columns.
    const file = path.join(tmp, 'ours.parquet');
    const w = new ParquetFileWriter(file, TABLE.columns);
    const buffer = new ColumnBuffer(TABLE, { k: 'up-1' }, 8);
    const rows: Row[] = Array.from({ length: 9000 }, (_, r) => ({
      t: 1_614_556_800_000 + r * 1000,
      ip: r % 9 === 0 ? null : `10.${Math.floor(r / 3000)}.${r % 7}.é${r % 5}`,
      id: `${(r * 7919) % 9001}-req`,
      i: r % 4 === 0 ? null : r - 4500,
    }));
    for (let g = 0; g < 3; g++) {
      for (const r of rows.slice(g * 3000, g * 3000 + 3000)) buffer.add(r);
      void w.writeRowGroup(buffer.rows, buffer.snapshot());
      buffer.reset();
    }
    await w.close();
    // Act
    const footer = parseFooter(fs.readFileSync(file));
    // Assess
    expect(footer.numRows).toBe(9000);
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([3000, 3000, 3000]);
    expect(ours(footer)).toEqual(comparable(await duckMeta(file)));
    // Row groups an equality on ip skips: only the middle one can hold 10.1.x.
    const ip = footer.rowGroups.map((g) => g.columns.find((x) => x.column === 'ip')!);
    expect(ip.map((x) => stringChunkMayContain(x, '10.1.3.é2'))).toEqual([false, true, false]);
    expect(ip.map((x) => stringChunkMayContain(x, '9.9.9.9'))).toEqual([false, false, false]);
  });

  it('reads a footer DuckDB wrote (fields this writer does not use), with its trusted bounds', async () => {
    // Prepare
    const file = path.join(tmp, 'duck.parquet');
    await query(
      `COPY (SELECT 'h' || (i // 1000) AS host, CASE WHEN i % 3 = 0 THEN NULL ELSE i END::INT AS i, i::BIGINT * 1000000 AS b, 'é' || (i % 17) AS s
             FROM range(3000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 1000, COMPRESSION zstd)`,
    );
    // Act
    const footer = parseFooter(fs.readFileSync(file));
    // Assess
    expect(footer.rowGroups.length).toBeGreaterThan(1);
    expect(footer.createdBy).toMatch(/DuckDB/i);
    expect(ours(footer)).toEqual(comparable(await duckMeta(file)));
  });

  it('says how many bytes to fetch, and refuses what is not a whole Parquet footer with the reason', async () => {
    // Prepare
    const file = path.join(tmp, 'f.parquet');
    const w = new ParquetFileWriter(file, TABLE.columns);
    const buffer = new ColumnBuffer(TABLE, {}, 8);
    buffer.add({ ip: 'a' });
    void w.writeRowGroup(buffer.rows, buffer.snapshot());
    await w.close();
    const bytes = fs.readFileSync(file);
    // Act
    const len = footerLength(bytes.subarray(bytes.length - 8));
    // Assess: exactly the last len + 8 bytes are enough; fewer, or another file, are refused.
    expect(parseFooter(bytes.subarray(bytes.length - 8 - len)).rowGroups).toHaveLength(1);
    expect(() => parseFooter(bytes.subarray(bytes.length - 7 - len))).toThrow(/footer is \d+ bytes/);
    expect(() => parseFooter(Buffer.from('not parquet at all'))).toThrow(/not a Parquet file/);
    const damaged = Buffer.from(bytes);
    damaged.fill(0xff, damaged.length - 8 - len, damaged.length - 8);
    expect(() => parseFooter(damaged)).toThrow(/Thrift type|ends early/);
  });
});
