/**
 * One scan per lake table: every hunt finds over its candidate rows what it finds over the whole table.
 *
 * - the row predicates derived from the hunts' SQL, on hand-written hunts with the traps (outer joins, subqueries,
 *   other relations' columns, BETWEEN, set operations);
 * - every hunt of the shipped pack, on each of its fixture cases, over candidates selected for that hunt alone (the
 *   narrowest selection): the same rows;
 * - the bundled samples through the whole sweep, staged and not: the same findings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALL_TIME, loadIndicators, loadPack, windowParams, type Hunt, type IndicatorRow } from '../../src/hunt';
import { parseQueryFile, loadQueries } from '../../src/hunt/query-file';
import { trinoSyntaxProblems } from '../../src/hunt/trino-parser';
import { DuckDbQueryEngine } from '../../src/local-engine';
import { fixturePathFor, loadFixtureFile, runCase } from '../../src/local-engine/fixtures';
import { defaultRawNormalizer } from '../../src/local-engine/raw-normalizer';
import { normalizeUpload } from '../../src/pipeline';
import {
  batchHunts,
  candidateSelections,
  ctasStatement,
  huntOverCandidates,
  huntReads,
  outputColumns,
  planStages,
  runStagedHunts,
  runSweep,
  selectionParams,
} from '../../src/sweep';

const REPO = path.resolve(__dirname, '..', '..');

function hunt(body: string): Hunt {
  const header = [
    '/* ---',
    'id: 5b0e7c1e-8a1d-4c6e-9f3a-2d4b6c8e0a11',
    'name: test hunt',
    'status: test',
    'severity: high',
    'cves: []',
    'mitre: [TA0001:T1190]',
    'log_families: [iis]',
    'description: a hunt written for this test',
    'references: [https://example.org/]',
    '--- */',
  ].join('\n');
  return parseQueryFile('test.sql', `${header}\n${body}`);
}

const predicateOf = (body: string, table = 'web_requests') => huntReads(hunt(body)).find((r) => r.table === table)?.predicate;

describe('row predicates derived from a hunt', () => {
  it('keeps the WHERE conjuncts over the table, without the window', () => {
    // Act
    const p = predicateOf(
      "SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits FROM web_requests WHERE dt BETWEEN ? AND ? AND status BETWEEN 200 AND 399 AND lower(uri_stem) = '/rpc/' GROUP BY agency, host",
    );
    // Assess
    expect(p).toBe("(status BETWEEN 200 AND 399) AND (lower(uri_stem) = '/rpc/')");
  });

  it('strips the alias and drops conjuncts naming another relation or a subquery', () => {
    // Act
    const p = predicateOf(
      "SELECT w.agency FROM web_requests w JOIN ioc i ON i.v = w.client_ip WHERE w.dt BETWEEN ? AND ? AND w.method = 'POST' AND i.type = 'ip' AND w.client_ip IN (SELECT value FROM indicators) AND status = 200",
    );
    // Assess: status is bare in a join (it could be the other relation's): dropped too
    expect(p).toBe("(method = 'POST')");
  });

  it('keeps every row for the nullable side of an outer join, and any read without a WHERE', () => {
    // Act / Assess
    expect(
      predicateOf("SELECT s.agency FROM ssrf s LEFT JOIN web_requests w ON w.host = s.host WHERE w.client_ip IS NULL AND w.method = 'GET'"),
    ).toBeNull();
    expect(predicateOf('SELECT agency FROM web_requests WHERE status = 200 UNION ALL SELECT agency FROM web_requests')).toBeNull();
  });

  it('ORs the reads of each part of a UNION ALL, and ignores keywords inside string literals', () => {
    // Act
    const p = predicateOf(
      "SELECT agency FROM web_requests WHERE dt BETWEEN ? AND ? AND uri_stem = 'a AND b' UNION ALL SELECT agency FROM web_requests WHERE dt BETWEEN ? AND ? AND status = 241",
    );
    // Assess
    expect(p).toBe("((uri_stem = 'a AND b')) OR ((status = 241))");
  });

  it('reads every row when the only conjunct names an unknown word (a lambda, a CTE column)', () => {
    // Act / Assess
    expect(predicateOf("SELECT agency FROM web_requests WHERE any_match(split(uri_query, '&'), x -> x = 'a')")).toBeNull();
    expect(predicateOf('SELECT agency FROM web_requests WHERE not_a_column > 3')).toBeNull();
  });
});

