import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { dayRanges, lakeDayBounds, readCoverage, type FamilyCoverage } from '../../src/hunt/coverage';
import { rowsToFindings } from '../../src/hunt/findings';
import { buildVerdicts } from '../../src/hunt/verdict';
import { chooseWindow } from '../../src/sweep';
import { makeHunt } from './helpers';

const httpproxyHunt = makeHunt('SELECT 1', { log_families: ['httpproxy'] });
const processHunt = makeHunt('SELECT 1', {
  id: '7a1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e',
  name: 'w3wp spawning a shell',
  severity: 'high',
  log_families: ['evtx', 'winevent_json'],
  key_fields: ['command_line'],
});

const cov = (
  host: string,
  family: string,
  ranges: [string, string, number][],
  firstEvent: string | null = `${ranges[0]?.[0]}T00:00:00.000Z`,
  channels: Record<string, number> = {},
): FamilyCoverage => ({
  agency: 'dhs',
  host,
  family,
  rows: 10,
  files: 2,
  firstEvent,
  lastEvent: firstEvent,
  ranges: ranges.map(([from, to, days]) => ({ from, to, days })),
  channels,
});

describe('dayRanges', () => {
  it('merges days with short gaps and splits at long ones, counting the days with logs', () => {
    // Act
    const r = dayRanges(['2021-03-01', '2021-03-02', '2021-03-05', '2021-03-05', '2019-04-02', '2019-04-03'], 3);
    // Assess
    expect(r).toEqual([
      { from: '2019-04-02', to: '2019-04-03', days: 2 },
      { from: '2021-03-01', to: '2021-03-05', days: 3 },
    ]);
  });
});

describe('buildVerdicts', () => {
  it('lists damaged lake files as gaps on the hosts whose logs they held, like missing logs, even a host with no other rows', () => {
    // Prepare
    const coverage = [cov('EXCH01', 'httpproxy', [['2021-02-20', '2021-03-05', 14]])];
    const gap = (key: string, dt: string, problem: 'checksum' | 'missing', hosts: (string | null)[]) => ({
      key,
      agency: 'dhs',
      uploadId: 'u1',
      table: 'web_requests' as const,
      dt,
      problem,
      reason: problem,
      sources: hosts.map((host) => ({ host, family: 'httpproxy' })),
    });
    const gaps = [gap('lake/a', '2021-03-02', 'checksum', ['EXCH01', 'EXCH02']), gap('lake/b', '2021-03-01', 'missing', ['EXCH01'])];
    // Act
    const vs = buildVerdicts([httpproxyHunt], [], coverage, '2019-01-01', gaps);
    // Assess
    const one = vs.find((v) => v.host === 'EXCH01')!;
    const two = vs.find((v) => v.host === 'EXCH02')!;
    expect(one.lines).toContain(
      'HttpProxy logs on EXCH01 for 2021-03-01, 2021-03-02: 2 lake file(s) damaged or missing, left out, not judged (sweep verify names them; sweep repair rebuilds them)',
    );
    expect(one.gaps.map((g) => g.key)).toEqual(['lake/a', 'lake/b']);
    expect(two.level).toBe('green');
    expect(two.lines).toContain(
      'HttpProxy logs on EXCH02 for 2021-03-02: 1 lake file(s) damaged, left out, not judged (sweep verify names them; sweep repair rebuilds them)',
    );
  });

  it('is red for a high finding and lists the coverage periods and what cannot be judged', () => {
    // Prepare
    const findings = rowsToFindings(httpproxyHunt, [
      {
        agency: 'dhs',
        host: 'EXCH01',
        first_seen: '2019-04-11T22:41:00Z',
        last_seen: '2019-04-11T22:41:00Z',
        hits: 1,
        anchor_mailbox: 'ServerInfo~x',
      },
    ]);
    const coverage = [
      cov('EXCH01', 'httpproxy', [
        ['2019-04-02', '2019-05-30', 20],
        ['2021-02-20', '2021-03-05', 14],
      ]),
    ];
    // Act
    const [v] = buildVerdicts([httpproxyHunt, processHunt], findings, coverage, '2019-01-01');
    // Assess
    expect(v.level).toBe('red');
    expect(v.counts.critical).toBe(1);
    expect(v.lines).toEqual([
      'HttpProxy logs on EXCH01 cover 2019-04-02..2019-05-30 (20 of 59 days), 2021-02-20..2021-03-05: nothing before 2019-04-02 can be judged, nor the gaps between these periods',
      'no Windows event logs (.evtx) or Windows events (Get-WinEvent JSON) on EXCH01: 1 hunt(s) could not run (w3wp spawning a shell)',
    ]);
  });

  it('is green, not clean, for a host without findings: missing log families are said', () => {
    // Prepare
    const coverage = [cov('EXCH02', 'httpproxy', [['2021-02-20', '2021-03-05', 14]])];
    // Act
    const [v] = buildVerdicts([httpproxyHunt, processHunt], [], coverage, '2019-01-01');
    // Assess
    expect(v.level).toBe('green');
    expect(v.missing).toEqual([{ families: ['evtx', 'winevent_json'], hunts: ['w3wp spawning a shell'] }]);
  });

  it('is amber for medium findings, and stays green with low ones (counted)', () => {
    // Prepare
    const coverage = [cov('A', 'httpproxy', [['2021-03-01', '2021-03-02', 2]]), cov('B', 'httpproxy', [['2021-03-01', '2021-03-02', 2]])];
    const row = (host: string, severity: string): Record<string, unknown> => ({
      agency: 'dhs',
      host,
      first_seen: '2021-03-01T00:00:00Z',
      last_seen: '2021-03-01T00:00:00Z',
      hits: 1,
      anchor_mailbox: host,
      severity,
    });
    const findings = rowsToFindings(httpproxyHunt, [row('A', 'medium'), row('B', 'low')]);
    // Act
    const vs = buildVerdicts([httpproxyHunt], findings, coverage, '2019-01-01');
    // Assess
    expect(vs.map((v) => [v.host, v.level, v.counts.low])).toEqual([
      ['A', 'amber', 0],
      ['B', 'green', 1],
    ]);
  });

  it('says when event logs hold no Sysmon or Security channel, and names the channels in coverage', () => {
    // Prepare
    const coverage = [cov('EXCH02', 'winevent_json', [['2021-03-01', '2021-03-05', 5]], undefined, { Application: 41 })];
    // Act
    const [v] = buildVerdicts([processHunt], [], coverage, '2019-01-01');
    // Assess
    expect(v.lines).toEqual([
      'Windows events (Get-WinEvent JSON) on EXCH02 cover 2021-03-01..2021-03-05 (Application): nothing before 2021-03-01 can be judged',
      'no Sysmon or Security events on EXCH02 (only Application): process, file and logon hunts had nothing to judge',
    ]);
  });

  it('describes an inventory without event times as a snapshot', () => {
    // Prepare
    const inv = makeHunt('SELECT 1', { log_families: ['file_inventory'] });
    // Act
    const [v] = buildVerdicts([inv], [], [cov('EXCH01', 'file_inventory', [['2021-03-06', '2021-03-06', 1]], null)], '2019-01-01');
    // Assess
    expect(v.lines).toEqual([
      'File hash inventory on EXCH01: a snapshot (10 entries, no event times): files removed before it was taken are not in it',
    ]);
  });

  it('gives a verdict to a host that has findings but no coverage row (host unknown)', () => {
    // Prepare
    const findings = rowsToFindings(httpproxyHunt, [
      { agency: 'dhs', host: null, first_seen: '2021-03-01T00:00:00Z', last_seen: '2021-03-01T00:00:00Z', hits: 1, anchor_mailbox: 'x' },
    ]);
    // Act
    const [v] = buildVerdicts([httpproxyHunt], findings, [], '2019-01-01');
    // Assess
    expect(v).toMatchObject({ host: null, level: 'red' });
    expect(v.lines[0]).toMatch(/^no HttpProxy logs on \(unknown host\)/);
  });
});

