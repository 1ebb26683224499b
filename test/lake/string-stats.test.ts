/**
 * String min/max statistics: what Athena (Trino) and DuckDB need to skip a row group on a string predicate.
 *
 * The rules tested are parquet-format's (Statistics in parquet.thrift: min_value / max_value compared as the
 * column's sort order, unsigned bytes for UTF8; a truncated max must still be >= every value) and Trino's reader
 * (io.trino.parquet.ParquetMetadataConverter.fromParquetStatistics: min_value/max_value are used when the column
 * order is TYPE_DEFINED_ORDER; the deprecated min/max of a string column are ignored unless equal, being signed-order).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ColumnBuffer, MAX_STRING_CHARS } from '../../src/lake/column-buffer';
import { ParquetFileWriter } from '../../src/lake/parquet/file-writer';
import type { ColumnDef, Row, TableDef, TableName } from '../../src/lake/schema';
import { query } from './duckdb-read';

const c = (name: string): ColumnDef => ({ name, type: 'string', description: name });
const TABLE: TableDef = { name: 'test_strings' as TableName, description: 'test', columns: [c('d'), c('p'), c('n'), c('k')] };
const CUT = 64;

/** Parquet's order of UTF8 values: unsigned bytes of the UTF-8 encoding (not JS's UTF-16 order). */
const utf8Cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Reference min and max of the non-null values, by UTF-8 bytes. */
function bounds(values: readonly (string | null | undefined)[]): [string, string] | null {
  const vs = values.filter((v): v is string => typeof v === 'string').sort(utf8Cmp);
  return vs.length ? [vs[0], vs[vs.length - 1]] : null;
}

interface ChunkStats {
  rg: number;
  col: string;
  lo: string | null;
  hi: string | null;
  old_lo: string | null;
  old_hi: string | null;
  nulls: number;
  lo_exact: boolean | null;
  hi_exact: boolean | null;
}

