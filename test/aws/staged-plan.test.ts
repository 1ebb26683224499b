/**
 * The plan Lambda's staged run (planSweep with a candidates context) is what `sweep plan` prices (estimateStaged):
 * the same queries, in the same order, with the same text. The shipped pack is planned.
 *
 * Athena's rules the plan follows ("CREATE TABLE AS", Athena User Guide, docs.aws.amazon.com/athena/latest/ug/
 * create-table-as.html and ctas-considerations-limitations.html): `external_location` must be an S3 location with no
 * data in it (each run and table gets its own `candidates/<run_id>/<table>/` prefix), `write_compression = 'ZSTD'`
 * writes ZSTD Parquet ("Use ZSTD compression levels": Athena reads and writes ZSTD-compressed Parquet), and the
 * table name is a plain identifier (letters, digits, underscore; the run id's dashes are replaced), qualified by the
 * database the CTAS creates it in.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../src/core';
import { loadQueries, parseQueryFile, placeholderOffsets } from '../../src/hunt';
import { estimateStaged, listLakeFiles } from '../../src/aws/scan-estimate';
import { candidatesPrefix, planHunt, planStagedQueries, planSweep, type SweepPlan } from '../../src/aws/sweep-plan';
import { candidateState, decideHunts, huntReads } from '../../src/sweep';

const pack = loadQueries(path.join(__dirname, '..', '..', 'queries')).hunts.filter((h) => h.meta.status !== 'deprecated');
const RUN = '0b8f6c1e-3a52-4c1d-9f0e-5d1b2c3a4e5f';
const staged = { database: 'sweep_lake_candidates', bucket: 'sweep-athena-results' };
const ctx = {
  lake: new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'staged-plan-'))),
  hunts: pack,
  agencies: ['doj', 'dhs', "o'neil"],
  retroSince: '2019-01-01',
  today: '2026-11-27',
  newRunId: () => RUN,
  staged,
};
// doj has web requests and Windows events, dhs web requests only; nothing else is in the lake.
for (const key of [
  'lake/web_requests/agency=doj/dt=2021-03-03/u1-0.parquet',
  'lake/windows_events/agency=doj/dt=2021-03-04/u1-0.parquet',
  'lake/web_requests/agency=dhs/dt=2021-03-05/u2-0.parquet',
]) {
  const file = path.join(ctx.lake.rootDir, key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'PAR1');
}
const queriesOf = (plan: SweepPlan): string[] => [
  ...plan.staged!.selections.map((s) => s.ctas),
  ...plan.staged!.batches.map((b) => b.sql),
  ...plan.hunts.map((h) => h.query_string),
];

describe('staged plan', () => {
  it('plans exactly the queries sweep plan prices, full history and for one agency', async () => {
    for (const [agencies, tables] of [
      [ctx.agencies, ['web_requests', 'windows_events']],
      [['dhs'], ['web_requests']],
    ]) {
      // Prepare
      const window = { since: '2019-01-01', until: '2026-11-27' };

      // Act
      const plan = await planSweep({ trigger: 'manual', since: window.since, until: window.until, agencies }, ctx);
      const priced = await estimateStaged(await listLakeFiles(ctx.lake), pack, window, agencies, { runId: RUN, candidates: staged });

      // Assess
      expect(queriesOf(plan)).toEqual(priced.queries.map((q) => q.sql));
      // A table with no file in the run's agencies and window gets no selection: its CTAS would still pay 10 MB.
      expect(plan.staged!.selections.map((s) => s.table).sort()).toEqual(tables);
      expect(plan.staged!.batches.length).toBeLessThan(pack.length / 4);
    }
  });

  it('runs every planned hunt once, in a batch or alone, each batch member kept to the run agencies', async () => {
    // Act
    const plan = await planSweep({ trigger: 'manual', agencies: ['dhs', "o'neil"] }, ctx);

    // Assess
    const batched = plan.staged!.batches.flatMap((b) => b.hunts.map((h) => h.hunt_id));
    const ids = [...batched, ...plan.hunts.map((h) => h.hunt_id)].sort();
    expect(ids).toEqual(pack.map((h) => h.meta.id).sort());
    for (const b of plan.staged!.batches) {
      const members = b.sql.split('\nUNION ALL\n');
      expect(members).toHaveLength(b.hunts.length);
      for (const m of members) expect(m).toContain("WHERE hunt_result.agency IN ('dhs', 'o''neil')");
      expect(placeholderOffsets(b.sql)).toEqual([]);
      for (const h of b.hunts) expect(h.columns).toContain('agency');
    }
  });

  it('gives each selection an empty, run-scoped location and a database-qualified table name', async () => {
    // Act
    const plan = await planSweep({ trigger: 'manual' }, ctx);

    // Assess
    const s = plan.staged!;
    expect(s.prefix).toBe(candidatesPrefix(RUN));
    expect(s.prefix).toBe(`candidates/${RUN}/`);
    expect(new Set(s.selections.map((x) => x.location)).size).toBe(s.selections.length);
    for (const x of s.selections) {
      expect(x.location).toBe(`s3://${staged.bucket}/candidates/${RUN}/${x.table}/`);
      expect(x.name).toMatch(/^sweep_lake_candidates\.candidates_[a-z0-9_]+$/);
      expect(x.name).toContain(RUN.replace(/-/g, '_'));
      expect(x.ctas).toContain(`CREATE TABLE ${x.name}\n`);
      expect(x.ctas).toContain(`write_compression = 'ZSTD', external_location = '${x.location}'`);
      expect(x.drop).toBe(`DROP TABLE IF EXISTS ${x.name}`);
      // Every batch reading the table reads the candidates, not the lake table.
      for (const b of s.batches.filter((bb) => bb.sql.includes(`${x.table} AS (`)))
        expect(b.sql).toContain(`${x.table} AS (SELECT * FROM ${x.name})`);
    }
  });

  it('runs alone a bounded correlating hunt that reads a table from the lake, over its widened day ranges, as priced', async () => {
    // Prepare: a self-join within a day over every web row (no row predicate: it reads the lake table), bounded to
    // 1 day, with two ranges of new days +/- 1 for doj; the rest of the pack over the whole run.
    const hunt = parseQueryFile(
      'q.sql',
      `/* ---\nid: 44444444-4444-4444-8444-444444444444\nname: same client twice within a day\nstatus: experimental\nseverity: low\n` +
        `cves: []\nmitre: ["TA0001:T1190"]\nlog_families: [iis]\nkey_fields: [client_ip]\ncorrelation_days: 1\n` +
        `description: A test hunt.\nreferences: [https://example.org/x]\n--- */\n` +
        `WITH r AS (SELECT agency, host, client_ip, event_time FROM web_requests WHERE dt BETWEEN ? AND ?)