describe('the shipped pack over its candidates', () => {
  const { hunts } = loadQueries(path.join(REPO, 'queries'));
  let engine: DuckDbQueryEngine;
  let indicators: IndicatorRow[];

  beforeAll(async () => {
    engine = await DuckDbQueryEngine.open();
    indicators = (await loadIndicators(path.join(REPO, 'indicators'))).rows;
  });
  afterAll(async () => {
    await engine.close();
  });

  it("names every hunt's output columns as the engine does (batched rows are given back under these names)", async () => {
    for (const h of hunts) {
      // Prepare: empty tables; the engine says which columns the hunt returns
      await engine.loadTables({});
      const { columns } = await engine.runWithTypes(h.sql, windowParams(h.sql, ALL_TIME));
      // Act
      const named = outputColumns(h);
      // Assess: the same names in the same order, or null (the hunt then runs on its own)
      if (named !== null) expect({ hunt: h.stem, columns: named }).toEqual({ hunt: h.stem, columns: columns.map((c) => c.name) });
    }
  });

  it('sends Athena only SQL that parses as Trino: the selections (declared prefilters included), the CTAS around them, the batches', () => {
    // Prepare
    const plan = planStages(hunts, { agencies: ['doj', "o'hare"] });
    const members = [
      ...plan.staged.map((h) => ({ hunt: h, selections: plan.selections.filter((s) => s.hunts.includes(h.meta.id)) })),
      ...plan.direct.map((d) => ({ hunt: d.hunt, selections: [] })),
    ];
    // Act
    const window = { since: '2019-01-01', until: '2026-12-07' };
    const { batches } = batchHunts(members, window);
    const texts = [
      ...plan.selections.map((s) => ctasStatement(s, `s3://lake-bucket/candidates/run-1/${s.table}/`, window)),
      ...batches.map((b) => b.sql),
    ];
    // Assess
    expect(batches.length).toBeGreaterThan(0);
    for (const sql of texts)
      expect({ sql: sql.slice(0, 200), problems: trinoSyntaxProblems(sql) }).toEqual({ sql: sql.slice(0, 200), problems: [] });
  });

  it('sends Athena only Trino SQL in an incremental sweep too: one selection per scope group, prefilters scoped', () => {
    // Prepare: half the hunts re-read doj's whole window, the others (the scanning-clients prefilter among them) a week.
    const window = { since: '2019-01-01', until: '2026-12-07' };
    const wide = { agencies: ['doj'], ranges: [window] };
    const narrow = { agencies: ['doj'], ranges: [{ since: '2026-11-23', until: '2026-11-30' }] };
    const scopes = new Map(
      hunts.map((h, i) => [h.meta.id, i % 2 === 0 && !h.path.endsWith('automated_scanning_clients.sql') ? wide : narrow]),
    );
    // Act
    const plan = planStages(hunts, { agencies: ['doj', 'dhs'], scopes, runTag: 'run-2' });
    const members = plan.staged.map((h) => ({
      hunt: h,
      selections: plan.selections.filter((s) => s.hunts.includes(h.meta.id)),
      scope: scopes.get(h.meta.id),
    }));
    const { batches } = batchHunts(members, window);
    // Assess: per table one selection per group, with distinct names; each hunt in exactly one of its table's.
    const web = plan.selections.filter((s) => s.table === 'web_requests');
    expect(web.map((s) => s.id)).toEqual(['web_requests_1', 'web_requests_2']);
    expect(new Set(plan.selections.map((s) => s.name)).size).toBe(plan.selections.length);
    for (const h of plan.staged) expect(web.filter((s) => s.hunts.includes(h.meta.id)).length).toBeLessThanOrEqual(1);
    // The prefilter's subquery reads the week, bound as literals: only the run's window is left as "?".
    for (const s of plan.selections) expect(selectionParams(s, window)).toEqual([window.since, window.until]);
    const texts = [
      ...plan.selections.map((s) => ctasStatement(s, `s3://lake-bucket/candidates/run-2/${s.id}/`, window)),
      ...batches.map((b) => b.sql),
    ];
    for (const sql of texts)
      expect({ sql: sql.slice(0, 200), problems: trinoSyntaxProblems(sql) }).toEqual({ sql: sql.slice(0, 200), problems: [] });
  });

  it('reads candidates for most hunts (the others are named with their reason)', () => {
    // Act
    const plan = planStages(hunts);
    // Assess: every hunt is in exactly one group, and the direct ones say why
    expect(plan.staged.length + plan.direct.length).toBe(hunts.length);
    expect(plan.staged.length).toBeGreaterThan(hunts.length / 2);
    for (const d of plan.direct) expect(d.reason).toMatch(/any row of/);
  });

  for (const h of hunts) {
    const file = fixturePathFor(h.path);
    if (!fs.existsSync(file)) continue;
    const selections = candidateSelections([h]);
    if (selections.length === 0 || selections.some((s) => s.predicate === null)) continue;
    it(`${path.basename(h.path)}: the same rows on every fixture case`, async () => {
      for (const c of loadFixtureFile(file).cases) {
        // Prepare: the case's tables loaded, then the hunt run as it is
        const direct = await runCase(h, file, c, { engine, indicators, normalizeRaw: defaultRawNormalizer() });
        // Act: the candidates of this hunt alone selected from the same tables, the hunt run over them
        for (const s of selections) await engine.materialize(s.name, s.select, selectionParams(s, ALL_TIME));
        const sql = huntOverCandidates(h, selections);
        const staged = await engine.run(sql, windowParams(sql, ALL_TIME));
        for (const s of selections) await engine.dropMaterialized(s.name);
        // Assess
        const sort = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
        expect({ case: c.name, rows: sort(staged) }).toEqual({ case: c.name, rows: sort(direct.rows) });
      }
    });
  }
});

