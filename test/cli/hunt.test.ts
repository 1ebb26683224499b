/**
 * `sweep hunt` and `sweep test-queries` end to end: the real CLI (bin/sweep.js) on a Parquet lake made here and on a
 * copy of the template hunt.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CliError, CliErrorCode } from '../../src/cli/errors';
import { commitHandMadeLake } from '../support/commit-lake';
import { runInProcess } from './in-process';

const repoRoot = path.resolve(__dirname, '..', '..');

function sweep(args: string[], cwd = repoRoot): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'sweep.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function writeLake(root: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run("SET TimeZone='UTC'");
  const rows = [
    // A 2019 SSRF on EXCH01 (must surface with the default window) and ordinary traffic on EXCH02.
    ['2019-04-11 22:41:00', 'EXCH01', 'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/x.ecp?#', '104.140.114.110'],
    ['2021-03-03 03:21:11', 'EXCH01', 'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/x.ecp?#', '149.28.14.163'],
    ['2021-03-02 09:00:00', 'EXCH02', 'SMTP:alice@corp.example.gov', '192.0.2.20'],
  ];
  for (const [i, [t, host, anchor, ip]] of rows.entries()) {
    const dt = t.slice(0, 10);
    const dir = path.join(root, 'lake', 'web_requests', 'agency=dhs', `dt=${dt}`);
    fs.mkdirSync(dir, { recursive: true });
    await c.run(
      `COPY (SELECT TIMESTAMP '${t}' AS event_time, '${host}' AS host, 'httpproxy' AS source_family, 'HttpProxy_${i}.LOG' AS source_file, 1::BIGINT AS source_line, 'up1' AS upload_id, '${anchor}' AS anchor_mailbox, '${ip}' AS client_ip) TO '${path.join(dir, `up1-${i}.parquet`)}' (FORMAT parquet)`,
    );
  }
  c.closeSync();
  db.closeSync();
  commitHandMadeLake(root);
}

describe('sweep hunt', () => {
  let tmp: string;
  let queries: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-hunt-'));
    queries = path.join(tmp, 'queries', 'pack', 'web');
    fs.mkdirSync(queries, { recursive: true });
    for (const f of fs.readdirSync(path.join(repoRoot, 'queries', 'templates')))
      fs.copyFileSync(path.join(repoRoot, 'queries', 'templates', f), path.join(queries, f));
    await writeLake(path.join(tmp, 'lake-root'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds the 2019 and 2021 hits, writes findings.jsonl and report.html, prints the verdict, exits 1', () => {
    // Act
    const r = sweep([
      'hunt',
      '--lake',
      path.join(tmp, 'lake-root'),
      '--queries',
      path.join(tmp, 'queries'),
      '--indicators',
      path.join(tmp, 'none'),
      '--out',
      path.join(tmp, 'out'),
    ]);
    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const findings = fs
      .readFileSync(path.join(tmp, 'out', 'findings.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      hunt_id: '00000000-0000-4000-8000-000000000000',
      severity: 'high',
      cves: ['CVE-2021-26855'],
      attack: ['T1190'],
      agency: 'dhs',
      host: 'EXCH01',
      first_seen: '2019-04-11T22:41:00.000Z',
      last_seen: '2021-03-03T03:21:11.000Z',
      count: 2,
      evidence: {
        anchor_mailbox: 'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/x.ecp?#',
        client_ips: expect.stringContaining('104.140.114.110'),
      },
    });
    expect(r.stdout).toMatch(/RED {4}EXCH01 \(agency dhs\): confirmed exploitation patterns \(1 high\)/);
    expect(r.stdout).toMatch(/GREEN {2}EXCH02 \(agency dhs\): no finding at medium or above/);
    expect(r.stdout).toContain(
      'HttpProxy logs on EXCH01 cover 2019-04-11, 2021-03-03: nothing before 2019-04-11 can be judged, nor the gaps between these periods',
    );
    expect(fs.readFileSync(path.join(tmp, 'out', 'report.html'), 'utf8')).toContain('<strong>EXCH01</strong>');
  });

  it('reports nothing new on a re-run, and findings.jsonl still lists everything', () => {
    // Act
    const r = sweep([
      'hunt',
      '--lake',
      path.join(tmp, 'lake-root'),
      '--queries',
      path.join(tmp, 'queries'),
      '--out',
      path.join(tmp, 'out'),
      '--json',
    ]);
    // Assess
    const out = JSON.parse(r.stdout);
    expect(out.findings).toHaveLength(1);
    expect(out.new_fingerprints).toEqual([]);
    expect(
      fs
        .readFileSync(path.join(tmp, 'out', 'findings.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('honours --since/--until (a window without the hits finds nothing, exits 0)', () => {
    // Act
    const r = sweep([
      'hunt',
      '--lake',
      path.join(tmp, 'lake-root'),
      '--queries',
      path.join(tmp, 'queries'),
      '--out',
      path.join(tmp, 'out2'),
      '--since',
      '2021-03-04',
      '--until',
      '2021-12-31',
      '--json',
    ]);
    // Assess
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });

  it('fails a bad --since as a usage error (exit 2), checked in-process', async () => {
    // Act
    const r = await runInProcess([
      'hunt',
      '--lake',
      path.join(tmp, 'lake-root'),
      '--queries',
      path.join(tmp, 'queries'),
      '--out',
      path.join(tmp, 'out3'),
      '--since',
      '2021-02-30',
    ]);
    // Assess
    expect(r.error).toBeInstanceOf(CliError);
    expect(r.error).toMatchObject({ code: CliErrorCode.BadArgument, message: '--since must be a day as YYYY-MM-DD, got "2021-02-30"' });
  });

  it('skips and reports a broken query file without stopping the sweep', () => {
    // Prepare
    const q2 = path.join(tmp, 'queries2', 'pack', 'web');
    fs.mkdirSync(q2, { recursive: true });
    fs.copyFileSync(
      path.join(queries, 'initial_access_example_ssrf_anchor_mailbox.sql'),
      path.join(q2, 'initial_access_example_ssrf_anchor_mailbox.sql'),
    );
    fs.writeFileSync(path.join(q2, 'initial_access_broken_header.sql'), '/* ---\nid: nope\n--- */\nSELECT 1');
    // Act
    const r = sweep([
      'hunt',
      '--lake',
      path.join(tmp, 'lake-root'),
      '--queries',
      path.join(tmp, 'queries2'),
      '--out',
      path.join(tmp, 'out4'),
    ]);
    // Assess
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/query skipped: .*initial_access_broken_header\.sql: header: id/);
    expect(r.stdout).toContain('RED    EXCH01');
  });
});

