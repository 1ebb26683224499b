import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../src/core';
import { LakeWriter, publishUpload } from '../../src/lake';
import { MAX_STRING_CHARS } from '../../src/lake/column-buffer';
import type { LakeWriterOptions } from '../../src/lake/lake-writer';
import { lakeScan, query } from './duckdb-read';

const T1 = Date.UTC(2021, 2, 2, 23, 59, 59, 123); // 2021-03-02
const T2 = Date.UTC(2021, 2, 3, 0, 0, 1, 0); // 2021-03-03

function web(i: number, extra: Record<string, unknown> = {}) {
  return {
    event_time: i % 2 ? T2 + i : T1 - i,
    host: 'EXCH01',
    source_family: 'iis',
    source_file: 'logs.zip!W3SVC1/u_ex210302.log',
    source_line: i + 5,
    upload_id: 'up-1',
    method: 'POST',
    uri_stem: '/ecp/y.js',
    status: 200,
    win32_status: 0,
    time_taken_ms: 15,
    ...extra,
  };
}

describe('LakeWriter', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-writer-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function writeAndPublish(
    rows: { table: 'web_requests' | 'windows_events'; row: Record<string, unknown>; dt?: string }[],
    options: Partial<LakeWriterOptions> = {},
  ) {
    const writer = await LakeWriter.create({ ...options, workDir: path.join(tmp, 'work'), uploadId: 'up-1' });
    try {
      for (const r of rows) {
        const t = r.row.event_time as number | null;
        writer.write(r.table, { ...r.row } as never, r.dt ?? new Date(t!).toISOString().slice(0, 10));
        await writer.waitForCapacity();
      }
      const result = await writer.finish();
      const store = new LocalObjectStore(path.join(tmp, 'root'));
      const pub = await publishUpload(store, 'dhs', 'up-1', result.files, '{"m":1}\n');
      return { result, pub, store };
    } finally {
      await writer.close();
    }
  }

  it('writes typed rows under table/agency/day with the upload id in the file names', async () => {
    // Prepare
    const rows = [0, 1, 2, 3].map((i) => ({ table: 'web_requests' as const, row: web(i) }));
    // Act
    const { pub, result } = await writeAndPublish(rows);
    // Assess
    expect(pub.written).toEqual([
      'lake/web_requests/agency=dhs/dt=2021-03-02/up-1-0.parquet',
      'lake/web_requests/agency=dhs/dt=2021-03-03/up-1-0.parquet',
    ]);
    expect(result.rowsPerTable.web_requests).toBe(4);
    expect(result.rowsPerPartition.web_requests).toEqual({ '2021-03-02': 2, '2021-03-03': 2 });
    const got = await query(`SELECT * FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')} ORDER BY source_line`);
    expect(got).toHaveLength(4);
    expect(got[0]).toMatchObject({
      event_time: '2021-03-02 23:59:59.123',
      host: 'EXCH01',
      source_line: '5',
      status: 200,
      uri_query: null,
      agency: 'dhs',
      dt: '2021-03-02',
    });
    const types = await query(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')})`,
    );
    const byName = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    expect(byName).toMatchObject({
      event_time: 'TIMESTAMP',
      source_line: 'BIGINT',
      status: 'INTEGER',
      win32_status: 'BIGINT',
      uri_stem: 'VARCHAR',
    });
    // Column order is the schema's (partition columns last).
    expect(types.slice(0, 6).map((t) => t.column_name)).toEqual([
      'event_time',
      'host',
      'source_family',
      'source_file',
      'source_line',
      'upload_id',
    ]);
  });

  it('keeps nasty strings intact: quotes, commas, newlines, empty strings, unicode, backslashes', async () => {
    // Prepare
    const nasty = ['a "quoted", value', 'line1\nline2\r\nline3', '', 'C:\\inetpub\\wwwroot\\aspnet_client\\', 'é中文🙂', ',', '"', 'NULL'];
    const rows = nasty.map((s, i) => ({
      table: 'windows_events' as const,
      row: { event_time: T1, source_line: i + 1, command_line: s, message: i === 0 ? null : 'x' },
    }));
    // Act
    await writeAndPublish(rows);
    // Assess
    const got = await query(`SELECT command_line, message FROM ${lakeScan(path.join(tmp, 'root'), 'windows_events')} ORDER BY source_line`);
    expect(got.map((r) => r.command_line)).toEqual(nasty);
    expect(got[0].message).toBeNull();
  });

  it('writes values of the wrong type as NULL and counts them instead of failing the batch', async () => {
    // Prepare
    const rows = [
      { table: 'web_requests' as const, row: web(0, { status: 'abc', substatus: 1.5, win32_status: '123', server_port: 99999999999 }) },
      { table: 'web_requests' as const, row: web(2, { status: 404 }) },
    ];
    // Act
    const { result } = await writeAndPublish(rows);
    // Assess
    expect(result.coercions).toEqual({ web_requests: { server_port: 1, status: 1, substatus: 1 } });
    const got = await query(
      `SELECT status, substatus, win32_status, server_port FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')} ORDER BY source_line`,
    );
    expect(got[0]).toEqual({ status: null, substatus: null, win32_status: '123', server_port: null });
    expect(got[1].status).toBe(404);
  });

  it('files rows without event time under the day the caller chose, with a NULL event_time', async () => {
    // Prepare
    const rows = [{ table: 'windows_events' as const, row: { event_time: null, source_line: 1 }, dt: '2020-12-31' }];
    // Act
    const { pub } = await writeAndPublish(rows);
    // Assess
    expect(pub.written).toEqual(['lake/windows_events/agency=dhs/dt=2020-12-31/up-1-0.parquet']);
    const got = await query(`SELECT event_time, dt FROM ${lakeScan(path.join(tmp, 'root'), 'windows_events')}`);
    expect(got).toEqual([{ event_time: null, dt: '2020-12-31' }]);
  });

  it('cuts huge multibyte values to the string cap, counted per column, and keeps the rest of the row', async () => {
    // Prepare: three 600 K-character values of 3-byte characters: ~5.4 MB of UTF-8 in one row.
    const huge = '中'.repeat(600_000);
    const rows = [
      {
        table: 'windows_events' as const,
        row: { event_time: T1, source_line: 1, script_block_text: huge, event_data: huge, data_text: huge, command_line: 'short' },
      },
    ];
    // Act
    const { result } = await writeAndPublish(rows);
    // Assess
    const got = await query(
      `SELECT length(script_block_text)::INT AS n, strlen(event_data)::INT AS bytes, left(script_block_text, 2) AS head, command_line FROM ${lakeScan(path.join(tmp, 'root'), 'windows_events')}`,
    );
    expect(got[0]).toEqual({ n: MAX_STRING_CHARS, bytes: 3 * MAX_STRING_CHARS, head: '中中', command_line: 'short' });
    expect(result.coercions.windows_events).toEqual({
      'script_block_text (truncated)': 1,
      'event_data (truncated)': 1,
      'data_text (truncated)': 1,
    });
  });

  it('starts numbered files per day, in order, past fileRows, each of several row groups', async () => {
    // Prepare: 300 rows on one day, 100 rows a file, 32-row row groups.
    const rows = Array.from({ length: 300 }, (_, i) => ({
      table: 'web_requests' as const,
      row: web(i * 2, { uri_query: 'x'.repeat(100) }),
    }));
    // Act
    const { pub } = await writeAndPublish(rows, { fileRows: 100, rowGroupRows: 32 });
    // Assess
    expect(pub.written.length).toBeGreaterThan(2);
    pub.written.forEach((k, n) => expect(k).toBe(`lake/web_requests/agency=dhs/dt=2021-03-02/up-1-${n}.parquet`));
    const got = await query(
      `SELECT count(*)::INT AS n, count(DISTINCT source_line)::INT AS d, min(source_line)::INT AS lo FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')}`,
    );
    expect(got).toEqual([{ n: 300, d: 300, lo: 5 }]);
    expect(pub.written).toHaveLength(3);
    // Files are in row order, each finished at the first row group boundary past fileRows: 4 groups of 32 rows.
    const first = await query(
      `SELECT min(source_line)::INT AS lo, max(source_line)::INT AS hi FROM read_parquet('${path.join(tmp, 'root', pub.written[0])}')`,
    );
    expect(first[0]).toEqual({ lo: 5, hi: 5 + 2 * 127 });
    const groups = await query(
      `SELECT count(DISTINCT row_group_id)::INT AS g, max(row_group_num_rows)::INT AS r FROM parquet_metadata('${path.join(tmp, 'root', pub.written[0])}')`,
    );
    expect(groups[0]).toEqual({ g: 4, r: 32 });
  });

  it('bounds memory with many days open: finishes the stalest file past maxOpenFiles and writes early past bufferBytes', async () => {
    // Prepare: 5 days written in turns of 500 rows (an export out of time order), at most 3 files open, a tiny
    // memory budget (~1,000 rows of this shape).
    const day0 = Date.UTC(2021, 0, 1);
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      table: 'web_requests' as const,
      row: web(i, { event_time: day0 + (Math.floor(i / 500) % 5) * 86_400_000 + i, uri_query: 'q'.repeat(50) }),
    }));
    // Act
    const { pub, result } = await writeAndPublish(rows, { maxOpenFiles: 3, bufferBytes: 256 * 1024 });
    // Assess: every row once, each day split over several files (numbered in order), row groups smaller than the default.
    const got = await query(
      `SELECT count(*)::INT AS n, count(DISTINCT source_line)::INT AS d FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')}`,
    );
    expect(got).toEqual([{ n: 5000, d: 5000 }]);
    expect(result.rowsPerPartition.web_requests).toEqual({
      '2021-01-01': 1000,
      '2021-01-02': 1000,
      '2021-01-03': 1000,
      '2021-01-04': 1000,
      '2021-01-05': 1000,
    });
    for (let d = 1; d <= 5; d++) {
      const keys = pub.written.filter((k) => k.includes(`dt=2021-01-0${d}/`));
      expect(keys.map((k) => k.replace(/.*\//, '')).sort()).toEqual(['up-1-0.parquet', 'up-1-1.parquet']);
    }
    const groups = await query(
      `SELECT max(row_group_num_rows)::INT AS r FROM parquet_metadata('${path.join(tmp, 'root', 'lake/web_requests/agency=dhs/dt=2021-01-01')}/*.parquet')`,
    );
    expect(groups[0].r).toBeLessThan(1000);
  });

  it('reuses the column arrays the page worker hands back without leaking their old values into later rows', async () => {
    // Prepare: row groups 1 and 2 have every column filled; row group 3 is written into row group 1's arrays (handed
    // back by the worker while group 2 was filled) and has most columns NULL and other strings.
    const writer = await LakeWriter.create({ workDir: path.join(tmp, 'work'), uploadId: 'up-1', rowGroupRows: 100 });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
    try {
      for (let i = 0; i < 200; i++) {
        const full = {
          substatus: 1,
          server_port: 443,
          backend_status: 200,
          request_bytes: 10,
          response_bytes: 20,
          uri_query: `q${i}`,
          client_ip: `10.0.0.${i}`,
          request_id: `r-${i}`,
        };
        writer.write('web_requests', web(i * 2, full), '2021-03-02');
        if (i === 99) await settle();
      }
      await settle();
      for (let i = 1000; i < 1100; i++) writer.write('web_requests', { event_time: T1, source_line: i, uri_stem: '/owa/' }, '2021-03-02');
      const result = await writer.finish();
      const store = new LocalObjectStore(path.join(tmp, 'root'));
      await publishUpload(store, 'dhs', 'up-1', result.files, '{"m":1}\n');
    } finally {
      await writer.close();
    }
    // Act
    const numbers = [
      'status',
      'substatus',
      'win32_status',
      'server_port',
      'time_taken_ms',
      'backend_status',
      'request_bytes',
      'response_bytes',
    ];
    const strings = ['method', 'uri_query', 'client_ip', 'request_id'];
    const got = await query(
      `SELECT count(*)::INT AS n, ${[...numbers, ...strings].map((c) => `count(${c})::INT AS ${c}`).join(', ')}, count(DISTINCT uri_stem)::INT AS stems FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')} WHERE source_line >= 1000`,
    );
    // Assess
    expect(got).toEqual([{ n: 100, ...Object.fromEntries([...numbers, ...strings].map((c) => [c, 0])), stems: 1 }]);
  });

  it('replaces a previous run of the same upload: same keys, stale files removed, no duplicate rows', async () => {
    // Prepare: first run has two days, the second only one.
    await writeAndPublish([0, 1].map((i) => ({ table: 'web_requests' as const, row: web(i) })));
    const other = path.join(tmp, 'root', 'lake/web_requests/agency=dhs/dt=2021-03-03/up-10-0.parquet');
    fs.writeFileSync(other, 'another upload');
    // Act
    const { pub } = await writeAndPublish([0, 2].map((i) => ({ table: 'web_requests' as const, row: web(i) })));
    // Assess
    expect(pub.written).toEqual(['lake/web_requests/agency=dhs/dt=2021-03-02/up-1-0.parquet']);
    expect(pub.removed).toEqual(['lake/web_requests/agency=dhs/dt=2021-03-03/up-1-0.parquet']);
    expect(fs.existsSync(other)).toBe(true);
    fs.rmSync(other);
    const got = await query(`SELECT count(*)::INT AS n FROM ${lakeScan(path.join(tmp, 'root'), 'web_requests')}`);
    expect(got[0].n).toBe(2);
  });
});
