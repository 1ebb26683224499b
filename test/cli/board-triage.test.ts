/**
 * The security team's loop on the bundled samples: scan, board, digest, a triage decision, a re-run that respects it,
 * and the next digest. In process (the CLI's commands, the real DuckDB lake). Skips when the samples are absent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInProcess } from './in-process';
import type { Board } from '../../src/report/board-model';
import type { Finding } from '../../src/hunt/types';

const repoRoot = path.resolve(__dirname, '..', '..');
const samples = path.join(repoRoot, 'samples', 'agency-demo');
const haveSamples = fs.existsSync(path.join(samples, 'EXCH01-compromised.zip'));

describe('sweep board, triage and digest', () => {
  if (!haveSamples) {
    it.skip('samples/agency-demo/*.zip are absent: the board loop is skipped', () => undefined);
    return;
  }
  let out: string;
  const cwd = process.cwd();
  const readBoard = (): Board => JSON.parse(fs.readFileSync(path.join(out, 'board.json'), 'utf8')) as Board;
  const findings = (): Finding[] =>
    fs
      .readFileSync(path.join(out, 'findings.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Finding);

  beforeAll(async () => {
    process.chdir(repoRoot);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-board-'));
    const r = await runInProcess(['scan', 'samples', '--out', out, '--json']);
    expect(r.error).toBeNull();
  }, 240_000);
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("writes board.html and board.json with the requests, verdicts and the last sweep's versions", async () => {
    // Act
    const r = await runInProcess(['board', '--out', out]);

    // Assess
    expect(r.error).toBeNull();
    const b = readBoard();
    const local = b.agencies.find((a) => a.agency === 'local')!;
    expect(local.requests).toContain('EXCH02: no HttpProxy logs before 2021-02-20');
    expect(local.requests).toContain('EXCH01: no HttpProxy logs from 2019-05-30 to 2021-02-19');
    expect(local.hosts.map((h) => [h.host, h.level])).toEqual([
      ['CAS03', 'red'],
      ['EXCH01', 'red'],
      ['EXCH02', 'green'],
      ['MBX04', 'red'],
    ]);
    expect(local.uploads).toHaveLength(1);
    expect(b.last_sweep!.pack.sha256).toMatch(/^[0-9a-f]{12}$/);
    expect(b.last_sweep!.indicators.map((f) => f.file)).toContain('volexity-exchange-marauder-ips.csv');
    const html = fs.readFileSync(path.join(out, 'board.html'), 'utf8');
    expect(html).toContain('EXCH02: no HttpProxy logs before 2021-02-20');
    expect(html).not.toMatch(/<script/i);
  });

  it('records a decision that closes a finding for alerts, verdict counts, the board and report.html', async () => {
    // Prepare
    const target = findings().find((f) => f.host === 'EXCH01' && f.severity === 'critical')!;
    await runInProcess(['digest', '--out', out]);

    // Act
    const t = await runInProcess([
      'triage',
      target.fingerprint.slice(0, 12),
      '--status',
      'false-positive',
      '--note',
      'our own <b>scanner</b>',
      '--by',
      'ana',
      '--out',
      out,
    ]);
    const list = await runInProcess(['triage', '--list', '--json', '--out', out]);
    fs.rmSync(path.join(out, 'findings', 'seen.jsonl'));
    const rerun = await runInProcess(['hunt', '--lake', out, '--out', out, '--json']);
    await runInProcess(['board', '--out', out]);
    const digest = await runInProcess(['digest', '--out', out, '--json']);

    // Assess
    expect(t.error).toBeNull();
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ fingerprint: target.fingerprint, status: 'false-positive', by: 'ana', closed: true, reopened_by: [] }),
    ]);
    const summary = JSON.parse(rerun.stdout) as { new_fingerprints: string[]; verdicts: { host: string; counts: { critical: number } }[] };
    expect(summary.new_fingerprints).not.toContain(target.fingerprint);
    expect(summary.new_fingerprints.length).toBe(findings().length - 1);
    const critical = findings().filter((f) => f.host === 'EXCH01' && f.severity === 'critical').length;
    expect(summary.verdicts.find((v) => v.host === 'EXCH01')!.counts.critical).toBe(critical - 1);
    const local = readBoard().agencies.find((a) => a.agency === 'local')!;
    expect(local.closed.map((f) => [f.fingerprint, f.triage, f.triage_by])).toEqual([[target.fingerprint, 'false-positive', 'ana']]);
    expect(local.open.map((f) => f.fingerprint)).not.toContain(target.fingerprint);
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(report).toContain('<b>false-positive</b> by ana');
    expect(report).toContain('our own &#60;b&#62;scanner&#60;/b&#62;');
    expect(JSON.parse(digest.stdout)).toMatchObject({ new_uploads: [], new_findings: [], verdict_changes: [] });
  });

  it('refuses a decision without a status or on an unknown fingerprint, recording nothing', async () => {
    // Act
    const noStatus = await runInProcess(['triage', 'abcdef0123', '--note', 'x', '--out', out]);
    const unknown = await runInProcess(['triage', 'abcdef0123', '--status', 'benign', '--note', 'x', '--out', out]);
    const badStatus = await runInProcess(['triage', findings()[0].fingerprint, '--status', 'ignore', '--note', 'x', '--out', out]);

    // Assess
    expect((noStatus.error as Error).message).toMatch(/missing --status/);
    expect((unknown.error as Error).message).toMatch(/no finding with fingerprint abcdef0123/);
    expect((badStatus.error as Error).message).toMatch(/--status must be one of/);
    expect(
      fs
        .readFileSync(path.join(out, 'findings', 'triage.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });
});