describe('sweep test-queries', () => {
  it('passes the template cases and exits 0', () => {
    // Act
    const r = sweep(['test-queries', '--dir', path.join(repoRoot, 'queries', 'templates')]);
    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok {3}ServerInfo~ anchor mailbox fires/);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed, 0 broken file\(s\), 1 hunt\(s\)/);
  });

  it('says which case failed and why, and exits 1', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tq-'));
    for (const f of fs.readdirSync(path.join(repoRoot, 'queries', 'templates')))
      fs.copyFileSync(path.join(repoRoot, 'queries', 'templates', f), path.join(dir, f));
    const yml = path.join(dir, 'initial_access_example_ssrf_anchor_mailbox.test.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('hits: 2 }', 'hits: 3 }'));
    try {
      // Act
      const r = sweep(['test-queries', '--dir', dir, '--query', 'initial_access_example_ssrf_anchor_mailbox']);
      // Assess
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL ServerInfo~ anchor mailbox fires/);
      expect(r.stdout).toContain('closest is row 1: hits: expected 3, got 2');
      expect(r.stderr).toMatch(/fixtures failed: \d+ passed, 1 failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a query that runs on DuckDB but not on Athena, with the lint line, and exits 1', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tq-lint-'));
    for (const f of fs.readdirSync(path.join(repoRoot, 'queries', 'templates')))
      fs.copyFileSync(path.join(repoRoot, 'queries', 'templates', f), path.join(dir, f));
    const sql = path.join(dir, 'initial_access_example_ssrf_anchor_mailbox.sql');
    fs.writeFileSync(
      sql,
      fs.readFileSync(sql, 'utf8').replace("'serverinfo~') > 0", "'serverinfo~') > 0 AND anchor_mailbox::varchar IS NOT NULL"),
    );
    try {
      // Act
      const r = sweep(['test-queries', '--dir', dir]);
      // Assess: the cases pass on DuckDB; the lint catches the DuckDB-only cast.
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/LINT line \d+ \[portability\] "::" casts are DuckDB\/PostgreSQL syntax/);
      expect(r.stderr).toMatch(/0 failed, 0 broken file\(s\), 1 hunt\(s\), 1 failing the lint/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