SELECT a.agency, a.host, a.client_ip, min(a.event_time) AS first_seen, max(b.event_time) AS last_seen, count(*) AS hits
FROM r a JOIN r b ON b.agency = a.agency AND b.client_ip = a.client_ip AND b.event_time > a.event_time
  AND b.event_time <= a.event_time + INTERVAL '1' DAY
GROUP BY a.agency, a.host, a.client_ip`,
    );
    const window = { since: '2019-01-01', until: '2026-11-27' };
    const ranges = [
      { since: '2021-03-02', until: '2021-03-04' },
      { since: '2026-11-19', until: '2026-11-21' },
    ];
    const scopes = new Map([[hunt.meta.id, { agencies: ['doj'], ranges }]]);

    // Act
    const q = planStagedQueries(
      [{ hunt, agencies: ['doj'], ranges }, ...pack.map((h) => ({ hunt: h, agencies: ctx.agencies, ranges: [window] }))],
      window,
      ctx.agencies,
      RUN,
      staged,
    );
    const priced = await estimateStaged(await listLakeFiles(ctx.lake), [hunt, ...pack], window, ctx.agencies, {
      runId: RUN,
      candidates: staged,
      scopes,
    });

    // Assess: alone, its window reading both ranges, and priced as that exact text.
    expect(q.alone.map((a) => a.hunt.meta.id)).toContain(hunt.meta.id);
    const sql = planHunt(hunt, window, ['doj'], ranges).query_string;
    expect(sql.match(/\(dt BETWEEN \? AND \? OR dt BETWEEN \? AND \?\)/g)).toHaveLength(1);
    const mine = priced.queries.filter((x) => x.sql === sql);
    expect(mine).toHaveLength(1);
  });

  it("gives a weekly sweep one selection per scope group, the history group reading only its hunts' columns", async () => {
    // Prepare: a sweep of two years of three agencies recorded; then doj uploads a week. The hunts' scopes are those
    // the sweep state decides (changed days, or the whole window of doj for the hunts that correlate reads).
    const window = { since: '2019-01-01', until: '2026-11-27' };
    const days = (from: string, n: number): string[] =>
      Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
    const before: Record<string, string> = {};
    for (const a of ctx.agencies) for (const d of days('2021-01-04', 60)) before[`web_requests/${a}/${d}`] = `${a}${d}`;
    const after = { ...before, ...Object.fromEntries(days('2026-11-16', 7).map((d) => [`web_requests/doj/${d}`, `new${d}`])) };
    const base = { hunts: pack, indicatorsDigest: 'feeds', window, agencies: ctx.agencies };
    const previous = candidateState('r0', new Date(0), { ...base, previous: null, snapshot: before });
    const decisions = decideHunts({ ...base, previous, snapshot: after }).filter((d) => d.mode !== 'skip');
    const byId = new Map(pack.map((h) => [h.meta.id, h]));
    const scopes = decisions.map((d) => ({ hunt: byId.get(d.hunt_id)!, agencies: d.agencies, ranges: d.ranges, touch: d.touch }));
    const history = decisions.filter((d) => d.mode === 'agencies').map((d) => d.hunt_id);
    const recent = decisions.filter((d) => d.mode === 'partitions').map((d) => d.hunt_id);
    expect(history.length).toBeGreaterThan(0);
    expect(recent.length).toBeGreaterThan(0);

    // Act
    const q = planStagedQueries(scopes, window, ctx.agencies, RUN, staged, new Set(['web_requests', 'windows_events']));
    const priced = await estimateStaged(
      await listLakeFiles(ctx.lake),
      scopes.map((x) => x.hunt),
      window,
      ctx.agencies,
      {
        runId: RUN,
        candidates: staged,
        scopes: new Map(decisions.map((d) => [d.hunt_id, { agencies: d.agencies, ranges: d.ranges, touch: d.touch }])),
      },
    );

    // Assess: two selections of web_requests, distinct names and empty locations, as priced.
    const web = q.selections.filter((s) => s.table === 'web_requests');
    expect(web).toHaveLength(2);
    expect(new Set(q.run.selections.map((s) => s.name)).size).toBe(q.run.selections.length);
    expect(new Set(q.run.selections.map((s) => s.location)).size).toBe(q.run.selections.length);
    for (const s of q.run.selections.filter((x) => x.table === 'web_requests'))
      expect(s.location).toMatch(new RegExp(`/candidates/${RUN}/web_requests_[0-9]+/$`));
    const planned = [...q.run.selections.map((s) => s.ctas), ...q.run.batches.map((b) => b.sql)];
    expect(priced.queries.filter((x) => x.kind !== 'alone').map((x) => x.sql)).toEqual(planned);
    // The history group: exactly the hunts that read doj's whole window, and only the columns they name.
    const wide = web.find((s) => s.hunts.some((id) => history.includes(id)))!;
    const alone = new Set(q.alone.map((a) => a.hunt.meta.id));
    const webHistory = history
      .filter((id) => !alone.has(id))
      .filter((id) => huntReads(byId.get(id)!).some((r) => r.table === 'web_requests' && r.predicate !== null));
    expect([...wide.hunts].sort()).toEqual([...webHistory].sort());
    const named = new Set(['agency', 'dt', 'host', ...webHistory.flatMap((id) => huntReads(byId.get(id)!).flatMap((r) => r.columns))]);
    expect(wide.columns.every((c) => named.has(c))).toBe(true);
    expect(wide.columns).not.toContain('uri_query');
    // Each batch member reads its own group's candidates. A group over one scope holds only that scope's rows, so
    // its members read it whole (the scope is in the selection, not repeated per member); the narrow group holds two
    // scopes (the new days, and the new days +/- 6 of the scanning-clients hunt's group_days), so each member keeps
    // its own, and the group_days hunt keeps only the findings that touch the new days.
    const narrow = web.find((s) => s !== wide)!;
    expect(wide.predicate).toMatch(/^\(agency IN \('doj'\) AND \(dt BETWEEN '2019-01-01' AND '2026-11-27'\) AND /);
    expect(narrow.predicate).toMatch(/^\(agency IN \('doj'\) AND \(dt BETWEEN '2026-11-16' AND '2026-11-22'\) AND /);
    for (const b of q.run.batches)
      for (const [i, m] of b.sql.split('\nUNION ALL\n').entries()) {
        const id = b.hunts[i].hunt_id;
        if (wide.hunts.includes(id)) expect(m).toContain(`web_requests AS (SELECT * FROM ${wide.name})`);
        if (narrow.hunts.includes(id))
          expect(m).toContain(`web_requests AS (SELECT * FROM ${narrow.name} WHERE agency IN ('doj') AND (dt BETWEEN '2026-11-`);
        if (id === '4367ec82-a0d7-435a-bc26-47302c2e3b4e')
          expect(m).toMatch(
            /\(hunt_result\.last_seen >= TIMESTAMP '2026-11-\d\d 00:00:00' AND hunt_result\.first_seen < TIMESTAMP '2026-11-\d\d 00:00:00'\)/,
          );
      }
  });

  it("binds a declared prefilter's own window to its hunt's scope in a scoped selection", () => {
    // Prepare: the scanning-clients hunt (a prefilter with its own dt pair) over doj's week only.
    const hunt = pack.find((h) => h.path.endsWith('reconnaissance_proxylogon_automated_scanning_clients.sql'))!;
    const window = { since: '2019-01-01', until: '2026-11-27' };
    const week = { since: '2026-11-16', until: '2026-11-22' };

    // Act
    const q = planStagedQueries([{ hunt, agencies: ['doj'], ranges: [week] }], window, ctx.agencies, RUN, staged);

    // Assess: the subquery reads doj's week, not the run's whole window; the run's window is bound once.
    const ctas = q.run.selections[0].ctas;
    expect(ctas.match(/'2019-01-01'/g)).toHaveLength(1);
    expect(ctas).toContain(
      "client_ip IN (SELECT client_ip FROM web_requests WHERE (agency IN ('doj') AND (dt BETWEEN '2026-11-16' AND '2026-11-22'))",
    );
    expect(placeholderOffsets(ctas)).toEqual([]);
  });

  it('keeps a per-hunt plan when no candidates context is given', async () => {
    // Act
    const plan = await planSweep({ trigger: 'manual' }, { ...ctx, staged: undefined });

    // Assess
    expect(plan.staged).toBeUndefined();
    expect(plan.hunts).toHaveLength(pack.length);
  });
});
