import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore, formatBytes } from '../../src/core';
import { localCandidateBytes, localParquetColumnBytes } from '../../src/local-engine';
import { estimateScans, estimateStaged, listLakeFiles, MIN_BILLED_BYTES } from '../../src/aws/scan-estimate';
import { parseQueryFile } from '../../src/hunt/query-file';
import { normalizeUpload } from '../../src/pipeline';

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];
function iis(day: string, n: number): string {
  const lines = Array.from(
    { length: n },
    (_, i) =>
      `${day} 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=${i}&x=${'q'.repeat(i % 50)} 443 - 198.51.100.${i % 250} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+${i} - 200 0 0 ${i % 97}`,
  );
  return [...IIS_HEADER, ...lines].join('\r\n') + '\r\n';
}
const header = (id: string, name: string) =>
  `/* ---\nid: ${id}\nname: ${name}\nstatus: stable\nseverity: high\ncves: []\nmitre: ["TA0001:T1190"]\nlog_families: [iis]\ndescription: A test hunt for the estimate.\nreferences: [https://example.org/x]\n--- */\n`;
const narrow = parseQueryFile(
  'a.sql',
  header('11111111-1111-4111-8111-111111111111', 'narrow status hunt') +
    'SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? AND status = 500 GROUP BY 1, 2',
);
const wide = parseQueryFile(
  'b.sql',
  header('22222222-2222-4222-8222-222222222222', 'wide web hunt') +
    'SELECT agency, host, uri_stem, uri_query, user_agent, client_ip, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY 1, 2, 3, 4, 5, 6',
);
const selfJoin = parseQueryFile(
  'c.sql',
  header('33333333-3333-4333-8333-333333333333', 'self join') +
    'SELECT a.agency, a.host, min(a.event_time) AS first_seen, max(b.event_time) AS last_seen, count(*) AS hits FROM web_requests a JOIN web_requests b ON a.client_ip = b.client_ip WHERE a.dt BETWEEN ? AND ? AND b.dt BETWEEN ? AND ? GROUP BY 1, 2',
);
const events = parseQueryFile(
  'd.sql',
  header('44444444-4444-4444-8444-444444444444', 'events only') +
    'SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits FROM windows_events WHERE dt BETWEEN ? AND ? GROUP BY 1, 2 -- not web_requests',
);

