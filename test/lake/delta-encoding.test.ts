/**
 * DELTA_BINARY_PACKED pages of integer and time columns (parquet-format Encodings.md), read back by DuckDB and by
 * hyparquet, an independent reader: every value exact, at every bit width the encoder can produce.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ColumnBuffer, TIME_MAX, TIME_MIN } from '../../src/lake/column-buffer';
import { zstdAvailable } from '../../src/lake/parquet/compress';
import { ParquetFileWriter } from '../../src/lake/parquet/file-writer';
import type { ColumnDef, Row, TableDef, TableName } from '../../src/lake/schema';
import { query } from './duckdb-read';

const c = (name: string, type: ColumnDef['type']): ColumnDef => ({ name, type, description: name });
const TABLE: TableDef = {
  name: 'test_delta' as TableName,
  description: 'test',
  columns: [c('t', 'timestamp'), c('i', 'int'), c('b', 'bigint')],
};

describe('DELTA_BINARY_PACKED integer and time pages', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'delta-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function writeFile(rows: Row[], rowGroupRows: number): Promise<string> {
    const file = path.join(tmp, `f${fs.readdirSync(tmp).length}.parquet`);
    const w = new ParquetFileWriter(file, TABLE.columns);
    const buffer = new ColumnBuffer(TABLE, {}, 8);
    for (const r of rows) {
      buffer.add(r);
      if (buffer.rows >= rowGroupRows) {
        void w.writeRowGroup(buffer.rows, buffer.snapshot());
        buffer.reset();
      }
    }
    if (buffer.rows) void w.writeRowGroup(buffer.rows, buffer.snapshot());
    await w.close();
    return file;
  }

  function readWithHyparquet(file: string): unknown[] {
    const script = `
      import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
      import { compressors } from 'hyparquet-compressors';
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(process.argv[1]), compressors });
      process.stdout.write(JSON.stringify(rows.map((r) => [r.t === null ? null : r.t.getTime(), r.i, r.b === null ? null : String(r.b)])));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as unknown[];
  }

  const readWithDuckDB = async (file: string) =>
    (
      await query(
        `SELECT epoch_ms(t)::BIGINT::VARCHAR AS t, i, b::VARCHAR AS b FROM read_parquet('${file}', file_row_number = true) ORDER BY file_row_number`,
      )
    ).map((r) => [r.t === null ? null : Number(r.t), r.i, r.b]);

  it('round-trips runs, noise, nulls and ranges up to the widest the encoding allows, in both readers', async () => {
    // Prepare: per test case, a base and a spread (the spread sets the bit width of the deltas), a pattern
    // (ascending like line numbers, noise, constant), nulls here and there; pages of 32,768 rows and blocks of 128
    // values cut them at odd places.
    const spread = fc.constantFrom(0, 1, 7, 255, 65_535, 2 ** 24 + 3, 2 ** 31 - 1, 2 ** 40, 2 ** 51);
    const caseArb = fc.record({
      n: fc.integer({ min: 1, max: 700 }),
      base: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      spread,
      pattern: fc.constantFrom('up', 'noise', 'const'),
      nullEvery: fc.constantFrom(0, 2, 13),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, base, spread: s, pattern, nullEvery, seed }) => {
        let x = seed;
        const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
        const val = (r: number) => (pattern === 'const' ? 0 : pattern === 'up' ? r : Math.floor(rnd() * (s + 1)));
        const rows: Row[] = Array.from({ length: n }, (_, r) => {
          if (nullEvery && r % nullEvery === 1) return { t: null, i: null, b: null };
          const v = val(r);
          const i32 = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, base + (v % 2 ** 31)));
          const big = base * 2 ** 20 + v;
          const time = Math.max(TIME_MIN, Math.min(TIME_MAX, 1_600_000_000_000 + base + v));
          return { t: time, i: i32, b: big };
        });
        // Act
        const file = await writeFile(rows, 300);
        // Assess
        const want = rows.map((r) => [r.t, r.i, r.b === null ? null : String(r.b)]);
        expect(await readWithDuckDB(file)).toEqual(want);
        expect(readWithHyparquet(file)).toEqual(want);
      }),
      { numRuns: 12 },
    );
  });

  it('writes DELTA_BINARY_PACKED pages, and PLAIN ones where the range is too wide for exact arithmetic', async () => {
    // Prepare: one row group of line numbers, one whose INT32 and time ranges span their types' limits.
    const rows: Row[] = [
      ...Array.from({ length: 1000 }, (_, r) => ({ t: 1_600_000_000_000 + r * 1000, i: r, b: r + 1 })),
      ...Array.from({ length: 1000 }, (_, r) => ({
        t: r % 2 ? TIME_MIN : TIME_MAX,
        i: r % 2 ? -(2 ** 31) : 2 ** 31 - 1,
        b: r % 2 ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER,
      })),
      // Values near -2^53 with a narrow range: their ZigZag form (2|v|+1) is past a double's exact integers.
      ...Array.from({ length: 1000 }, (_, r) => ({ t: 1_600_000_000_000, i: r, b: -Number.MAX_SAFE_INTEGER + (r % 3) })),
    ];
    // Act
    const file = await writeFile(rows, 1000);
    // Assess
    const enc = await query(
      `SELECT row_group_id::INT AS rg, path_in_schema AS col, encodings FROM parquet_metadata('${file}') WHERE row_group_id < 2 ORDER BY rg, column_id`,
    );
    expect(enc).toEqual([
      { rg: 0, col: 't', encodings: 'RLE, DELTA_BINARY_PACKED' },
      { rg: 0, col: 'i', encodings: 'RLE, DELTA_BINARY_PACKED' },
      { rg: 0, col: 'b', encodings: 'RLE, DELTA_BINARY_PACKED' },
      { rg: 1, col: 't', encodings: 'PLAIN, RLE' },
      { rg: 1, col: 'i', encodings: 'PLAIN, RLE' },
      { rg: 1, col: 'b', encodings: 'PLAIN, RLE' },
    ]);
    const want = rows.map((r) => [r.t, r.i, String(r.b)]);
    expect(await readWithDuckDB(file)).toEqual(want);
    expect(readWithHyparquet(file)).toEqual(want);
    // Line numbers cost next to nothing: a few bytes per block of 128 instead of 8 bytes a value.
    const [size] = await query(
      `SELECT total_uncompressed_size::INT AS n FROM parquet_metadata('${file}') WHERE row_group_id = 0 AND path_in_schema = 'b'`,
    );
    expect(size.n).toBeLessThan(200);
  });
});

describe('ZSTD pages (node:zlib, Node >= 22.15)', () => {
  const cols: ColumnDef[] = [c('t', 'timestamp'), c('s', 'string')];
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zstd-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  (zstdAvailable() ? it.skip : it)('are refused with the reason on a Node without ZSTD, before any file is written', () => {
    // Prepare
    const file = path.join(tmp, 'refused.parquet');
    // Act + Assess
    expect(() => new ParquetFileWriter(file, cols, { compression: 'zstd' })).toThrow(/Node >= 22\.15.*use snappy or gzip/);
    expect(fs.existsSync(file)).toBe(false);
  });

  if (!zstdAvailable()) it.todo(`ZSTD round trip: skipped, this Node (${process.version}) has no ZSTD in node:zlib (needs >= 22.15)`);
  else
    it('are read back the same by DuckDB and hyparquet', async () => {
      // Prepare
      const file = path.join(tmp, 'z.parquet');
      const w = new ParquetFileWriter(file, cols, { compression: 'zstd' });
      const buffer = new ColumnBuffer({ name: 'z' as TableName, description: 'z', columns: cols }, {}, 8);
      for (let r = 0; r < 3000; r++) buffer.add({ t: 1_600_000_000_000 + r, s: `/owa/é${r % 7}` });
      // Act
      await w.writeRowGroup(buffer.rows, buffer.snapshot());
      await w.close();
      // Assess
      expect(await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)).toEqual([{ compression: 'ZSTD' }]);
      expect(await query(`SELECT count(*)::INT AS n, max(s) AS m FROM read_parquet('${file}')`)).toEqual([{ n: 3000, m: '/owa/é6' }]);
      const script = `
        import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
        import { compressors } from 'hyparquet-compressors';
        const rows = await parquetReadObjects({ file: await asyncBufferFromFile(process.argv[1]), compressors });
        process.stdout.write(rows.length + ' ' + rows[2999].s);`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
        cwd: path.resolve(__dirname, '../..'),
        encoding: 'utf8',
      });
      expect(run.stdout).toBe('3000 /owa/é3');
    });
});
