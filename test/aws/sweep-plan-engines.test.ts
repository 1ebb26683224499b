/**
 * The wrapped hunt text the state machine sends to Athena must still be Trino
 * SQL and must mean the same thing: checked for every hunt of the shipped pack
 * with the Trino grammar, and run on DuckDB (the local engine) against the
 * unwrapped hunt.
 */
import * as path from 'node:path';
import { planHunt } from '../../src/aws/sweep-plan';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { loadQueries, parseQueryFile } from '../../src/hunt/query-file';
import { trinoSyntaxProblems } from '../../src/hunt/trino-parser';
import { windowParams } from '../../src/hunt/window';
import { partitionLocalBody } from '../../src/sweep/sweep-state';

const unquote = (literal: string) => literal.slice(1, -1).replace(/''/g, "'");
const WINDOW = { since: '2019-01-01', until: '2026-11-27' };
const pack = loadQueries(path.resolve(__dirname, '..', '..', 'queries'));

describe('planHunt on the shipped pack', () => {
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    engine = await DuckDbQueryEngine.open();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('loads hunts to plan', () => {
    expect(pack.hunts.length).toBeGreaterThan(0);
  });

  it.each(pack.hunts.map((h) => [h.stem, h] as const))('keeps %s valid Trino and runnable on DuckDB', async (_stem, hunt) => {
    // Prepare
    const planned = planHunt(hunt, WINDOW, ['doj', 'dhs']);

    // Act
    const problems = trinoSyntaxProblems(planned.query_string);
    const rows = await engine.run(planned.query_string, planned.params.map(unquote));

    // Assess
    expect(problems).toEqual([]);
    expect(rows).toEqual([]);
  });

  const local = pack.hunts.filter((h) => partitionLocalBody(h) !== null);
  it.each(local.map((h) => [h.stem, h] as const))(
    'keeps %s valid Trino and runnable when it reads several day ranges',
    async (_stem, hunt) => {
      // Prepare
      const ranges = [
        { since: '2019-03-01', until: '2019-03-02' },
        { since: '2021-03-02', until: '2021-03-09' },
        { since: '2026-11-01', until: '2026-11-27' },
      ];
      const planned = planHunt(hunt, WINDOW, ['doj'], ranges);

      // Act
      const problems = trinoSyntaxProblems(planned.query_string);
      const rows = await engine.run(planned.query_string, planned.params.map(unquote));

      // Assess
      expect(problems).toEqual([]);
      expect(rows).toEqual([]);
      expect(planned.params).toEqual([
        "'2019-03-01'",
        "'2019-03-02'",
        "'2021-03-02'",
        "'2021-03-09'",
        "'2026-11-01'",
        "'2026-11-27'",
        "'doj'",
      ]);
    },
  );

  it("returns exactly the unwrapped hunt's rows of the chosen agencies", async () => {
    // Prepare
    const hunt = parseQueryFile(
      'q.sql',
      `/* ---
id: 6f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b21
name: ProxyLogon SSRF anchor mailbox
status: stable
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
description: ServerInfo~ anchor mailbox in HttpProxy logs.
references: [https://github.com/microsoft/CSS-Exchange]
--- */
WITH hits AS (
  SELECT agency, host, anchor_mailbox, event_time FROM web_requests
  WHERE dt BETWEEN ? AND ? AND anchor_mailbox LIKE 'ServerInfo~%'
)
SELECT agency, host, anchor_mailbox, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits
FROM hits GROUP BY agency, host, anchor_mailbox;
`,
    );
    const row = (agency: string, host: string, t: string, anchor: string) => ({
      agency,
      host,
      dt: t.slice(0, 10),
      event_time: Date.parse(t),
      anchor_mailbox: anchor,
      source_family: 'httpproxy',
      upload_id: 'u1',
    });
    await engine.loadTables({
      web_requests: [
        row('doj', 'EXCH01', '2021-03-02T10:15:30Z', 'ServerInfo~a]@EXCH01:444/ecp/y.js'),
        row('doj', 'EXCH01', '2021-03-03T10:15:30Z', 'ServerInfo~a]@EXCH01:444/ecp/y.js'),
        row('dhs', 'MAIL2', '2021-03-02T11:00:00Z', 'ServerInfo~a]@MAIL2:444/ecp/y.js'),
        row('treasury', 'TX1', '2021-03-02T11:00:00Z', 'ServerInfo~a]@TX1:444/ecp/y.js'),
        row('doj', 'EXCH02', '2018-12-31T23:00:00Z', 'ServerInfo~a]@EXCH02:444/ecp/y.js'),
      ],
    });
    const planned = planHunt(hunt, WINDOW, ['doj', 'dhs']);

    // Act
    const wrapped = await engine.run(planned.query_string, planned.params.map(unquote));
    const plain = await engine.run(hunt.sql, windowParams(hunt.sql, WINDOW));

    // Assess
    const sort = (r: Record<string, unknown>[]) => [...r].sort((a, b) => String(a.host).localeCompare(String(b.host)));
    expect(sort(wrapped)).toEqual(sort(plain.filter((r) => r.agency === 'doj' || r.agency === 'dhs')));
    expect(sort(wrapped).map((r) => [r.agency, r.host, r.hits])).toEqual([
      ['doj', 'EXCH01', 2],
      ['dhs', 'MAIL2', 1],
    ]);
  });
});
