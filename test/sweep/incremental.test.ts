/**
 * Incremental retro-hunts, end to end on a generated lake of 3 agencies over 2 years (IIS, HttpProxy and Windows
 * events, with the raw attack fixtures for some agencies): the whole shipped pack is planned by planSweep against the
 * sweep state, the planned queries (the exact SQL and parameters the state machine sends) run on DuckDB, and the
 * state is committed as the commit step does. The fingerprints found by the sequence of incremental sweeps are those
 * one full sweep of the final lake finds; a new upload's traces and a new indicator's old traces are found. Each sweep
 * is also planned in stages, as the deployed state machine runs it (CTAS per table, batches, lone hunts: the CTAS's
 * SELECT and the batches run on DuckDB): it finds what the hunt-by-hunt plan finds, and `sweep plan` prices exactly
 * its queries.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateStaged, listLakeFiles } from '../../src/aws/scan-estimate';
import { planSweep, planSweepDetailed, type SweepPlan } from '../../src/aws/sweep-plan';
import { unbatchRows } from '../../src/sweep/batch';
import { estimatePlans, renderEstimate } from '../../src/cli/commands/plan';
import { LocalObjectStore } from '../../src/core';
import { rowsToFindings } from '../../src/hunt/findings';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { loadIndicators } from '../../src/hunt/indicators';
import { loadQueries } from '../../src/hunt/query-file';
import { normalizeUpload } from '../../src/pipeline';
import { commitSweepState, readSweepState, rowsIndicatorsDigest, SWEEP_STATE_KEY } from '../../src/sweep/sweep-state';
import { runStagedHunts, type StagedQueries } from '../../src/sweep/staged-run';
import { httpProxyLog, iisLog } from '../../testkit/gen/exchange-logs';

const REPO = path.resolve(__dirname, '..', '..');
const AGENCIES = ['dhs', 'doj', 'treasury'];
const NEW_IOC_IP = '203.0.113.77';
const unquote = (literal: string) => literal.slice(1, -1).replace(/''/g, "'");

describe('incremental scheduled sweeps', () => {
  let tmp: string;
  let root: string;
  let feeds: string;
  const pack = loadQueries(path.join(REPO, 'queries'));
  const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');
  const byId = new Map(hunts.map((h) => [h.meta.id, h]));

  /** Benign web traffic of one host over a few days from `start`, as an agency's servers write it. */
  function webLogs(dir: string, host: string, start: string, seed: number): void {
    const gen = { seed, host, start: Date.parse(`${start}T00:00:00Z`), stepMs: 400_000 };
    const iis = path.join(dir, host, 'inetpub', 'logs', 'LogFiles', 'W3SVC1', `u_ex${start.replace(/-/g, '').slice(2)}.log`);
    const proxy = path.join(dir, host, 'Logging', 'HttpProxy', 'Owa', `HttpProxy_${start.replace(/-/g, '')}00-1.LOG`);
    for (const [file, text] of [
      [iis, [...iisLog(gen, 200_000)].join('')],
      [proxy, [...httpProxyLog({ ...gen, seed: seed + 1 }, 200_000)].join('')],
    ]) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }

  async function upload(agency: string, uploadId: string, inputs: string[]): Promise<void> {
    await normalizeUpload({ inputs, agency, uploadId, lakeRoot: root, tmpDir: path.join(tmp, 'scratch') });
  }

  const CANDIDATES = { database: 'sweep_lake_candidates', bucket: 'sweep-results' };

  /** A staged plan run as the state machine runs it: the CTAS statements, the batches split per hunt, the lone hunts. */
  async function runStagedPlan(engine: DuckDbQueryEngine, plan: SweepPlan): Promise<ReturnType<typeof rowsToFindings>> {
    const out: ReturnType<typeof rowsToFindings> = [];
    const staged = plan.staged!;
    for (const s of staged.selections) {
      // Athena's CTAS: the table holds the SELECT's rows (DuckDB has no WITH (format, external_location)).
      await engine.run(`CREATE SCHEMA IF NOT EXISTS ${staged.database}`, []);
      await engine.run(`CREATE TABLE ${s.name} AS ${s.ctas.slice(s.ctas.indexOf('\nAS\n') + 4)}`, []);
    }
    for (const b of staged.batches)
      for (const [id, rows] of unbatchRows(b, await engine.run(b.sql, []))) out.push(...rowsToFindings(byId.get(id)!, rows));
    for (const p of plan.hunts) out.push(...rowsToFindings(byId.get(p.hunt_id)!, await engine.run(p.query_string, p.params.map(unquote))));
    for (const s of staged.selections) await engine.run(s.drop, []);
    return out;
  }

  /** One scheduled sweep: plan against the state, run each planned query on DuckDB, commit. */
  async function sweep(runId: string): Promise<{
    plan: SweepPlan;
    fingerprints: Set<string>;
    findings: ReturnType<typeof rowsToFindings>;
    staged: { plan: SweepPlan; fingerprints: Set<string>; pricedSql: string[] };
  }> {
    const lake = new LocalObjectStore(root);
    const indicators = (await loadIndicators(feeds)).rows;
    // The same sweep planned in stages (before this run's plan writes its pending state; nothing written).
    const stagedRun = await planSweepDetailed(
      { trigger: 'schedule' },
      {
        lake,
        hunts,
        agencies: AGENCIES,
        retroSince: '2019-01-01',
        today: '2026-12-01',
        newRunId: () => `${runId}-staged`,
        state: { store: lake, indicatorsDigest: async () => rowsIndicatorsDigest(indicators), dryRun: true },
        staged: CANDIDATES,
      },
    );
    const rerun = stagedRun.decisions.filter((d) => d.mode !== 'skip');
    const priced = await estimateStaged(
      await listLakeFiles(lake),
      rerun.map((d) => byId.get(d.hunt_id)!),
      { since: '2019-01-01', until: '2026-12-01' },
      AGENCIES,
      {
        scopes: new Map(rerun.map((d) => [d.hunt_id, { agencies: d.agencies, ranges: d.ranges }])),
        runId: `${runId}-staged`,
        candidates: CANDIDATES,
      },
    );
    const plan = await planSweep(
      { trigger: 'schedule' },
      {
        lake,
        hunts,
        agencies: AGENCIES,
        retroSince: '2019-01-01',
        today: '2026-12-01',
        newRunId: () => runId,
        state: { store: lake, indicatorsDigest: async () => rowsIndicatorsDigest(indicators) },
      },
    );
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, indicators });
    const findings: ReturnType<typeof rowsToFindings> = [];
    let stagedFindings: ReturnType<typeof rowsToFindings> = [];
    try {
      for (const p of plan.hunts)
        findings.push(...rowsToFindings(byId.get(p.hunt_id)!, await engine.run(p.query_string, p.params.map(unquote))));
      if (stagedRun.plan.staged) stagedFindings = await runStagedPlan(engine, stagedRun.plan);
    } finally {
      await engine.close();
    }
    await commitSweepState(
      lake,
      runId,
      plan.hunts.map((h) => ({ hunt_id: h.hunt_id, ok: true })),
    );
    const s = stagedRun.plan;
    const pricedSql = s.staged
      ? [...s.staged.selections.map((x) => x.ctas), ...s.staged.batches.map((b) => b.sql), ...s.hunts.map((h) => h.query_string)]
      : [];
    expect(pricedSql).toEqual(priced.queries.map((q) => q.sql));
    return {
      plan,
      fingerprints: new Set(findings.map((f) => f.fingerprint)),
      findings,
      staged: { plan: s, fingerprints: new Set(stagedFindings.map((f) => f.fingerprint)), pricedSql },
    };
  }

  /** Every hunt over the whole window of every agency: what a sweep without state finds. */
  async function fullSweep(): Promise<Set<string>> {
    const indicators = (await loadIndicators(feeds)).rows;
    const plan = await planSweep(
      { trigger: 'manual' },
      { lake: new LocalObjectStore(root), hunts, agencies: AGENCIES, retroSince: '2019-01-01', today: '2026-12-01' },
    );
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, indicators });
    const out = new Set<string>();
    try {
      for (const p of plan.hunts)
        for (const f of rowsToFindings(byId.get(p.hunt_id)!, await engine.run(p.query_string, p.params.map(unquote))))
          out.add(f.fingerprint);
    } finally {
      await engine.close();
    }
    return out;
  }

  /** The same, staged: one candidate selection per table, then the hunts batched over the candidates. */
  async function stagedSweep(): Promise<{ fingerprints: Set<string>; queries: StagedQueries; errors: unknown[] }> {
    const indicators = (await loadIndicators(feeds)).rows;
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, indicators });
    try {
      const r = await runStagedHunts({ engine, hunts, window: { since: '2019-01-01', until: '2026-12-01' } });
      return { fingerprints: new Set(r.findings.map((f) => f.fingerprint)), queries: r.queries, errors: r.errors };
    } finally {
      await engine.close();
    }
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-'));
    root = path.join(tmp, 'root');
    feeds = path.join(tmp, 'indicators');
    fs.cpSync(path.join(REPO, 'indicators'), feeds, { recursive: true });
    // Two years of benign traffic for every agency; the raw attack fixtures (web and Windows) for doj and dhs.
    for (const [i, agency] of AGENCIES.entries()) {
      const dir = path.join(tmp, `u1-${agency}`);
      webLogs(dir, 'EXCH01', '2020-02-10', 100 + i);
      webLogs(dir, 'EXCH02', '2021-06-01', 200 + i);
      if (agency !== 'treasury') fs.cpSync(path.join(REPO, 'test', 'fixtures', 'raw'), path.join(dir, 'raw'), { recursive: true });
      await upload(agency, `u1-${agency}`, [dir]);
    }
    // An old visit from an address no feed names yet.
    const old = path.join(tmp, 'old', 'EXCH01', 'inetpub', 'logs', 'LogFiles', 'W3SVC1', 'u_ex200315.log');
    fs.mkdirSync(path.dirname(old), { recursive: true });
    fs.writeFileSync(
      old,
      '#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n' +
        `2020-03-15 04:12:09 10.1.1.5 POST /ecp/y.js - 443 - ${NEW_IOC_IP} python-requests/2.25.1 - 200 0 0 31\r\n`,
    );
    await upload('treasury', 'u0-treasury', [path.join(tmp, 'old')]);
  }, 240_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads all history first, then only what is new, and finds what one full sweep finds', async () => {
    // Act: the first scheduled sweep (no state), a new upload, a new indicator, then nothing new.
    const first = await sweep('run-1');
    await upload('treasury', 'u2-treasury', [path.join(REPO, 'test', 'fixtures', 'raw')]);
    const second = await sweep('run-2');
    fs.writeFileSync(path.join(feeds, 'analyst-added.csv'), `Indicator,Type,Notes\n${NEW_IOC_IP},ipaddress,seen by a partner agency\n`);
    const third = await sweep('run-3');
    const fourth = await sweep('run-4');
    const full = await fullSweep();
    const staged = await stagedSweep();

    // Assess: the first sweep reads everything, for every hunt.
    expect(first.plan.hunts.map((h) => h.mode)).toEqual(hunts.map(() => 'full'));
    expect(first.plan.hunts[0].reason).toBe('no completed sweep recorded yet');
    // The new upload: no hunt re-reads all history; hunts that see rows one by one read only treasury's new days.
    const modes = new Set(second.plan.hunts.map((h) => h.mode));
    expect(modes.has('full')).toBe(false);
    expect(modes.has('partitions')).toBe(true);
    for (const h of second.plan.hunts.filter((p) => p.mode === 'partitions')) expect(h.params.slice(-1)).toEqual(["'treasury'"]);
    expect([...second.plan.skipped!.map((s) => s.reason)].some((r) => r.startsWith('nothing new in'))).toBe(true);
    const newTreasury = second.findings.filter((f) => f.agency === 'treasury' && !first.fingerprints.has(f.fingerprint));
    expect(newTreasury.length).toBeGreaterThan(0);
    // The new indicator: only the hunts that read the indicators run, over all history, and find the 2020 visit.
    expect(third.plan.hunts.length).toBeGreaterThan(0);
    for (const h of third.plan.hunts) {
      expect(h.mode).toBe('full');
      expect(h.reason).toBe('it reads the indicators, and the feeds changed');
      expect(byId.get(h.hunt_id)!.sql).toMatch(/\bindicators\b/);
    }
    const ioc = third.findings.filter((f) => f.agency === 'treasury' && JSON.stringify(f.evidence).includes(NEW_IOC_IP));
    expect(ioc.map((f) => f.first_seen.slice(0, 10))).toContain('2020-03-15');
    // Planned in stages (what the state machine runs), each sweep finds the same, the incremental ones included.
    for (const run of [first, second, third]) {
      expect(run.staged.plan.staged!.batches.length).toBeGreaterThan(0);
      expect([...run.staged.fingerprints].sort()).toEqual([...run.fingerprints].sort());
    }
    expect(second.staged.pricedSql.length).toBeLessThan(second.plan.hunts.length);
    expect(fourth.staged.plan.staged).toBeUndefined();
    // Nothing new: nothing runs.
    expect(fourth.plan.hunts).toEqual([]);
    expect(fourth.plan.skipped).toHaveLength(hunts.length);
    // The same findings as one full sweep of the final lake with the final feeds.
    const union = new Set([...first.fingerprints, ...second.fingerprints, ...third.fingerprints]);
    expect([...union].sort()).toEqual([...full].sort());
    expect(full.size).toBeGreaterThan(10);
    // The staged sweep of the final lake finds exactly what the hunts find one by one, in a few queries.
    expect(staged.errors).toEqual([]);
    expect(staged.queries.batchesFailed).toBe(0);
    expect([...staged.fingerprints].sort()).toEqual([...full].sort());
    // `sweep plan` prices the same plans: the full window beside a next sweep that reads nothing.
    const est = await estimatePlans({
      lake: new LocalObjectStore(root),
      hunts,
      since: '2019-01-01',
      until: '2026-12-01',
      pricePerTb: 5,
      indicatorsDigest: async () => rowsIndicatorsDigest((await loadIndicators(feeds)).rows),
    });
    expect(est.totalBilledBytes).toBeGreaterThanOrEqual(hunts.length * 10 * 1024 * 1024);
    expect(est.incremental).toMatchObject({ stateFound: true, totalBytes: 0, totalBilledBytes: 0 });
    expect(renderEstimate(est)).toContain(`next scheduled sweep: 0 of ${hunts.length} hunts run`);
    // Staged, a full sweep bills a few queries, far less than one query per hunt; the next one sends none.
    expect(est.staged!.queries.length).toBeLessThan(hunts.length / 5);
    expect(est.staged!.totalBilledBytes).toBeLessThan(est.totalBilledBytes / 5);
    expect(est.stagedIncremental!.queries).toEqual([]);
    // The state records every hunt and the lake as swept.
    const state = await readSweepState(new LocalObjectStore(root), SWEEP_STATE_KEY);
    expect(Object.keys(state!.hunts).sort()).toEqual(hunts.map((h) => h.meta.id).sort());
  }, 240_000);

  it('sweeps all history again for a hunt whose last run failed, and only it', async () => {
    // Prepare: a run whose first planned hunt failed.
    const lake = new LocalObjectStore(root);
    const failedId = hunts[0].meta.id;
    const indicators = (await loadIndicators(feeds)).rows;
    const ctx = {
      lake,
      hunts,
      agencies: AGENCIES,
      retroSince: '2019-01-01',
      today: '2026-12-01',
      state: { store: lake, indicatorsDigest: async () => rowsIndicatorsDigest(indicators) },
    };
    const state = (await readSweepState(lake))!;
    await lake.put('sweep-state/pending/run-f.json', JSON.stringify(state));
    await commitSweepState(lake, 'run-f', [{ hunt_id: failedId, ok: false }]);

    // Act
    const plan = await planSweep({ trigger: 'schedule' }, { ...ctx, newRunId: () => 'run-5' });

    // Assess
    expect(plan.hunts.map((h) => [h.hunt_id, h.mode, h.reason])).toEqual([
      [failedId, 'full', 'new hunt, or its last sweep did not complete'],
    ]);
    expect(await lake.exists('sweep-state/pending/run-f.json')).toBe(false);
    expect(await lake.exists('sweep-state/pending/run-5.json')).toBe(true);
  }, 60_000);
});