describe('string min/max statistics', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'string-stats-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Writes rows through the lake's buffer and writer, `rowGroupRows` rows per row group; `k` is a constant column. */
  async function writeFile(rows: Row[], rowGroupRows: number): Promise<string> {
    const file = path.join(tmp, `f${fs.readdirSync(tmp).length}.parquet`);
    const w = new ParquetFileWriter(file, TABLE.columns);
    const buffer = new ColumnBuffer(TABLE, { k: 'up-é' }, 8);
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

  const stats = (file: string) =>
    query(
      `SELECT row_group_id::INT AS rg, path_in_schema AS col, stats_min_value AS lo, stats_max_value AS hi, stats_min AS old_lo, stats_max AS old_hi,
              stats_null_count::INT AS nulls, min_is_exact AS lo_exact, max_is_exact AS hi_exact
       FROM parquet_metadata('${file}') ORDER BY rg, column_id`,
    ) as Promise<unknown> as Promise<ChunkStats[]>;

  /** hyparquet's view of the same footer: per row group, column -> [min_value, max_value, null_count]. */
  function hyparquetStats(file: string): Record<string, [unknown, unknown, number]>[] {
    // column_orders (FileMetaData field 7) is not in hyparquet's parsed metadata: read with its Thrift decoder.
    const script = `
      import * as fs from 'node:fs';
      import { parquetMetadataAsync, asyncBufferFromFile } from 'hyparquet';
      import { deserializeTCompactProtocol } from './node_modules/hyparquet/src/thrift.js';
      const bytes = fs.readFileSync(process.argv[1]);
      const len = bytes.readUInt32LE(bytes.length - 8);
      const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8 - len, len);
      const footer = deserializeTCompactProtocol({ view, offset: 0 });
      const orders = footer.field_7.map((o) => (o.field_1 && Object.keys(o).length === 1 ? 'TYPE_DEFINED_ORDER' : JSON.stringify(o)));
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(process.argv[1]));
      const out = meta.row_groups.map((g) => Object.fromEntries(g.columns.map((ch) => {
        const s = ch.meta_data.statistics ?? {};
        return [ch.meta_data.path_in_schema[0], [s.min_value ?? null, s.max_value ?? null, Number(s.null_count)]];
      })));
      process.stdout.write(JSON.stringify({ orders, out }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const got = JSON.parse(run.stdout) as { orders: unknown[]; out: Record<string, [unknown, unknown, number]>[] };
    expect(got.orders).toEqual(TABLE.columns.map(() => 'TYPE_DEFINED_ORDER'));
    return got.out;
  }

  it('writes each row group’s min and max in UTF-8 byte order, read the same by DuckDB and hyparquet', async () => {
    // Prepare: a dictionary column of nasty values (non-ASCII, an astral character that sorts after U+FF5A in UTF-8
    // but before it in JS, the empty string, nulls), a column that turns plain (mostly distinct), a column of nulls
    // only, and a constant column; two row groups with different ranges.
    const nasty = ['é', '\uFF5A', '😀', '', 'abc', 'Z', 'ÿ', '\u00A0x', '\t'];
    const rows: Row[] = Array.from({ length: 12_000 }, (_, r) => ({
      d: r % 7 === 0 ? null : r < 6000 ? nasty[r % nasty.length] : `/owa/${r % 13}`,
      p: r % 5 === 0 ? null : `${r < 6000 ? 'é' : 'a'}-${(r * 7919) % 100_003}`,
      n: null,
    }));
    // Act
    const file = await writeFile(rows, 6000);
    // Assess
    const got = await stats(file);
    const hyp = hyparquetStats(file);
    expect(got).toHaveLength(8);
    for (const s of got) {
      const part = rows.slice(s.rg * 6000, s.rg * 6000 + 6000);
      const values = part.map((r) => (s.col === 'k' ? 'up-é' : (r[s.col] as string | null)));
      const want = bounds(values);
      expect([s.col, s.lo, s.hi]).toEqual([s.col, want?.[0] ?? null, want?.[1] ?? null]);
      expect(s.nulls).toBe(values.filter((v) => v === null).length);
      // The deprecated signed-order pair is left out for strings; the exact flags say the bounds are values.
      expect([s.old_lo, s.old_hi]).toEqual([null, null]);
      if (want) expect([s.lo_exact, s.hi_exact]).toEqual([true, true]);
      expect(hyp[s.rg][s.col]).toEqual([s.lo, s.hi, s.nulls]);
    }
    expect(got.find((s) => s.rg === 0 && s.col === 'd')).toMatchObject({ lo: '', hi: '😀' });
  });

  it('cuts a long min at a character boundary and raises a long max above every value it stands for', async () => {
    // Prepare: values past the cut, multi-byte characters across it, a max of U+10FFFF that cannot be raised
    // (its row group then has no bounds at all), and a value past the buffer's own cap (5 MB).
    const long = (head: string, ch: string, n: number) => head + ch.repeat(n);
    const groups: string[][] = [
      [long('b', 'é', 100), long('b', '€', 100), long('a', '😀', 40)],
      [long('q', 'z', 200), 'q', 'p'],
      [long('q', '\u{10FFFF}', 40), 'q', 'a'],
      [long('', '\u{10FFFF}', 20), long('', '\u{10FFFF}', 30), long('', '\u{10FFFF}', 25)],
      [long('m', 'x', 5 * 1024 * 1024), 'm', 'mm'],
    ];
    const rows: Row[] = groups.flatMap((g) => g.map((d) => ({ d })));
    // Act
    const file = await writeFile(rows, 3);
    // Assess
    const got = (await stats(file)).filter((s) => s.col === 'd');
    expect(got.map((s) => s.rg)).toEqual([0, 1, 2, 3, 4]);
    const stored = rows.map((r) => (r.d as string).slice(0, MAX_STRING_CHARS));
    for (const s of got) {
      const values = stored.slice(s.rg * 3, s.rg * 3 + 3);
      const [min, max] = bounds(values)!;
      if (s.lo === null) {
        // Only a max made of U+10FFFF only has no bound short enough: then no bounds are written at all.
        expect(s.hi).toBeNull();
        expect(Buffer.from(max).length).toBeGreaterThan(CUT);
        expect(/^\u{10FFFF}+$/u.test(max)).toBe(true);
        continue;
      }
      const lo = Buffer.from(s.lo, 'utf8');
      const hi = Buffer.from(s.hi!, 'utf8');
      expect(lo.length).toBeLessThanOrEqual(CUT);
      expect(hi.length).toBeLessThanOrEqual(CUT);
      // The min is a prefix of the real min (so <= every value); the max is >= every value.
      expect(Buffer.from(min).subarray(0, lo.length).equals(lo)).toBe(true);
      for (const v of values) expect(Buffer.compare(hi, Buffer.from(v))).toBeGreaterThanOrEqual(0);
      expect(s.lo_exact).toBe(lo.length === Buffer.from(min).length);
      expect(s.hi_exact).toBe(hi.equals(Buffer.from(max)));
    }
    // Raised bounds, by hand: the cut's last character raised by one code point; one that cannot be (U+10FFFF)
    // dropped, and the character before it raised.
    expect(got[0].hi).toBe('b' + '€'.repeat(20) + '\u20AD');
    expect(got[0].lo).toBe('a' + '😀'.repeat(15));
    expect(got[1].hi).toBe('q' + 'z'.repeat(62) + '{');
    expect(got[2].hi).toBe('r');
    expect(got[4].hi).toBe('m' + 'x'.repeat(62) + 'y');
  });

  it('keeps bounds that hold for any strings (property)', async () => {
    // Prepare
    // Shared prefixes (4 and 8 bytes, multi-byte) make values tie on the first bytes the writer compares at once.
    const tail = fc.oneof(fc.string({ minLength: 30, maxLength: 90, unit: 'binary' }), fc.string({ maxLength: 3 }), fc.constant(''));
    const str = fc.tuple(fc.constantFrom('', 'abcd', 'abcdefgh', 'abc\u0000', 'é€'), tail).map(([head, t]) => head + t);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(str, { nil: null }), { minLength: 1, maxLength: 40 }), async (values) => {
        // Act
        const file = await writeFile(
          values.map((d) => ({ d })),
          1 << 20,
        );
        // Assess
        const [s] = (await stats(file)).filter((x) => x.col === 'd');
        // Lone surrogates are written as U+FFFD, as Buffer.from does.
        const stored = values.map((v) => (v === null ? null : Buffer.from(v, 'utf8').toString('utf8')));
        const want = bounds(stored);
        if (want === null) return expect([s.lo, s.hi]).toEqual([null, null]);
        if (s.lo === null) return expect(/^\u{10FFFF}+$/u.test(want[1])).toBe(true);
        for (const v of stored) {
          if (v === null) continue;
          expect(utf8Cmp(s.lo, v)).toBeLessThanOrEqual(0);
          expect(utf8Cmp(s.hi!, v)).toBeGreaterThanOrEqual(0);
        }
        if (s.lo_exact) expect(s.lo).toBe(want[0]);
        if (s.hi_exact) expect(s.hi).toBe(want[1]);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps valid bounds for a plain column of long values sharing a prefix, and exact ones for addresses', async () => {
    // Prepare: mostly distinct values (the column turns plain): backend cookies in time order, sharing 38 bytes,
    // some out of order; IPv4 addresses in random order.
    let x = 7;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    const rows: Row[] = Array.from({ length: 9000 }, (_, r) => ({
      d: `Server~exch01.corp.example~1942062522~${new Date(1_609_459_200_000 + (r % 50 === 0 ? -r : r) * 997).toISOString()}`,
      p: `${1 + Math.floor(rnd() * 223)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`,
    }));
    // Act
    const file = await writeFile(rows, 9000);
    // Assess
    const got = await stats(file);
    const d = got.find((s) => s.col === 'd')!;
    const p = got.find((s) => s.col === 'p')!;
    const cookies = rows.map((r) => r.d as string);
    for (const v of cookies) {
      expect(utf8Cmp(d.lo!, v)).toBeLessThanOrEqual(0);
      expect(utf8Cmp(d.hi!, v)).toBeGreaterThanOrEqual(0);
    }
    expect(Buffer.from(d.hi!).length).toBeLessThanOrEqual(CUT);
    expect([p.lo, p.hi]).toEqual(bounds(rows.map((r) => r.p as string)));
    expect([p.lo_exact, p.hi_exact]).toEqual([true, true]);
    // A cookie outside the bounds lets a reader skip the row group.
    expect(utf8Cmp('Server~exch02.corp.example', d.hi!)).toBeGreaterThan(0);
  });

  it('lets DuckDB skip the row groups a string predicate excludes, and only those', async () => {
    // Prepare: two row groups of hosts; the second row group's `d` column chunk is then overwritten with garbage, so a
    // query that reads it fails: one that succeeds did not read it.
    const longHost = 'EXCH01.' + 'é'.repeat(60);
    const rows: Row[] = Array.from({ length: 4000 }, (_, r) => ({
      d: r < 2000 ? (r % 2 ? 'EXCH01' : longHost) : `WEB${r % 3}`,
      p: `x${r}`,
    }));
    const file = await writeFile(rows, 2000);
    const [chunk] = await query(
      `SELECT data_page_offset::INT AS off, total_compressed_size::INT AS len, dictionary_page_offset::INT AS dict
       FROM parquet_metadata('${file}') WHERE row_group_id = 1 AND path_in_schema = 'd'`,
    );
    const bytes = fs.readFileSync(file);
    const start = (chunk.dict as number | null) ?? (chunk.off as number);
    bytes.fill(0xff, start, start + (chunk.len as number));
    fs.writeFileSync(file, bytes);
    const count = async (where: string) => {
      const [r] = await query(`SELECT count(*)::INT AS n FROM read_parquet('${file}') WHERE ${where}`);
      return r.n;
    };
    // Act + Assess: predicates outside [WEB0, WEB2] skip the damaged row group, the long value's cut max included.
    expect(await count(`d = 'EXCH01'`)).toBe(1000);
    expect(await count(`d = '${longHost}'`)).toBe(1000);
    expect(await count(`d < 'F'`)).toBe(2000);
    // The check can fail: a predicate the second row group's bounds admit reads the damaged chunk.
    await expect(count(`d = 'WEB1'`)).rejects.toThrow();
  });
});