describe('readCoverage', () => {
  it('reads first/last event, rows, files and day ranges per host and family from the tables', async () => {
    // Prepare
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.loadTables({
        web_requests: [
          { event_time: '2019-04-02T08:00:00Z', host: 'EXCH01', source_family: 'httpproxy', source_file: 'a.log' },
          { event_time: '2019-04-03T09:00:00Z', host: 'EXCH01', source_family: 'httpproxy', source_file: 'b.log' },
          { event_time: '2021-03-05T10:00:00Z', host: 'EXCH01', source_family: 'httpproxy', source_file: 'c.log' },
          { event_time: '2021-03-05T11:00:00Z', host: 'EXCH01', source_family: 'iis', source_file: 'u_ex.log' },
        ],
      });
      // Act
      const c = await readCoverage(engine, { since: '2019-01-01', until: '2026-01-01' });
      const bounds = await lakeDayBounds(engine);
      // Assess
      expect(c).toEqual([
        {
          agency: 'test',
          host: 'EXCH01',
          family: 'httpproxy',
          rows: 3,
          files: 3,
          firstEvent: '2019-04-02T08:00:00.000Z',
          lastEvent: '2021-03-05T10:00:00.000Z',
          ranges: [
            { from: '2019-04-02', to: '2019-04-03', days: 2 },
            { from: '2021-03-05', to: '2021-03-05', days: 1 },
          ],
          channels: {},
        },
        {
          agency: 'test',
          host: 'EXCH01',
          family: 'iis',
          rows: 1,
          files: 1,
          firstEvent: '2021-03-05T11:00:00.000Z',
          lastEvent: '2021-03-05T11:00:00.000Z',
          ranges: [{ from: '2021-03-05', to: '2021-03-05', days: 1 }],
          channels: {},
        },
      ]);
      expect(bounds).toEqual({ first: '2019-04-02', last: '2021-03-05' });
    } finally {
      await engine.close();
    }
  });
});

describe('chooseWindow', () => {
  it('covers all data by default: from 2019-01-01 (or earlier data) to today (or later data)', () => {
    expect(chooseWindow({}, { first: '2019-04-02', last: '2021-03-05' }, '2026-11-27')).toEqual({
      since: '2019-01-01',
      until: '2026-11-27',
    });
    expect(chooseWindow({}, { first: '2018-06-01', last: '2027-01-02' }, '2026-11-27')).toEqual({
      since: '2018-06-01',
      until: '2027-01-02',
    });
    expect(chooseWindow({}, null, '2026-11-27')).toEqual({ since: '2019-01-01', until: '2026-11-27' });
  });

  it('takes the given days and throws for bad or reversed ones', () => {
    expect(chooseWindow({ since: '2021-03-01', until: '2021-03-31' }, null, '2026-11-27')).toEqual({
      since: '2021-03-01',
      until: '2021-03-31',
    });
    expect(() => chooseWindow({ since: '2021-04-01', until: '2021-03-31' }, null, '2026-11-27')).toThrow(/after/);
    expect(() => chooseWindow({ since: 'yesterday' }, null, '2026-11-27')).toThrow(/YYYY-MM-DD/);
  });
});
