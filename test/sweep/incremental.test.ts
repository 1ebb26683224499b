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
import { planHunt, planSweep, planSweepDetailed, type SweepPlan } from '../../src/aws/sweep-plan';
import { unbatchRows } from '../../src/sweep/batch';
import { estimatePlans, renderEstimate } from '../../src/cli/commands/plan';
import { LocalObjectStore } from '../../src/core';
import { rowsToFindings, severityRank } from '../../src/hunt/findings';
import { lintHunt } from '../../src/hunt/lint';
import type { Severity } from '../../src/hunt/types';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { loadIndicators } from '../../src/hunt/indicators';
import { loadQueries, parseQueryFile, type Hunt } from '../../src/hunt/query-file';
import { normalizeUpload } from '../../src/pipeline';
import {
  commitSweepState,
  decideHunts,
  huntDigest,
  lakeSnapshot,
  readSweepState,
  rowsIndicatorsDigest,
  SWEEP_STATE_KEY,
} from '../../src/sweep/sweep-state';
import { runStagedHunts, type StagedQueries } from '../../src/sweep/staged-run';
import { httpProxyLog, iisLog } from '../../testkit/gen/exchange-logs';

const REPO = path.resolve(__dirname, '..', '..');
const AGENCIES = ['dhs', 'doj', 'treasury'];
const NEW_IOC_IP = '203.0.113.77';
const unquote = (literal: string) => literal.slice(1, -1).replace(/''/g, "'");
const WINDOW = { since: '2019-01-01', until: '2026-12-01' };
const dayPlus = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

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
        scopes: new Map(rerun.map((d) => [d.hunt_id, { agencies: d.agencies, ranges: d.ranges, touch: d.touch }])),
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
    return new Set((await fullFindings()).map((f) => f.fingerprint));
  }

  /** The findings of every hunt over the whole window of every agency. */
  async function fullFindings(): Promise<ReturnType<typeof rowsToFindings>> {
    const plan = await planSweep(
      { trigger: 'manual' },
      { lake: new LocalObjectStore(root), hunts, agencies: AGENCIES, retroSince: '2019-01-01', today: '2026-12-01' },
    );
    return runPlanned(plan.hunts);
  }

  /** Runs planned queries on DuckDB (the exact SQL and parameters), each hunt's rows made findings. */
  async function runPlanned(
    planned: readonly { hunt_id: string; query_string: string; params: string[] }[],
    hunt: (id: string) => Hunt = (id) => byId.get(id)!,
  ): Promise<ReturnType<typeof rowsToFindings>> {
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root, indicators: (await loadIndicators(feeds)).rows });
    const out: ReturnType<typeof rowsToFindings> = [];
    try {
      for (const p of planned) out.push(...rowsToFindings(hunt(p.hunt_id), await engine.run(p.query_string, p.params.map(unquote))));
    } finally {
      await engine.close();
    }
    return out;
  }

  /** Sysmon process creations on one host, as Winlogbeat ships them (NDJSON), in an upload folder. */
  function sysmonLog(dir: string, host: string, events: readonly { at: string; image: string; commandLine: string }[]): string {
    const file = path.join(dir, 'winevent_jsonl', `sysmon-${host.toLowerCase()}.ndjson`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines = events.map((e, i) =>
      JSON.stringify({
        '@timestamp': e.at,
        event: { code: '1', provider: 'Microsoft-Windows-Sysmon', kind: 'event' },
        log: { level: 'information' },
        host: { name: host.toLowerCase() },
        message: `Process Create:\nImage: ${e.image}`,
        winlog: {
          channel: 'Microsoft-Windows-Sysmon/Operational',
          event_id: 1,
          provider_name: 'Microsoft-Windows-Sysmon',
          computer_name: `${host}.corp.example.gov`,
          record_id: 9000 + i,
          event_data: { Image: e.image, CommandLine: e.commandLine, ParentImage: 'C:\\Windows\\System32\\cmd.exe', User: 'CORP\\admin' },
        },
      }),
    );
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return dir;
  }

  /** Per fingerprint, the most severe severity any of the findings gave it (sweeps merge a re-seen finding so). */
  function bySeverity(findings: ReturnType<typeof rowsToFindings>, huntIds: ReadonlySet<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of findings.filter((x) => huntIds.has(x.hunt_id)))
      if (!(f.fingerprint in out) || severityRank(f.severity) < severityRank(out[f.fingerprint] as Severity))
        out[f.fingerprint] = f.severity;
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
    // The full sweep has one selection per table; the upload's sweep one per scope group: the hunts that re-read
    // treasury's whole window read a selection of their own (their columns only), the others one of its new days.
    const webSelections = (run: typeof first) => run.staged.plan.staged!.selections.filter((s) => s.table === 'web_requests');
    expect(webSelections(first)).toHaveLength(1);
    expect(webSelections(second)).toHaveLength(2);
    expect(second.plan.hunts.some((h) => h.mode === 'agencies')).toBe(true);
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

  it('sweeps a hunt with a declared correlation bound over the new days +/- the bound, and finds what a full sweep finds', async () => {
    // Prepare: a shadow copy created late on 2026-11-20 on DC07 of dhs, swept; then NTDS.dit copied out of it
    // 40 minutes later, on the next day, uploaded a week later: the correlation straddles the new day.
    const lake = new LocalObjectStore(root);
    const bounded = hunts.filter((h) => h.meta.correlation_days !== undefined);
    const ids = new Set(bounded.map((h) => h.meta.id));
    expect(bounded.length).toBeGreaterThan(0);
    const shadow = 'vssadmin.exe create shadow /for=C:';
    await upload('dhs', 'u3-dhs', [
      sysmonLog(path.join(tmp, 'u3-dhs'), 'DC07', [
        { at: '2026-11-20T23:40:00.000Z', image: 'C:\\Windows\\System32\\vssadmin.exe', commandLine: shadow },
      ]),
    ]);
    await sweep('run-6');
    const before = await fullFindings();
    const stateBefore = (await readSweepState(lake))!;
    // A hunt (not shipped) whose very findings come from the correlation: a shadow copy, then NTDS.dit copied within
    // 72 hours on the same host. 3 days find it across the boundary; 0 days miss it.
    const chainSql = `/* ---
id: 0f0e0d0c-0b0a-4908-8706-050403020100
name: Shadow copy then NTDS.dit copy
status: experimental
severity: high
cves: []
mitre: ["TA0006:T1003.003"]
log_families: [winevent_jsonl]
key_fields: [shadow_command]
correlation_days: 3
description: A shadow copy created, then NTDS.dit copied within 72 hours on the same host.
references: [https://example.org/x]
--- */
WITH p AS (
  SELECT agency, host, event_time, lower(command_line) AS cl, command_line FROM windows_events
  WHERE dt BETWEEN ? AND ? AND event_id = 1
)
SELECT s.agency, s.host, min(s.event_time) AS first_seen, max(c.event_time) AS last_seen, count(*) AS hits,
       s.command_line AS shadow_command
FROM p s JOIN p c ON c.agency = s.agency AND c.host = s.host
  AND c.event_time >= s.event_time AND c.event_time <= s.event_time + INTERVAL '72' HOUR
WHERE strpos(s.cl, 'create shadow') > 0 AND strpos(c.cl, 'ntds.dit') > 0
GROUP BY s.agency, s.host, s.command_line`;
    const chain = parseQueryFile(path.join(REPO, 'queries', 'chain.sql'), chainSql);
    const chainBefore = await runPlanned([planHunt(chain, WINDOW, AGENCIES)], () => chain);
    await upload('dhs', 'u4-dhs', [
      sysmonLog(path.join(tmp, 'u4-dhs'), 'DC07', [
        {
          at: '2026-11-21T00:20:00.000Z',
          image: 'C:\\Windows\\System32\\cmd.exe',
          commandLine:
            'cmd.exe /c copy \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy7\\Windows\\NTDS\\ntds.dit C:\\ProgramData\\nt.dit',
        },
      ]),
    ]);
    const snapshot = await lakeSnapshot(lake, WINDOW, AGENCIES);
    const indicatorsDigest = rowsIndicatorsDigest((await loadIndicators(feeds)).rows);

    // Act: the incremental sweep after the upload, and one full sweep of the final lake.
    const after = await sweep('run-7');
    const full = await fullFindings();

    // Assess: every bounded hunt over the uploaded table reads dhs's new day +/- its bound, not dhs's history.
    const overWindowsEvents = bounded.filter((h) => /\bwindows_events\b/.test(h.sql));
    expect(overWindowsEvents.length).toBeGreaterThan(0);
    for (const h of overWindowsEvents) {
      const p = after.plan.hunts.find((x) => x.hunt_id === h.meta.id);
      expect(p).toMatchObject({ mode: 'bounded' });
      const days = p!.params.slice(0, 2).map(unquote);
      const n = h.meta.correlation_days!;
      expect(days).toEqual([dayPlus('2026-11-21', -n), dayPlus('2026-11-21', n) > WINDOW.until ? WINDOW.until : dayPlus('2026-11-21', n)]);
    }
    // The shadow copy's finding is raised by the copy that followed it: medium before the upload, high after it.
    const shadowFinding = (list: ReturnType<typeof rowsToFindings>) =>
      list.find((f) => ids.has(f.hunt_id) && f.host === 'DC07' && JSON.stringify(f.evidence).includes('create shadow'));
    expect(shadowFinding(before)?.severity).toBe('medium');
    expect(shadowFinding(full)?.severity).toBe('high');
    // Full sweep before + incremental sweep after = full sweep after: fingerprints of the whole pack, and for the
    // bounded hunts the severity of every finding as well.
    expect([...new Set([...before.map((f) => f.fingerprint), ...after.fingerprints])].sort()).toEqual(
      [...new Set(full.map((f) => f.fingerprint))].sort(),
    );
    expect(bySeverity([...before, ...after.findings], ids)).toEqual(bySeverity(full, ids));
    expect(shadowFinding(after.findings)?.severity).toBe('high');
    // The same sweep in stages (the bounded hunts' scopes narrow the candidates they read) finds the same.
    expect([...after.staged.fingerprints].sort()).toEqual([...after.fingerprints].sort());

    // A bound too small for the hunt loses what the correlation across the boundary finds: with 0 days the
    // incremental sweep reads only 2026-11-21, and the shadow copy keeps its medium severity.
    const decide = (hs: Hunt[]) =>
      decideHunts({
        hunts: hs,
        previous: { ...stateBefore, hunts: { ...stateBefore.hunts, ...Object.fromEntries(hs.map((h) => [h.meta.id, huntDigest(h)])) } },
        snapshot,
        indicatorsDigest,
        window: WINDOW,
        agencies: AGENCIES,
      });
    const runDecided = async (hs: Hunt[]) => {
      const byIdHere = new Map(hs.map((h) => [h.meta.id, h]));
      return runPlanned(
        decide(hs)
          .filter((d) => d.mode !== 'skip')
          .map((d) => planHunt(byIdHere.get(d.hunt_id)!, WINDOW, d.agencies, d.ranges)),
        (id) => byIdHere.get(id)!,
      );
    };
    const tooSmall = overWindowsEvents.map((h) => ({ ...h, meta: { ...h.meta, correlation_days: 0 } }));
    expect(decide(tooSmall).map((d) => d.ranges)).toEqual(tooSmall.map(() => [{ since: '2026-11-21', until: '2026-11-21' }]));
    expect(bySeverity([...before, ...(await runDecided(tooSmall))], ids)).not.toEqual(bySeverity(full, ids));

    // The correlating hunt: the full sweep finds DC07's chain, the incremental one with 3 days too, with 0 days not.
    expect(lintHunt(chain)).toEqual([]);
    const chainFull = await runPlanned([planHunt(chain, WINDOW, AGENCIES)], () => chain);
    const found = (list: ReturnType<typeof rowsToFindings>) => [...new Set(list.map((f) => f.fingerprint))].sort();
    expect(found(chainFull).length).toBeGreaterThan(found(chainBefore).length);
    expect(found([...chainBefore, ...(await runDecided([chain]))])).toEqual(found(chainFull));
    const chainTooSmall = { ...chain, meta: { ...chain.meta, correlation_days: 0 } };
    expect(found([...chainBefore, ...(await runDecided([chainTooSmall]))])).not.toEqual(found(chainFull));
  }, 240_000);

  it('sweeps a group_days hunt over the new days +/- its groups, keeping only the findings that touch the new days', async () => {
    // Prepare: on treasury's EXCH09, client C requests three ordinary stems on Monday 2026-11-16 and two exploit-looking
    // stems on Tuesday 2026-11-17: 2 of 5 distinct stems that week, so the scanning-clients hunt (a share per calendar
    // week, group_days 6) does not report C. Swept. Then an upload for Monday 2026-11-23 with a scanner S that requests
    // only exploit-looking stems: the incremental sweep reads 2026-11-17..2026-11-29, so C's week is cut (only its
    // Tuesday): 2 of 2 stems, a share the whole week does not have.
    const scanning = byId.get('4367ec82-a0d7-435a-bc26-47302c2e3b4e')!;
    expect(scanning.meta.group_days).toBe(6);
    const iis = (dir: string, day: string, lines: string[]): string => {
      const file = path.join(dir, 'EXCH09', 'inetpub', 'logs', 'LogFiles', 'W3SVC1', `u_ex${day.replace(/-/g, '').slice(2)}.log`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        '#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n' +
          `#Date: ${day} 00:00:00\r\n` +
          '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n' +
          lines.map((l) => `${l}\r\n`).join(''),
      );
      return dir;
    };
    const C = '198.51.100.23';
    const S = '203.0.113.99';
    const line = (day: string, time: string, stem: string, client: string) =>
      `${day} ${time} 10.1.1.9 GET ${stem} - 443 - ${client} python-requests/2.25.1 - 200 0 0 15`;
    const before = path.join(tmp, 'u8-treasury');
    iis(before, '2026-11-16', [
      line('2026-11-16', '09:00:00', '/owa/', C),
      line('2026-11-16', '09:00:05', '/owa/service.svc', C),
      line('2026-11-16', '09:00:09', '/ecp/default.aspx', C),
    ]);
    iis(before, '2026-11-17', [line('2026-11-17', '03:21:08', '/ecp/y.js', C), line('2026-11-17', '03:21:09', '/owa/auth/x.js', C)]);
    await upload('treasury', 'u8-treasury', [before]);
    await sweep('run-8');
    const after = path.join(tmp, 'u9-treasury');
    iis(after, '2026-11-23', [line('2026-11-23', '04:00:00', '/ecp/z.js', S), line('2026-11-23', '04:00:01', '/owa/auth/q.js', S)]);
    await upload('treasury', 'u9-treasury', [after]);

    // Act
    const run = await sweep('run-9');
    const full = await fullFindings();

    // Assess: read the new day +/- 6, keep what touches it; S is found, C is not (as in the full sweep), staged alike.
    const planned = run.plan.hunts.find((h) => h.hunt_id === scanning.meta.id)!;
    expect(planned.mode).toBe('bounded');
    expect(planned.params.slice(0, 2).map(unquote)).toEqual(['2026-11-17', '2026-11-29']);
    const clients = (list: ReturnType<typeof rowsToFindings>) =>
      list.filter((f) => f.hunt_id === scanning.meta.id && f.agency === 'treasury' && f.host === 'EXCH09').map((f) => f.evidence.client_ip);
    expect(clients(full)).toEqual([S]);
    expect(clients(run.findings)).toEqual([S]);
    expect([...run.staged.fingerprints].sort()).toEqual([...run.fingerprints].sort());
    // Without keeping to the findings that touch the new day, the cut week reports C: the full sweep does not.
    const untouched = planHunt(scanning, WINDOW, ['treasury'], [{ since: '2026-11-17', until: '2026-11-29' }]);
    expect(clients(await runPlanned([untouched])).sort()).toEqual([C, S].sort());
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
