import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAwsBoardJob, DIGEST_STATE_KEY, type AwsBoardPorts } from '../../src/aws/board-job';
import type { ReportedFinding } from '../../src/aws/dynamodb-triage-store';
import { LocalObjectStore } from '../../src/core/local-object-store';
import { readText } from '../../src/core/object-store';
import { makeDecision, type TriageDecision } from '../../src/hunt/triage';
import type { Manifest } from '../../src/lake/manifest';
import type { Board } from '../../src/report/board-model';
import { makeHunt } from '../hunt/helpers';

const hunt = makeHunt('SELECT 1', { log_families: ['httpproxy'] });

function manifest(agency: string, id: string, coverage: Manifest['coverage']): Manifest {
  return {
    manifest_version: 1,
    agency,
    upload_id: id,
    normalized_at: '2026-12-01T10:00:00.000Z',
    upload_time: { time: '2026-12-01T10:00:00.000Z', source: 'upload' },
    inputs: [],
    limits: {},
    rows_per_table: { web_requests: 0, exchange_logs: 0, windows_events: 0, file_inventory: 0 } as Manifest['rows_per_table'],
    rows_per_partition: {},
    coerced_values: {},
    totals: {
      entries: 1,
      entries_parsed: 1,
      entries_partial: 0,
      entries_unrecognized: 0,
      problems: 0,
      lines_read: 10,
      lines_with_rows: 10,
      lines_rejected: 0,
      lines_skipped: 0,
      rejections: 0,
      rows: 10,
    },
    entries: [],
    unrecognized: [],
    problems: [],
    coverage,
    files: [],
  };
}

const reported = (over: Partial<ReportedFinding>): ReportedFinding => ({
  fingerprint: 'a'.repeat(64),
  hunt_id: hunt.meta.id,
  agency: 'doj',
  host: 'EXCH01',
  severity: 'critical',
  first_seen: '2021-03-02T10:00:00.000Z',
  last_seen: '2021-03-03T10:00:00.000Z',
  reported_at: '2026-12-01T11:00:00.000Z',
  ...over,
});

describe('runAwsBoardJob', () => {
  let dir: string;
  let store: LocalObjectStore;
  let findings: ReportedFinding[];
  let decisions: TriageDecision[];
  const sent: { subject: string; body: string }[] = [];
  const ports = (): AwsBoardPorts => ({
    store,
    hunts: [hunt],
    pack: { sha256: '0123456789ab', files: 3 },
    since: '2019-01-01',
    now: () => new Date('2026-12-07T06:00:00Z'),
    agencies: ['doj', 'treasury'],
    table: { list: async () => decisions, reportedFindings: async () => findings },
    publish: async (subject, body) => {
      sent.push({ subject, body });
    },
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'board-job-'));
    store = new LocalObjectStore(dir);
    sent.length = 0;
    findings = [
      reported({}),
      reported({ fingerprint: 'b'.repeat(64), severity: 'high', title: 'Stored title', evidence: { uri: '<script>x</script>' } }),
    ];
    decisions = [];
    await store.put(
      'manifests/agency=doj/up-1.json',
      JSON.stringify(
        manifest('doj', 'up-1', [
          {
            host: 'EXCH01',
            family: 'httpproxy',
            first_event: '2019-04-10T08:00:00.000Z',
            last_event: '2021-03-05T16:00:00.000Z',
            files: 3,
            rows: 900,
          },
          {
            host: 'EXCH02',
            family: 'httpproxy',
            first_event: '2021-02-20T00:10:00.000Z',
            last_event: '2021-03-05T16:00:00.000Z',
            files: 3,
            rows: 300,
          },
        ]),
      ),
    );
    await store.put('manifests/agency=doj/broken.json', '{"agency": 3');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes board.html and board.json under board/ from manifests and the dedup table after a sweep', async () => {
    // Prepare
    decisions = [
      makeDecision(findings[1], findings, { status: 'benign', note: 'pen test', by: 'ana', at: new Date('2026-12-02T00:00:00Z') }),
    ];

    // Act
    const out = await runAwsBoardJob({ mode: 'board', sweptAt: '2026-12-07T05:00:00Z', sweepStatus: 'SUCCEEDED' }, ports());

    // Assess
    const board = JSON.parse(await readText(store, 'board/board.json')) as Board;
    const doj = board.agencies.find((a) => a.agency === 'doj')!;
    expect(doj.requests).toContain('EXCH02: no HttpProxy logs before 2021-02-20');
    expect(doj.open.map((f) => [f.title, f.severity])).toEqual([[hunt.meta.name, 'critical']]);
    expect(doj.closed.map((f) => [f.title, f.triage])).toEqual([['Stored title', 'benign']]);
    expect(board.agencies.find((a) => a.agency === 'treasury')!.requests[0]).toMatch(/^no upload yet/);
    expect(board.last_sweep).toMatchObject({ swept_at: '2026-12-07T05:00:00Z', engine: 'athena', pack: { sha256: '0123456789ab' } });
    expect(out.badManifests).toBe(1);
    const html = await readText(store, 'board/board.html');
    expect(html).toContain('&#60;script&#62;x&#60;/script&#62;');
    expect(html).not.toContain('<script>');
    expect(sent).toEqual([]);
  });

  it('names the deployed indicators file (the Parquet file the stack deploys) and its hash in the last sweep', async () => {
    // Prepare
    const bytes = Buffer.from([0x50, 0x41, 0x52, 0x31, 0xff, 0x00, 0x80, 0x50, 0x41, 0x52, 0x31]);
    await store.put('indicators/indicators.parquet', bytes);

    // Act
    await runAwsBoardJob({ mode: 'board', sweptAt: '2026-12-07T05:00:00Z', sweepStatus: 'SUCCEEDED' }, ports());

    // Assess
    const board = JSON.parse(await readText(store, 'board/board.json')) as Board;
    const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    expect(board.last_sweep?.indicators).toEqual([{ file: 'indicators/indicators.parquet', sha256: sha, bytes: bytes.length }]);
  });

  it('sends what changed since the last digest, then only the new finding', async () => {
    // Act
    const first = await runAwsBoardJob({ mode: 'digest' }, ports());
    findings.push(reported({ fingerprint: 'c'.repeat(64), host: 'EXCH02', severity: 'medium' }));
    const second = await runAwsBoardJob({ mode: 'digest' }, ports());

    // Assess
    expect(first.digest).toMatchObject({ since: null });
    expect(first.digest!.new_uploads.map((u) => u.upload_id)).toEqual(['up-1']);
    expect(first.digest!.new_findings).toHaveLength(2);
    expect(second.digest).toMatchObject({ since: '2026-12-07T06:00:00.000Z', new_uploads: [] });
    expect(second.digest!.new_findings.map((f) => f.fingerprint)).toEqual(['c'.repeat(64)]);
    expect(second.digest!.verdict_changes).toEqual([{ agency: 'doj', host: 'EXCH02', from: 'green', to: 'amber' }]);
    expect(sent).toHaveLength(2);
    expect(sent[1].subject).toBe('Sweep digest: 1 new finding(s), 0 upload(s), 1 verdict change(s)');
    expect(sent[1].body).toContain('EXCH02: no HttpProxy logs before 2021-02-20');
    expect(JSON.parse(await readText(store, DIGEST_STATE_KEY)).open).toHaveLength(3);
  });
});
