import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryEngine } from '../../src/aws/athena-query-engine';
import { loadQueries } from '../../src/hunt/query-file';
import { runSweep } from '../../src/sweep';
import { trinoSyntaxProblems } from '../../src/hunt/trino-parser';

const HUNT = `/* ---
id: 6f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b21
name: ProxyLogon SSRF anchor mailbox
status: stable
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox]
description: ServerInfo~ anchor mailbox in HttpProxy logs.
references: [https://github.com/microsoft/CSS-Exchange]
--- */
SELECT agency, host, anchor_mailbox, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits
FROM web_requests WHERE dt BETWEEN ? AND ? AND anchor_mailbox LIKE 'ServerInfo~%' GROUP BY 1, 2, 3
`;
const SWEEP = path.resolve(__dirname, '..', '..', 'bin', 'sweep.js');

describe('runSweep on Athena', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'athena-sweep-'));
    fs.mkdirSync(path.join(tmp, 'queries', 'hafnium', 'web'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'queries', 'hafnium', 'web', 'initial_access_proxylogon_ssrf_test.sql'), HUNT);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs the pack on Athena with the window, writes findings.jsonl, and reports nothing new on a re-run', async () => {
    // Prepare
    const client = new AthenaClient({ region: 'us-east-1' });
    const athena = mockClient(client);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: ['agency', 'host', 'anchor_mailbox', 'first_seen', 'last_seen', 'hits'].map((n) => ({
            Name: n,
            Type: n.endsWith('seen') ? 'timestamp' : n === 'hits' ? 'bigint' : 'varchar',
          })),
        },
        Rows: [
          {
            Data: [
              { VarCharValue: 'doj' },
              { VarCharValue: 'EXCH01' },
              { VarCharValue: 'ServerInfo~a]@EXCH01:444/ecp/y.js' },
              { VarCharValue: '2019-04-02 01:00:00.000' },
              { VarCharValue: '2021-03-02 10:00:00.000' },
              { VarCharValue: '7' },
            ],
          },
        ],
      },
    });
    const engine = new AthenaQueryEngine({ client, workGroup: 'sweep', database: 'sweep_lake', sleep: async () => undefined });
    const opts = {
      engine,
      pack: loadQueries(path.join(tmp, 'queries')),
      indicators: null,
      windowFromLake: false,
      outDir: path.join(tmp, 'out'),
      now: () => new Date('2026-11-27T12:00:00Z'),
    };

    // Act
    const first = await runSweep(opts);
    const second = await runSweep(opts);

    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toEqual(["'2019-01-01'", "'2026-11-27'"]);
    expect(first.findings).toHaveLength(1);
    expect(first.newFingerprints.size).toBe(1);
    expect(second.newFingerprints.size).toBe(0);
    const lines = fs
      .readFileSync(first.findingsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({
        agency: 'doj',
        host: 'EXCH01',
        severity: 'critical',
        first_seen: '2019-04-02T01:00:00.000Z',
        count: 7,
        evidence: { anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/y.js' },
      }),
    ]);
    athena.restore();
  });

  /** An Athena mock answering each query by its text: the hunt, and the coverage queries of src/hunt/coverage.ts. */
  function athenaByQuery(client: AthenaClient, failCoverage: boolean) {
    const athena = mockClient(client);
    const texts: string[] = [];
    const col = (n: string, t: string) => ({ Name: n, Type: t });
    const row = (...v: (string | null)[]) => ({ Data: v.map((x) => (x === null ? {} : { VarCharValue: x })) });
    const results: Record<string, { cols: { Name: string; Type: string }[]; rows: ReturnType<typeof row>[] }> = {
      hunt: {
        cols: ['agency', 'host', 'anchor_mailbox', 'first_seen', 'last_seen', 'hits'].map((n) =>
          col(n, n.endsWith('seen') ? 'timestamp' : n === 'hits' ? 'bigint' : 'varchar'),
        ),
        rows: [row('doj', 'EXCH01', 'ServerInfo~a]@EXCH01:444/ecp/y.js', '2019-04-02 01:00:00.000', '2021-03-02 10:00:00.000', '7')],
      },
      // HttpProxy logs of EXCH01 on two days (web_requests); nothing in the other tables.
      perDay: {
        cols: [
          col('agency', 'varchar'),
          col('host', 'varchar'),
          col('family', 'varchar'),
          col('dt', 'varchar'),
          col('n', 'bigint'),
          col('first_event', 'timestamp'),
          col('last_event', 'timestamp'),
        ],
        rows: [
          row('doj', 'EXCH01', 'httpproxy', '2021-03-01', '500', '2021-03-01 00:00:01.000', '2021-03-01 23:59:59.000'),
          row('doj', 'EXCH01', 'httpproxy', '2021-03-02', '700', '2021-03-02 00:00:01.000', '2021-03-02 23:00:00.000'),
        ],
      },
      files: {
        cols: [col('agency', 'varchar'), col('host', 'varchar'), col('family', 'varchar'), col('files', 'bigint')],
        rows: [row('doj', 'EXCH01', 'httpproxy', '2')],
      },
      empty: { cols: [col('agency', 'varchar')], rows: [] },
    };
    const kindOf = (q: string): string => {
      if (q.includes('anchor_mailbox')) return 'hunt';
      if (!q.includes('FROM web_requests')) return 'empty';
      return q.includes('count(DISTINCT source_file)') ? 'files' : 'perDay';
    };
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      texts.push(input.QueryString);
      return { QueryExecutionId: `${kindOf(input.QueryString)}-${texts.length}` };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) =>
      failCoverage && !input.QueryExecutionId.startsWith('hunt')
        ? {
            QueryExecution: {
              Status: { State: 'FAILED', AthenaError: { ErrorMessage: 'Insufficient Lake Formation permission(s) on web_requests' } },
            },
          }
        : { QueryExecution: { Status: { State: 'SUCCEEDED' } } },
    );
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      const r = results[input.QueryExecutionId.replace(/-\d+$/, '')];
      return { ResultSet: { ResultSetMetadata: { ColumnInfo: r.cols }, Rows: r.rows } };
    });
    return { athena, texts };
  }

  it('reads coverage on Athena too: a verdict per host with the period its logs cover, and report.html', async () => {
    // Prepare
    const client = new AthenaClient({ region: 'us-east-1' });
    const { athena, texts } = athenaByQuery(client, false);
    const engine = new AthenaQueryEngine({ client, workGroup: 'sweep', database: 'sweep_lake', sleep: async () => undefined });
    // Act
    const r = await runSweep({
      engine,
      pack: loadQueries(path.join(tmp, 'queries')),
      indicators: null,
      windowFromLake: false,
      outDir: path.join(tmp, 'out-coverage'),
      now: () => new Date('2026-11-27T12:00:00Z'),
    });
    // Assess
    const coverageSql = texts.filter((q) => q.includes('source_family AS family'));
    expect(coverageSql.length).toBeGreaterThanOrEqual(8);
    // The same SQL as on DuckDB; here it must parse as Trino (Athena engine v3).
    for (const q of coverageSql) expect(trinoSyntaxProblems(q)).toEqual([]);
    expect(r.coverageError).toBeNull();
    expect(r.coverage).toEqual([
      expect.objectContaining({
        agency: 'doj',
        host: 'EXCH01',
        family: 'httpproxy',
        rows: 1200,
        files: 2,
        ranges: [{ from: '2021-03-01', to: '2021-03-02', days: 2 }],
      }),
    ]);
    expect(r.verdicts).toEqual([expect.objectContaining({ agency: 'doj', host: 'EXCH01', level: 'red' })]);
    expect(r.verdicts[0].lines.join('\n')).toContain('2021-03-01');
    const html = fs.readFileSync(r.reportFile, 'utf8');
    expect(html).toContain('EXCH01');
    expect(html).toContain('ProxyLogon SSRF anchor mailbox');
    athena.restore();
  });

  it('keeps the findings when coverage cannot be read, and says why there is no verdict', async () => {
    // Prepare
    const client = new AthenaClient({ region: 'us-east-1' });
    const { athena } = athenaByQuery(client, true);
    const engine = new AthenaQueryEngine({ client, workGroup: 'sweep', database: 'sweep_lake', sleep: async () => undefined });
    // Act
    const r = await runSweep({
      engine,
      pack: loadQueries(path.join(tmp, 'queries')),
      indicators: null,
      windowFromLake: false,
      outDir: path.join(tmp, 'out-nocoverage'),
      now: () => new Date('2026-11-27T12:00:00Z'),
    });
    // Assess
    expect(r.findings).toHaveLength(1);
    expect(fs.readFileSync(r.findingsFile, 'utf8')).toContain('EXCH01');
    expect(r.verdicts).toEqual([]);
    expect(r.coverageError).toMatch(/Insufficient Lake Formation permission/);
    expect(r.errors.map((e) => e.message).join('\n')).toMatch(/coverage could not be read, so there are no verdicts/);
    expect(fs.readFileSync(r.reportFile, 'utf8')).toContain('coverage could not be read');
    athena.restore();
  });

  it('fails as a usage error when `sweep hunt --engine athena` has no workgroup', () => {
    // Act
    const r = spawnSync(process.execPath, [SWEEP, 'hunt', '--engine', 'athena', '--queries', path.join(tmp, 'queries')], {
      encoding: 'utf8',
    });
    const help = execFileSync(process.execPath, [SWEEP, 'hunt', '--help'], { encoding: 'utf8' });

    // Assess
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workgroup is required with --engine athena');
    expect(help).toContain('--engine <name>');
    expect(help).toContain('--workgroup <name>');
  });
});
