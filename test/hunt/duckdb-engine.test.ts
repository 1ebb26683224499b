import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';

/**
 * Writes Parquet files in the lake layout with DuckDB itself: lake/<table>/agency=<a>/dt=<d>/<name>.parquet, with no
 * manifest (the engine is opened with readUncommitted).
 */
async function writeParquet(root: string, table: string, agency: string, dt: string, name: string, selectSql: string): Promise<void> {
  const dir = path.join(root, 'lake', table, `agency=${agency}`, `dt=${dt}`);
  fs.mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run("SET TimeZone='UTC'");
  await c.run(`COPY (${selectSql}) TO '${path.join(dir, name).replace(/'/g, "''")}' (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
}

describe('DuckDbQueryEngine', () => {
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-test-'));
    await writeParquet(
      root,
      'web_requests',
      'dhs',
      '2019-04-11',
      'up1-0.parquet',
      "SELECT TIMESTAMPTZ '2019-04-11 22:41:00+00' AS event_time, 'EXCH01' AS host, 'httpproxy' AS source_family, 'a.log' AS source_file, 7::BIGINT AS source_line, 'up1' AS upload_id, 'ServerInfo~a]@EXCH01:444/ecp/x.ecp?#' AS anchor_mailbox, 200 AS status",
    );
    // A second file without anchor_mailbox but with uri_stem: the view unites columns by name.
    await writeParquet(
      root,
      'web_requests',
      'dhs',
      '2021-03-03',
      'up2-0.parquet',
      "SELECT TIMESTAMP '2021-03-03 03:21:11.530' AS event_time, 'EXCH01' AS host, 'iis' AS source_family, 'b.log' AS source_file, 1::BIGINT AS source_line, 'up2' AS upload_id, '/ecp/y.js' AS uri_stem, 241 AS status",
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads a lake through views with the schema columns, hive partitions as strings, timestamps as ISO UTC', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, readUncommitted: true });
    try {
      // Act
      const rows = await engine.run(
        'SELECT agency, dt, host, event_time, anchor_mailbox, uri_stem, status, source_line, client_ip FROM web_requests ORDER BY event_time',
        [],
      );
      // Assess
      // client_ip is in no file: a typed NULL column, not a binder error.
      expect(rows).toEqual([
        {
          agency: 'dhs',
          dt: '2019-04-11',
          host: 'EXCH01',
          event_time: '2019-04-11T22:41:00.000Z',
          anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/x.ecp?#',
          uri_stem: null,
          status: 200,
          source_line: 7,
          client_ip: null,
        },
        {
          agency: 'dhs',
          dt: '2021-03-03',
          host: 'EXCH01',
          event_time: '2021-03-03T03:21:11.530Z',
          anchor_mailbox: null,
          uri_stem: '/ecp/y.js',
          status: 241,
          source_line: 1,
          client_ip: null,
        },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('prunes by the window predicate bound as strings', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, readUncommitted: true });
    try {
      // Act
      const rows = await engine.run('SELECT count(*) AS n FROM web_requests WHERE dt BETWEEN ? AND ?', ['2019-01-01', '2019-12-31']);
      // Assess
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await engine.close();
    }
  });

  it('gives empty typed tables for lake tables without files, so hunts over them return no rows', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, readUncommitted: true });
    try {
      // Act
      const rows = await engine.run(
        "SELECT host, count(*) AS n FROM windows_events WHERE dt BETWEEN ? AND ? AND strpos(lower(command_line), 'whoami') > 0 GROUP BY host",
        ['2019-01-01', '2030-01-01'],
      );
      // Assess
      expect(rows).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('loads fixture rows with defaults (agency test, dt from event_time in UTC) and offsets converted to UTC', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open();
    try {
      // Act
      await engine.loadTables({
        windows_events: [{ event_time: '2021-03-03T01:30:00+02:00', host: 'EXCH01', event_id: 4688, command_line: 'cmd /c whoami' }],
      });
      const rows = await engine.run('SELECT agency, dt, upload_id, event_time, event_id FROM windows_events', []);
      // Assess
      expect(rows).toEqual([
        { agency: 'test', dt: '2021-03-02', upload_id: 'fixture', event_time: '2021-03-02T23:30:00.000Z', event_id: 4688 },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('fails loading a fixture row with a column the schema does not have, naming it', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open();
    try {
      // Act / Assess
      await expect(engine.loadTables({ web_requests: [{ event_time: '2021-03-03T00:00:00Z', anchor_mailbx: 'x' }] })).rejects.toThrow(
        /unknown column "anchor_mailbx"/,
      );
    } finally {
      await engine.close();
    }
  });

  it('serves the indicators table and replaces lake views with fixture tables and back', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open({
      lakeRoot: root,
      readUncommitted: true,
      indicators: [{ type: 'ip', value: '192.0.2.10', source: 'test' }],
    });
    try {
      // Act
      const ind = await engine.run('SELECT type, value, source, reference FROM indicators', []);
      await engine.loadTables({});
      const after = await engine.run('SELECT count(*) AS n FROM web_requests', []);
      // Assess
      expect(ind).toEqual([{ type: 'ip', value: '192.0.2.10', source: 'test', reference: null }]);
      expect(after).toEqual([{ n: 0 }]);
    } finally {
      await engine.close();
    }
  });
  it('spills into a private temp folder and removes it on close, never into the current directory', async () => {
    // Prepare
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-spill-'));
    const engine = await DuckDbQueryEngine.open({ tempDir: parent });
    // Act
    const during = fs.readdirSync(parent);
    await engine.run("SET memory_limit='64MB'", []);
    const rows = await engine.run(
      "SELECT count(*) AS n FROM (SELECT i % 100000 AS k, repeat('x', 100) AS v FROM range(2000000) t(i) ORDER BY v, k)",
      [],
    );
    await engine.close();
    // Assess
    expect(rows).toEqual([{ n: 2000000 }]);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^sweep-duckdb-/);
    expect(fs.readdirSync(parent)).toEqual([]);
    fs.rmSync(parent, { recursive: true, force: true });
  });
});
