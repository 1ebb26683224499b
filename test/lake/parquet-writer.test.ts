import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ColumnBuffer, MAX_STRING_CHARS, TIME_MAX, TIME_MIN } from '../../src/lake/column-buffer';
import { ParquetFileWriter } from '../../src/lake/parquet/file-writer';
import { pageEncoder } from '../../src/lake/parquet/page-encoder';

const { bitWidth, ByteSink, encodeHybrid } = pageEncoder();
import type { ColumnDef, Row, TableDef, TableName } from '../../src/lake/schema';
import { query } from './duckdb-read';

/** Reference decoder of the RLE / bit-packing hybrid, written from parquet-format's Encodings.md. */
function decodeHybrid(buf: Uint8Array, width: number, count: number): number[] {
  const out: number[] = [];
  let pos = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (out.length < count) {
    const header = varint();
    if (header % 2 === 1) {
      const values = ((header - 1) / 2) * 8;
      let bitPos = 0;
      for (let v = 0; v < values; v++) {
        let x = 0;
        for (let b = 0; b < width; b++, bitPos++) if (buf[pos + (bitPos >> 3)] & (1 << (bitPos & 7))) x |= 1 << b;
        if (out.length < count) out.push(x);
      }
      pos += ((header - 1) / 2) * width;
    } else {
      let x = 0;
      const bytes = (width + 7) >> 3;
      for (let b = 0; b < bytes; b++) x += buf[pos++] * 2 ** (8 * b);
      for (let k = 0; k < header / 2; k++) out.push(x);
    }
  }
  if (pos !== buf.length) throw new Error(`decoder stopped at ${pos} of ${buf.length} bytes`);
  return out;
}

const c = (name: string, type: ColumnDef['type']): ColumnDef => ({ name, type, description: name });

/** Every column type the lake has, for round trips through DuckDB. */
const ALL_TYPES: TableDef = {
  name: 'test_all' as TableName,
  description: 'test',
  columns: [
    c('t', 'timestamp'),
    c('s', 'string'),
    c('i', 'int'),
    c('b', 'bigint'),
    c('d', 'double'),
    c('f', 'boolean'),
    c('k', 'string'),
    c('u', 'string'),
  ],
};

describe('RLE / bit-packing hybrid', () => {
  it('decodes back to the input for runs, noise and every bit width up to 20', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 60 }),
        (width, runs) => {
          // Prepare: runs of equal values (some long, some of 1), each value within the width.
          const max = 2 ** width - 1;
          const values: number[] = [];
          for (const [v, n] of runs) for (let k = 0; k < n; k++) values.push(v % (max + 1));
          const sink = new ByteSink(4);
          // Act
          encodeHybrid(values, 0, values.length, width, sink);
          // Assess
          expect(decodeHybrid(sink.bytes(), width, values.length)).toEqual(values);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes a long run as one RLE run of a few bytes, and a slice from an offset', () => {
    // Prepare
    const values = new Int32Array(100_000).fill(3);
    values.set([1, 2, 1, 2, 0], 99_990);
    const sink = new ByteSink();
    // Act
    encodeHybrid(values, 10, values.length - 10, 2, sink);
    // Assess
    expect(sink.pos).toBeLessThan(16);
    expect(decodeHybrid(sink.bytes(), 2, values.length - 10)).toEqual([...values.subarray(10)]);
  });

  it('needs 0 bits for 0, then one more per doubling', () => {
    expect([0, 1, 2, 3, 4, 255, 256, 2 ** 20 - 1].map(bitWidth)).toEqual([0, 1, 2, 2, 3, 8, 9, 20]);
  });
});

