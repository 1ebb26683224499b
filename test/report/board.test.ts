import { buildBoard, coverageFromManifests } from '../../src/report/board-model';
import { renderBoard } from '../../src/report/board-html';
import { diffDigest, renderDigestText, snapshotOf } from '../../src/report/digest';
import type { Manifest } from '../../src/lake/manifest';
import { HOSTILE, syntheticBoardInput } from './board-fixture';

describe('buildBoard', () => {
  const input = syntheticBoardInput(8, 4);
  const board = buildBoard(input);

  it('lists every agency, the expected one without uploads too, red ones first', () => {
    // Assess
    expect(board.totals).toMatchObject({ agencies: 9, hosts: 32, uploads: 8 });
    expect(board.agencies.find((a) => a.agency === 'agency-never-uploaded')!.requests).toEqual([
      "no upload yet: every host's Exchange, IIS and Windows logs since 2019-01-01",
    ]);
    const ranks = board.agencies.map((a) =>
      a.hosts.some((h) => h.level === 'red') ? 0 : a.hosts.some((h) => h.level === 'amber') ? 1 : 2,
    );
    expect([...ranks].sort()).toEqual(ranks);
  });

  it('asks for the missing periods and families per host', () => {
    // Act
    const a1 = board.agencies.find((a) => a.agency === 'agency-01')!;
    const a2 = board.agencies.find((a) => a.agency === 'agency-02')!;

    // Assess
    expect(a1.requests).toContain('EXCH01.agency-01.example.gov: no HttpProxy logs before 2021-02-20');
    expect(a2.requests).toContain('EXCH02.agency-02.example.gov: no HttpProxy logs from 2019-07-01 to 2021-02-19');
    expect(a1.requests).toContain(
      'EXCH04.agency-01.example.gov: no Security or Sysmon events (only Application): process, file and logon hunts had nothing to judge',
    );
    expect(a1.requests.some((r) => /no OABGenerator logs at all \(\d+ hunt\(s\) could not run\)/.test(r))).toBe(true);
  });

  it('keeps closed findings out of the verdict and the open list, and shows the decision', () => {
    // Prepare
    const a0 = board.agencies.find((a) => a.agency === 'agency-00')!;

    // Assess
    expect(a0.closed.map((f) => f.triage)).toEqual(['benign', 'benign']);
    expect(a0.open.map((f) => f.triage)).toEqual(['true-positive']);
    const closedHost = a0.closed[0].host;
    const h = a0.hosts.find((x) => x.host === closedHost)!;
    expect(Object.values(h.counts).reduce((n, c) => n + c, 0)).toBe(a0.open.filter((f) => f.host === closedHost).length);
  });

  it('escapes agency names, notes and evidence in the page and its anchors', () => {
    // Act
    const html = renderBoard(board);

    // Assess
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).not.toMatch(/id="[^"]*[<>'` ][^"]*"/);
  });
});

describe('coverageFromManifests', () => {
  it("merges each upload's first..last event per host and family across uploads", () => {
    // Prepare
    const m = (id: string, first: string, last: string) =>
      ({
        agency: 'doj',
        upload_id: id,
        coverage: [{ host: 'EXCH01', family: 'httpproxy', first_event: first, last_event: last, files: 1, rows: 10 }],
      }) as unknown as Manifest;

    // Act
    const cov = coverageFromManifests([
      m('a', '2019-04-10T08:00:00Z', '2019-04-20T00:00:00Z'),
      m('b', '2021-02-20T00:00:00Z', '2021-03-05T23:00:00Z'),
    ]);

    // Assess
    expect(cov).toHaveLength(1);
    expect(cov[0]).toMatchObject({
      rows: 20,
      files: 2,
      ranges: [
        { from: '2019-04-10', to: '2019-04-20', days: 11 },
        { from: '2021-02-20', to: '2021-03-05', days: 14 },
      ],
    });
  });
});

describe('diffDigest', () => {
  it('reports nothing new against its own snapshot, and shows control characters instead of running them', () => {
    // Prepare
    const board = buildBoard(syntheticBoardInput(8, 2));

    // Act
    const first = diffDigest(null, board);
    const again = diffDigest(snapshotOf(board), board);
    const text = renderDigestText(first);

    // Assess
    expect(first.new_uploads).toHaveLength(8);
    expect(again).toMatchObject({ new_uploads: [], new_findings: [], verdict_changes: [] });
    expect(text).not.toContain('\u202E');
    expect(text).toContain('\\u202e');
    expect(HOSTILE).toContain('\u202E');
  });
});