describe('estimateScans', () => {
  let tmp: string;
  let root: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-est-'));
    root = path.join(tmp, 'root');
    const write = (name: string, text: string) => {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, text);
      return f;
    };
    await normalizeUpload({
      inputs: [write('EXCH01_u_ex210302.log', iis('2021-03-02', 3000)), write('EXCH01_u_ex210303.log', iis('2021-03-03', 3000))],
      agency: 'doj',
      uploadId: 'u1',
      hostOverride: 'EXCH01',
      lakeRoot: root,
      tmpDir: tmp,
    });
    await normalizeUpload({
      inputs: [write('MAIL2_u_ex190401.log', iis('2019-04-01', 2000))],
      agency: 'dhs',
      uploadId: 'u2',
      hostOverride: 'MAIL2',
      lakeRoot: root,
      tmpDir: tmp,
    });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prunes partitions by window and agency as Athena does', async () => {
    // Prepare
    const lake = new LocalObjectStore(root);

    // Act
    const all = await estimateScans({ lake, hunts: [wide], window: { since: '2019-01-01', until: '2026-11-27' } });
    const oneDay = await estimateScans({ lake, hunts: [wide], window: { since: '2021-03-03', until: '2021-03-03' } });
    const dhs = await estimateScans({ lake, hunts: [wide], window: { since: '2019-01-01', until: '2026-11-27' }, agencies: ['dhs'] });

    // Assess
    expect(all.agencies).toEqual(['dhs', 'doj']);
    expect(all.hunts[0].tables.map((t) => [t.table, t.files, t.partitions])).toEqual([['web_requests', 3, 3]]);
    expect(oneDay.hunts[0].tables[0]).toMatchObject({ files: 1, partitions: 1 });
    expect(dhs.hunts[0].tables[0]).toMatchObject({ files: 1, partitions: 1 });
    expect(oneDay.hunts[0].bytes + dhs.hunts[0].bytes).toBeLessThan(all.hunts[0].bytes);
  });

  it('counts only referenced columns from the Parquet footers, repeated reads, and the 10 MB minimum', async () => {
    // Prepare
    const lake = new LocalObjectStore(root);

    // Act
    const est = await estimateScans({
      lake,
      hunts: [narrow, wide, selfJoin, events],
      window: { since: '2019-01-01', until: '2026-11-27' },
      columnBytes: localParquetColumnBytes(root),
    });

    // Assess
    const [n, w, j, e] = est.hunts;
    expect(est.columnLevel).toBe(true);
    expect(n.tables[0].columns.sort()).toEqual(['agency', 'dt', 'event_time', 'host', 'status']);
    expect(n.bytes).toBeGreaterThan(0);
    expect(n.bytes).toBeLessThan(w.bytes);
    expect(w.bytes).toBeLessThan(w.upperBoundBytes);
    expect(j.tables[0].scans).toBe(2);
    expect(e.tables).toEqual([expect.objectContaining({ table: 'windows_events', files: 0, estimatedBytes: 0 })]);
    expect(e.billedBytes).toBe(MIN_BILLED_BYTES);
    expect(e.costUsd).toBeCloseTo((MIN_BILLED_BYTES / 1024 ** 4) * 5, 12);
    expect(est.totalBilledBytes).toBe(est.hunts.reduce((s, h) => s + h.billedBytes, 0));
  });

  it('prices a staged sweep: one selection per table with files in the window, then one batch for every hunt', async () => {
    // Prepare
    const lake = new LocalObjectStore(root);
    const files = await listLakeFiles(lake);
    const window = { since: '2019-01-01', until: '2026-11-27' };
    const columnBytes = localParquetColumnBytes(root);
    const hunts = [narrow, wide, selfJoin, events];
    const perHunt = await estimateScans({ lake, hunts, window, columnBytes });
    const measured = localCandidateBytes(root);

    // Act
    const staged = await estimateStaged(files, hunts, window, ['dhs', 'doj'], { columnBytes, measureCandidates: measured.measure }).finally(
      () => measured.close(),
    );
    const dhsOnly = await estimateStaged(files, hunts, window, ['dhs', 'doj'], {
      columnBytes,
      scopes: new Map(hunts.map((h) => [h.meta.id, { agencies: ['dhs'], ranges: [window] }])),
    });

    // Assess: web_requests is read once, its columns those the hunts name; the wide, self-join and events hunts
    // may use any row (no WHERE but the window): they read the lake, in the same batch
    const kinds = staged.queries.map((q) => `${q.kind} ${q.label}`);
    expect(kinds).toEqual(['selection web_requests', 'batch 4 hunts']);
    expect(staged.direct.map((d) => d.hunt_id).sort()).toEqual([selfJoin.meta.id, wide.meta.id, events.meta.id].sort());
    expect(staged.candidatesMeasured).toBe(true);
    expect(staged.candidateBytes.web_requests).toBeGreaterThan(0);
    expect(staged.totalBilledBytes).toBe(staged.queries.reduce((n, q) => n + q.billedBytes, 0));
    expect(staged.totalBilledBytes).toBeLessThan(perHunt.totalBilledBytes);
    for (const q of staged.queries) expect(q.billedBytes).toBeGreaterThanOrEqual(MIN_BILLED_BYTES);
    // One agency's scope reads fewer files than both
    expect(dhsOnly.queries[0].bytes).toBeLessThan(staged.queries[0].bytes);
  });

  it('throws on a reversed window', async () => {
    await expect(
      estimateScans({ lake: new LocalObjectStore(root), hunts: [], window: { since: '2022-01-01', until: '2021-01-01' } }),
    ).rejects.toThrow('since (2022-01-01) is after until (2021-01-01)');
  });

  it('is what `sweep plan --lake` prints, as JSON and as a table', () => {
    // Prepare
    const qdir = path.join(tmp, 'queries');
    fs.mkdirSync(path.join(qdir, 'test', 'web'), { recursive: true });
    fs.writeFileSync(path.join(qdir, 'test', 'web', 'initial_access_wide_test_hunt.sql'), wide.sql);
    const run = (...args: string[]) =>
      execFileSync(
        process.execPath,
        [path.resolve(__dirname, '..', '..', 'bin', 'sweep.js'), 'plan', '--lake', root, '--queries', qdir, ...args],
        { encoding: 'utf8' },
      );

    // Act
    const json = JSON.parse(run('--since', '2021-03-01', '--until', '2021-03-31', '--json'));
    const text = run('--since', '2021-03-01', '--until', '2021-03-31', '--agency', 'doj');

    // Assess
    expect(json).toMatchObject({ window: { since: '2021-03-01', until: '2021-03-31' }, agencies: ['dhs', 'doj'], columnLevel: true });
    expect(json.hunts[0].tables[0]).toMatchObject({ table: 'web_requests', files: 2 });
    expect(text).toContain('Athena scan estimate, 2021-03-01..2021-03-31, agencies: doj');
    expect(text).toContain(`${formatBytes(json.hunts[0].billedBytes)}`);
    expect(text).toMatch(/1 hunts: .* scanned, 10\.0 MiB billed, about \$0\.0000 at \$5\/TB/);
  });
});
