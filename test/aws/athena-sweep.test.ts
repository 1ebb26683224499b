import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryEngine } from '../../src/aws/athena-query-engine';
import { runAthenaSweep } from '../../src/aws/athena-sweep';

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

describe('runAthenaSweep', () => {
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
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: {
      ResultSetMetadata: { ColumnInfo: ['agency', 'host', 'anchor_mailbox', 'first_seen', 'last_seen', 'hits'].map((n) => ({ Name: n, Type: n.endsWith('seen') ? 'timestamp' : n === 'hits' ? 'bigint' : 'varchar' })) },
      Rows: [{ Data: [{ VarCharValue: 'doj' }, { VarCharValue: 'EXCH01' }, { VarCharValue: 'ServerInfo~a]@EXCH01:444/ecp/y.js' }, { VarCharValue: '2019-04-02 01:00:00.000' }, { VarCharValue: '2021-03-02 10:00:00.000' }, { VarCharValue: '7' }] }],
    } });
    const engine = new AthenaQueryEngine({ client, workGroup: 'sweep', database: 'sweep_lake', sleep: async () => undefined });
    const opts = { engine, queriesDir: path.join(tmp, 'queries'), outDir: path.join(tmp, 'out'), now: () => new Date('2026-11-27T12:00:00Z') };

    // Act
    const first = await runAthenaSweep(opts);
    const second = await runAthenaSweep(opts);

    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toEqual(["'2019-01-01'", "'2026-11-27'"]);
    expect(first.findings).toHaveLength(1);
    expect(first.newFingerprints.size).toBe(1);
    expect(second.newFingerprints.size).toBe(0);
    const lines = fs.readFileSync(first.findingsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ agency: 'doj', host: 'EXCH01', severity: 'critical', first_seen: '2019-04-02T01:00:00.000Z', count: 7, evidence: { anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/y.js' } })]);
    athena.restore();
  });

  it('fails as a usage error when `sweep hunt --engine athena` has no workgroup', () => {
    // Act
    const r = spawnSync(process.execPath, [SWEEP, 'hunt', '--engine', 'athena', '--queries', path.join(tmp, 'queries')], { encoding: 'utf8' });
    const help = execFileSync(process.execPath, [SWEEP, 'hunt', '--help'], { encoding: 'utf8' });

    // Assess
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workgroup is required with --engine athena');
    expect(help).toContain('--engine <name>');
    expect(help).toContain('--workgroup <name>');
  });
});
