/**
 * `sweep normalize` and `sweep dump` as users run them: `node bin/sweep.js`
 * in a temporary working folder, asserting output and exit codes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { buildZip, gzip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

const SWEEP = path.resolve(__dirname, '..', '..', 'bin', 'sweep.js');

function sweep(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SWEEP, ...args], {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const IIS =
  [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    '2021-03-02 23:59:58 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 15',
    '2021-03-03 00:00:01 10.0.0.5 GET /aspnet_client/system_web/shell.aspx cmd=whoami 443 - 203.0.113.7 - - 200 0 0 7',
    'broken line',
  ].join('\r\n') + '\r\n';

describe('sweep normalize (CLI)', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-normalize-'));
    fs.mkdirSync(path.join(cwd, 'logs', 'MAIL01', 'inetpub', 'logs', 'LogFiles', 'W3SVC1'), { recursive: true });
    fs.writeFileSync(path.join(cwd, 'logs', 'MAIL01', 'inetpub', 'logs', 'LogFiles', 'W3SVC1', 'u_ex210302.log.gz'), gzip(IIS));
    fs.writeFileSync(path.join(cwd, 'logs', 'random.dat'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1]));
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('normalizes a folder, prints the summary and exits 0 despite an unrecognized file', async () => {
    // Act
    const r = await sweep(cwd, ['normalize', 'logs', '--lake', 'lake-root', '--agency', 'doe', '--upload-id', 'up-cli']);
    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Normalized upload up-cli (agency doe)');
    expect(r.stdout).toMatch(/Files: 2 read; 1 parsed \(IIS logs 1\); 1 unrecognized; 0 refused or damaged\./);
    expect(r.stdout).toMatch(/web_requests\s+2/);
    expect(r.stdout).toMatch(/MAIL01\s+IIS logs\s+2021-03-02 23:59:58 \.\. 2021-03-03 00:00:01 {2}1 file {2}2 rows/);
    expect(r.stdout).toContain('Lines: 6 read = 2 with rows + 1 rejected + 3 headers/comments/blank.');
    expect(r.stdout).toMatch(/1 {2}wrong column count/);
    expect(r.stdout).toMatch(/logs\/random\.dat \(6 B\): /);
    expect(r.stdout).toContain(`Manifest: ${path.join('lake-root', 'manifests', 'agency=doe', 'up-cli.json')}`);
    const rows = await query(`SELECT uri_stem, dt FROM ${lakeScan(path.join(cwd, 'lake-root'), 'web_requests')} ORDER BY event_time`);
    expect(rows).toEqual([
      { uri_stem: '/ecp/y.js', dt: '2021-03-02' },
      { uri_stem: '/aspnet_client/system_web/shell.aspx', dt: '2021-03-03' },
    ]);
    expect(fs.existsSync(path.join(cwd, 'lake-root', '.tmp'))).toBe(false);
  });

  it('prints the manifest as JSON with --json', async () => {
    // Act
    const r = await sweep(cwd, ['normalize', 'logs', '--lake', 'lake-root', '--json']);
    // Assess
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      manifest_path: string;
      manifest: { agency: string; totals: { rows: number }; upload_id: string };
    };
    expect(out.manifest.agency).toBe('local');
    expect(out.manifest.totals.rows).toBe(2);
    expect(out.manifest_path).toBe(path.join('lake-root', 'manifests', 'agency=local', `${out.manifest.upload_id}.json`));
  });

  it.each([
    [['normalize', 'logs'], /--lake <dir> is required/],
    [['normalize', 'logs', '--lake', 'x', '--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('fails with exit code 2 for bad arguments: %j', async (args, message) => {
    // Act
    const r = await sweep(cwd, args);
    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(cwd, 'x', 'lake'))).toBe(false);
  });

  it.each([
    [
      ['logs', '--lake', 'x', '--max-entry-bytes', '20XB'],
      'BAD_ARGUMENT',
      /--max-entry-bytes must be a size like 512MB, 20GiB or 1048576, got "20XB"/,
    ],
    [['logs', '--lake', 'x', '--max-ratio', '0'], 'BAD_ARGUMENT', /--max-ratio must be a number of at least 1, got "0"/],
    [['logs', '--lake', 'x', '--agency', 'a/b'], 'BAD_ARGUMENT', /invalid agency id "a\/b"/],
    [['missing.zip', '--lake', 'x'], 'NOT_FOUND', /input not found: missing.zip/],
    [
      ['logs', '--lake', 'x', '--local-tz', 'Europe/Atlantis'],
      'BAD_ARGUMENT',
      /--local-tz: unknown time zone "Europe\/Atlantis": give UTC, an offset such as \+01:00, or an IANA name/,
    ],
  ])('rejects %j with a %s error (exit code 2) before writing anything', async (args, code, message) => {
    // Prepare
    const here = process.cwd();
    process.chdir(cwd);
    try {
      // Act
      const run = buildProgram().parseAsync(['node', 'sweep', 'normalize', ...args]);
      // Assess
      await expect(run).rejects.toMatchObject({ name: 'CliError', code, message: expect.stringMatching(message) });
      expect(fs.existsSync(path.join(cwd, 'x', 'lake'))).toBe(false);
    } finally {
      process.chdir(here);
    }
  });

  it('reads export times in the --local-tz zone and says which zone in the summary', async () => {
    // Prepare: an Export-Csv of one event at 00:30 local time in Brussels (23:30 UTC the day before).
    fs.mkdirSync(path.join(cwd, 'exports'), { recursive: true });
    fs.writeFileSync(
      path.join(cwd, 'exports', 'security.csv'),
      [
        '"TimeCreated","Id","ProviderName","LogName","MachineName","Message"',
        '"3/3/2021 12:30:00 AM","4688","Microsoft-Windows-Security-Auditing","Security","EXCH01","A new process has been created."',
      ].join('\r\n'),
    );
    // Act
    const local = await sweep(cwd, ['normalize', 'exports', '--lake', 'lake-tz', '--local-tz', 'Europe/Brussels']);
    const utc = await sweep(cwd, ['normalize', 'exports', '--lake', 'lake-utc']);
    // Assess
    expect(local.code).toBe(0);
    expect(local.stdout).toContain('Export times without an offset (1 export file) were read in Europe/Brussels.');
    expect(utc.stdout).toContain('were read as UTC; if the servers ran on local time, normalize again with --local-tz <zone>.');
    const rows = await query(
      `SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t, dt FROM ${lakeScan(path.join(cwd, 'lake-tz'), 'windows_events')}`,
    );
    expect(rows).toEqual([{ t: '2021-03-02T23:30:00', dt: '2021-03-02' }]);
  });

  it('accepts binary and decimal sizes for the limits', async () => {
    // Act: a 100-byte line limit rejects the two long IIS lines.
    const r = await sweep(cwd, [
      'normalize',
      'logs',
      '--lake',
      'lake-root2',
      '--max-line-bytes',
      '0.1KB',
      '--max-entry-bytes',
      '1GiB',
      '--json',
    ]);
    // Assess
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout).manifest;
    expect(m.limits).toMatchObject({ maxLineBytes: 100, maxEntryBytes: 1024 ** 3 });
    expect(m.entries[0].rejections.by_reason).toMatchObject({ 'line longer than 100 bytes (107 bytes)': 1 });
  });
});

describe('sweep dump (CLI)', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-dump-'));
    fs.writeFileSync(path.join(cwd, 'u_ex210302.log.gz'), gzip(IIS));
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('prints each parsed row as a JSON line and rejections on stderr', async () => {
    // Act
    const r = await sweep(cwd, ['dump', 'u_ex210302.log.gz', '--host', 'web9']);
    // Assess
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      table: 'web_requests',
      time: '2021-03-03T00:00:01.000Z',
      host: 'WEB9',
      uri_stem: '/aspnet_client/system_web/shell.aspx',
      uri_query: 'cmd=whoami',
      status: 200,
      source_line: 5,
    });
    expect(r.stderr).toContain('u_ex210302.log.gz: iis (');
    expect(r.stderr).toContain('rejected: u_ex210302.log.gz:6: wrong column count');
  });

  it('rejects an unknown --family with a BAD_ARGUMENT error (exit code 2)', async () => {
    // Act
    const run = buildProgram().parseAsync(['node', 'sweep', 'dump', path.join(cwd, 'u_ex210302.log.gz'), '--family', 'apache']);
    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'CliError',
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/--family must be one of httpproxy, iis/),
    });
  });

  it('dumps the entries of an archive, or only those matching --entry', async () => {
    // Prepare
    const zip = path.join(cwd, 'logs.zip');
    fs.writeFileSync(
      zip,
      buildZip([
        { name: 'W3SVC1/a.log', data: IIS },
        { name: 'W3SVC2/b.log', data: IIS.replace('/ecp/y.js', '/ecp/z.js') },
      ]),
    );
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      // Act
      await buildProgram().parseAsync(['node', 'sweep', 'dump', zip, '--entry', 'W3SVC2/']);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    // Assess
    const rows = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.uri_stem)).toEqual(['/ecp/z.js', '/aspnet_client/system_web/shell.aspx']);
    expect(err.join('')).toContain(`${zip}!W3SVC2/b.log: 2 rows, 1 rejected`);
    expect(err.join('')).not.toContain('W3SVC1/a.log');
  });

  const evtxDir = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'evtx-attack-samples');
  const evtx = fs.existsSync(evtxDir)
    ? fs.readdirSync(evtxDir, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.evtx'))
    : undefined;
  (evtx ? it : it.skip)(
    `dumps a raw .evtx through the binary parser${evtx ? '' : ' (skipped: ../shared/data/evtx-attack-samples is absent)'}`,
    async () => {
      // Act
      const r = await sweep(cwd, ['dump', path.join(evtxDir, evtx!)]);
      // Assess
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/: evtx \(/);
      const first = JSON.parse(r.stdout.split('\n')[0]);
      expect(first).toMatchObject({
        table: 'windows_events',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        channel: expect.any(String),
        event_id: expect.any(Number),
      });
    },
  );
});