describe('ColumnBuffer + ParquetFileWriter, read back by DuckDB', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parquet-writer-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function writeFile(
    table: TableDef,
    rows: Row[],
    rowGroupRows = 1 << 30,
    constants: Record<string, string> = {},
    compression: 'snappy' | 'gzip' = 'snappy',
  ): Promise<{ file: string; buffer: ColumnBuffer }> {
    const file = path.join(tmp, `f${fs.readdirSync(tmp).length}.parquet`);
    const w = new ParquetFileWriter(file, table.columns, { compression });
    const buffer = new ColumnBuffer(table, constants, 8);
    const flush = () => {
      if (buffer.rows === 0) return;
      void w.writeRowGroup(buffer.rows, buffer.snapshot());
      buffer.reset();
    };
    for (const r of rows) {
      buffer.add(r);
      if (buffer.rows >= rowGroupRows) flush();
    }
    flush();
    await w.close();
    return { file, buffer };
  }

  it('round-trips every type at its limits, nulls included', async () => {
    // Prepare
    const rows: Row[] = [
      { t: TIME_MIN, s: 'first', i: -2147483648, b: -(2 ** 53 - 1), d: -1.5e308, f: true },
      { t: TIME_MAX, s: '', i: 2147483647, b: 2 ** 53 - 1, d: 5e-324, f: false },
      { t: 0, s: 'é中文🙂 "q", \\ \n', i: 0, b: 0, d: 0, f: null },
      { t: 1614556800123.9, s: null, i: null, b: -1, d: null, f: true },
      {},
    ];
    // Act
    const { file } = await writeFile(ALL_TYPES, rows);
    // Assess
    const got = await query(
      `SELECT strftime(t, '%Y-%m-%d %H:%M:%S.%g') AS t, s, i, b::VARCHAR AS b, d, f, k, u FROM read_parquet('${file}')`,
    );
    expect(got).toEqual([
      { t: '0001-01-01 00:00:00.000', s: 'first', i: -2147483648, b: String(-(2 ** 53 - 1)), d: -1.5e308, f: true, k: null, u: null },
      { t: '9999-12-31 23:59:59.999', s: '', i: 2147483647, b: String(2 ** 53 - 1), d: 5e-324, f: false, k: null, u: null },
      { t: '1970-01-01 00:00:00.000', s: 'é中文🙂 "q", \\ \n', i: 0, b: '0', d: 0, f: null, k: null, u: null },
      { t: '2021-03-01 00:00:00.123', s: null, i: null, b: '-1', d: null, f: true, k: null, u: null },
      { t: null, s: null, i: null, b: null, d: null, f: null, k: null, u: null },
    ]);
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      t: 'TIMESTAMP',
      s: 'VARCHAR',
      i: 'INTEGER',
      b: 'BIGINT',
      d: 'DOUBLE',
      f: 'BOOLEAN',
      k: 'VARCHAR',
      u: 'VARCHAR',
    });
  });

  it('stores values of the wrong type as NULL and counts them; numeric strings become numbers', async () => {
    // Prepare
    const rows: Row[] = [
      { i: '42', b: '-900719925474099', d: '2.5', s: 17, f: 'yes' },
      { i: 2 ** 31, b: 2 ** 53, d: 'x', t: NaN },
      { i: 1.5, b: '1e3', t: TIME_MAX + 1 },
    ];
    // Act
    const { file, buffer } = await writeFile(ALL_TYPES, rows);
    // Assess
    const got = await query(`SELECT i, b::VARCHAR AS b, d, s, f, t FROM read_parquet('${file}')`);
    expect(got).toEqual([
      { i: 42, b: '-900719925474099', d: 2.5, s: '17', f: null, t: null },
      { i: null, b: null, d: null, s: null, f: null, t: null },
      { i: null, b: null, d: null, s: null, f: null, t: null },
    ]);
    expect(Object.fromEntries(buffer.coercions)).toEqual({ f: 1, i: 2, b: 2, d: 1, t: 2 });
  });

  it('writes several row groups and pages; repeated strings as a dictionary, distinct ones plain from mid-group on', async () => {
    // Prepare: 100 000 rows (pages of 32 768 rows, row groups of 70 000): `s` repeats 7 values, `u` is unique per
    // row (a request id: plain once 2 048 distinct values outnumber half the rows), `k` is null every third row.
    const n = 100_000;
    const rows: Row[] = [];
    for (let r = 0; r < n; r++) {
      rows.push({
        t: 1614556800000 + r,
        s: `/ecp/${r % 7}.js`,
        i: r % 3 === 0 ? null : r,
        k: r % 3 === 0 ? null : `k${r % 5}`,
        u: `req-${r.toString(36)}-${'x'.repeat(r % 13)}`,
      });
    }
    // Act
    const { file } = await writeFile(ALL_TYPES, rows, 70_000);
    // Assess
    const agg = await query(
      `SELECT count(*)::INT AS n, count(DISTINCT s)::INT AS s, count(k)::INT AS k, count(DISTINCT u)::INT AS u, sum(i)::BIGINT::VARCHAR AS i, min(t)::VARCHAR AS t0, max(t)::VARCHAR AS t1 FROM read_parquet('${file}')`,
    );
    const sumI = rows.reduce((acc, r) => acc + ((r.i as number | null) ?? 0), 0);
    expect(agg).toEqual([
      { n, s: 7, k: n - Math.ceil(n / 3), u: n, i: String(sumI), t0: '2021-03-01 00:00:00', t1: '2021-03-01 00:01:39.999' },
    ]);
    // Spot rows at page and row-group edges keep their own values.
    const spots = await query(
      `SELECT row_number() OVER () - 1 AS r, s, k, u FROM read_parquet('${file}') QUALIFY r IN (0, 32767, 32768, 69999, 70000, 99999) ORDER BY r`,
    );
    expect(spots.map((x) => [Number(x.r), x.s, x.k, x.u])).toEqual(
      [0, 32767, 32768, 69999, 70000, 99999].map((r) => [r, rows[r].s, rows[r].k ?? null, rows[r].u]),
    );
    const meta = await query(
      `SELECT row_group_id::INT AS g, path_in_schema AS col, encodings, compression, stats_null_count::INT AS nulls FROM parquet_metadata('${file}') WHERE path_in_schema IN ('s', 'u', 'k') ORDER BY g, col`,
    );
    expect(meta).toEqual([
      { g: 0, col: 'k', encodings: 'PLAIN_DICTIONARY, RLE', compression: 'SNAPPY', nulls: 23334 },
      { g: 0, col: 's', encodings: 'PLAIN_DICTIONARY, RLE', compression: 'SNAPPY', nulls: 0 },
      { g: 0, col: 'u', encodings: 'PLAIN, RLE', compression: 'SNAPPY', nulls: 0 },
      { g: 1, col: 'k', encodings: 'PLAIN_DICTIONARY, RLE', compression: 'SNAPPY', nulls: 10000 },
      { g: 1, col: 's', encodings: 'PLAIN_DICTIONARY, RLE', compression: 'SNAPPY', nulls: 0 },
      { g: 1, col: 'u', encodings: 'PLAIN, RLE', compression: 'SNAPPY', nulls: 0 },
    ]);
  });

  it('is read back the same by a second, independent reader (hyparquet)', async () => {
    // Prepare: pages, two row groups, a dictionary, a column that turns plain, nulls, non-ASCII, negative numbers.
    const rows: Row[] = Array.from({ length: 40_000 }, (_, r) => ({
      t: r % 11 === 0 ? null : 1614556800000 + r * 1000,
      s: r % 4 === 0 ? null : `/owa/${r % 9}/é`,
      i: r % 5 === 0 ? null : r - 20_000,
      b: r * 3_000_000_007,
      f: r % 3 === 0,
      u: `id-${r}`,
    }));
    const { file } = await writeFile(ALL_TYPES, rows, 25_000);
    // Act: hyparquet is an ES module, so it runs in a child process.
    const script = `
      import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
      import { compressors } from 'hyparquet-compressors';
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(process.argv[1]), compressors });
      process.stdout.write(JSON.stringify(rows, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    // Assess
    expect(run.stderr).toBe('');
    const got = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(got).toHaveLength(rows.length);
    const expected = rows.map((r) => ({
      t: r.t === null ? null : new Date(r.t as number).toISOString(),
      s: r.s,
      i: r.i,
      b: r.b,
      d: null,
      f: r.f,
      k: null,
      u: r.u,
    }));
    expect(got).toEqual(expected);
  });

  it('writes GZIP pages when asked, read back the same by DuckDB and hyparquet', async () => {
    // Prepare
    const rows: Row[] = Array.from({ length: 3000 }, (_, r) => ({ t: 1614556800000 + r, s: `/ecp/${r % 5}.js`, u: `id-${r}`, i: r }));
    // Act
    const { file } = await writeFile(ALL_TYPES, rows, 1000, {}, 'gzip');
    // Assess
    const meta = await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    expect(meta).toEqual([{ compression: 'GZIP' }]);
    const got = await query(
      `SELECT count(*)::INT AS n, sum(i)::INT AS s, count(DISTINCT u)::INT AS u, max(s) AS m FROM read_parquet('${file}')`,
    );
    expect(got).toEqual([{ n: 3000, s: (2999 * 3000) / 2, u: 3000, m: '/ecp/4.js' }]);
    const script = `
      import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
      import { compressors } from 'hyparquet-compressors';
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(process.argv[1]), compressors });
      process.stdout.write(String(rows.length) + ' ' + rows[2999].u);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('3000 id-2999');
  });

  it('writes min/max statistics of numbers and times, which DuckDB reads back', async () => {
    // Prepare
    const rows: Row[] = [{ t: 1614556800000, i: 5, b: -7 }, { t: 1614643199999, i: -3, b: 2 ** 40 }, { i: null }];
    // Act
    const { file } = await writeFile(ALL_TYPES, rows);
    // Assess
    const stats = await query(
      `SELECT path_in_schema AS col, stats_min_value AS lo, stats_max_value AS hi, stats_min AS old_lo, stats_null_count::INT AS nulls FROM parquet_metadata('${file}') WHERE path_in_schema IN ('t', 'i', 'b') ORDER BY col`,
    );
    expect(stats).toEqual([
      { col: 'b', lo: '-7', hi: String(2 ** 40), old_lo: '-7', nulls: 1 },
      { col: 'i', lo: '-3', hi: '5', old_lo: '-3', nulls: 1 },
      { col: 't', lo: '2021-03-01 00:00:00', hi: '2021-03-01 23:59:59.999', old_lo: '2021-03-01 00:00:00', nulls: 1 },
    ]);
  });

  it('writes a constant column once per page, and the same bytes for the same rows', async () => {
    // Prepare
    const rows: Row[] = Array.from({ length: 5000 }, (_, r) => ({ s: `v${r % 3}`, k: 'ignored: the constant wins' }));
    // Act
    const a = await writeFile(ALL_TYPES, rows, 1000, { k: 'up-1' });
    const b = await writeFile(ALL_TYPES, rows, 1000, { k: 'up-1' });
    // Assess
    const got = await query(`SELECT count(*)::INT AS n, count(*) FILTER (WHERE k = 'up-1')::INT AS k FROM read_parquet('${a.file}')`);
    expect(got).toEqual([{ n: 5000, k: 5000 }]);
    expect(fs.readFileSync(a.file).equals(fs.readFileSync(b.file))).toBe(true);
  });

  it('cuts a string longer than the cap and counts it', async () => {
    // Prepare
    const long = 'A'.repeat(MAX_STRING_CHARS + 5);
    // Act
    const { file, buffer } = await writeFile(ALL_TYPES, [{ s: long, u: 'short' }]);
    // Assess
    const got = await query(`SELECT length(s)::INT AS n, u FROM read_parquet('${file}')`);
    expect(got).toEqual([{ n: MAX_STRING_CHARS, u: 'short' }]);
    expect(buffer.coercions.get('s (truncated)')).toBe(1);
  });

  it('fails close() with the cause when the file cannot be written, without an unhandled rejection', async () => {
    // Prepare
    const w = new ParquetFileWriter(path.join(tmp, 'missing-dir', 'x.parquet'), ALL_TYPES.columns);
    const buffer = new ColumnBuffer(ALL_TYPES);
    buffer.add({ s: 'x' });
    // Act
    const write = w.writeRowGroup(1, buffer.snapshot());
    // Assess
    await expect(write).rejects.toThrow(/ENOENT/);
    await expect(w.close()).rejects.toThrow(/ENOENT/);
  });
});
