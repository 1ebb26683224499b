import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planHunt } from '../../src/aws/sweep-plan';
import { LocalObjectStore } from '../../src/core';
import { parseQueryFile } from '../../src/hunt/query-file';
import {
  commitSweepState,
  dayRanges,
  decideHunts,
  huntDigest,
  partitionLocalBody,
  readSweepState,
  SweepStateError,
  type SweepState,
} from '../../src/sweep/sweep-state';

const header = (id: string) =>
  `/* ---\nid: ${id}\nname: test hunt\nstatus: stable\nseverity: high\ncves: []\nmitre: ["TA0001:T1190"]\nlog_families: [iis]\n` +
  'key_fields: [client_ip]\ndescription: A test hunt.\nreferences: [https://example.org/x]\n--- */\n';
const hunt = (sql: string, id = '11111111-1111-4111-8111-111111111111') => parseQueryFile('q.sql', header(id) + sql);

describe('partitionLocalBody', () => {
  it('accepts hunts that see each row on its own, also when they join the indicators', () => {
    // Prepare
    const plain = hunt(
      "SELECT agency, host, client_ip, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? AND uri_stem LIKE '%(x)%' GROUP BY 1, 2, 3",
    );
    const ioc = hunt(`WITH ips AS (SELECT value AS ip FROM indicators WHERE type = 'ip' GROUP BY value)
SELECT w.agency, w.host, w.client_ip, count(*) AS hits FROM web_requests w JOIN ips i ON w.client_ip = i.ip WHERE w.dt BETWEEN ? AND ? GROUP BY 1, 2, 3`);

    // Act / Assess
    expect(partitionLocalBody(plain)).not.toBeNull();
    expect(partitionLocalBody(ioc)).not.toBeNull();
  });

  it('refuses hunts that correlate rows: self-joins, baselines, windows, HAVING, several reads', () => {
    // Prepare
    const selfJoin = hunt(`WITH r AS (SELECT agency, host, client_ip, event_time FROM web_requests WHERE dt BETWEEN ? AND ?),
s AS (SELECT agency, host, min(event_time) AS t0 FROM r GROUP BY 1, 2)
SELECT r.agency, r.host, r.client_ip, count(*) AS hits FROM r JOIN s ON s.host = r.host WHERE r.event_time > s.t0 GROUP BY 1, 2, 3`);
    const window = hunt(
      'SELECT agency, host, client_ip, lag(event_time) OVER (PARTITION BY host ORDER BY event_time) AS prev FROM web_requests WHERE dt BETWEEN ? AND ?',
    );
    const having = hunt(
      'SELECT agency, host, client_ip, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY 1, 2, 3 HAVING count(*) > 5',
    );
    const ratio = hunt(
      `SELECT agency, host, client_ip, hits FROM (SELECT agency, host, client_ip, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY 1, 2, 3) WHERE hits > 5`,
    );
    const twoReads = hunt(`SELECT agency, host, client_ip FROM web_requests WHERE dt BETWEEN ? AND ?
UNION ALL SELECT agency, host, NULL FROM windows_events WHERE dt BETWEEN ? AND ?`);

    // Act / Assess
    for (const h of [selfJoin, window, having, ratio, twoReads]) expect(partitionLocalBody(h)).toBeNull();
  });
});

describe('dayRanges', () => {
  it('joins consecutive days and merges the closest ranges beyond the cap', () => {
    // Act / Assess
    expect(dayRanges(['2021-03-02', '2021-03-01', '2021-03-03', '2021-03-10', '2021-02-28'])).toEqual([
      { since: '2021-02-28', until: '2021-03-03' },
      { since: '2021-03-10', until: '2021-03-10' },
    ]);
    expect(dayRanges(['2020-01-01', '2020-01-05', '2020-01-06', '2020-03-01'], 2)).toEqual([
      { since: '2020-01-01', until: '2020-01-06' },
      { since: '2020-03-01', until: '2020-03-01' },
    ]);
  });
});

describe('decideHunts', () => {
  const window = { since: '2019-01-01', until: '2026-12-01' };
  const h = hunt(
    'SELECT agency, host, client_ip, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? AND status = 500 GROUP BY 1, 2, 3',
  );
  const prev = (over: Partial<SweepState> = {}): SweepState => ({
    version: 1,
    run_id: 'r1',
    planned_at: '2026-11-24T03:00:00Z',
    window,
    indicators_digest: 'f1',
    hunts: { [h.meta.id]: huntDigest(h) },
    partitions: { 'web_requests/doj/2021-03-02': 'a' },
    ...over,
  });

  it('reads the changed days of the web table only, or nothing, or all history when the window starts earlier', () => {
    // Act
    const newDay = decideHunts({
      hunts: [h],
      previous: prev(),
      snapshot: { 'web_requests/doj/2021-03-02': 'a', 'web_requests/dhs/2021-03-05': 'b', 'windows_events/doj/2021-03-09': 'c' },
      indicatorsDigest: 'f2',
      window,
      agencies: ['doj', 'dhs'],
    });
    const nothing = decideHunts({
      hunts: [h],
      previous: prev(),
      snapshot: { 'web_requests/doj/2021-03-02': 'a', 'windows_events/doj/2021-03-09': 'c' },
      indicatorsDigest: 'f1',
      window,
      agencies: ['doj'],
    });
    const earlier = decideHunts({
      hunts: [h],
      previous: prev({ window: { since: '2020-01-01', until: '2026-11-24' } }),
      snapshot: {},
      indicatorsDigest: 'f1',
      window,
      agencies: ['doj'],
    });

    // Assess: the feed changed, but this hunt does not read the indicators.
    expect(newDay).toEqual([
      expect.objectContaining({ mode: 'partitions', agencies: ['dhs'], ranges: [{ since: '2021-03-05', until: '2021-03-05' }] }),
    ]);
    expect(nothing).toEqual([expect.objectContaining({ mode: 'skip', reason: 'nothing new in web_requests' })]);
    expect(earlier).toEqual([expect.objectContaining({ mode: 'full', reason: 'the window now starts 2019-01-01, before 2020-01-01' })]);
  });
});