describe('a batch with a failing hunt', () => {
  it('runs its hunts one by one: the others keep their findings, the failing one says why', async () => {
    // Prepare: a hunt that raises on Trino (url_decode of a malformed escape, without try) beside a working one
    const good = hunt(
      "SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits, uri_stem FROM web_requests WHERE dt BETWEEN ? AND ? AND strpos(lower(uri_stem), '/ecp/') = 1 GROUP BY agency, host, uri_stem",
    );
    const bad = parseQueryFile(
      'bad.sql',
      good.sql
        .replace('5b0e7c1e-8a1d-4c6e-9f3a-2d4b6c8e0a11', '6c1f8d2f-9b2e-4d7f-8a4b-3e5c7d9f1b22')
        .replace('uri_stem FROM', 'min(url_decode(uri_query)) AS decoded FROM'),
    );
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.loadTables({
        web_requests: [
          { event_time: '2021-03-03T04:05:06.789Z', host: 'EXCH01', uri_stem: '/ecp/y.js', uri_query: 'a=%zz' },
          { event_time: '2021-03-03T05:05:06.000Z', host: 'EXCH01', uri_stem: '/owa/', uri_query: null },
        ],
      });
      const window = { since: '2021-01-01', until: '2021-12-31' };
      // Act
      const r = await runStagedHunts({ engine, hunts: [good, bad], window });
      // Assess
      expect(r.queries.batchesFailed).toBe(1);
      expect(r.errors.map((e) => e.huntId)).toEqual([bad.meta.id]);
      expect(r.errors[0].message).toMatch(/malformed/);
      expect(r.findings.map((f) => [f.hunt_id, f.evidence, f.first_seen])).toEqual([
        [good.meta.id, { uri_stem: '/ecp/y.js' }, '2021-03-03T04:05:06.789Z'],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('gives timestamp columns back as ISO-8601 UTC, and leaves a text that only looks like one', async () => {
    // Prepare
    const h = hunt(
      'SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits, array_agg(event_time) AS times, min(uri_query) AS looks_like FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY agency, host',
    );
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.loadTables({
        web_requests: [{ event_time: '2021-03-03T04:05:06.789Z', host: 'EXCH01', uri_stem: '/', uri_query: '2021-03-03 04:05:06' }],
      });
      const window = { since: '2021-01-01', until: '2021-12-31' };
      // Act
      const staged = await runStagedHunts({ engine, hunts: [h], window });
      const direct = await engine.run(h.sql, windowParams(h.sql, window));
      // Assess
      expect(staged.queries.batches).toBe(1);
      expect(staged.findings[0].evidence).toEqual({ times: ['2021-03-03T04:05:06.789Z'], looks_like: '2021-03-03 04:05:06' });
      expect(direct[0].times).toEqual(['2021-03-03T04:05:06.789Z']);
    } finally {
      await engine.close();
    }
  });
});

describe('the bundled samples, staged and not', () => {
  it('gives the same findings', async () => {
    // Prepare
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-'));
    try {
      const lakeRoot = path.join(tmp, 'root');
      const demo = path.join(REPO, 'samples', 'agency-demo');
      const inputs = fs
        .readdirSync(demo)
        .filter((n) => n.endsWith('.zip'))
        .map((n) => path.join(demo, n));
      await normalizeUpload({
        inputs,
        agency: 'demo',
        uploadId: 'staged',
        lakeRoot,
        tmpDir: tmp,
        uploadTime: new Date('2021-03-20T00:00:00Z'),
      });
      const pack = await loadPack(path.join(REPO, 'queries'), path.join(REPO, 'indicators'));
      const sweep = async (staged: boolean) => {
        const engine = await DuckDbQueryEngine.open({ lakeRoot, indicators: pack.indicators });
        try {
          const r = await runSweep({
            engine,
            pack,
            indicators: null,
            outDir: path.join(tmp, staged ? 'staged' : 'direct'),
            windowFromLake: true,
            since: '2019-01-01',
            until: '2021-12-31',
            now: () => new Date('2026-01-15T12:00:00Z'),
            staged,
          });
          return { findings: r.findings, errors: r.errors };
        } finally {
          await engine.close();
        }
      };
      // Act
      const direct = await sweep(false);
      const staged = await sweep(true);
      const engine = await DuckDbQueryEngine.open({ lakeRoot, indicators: pack.indicators });
      const hunts = pack.hunts.filter((h) => h.meta.status !== 'deprecated');
      const queries = await runStagedHunts({ engine, hunts, window: { since: '2019-01-01', until: '2021-12-31' } })
        .then((r) => r.queries)
        .finally(() => engine.close());
      // Assess: few queries, and no batch fell back to hunt-by-hunt
      expect(queries.batchesFailed).toBe(0);
      expect(queries.selections + queries.batches + queries.alone).toBeLessThan(hunts.length / 3);
      // Assess
      expect(direct.errors).toEqual([]);
      expect(staged.errors).toEqual([]);
      expect(direct.findings.length).toBeGreaterThan(0);
      expect(staged.findings).toEqual(direct.findings);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