describe('hunts with a declared correlation bound', () => {
  const window = { since: '2019-01-01', until: '2026-12-01' };
  const CHAIN = `WITH a AS (SELECT agency, host, event_time AS t FROM windows_events WHERE dt BETWEEN ? AND ? AND event_id = 1),
b AS (SELECT agency, host, event_time AS t FROM windows_events WHERE dt BETWEEN ? AND ? AND event_id = 11)
SELECT a.agency, a.host, min(a.t) AS first_seen, max(b.t) AS last_seen, count(*) AS hits
FROM a JOIN b ON b.agency = a.agency AND b.host = a.host AND b.t >= a.t AND b.t <= a.t + INTERVAL '72' HOUR
GROUP BY a.agency, a.host`;
  const bounded = parseQueryFile(
    'q.sql',
    header('22222222-2222-4222-8222-222222222222').replace('key_fields', 'correlation_days: 3\nkey_fields') + CHAIN,
  );
  const unbounded = hunt(CHAIN, '33333333-3333-4333-8333-333333333333');
  const previous: SweepState = {
    version: 1,
    run_id: 'r1',
    planned_at: '2026-11-24T03:00:00Z',
    window,
    indicators_digest: 'f1',
    hunts: { [bounded.meta.id]: huntDigest(bounded), [unbounded.meta.id]: huntDigest(unbounded) },
    partitions: { 'windows_events/doj/2021-03-02': 'a' },
  };

  it('reads the changed days widened by the bound on both sides, inside the window; without a bound, the whole window', () => {
    // Act: a late upload of an old day, two close days, and a day near the end of the window.
    const [b, u] = decideHunts({
      hunts: [bounded, unbounded],
      previous,
      snapshot: {
        'windows_events/doj/2021-03-02': 'a2',
        'windows_events/doj/2026-11-20': 'b',
        'windows_events/doj/2026-11-23': 'c',
        'windows_events/dhs/2026-11-30': 'd',
      },
      indicatorsDigest: 'f1',
      window,
      agencies: ['dhs', 'doj', 'treasury'],
    });

    // Assess
    expect(b).toMatchObject({
      mode: 'bounded',
      agencies: ['dhs', 'doj'],
      ranges: [
        { since: '2021-02-27', until: '2021-03-05' },
        { since: '2026-11-17', until: '2026-12-01' },
      ],
    });
    expect(b.reason).toContain('those days +/- 3');
    expect(b).not.toHaveProperty('touch');
    expect(u).toMatchObject({ mode: 'agencies', ranges: [window] });
  });

  it('gives a group_days hunt the same widened days, and the new days its findings must touch', () => {
    // Prepare: the chain as groups of rows at most 3 days apart.
    const grouped = parseQueryFile(
      'q.sql',
      header('44444444-4444-4444-8444-444444444444').replace('key_fields', 'group_days: 3\nkey_fields') + CHAIN,
    );
    // Act
    const [g] = decideHunts({
      hunts: [grouped],
      previous: { ...previous, hunts: { [grouped.meta.id]: huntDigest(grouped) } },
      snapshot: { 'windows_events/doj/2021-03-02': 'a', 'windows_events/doj/2026-11-20': 'b', 'windows_events/doj/2026-11-23': 'c' },
      indicatorsDigest: 'f1',
      window,
      agencies: ['dhs', 'doj', 'treasury'],
    });
    // Assess
    expect(g).toMatchObject({
      mode: 'bounded',
      agencies: ['doj'],
      ranges: [{ since: '2026-11-17', until: '2026-11-26' }],
      touch: [
        { since: '2026-11-20', until: '2026-11-20' },
        { since: '2026-11-23', until: '2026-11-23' },
      ],
    });
    expect(g.reason).toContain('keeping the findings that touch the new days');
  });

  it('plans every window of the hunt over all the ranges, with the parameters in placeholder order', () => {
    // Act
    const ranges = [
      { since: '2021-02-27', until: '2021-03-05' },
      { since: '2026-11-17', until: '2026-12-01' },
    ];
    const p = planHunt(bounded, window, ['doj'], ranges);

    // Assess: two windows, each reading both ranges; the agency last.
    expect(p.query_string.match(/\(dt BETWEEN \? AND \? OR dt BETWEEN \? AND \?\)/g)).toHaveLength(2);
    expect(p.params).toEqual([
      "'2021-02-27'",
      "'2021-03-05'",
      "'2026-11-17'",
      "'2026-12-01'",
      "'2021-02-27'",
      "'2021-03-05'",
      "'2026-11-17'",
      "'2026-12-01'",
      "'doj'",
    ]);
  });
});

describe('sweep state store', () => {
  it('says how to recover from a damaged state, and commits nothing for a run without candidate state', async () => {
    // Prepare
    const store = new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-state-')));
    await store.put('sweep-state/state.json', '{"version": 1, "hunts": ');

    // Act / Assess
    await expect(readSweepState(store)).rejects.toThrow(SweepStateError);
    await expect(readSweepState(store)).rejects.toThrow(/delete it to sweep all history again/);
    expect(await commitSweepState(store, 'run-none', [])).toBeNull();
    await expect(commitSweepState(store, '../escape', [])).rejects.toThrow(SweepStateError);
  });
});
