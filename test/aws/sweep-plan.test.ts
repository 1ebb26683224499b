import { parseQueryFile } from '../../src/hunt/query-file';
import { LocalObjectStore } from '../../src/core';
import { MAX_PLAN_BYTES, planHunt, planSweep, SweepPlanError } from '../../src/aws/sweep-plan';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const HEADER = (id: string, extra = '') => `/* ---
id: ${id}
name: ProxyLogon SSRF anchor mailbox
status: stable
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
description: ServerInfo~ anchor mailbox in HttpProxy logs.
references: [https://github.com/microsoft/CSS-Exchange]
${extra}--- */
`;
const SQL = `-- one row per host and anchor mailbox
WITH hits AS (
  SELECT agency, host, anchor_mailbox, event_time FROM web_requests
  WHERE dt BETWEEN ? AND ? AND anchor_mailbox LIKE 'ServerInfo~%' -- '?' inside a comment and 'a?b' inside a string are not parameters
)
SELECT agency, host, anchor_mailbox, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits
FROM hits WHERE anchor_mailbox <> 'a?b'
GROUP BY agency, host, anchor_mailbox;
`;
const ID1 = '6f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b21';
const ID2 = '7f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b22';
const hunt = parseQueryFile('queries/hafnium/web/initial_access_ssrf.sql', HEADER(ID1) + SQL);
const deprecated = parseQueryFile(
  'queries/hafnium/web/initial_access_old.sql',
  HEADER(ID2, 'deprecated_reason: replaced by the TPL variant\n').replace('status: stable', 'status: deprecated') + SQL,
);

describe('planHunt', () => {
  it('wraps the hunt with an agency filter and binds window pairs then agencies as SQL literals', () => {
    // Act
    const p = planHunt(hunt, { since: '2019-01-01', until: '2026-11-27' }, ['doj', "o'neil"]);

    // Assess
    expect(p.params).toEqual(["'2019-01-01'", "'2026-11-27'", "'doj'", "'o''neil'"]);
    expect(p.query_string.startsWith(`-- hunt ${ID1}: ProxyLogon SSRF anchor mailbox\nSELECT * FROM (\n`)).toBe(true);
    expect(p.query_string.endsWith(') AS hunt_result WHERE hunt_result.agency IN (?, ?)')).toBe(true);
    expect(p.query_string).not.toContain('--- */');
    expect(p.query_string).not.toMatch(/;\s*\)/);
    expect(p.query_string).toContain("anchor_mailbox <> 'a?b'");
    const named = planHunt(
      { ...hunt, meta: { ...hunt.meta, name: 'Which host? (ServerInfo~?#)' } },
      { since: '2019-01-01', until: '2026-11-27' },
      ['doj'],
    );
    expect(named.query_string.split('\n')[0]).toBe(`-- hunt ${ID1}: Which host  (ServerInfo~ #)`);
  });
});

describe('planSweep', () => {
  const ctx = {
    lake: new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'))),
    hunts: [hunt, deprecated],
    agencies: ['doj', 'dhs'],
    retroSince: '2019-01-01',
    today: '2026-11-27',
    newRunId: () => 'run-1',
  };

  it('plans a scheduled retro-hunt over all history and all agencies, skipping deprecated hunts', async () => {
    // Act
    const plan = await planSweep({ trigger: 'schedule' }, ctx);

    // Assess
    expect(plan).toMatchObject({
      run_id: 'run-1',
      trigger: 'schedule',
      since: '2019-01-01',
      until: '2026-11-27',
      agencies: ['doj', 'dhs'],
    });
    expect(plan.hunts.map((h) => h.hunt_id)).toEqual([ID1]);
  });

  it("plans an analyst's window for chosen agencies and hunts", async () => {
    // Act
    const plan = await planSweep({ trigger: 'manual', since: '2021-02-20', until: '2021-03-10', agencies: ['dhs'], hunt_ids: [ID1] }, ctx);

    // Assess
    expect(plan.hunts[0].params).toEqual(["'2021-02-20'", "'2021-03-10'", "'dhs'"]);
  });

  it("after an upload, reads a group_days hunt over the upload's days +/- its groups and keeps the findings that touch them, alone in a staged plan", async () => {
    // Prepare: an upload with rows on 2021-03-02 and 2021-03-03, and a hunt whose findings are groups of rows at
    // most 6 days apart.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-up-'));
    for (const d of ['2021-03-02', '2021-03-03']) {
      const f = path.join(root, 'lake', 'web_requests', 'agency=doj', `dt=${d}`, 'u9-0.parquet');
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, 'PAR1');
    }
    const grouped = parseQueryFile('queries/hafnium/web/grouped.sql', HEADER(ID2, 'group_days: 6\n') + SQL);
    const upCtx = { ...ctx, lake: new LocalObjectStore(root), hunts: [hunt, grouped] };
    const req = { trigger: 'upload' as const, manifest_key: 'manifests/agency=doj/u9.json' };

    // Act
    const plan = await planSweep(req, upCtx);
    const staged = await planSweep(req, { ...upCtx, staged: { database: 'sweep_lake_candidates', bucket: 'sweep-results' } });

    // Assess: the plain hunt reads the upload's days; the grouped one those days +/- 6, and keeps what touches them.
    const [plain, g] = plan.hunts;
    expect(plain.params.slice(0, 2)).toEqual(["'2021-03-02'", "'2021-03-03'"]);
    expect(g.params.slice(0, 2)).toEqual(["'2021-02-24'", "'2021-03-09'"]);
    expect(g.query_string).toContain(
      "(hunt_result.last_seen >= TIMESTAMP '2021-03-02 00:00:00' AND hunt_result.first_seen < TIMESTAMP '2021-03-04 00:00:00')",
    );
    expect(plain.query_string).not.toContain('TIMESTAMP');
    // Staged: the grouped hunt reads days the run's candidates do not hold, so it runs alone, as planned above.
    expect(staged.hunts.map((h) => h.hunt_id)).toEqual([ID2]);
    expect(staged.hunts[0].query_string).toBe(g.query_string);
    expect(staged.staged!.batches.flatMap((b) => b.hunts.map((h) => h.hunt_id))).toEqual([ID1]);
  });

  it('plans nothing, with a note, for an upload that wrote no lake rows', async () => {
    // Act
    const plan = await planSweep({ trigger: 'upload', manifest_key: 'manifests/agency=doj/empty-upload.json' }, ctx);

    // Assess
    expect(plan.hunts).toEqual([]);
    expect(plan.note).toBe('upload empty-upload of doj wrote no lake rows: nothing to sweep');
  });

  it('throws SweepPlanError on an unknown agency, a bad day, a reversed window or an unknown hunt', async () => {
    await expect(planSweep({ trigger: 'manual', agencies: ['nasa'] }, ctx)).rejects.toThrow('unknown agency "nasa"; configured: doj, dhs');
    await expect(planSweep({ trigger: 'manual', since: '2021-3-1' }, ctx)).rejects.toThrow(
      'since must be a day as YYYY-MM-DD, got "2021-3-1"',
    );
    await expect(planSweep({ trigger: 'manual', since: '2022-01-01', until: '2021-01-01' }, ctx)).rejects.toThrow(SweepPlanError);
    await expect(planSweep({ trigger: 'manual', hunt_ids: ['nope'] }, ctx)).rejects.toThrow('unknown hunt ids: nope');
    await expect(planSweep({ trigger: 'upload', manifest_key: 'manifests/agency=nasa/u1.json' }, ctx)).rejects.toThrow(
      'unknown agency "nasa"',
    );
  });

  it('throws when the plan would not fit in a Step Functions payload', async () => {
    // Prepare
    const many = Array.from(
      { length: 120 },
      (_, i) =>
        parseQueryFile(
          `q${i}.sql`,
          HEADER(`${String(i).padStart(8, '0')}-8a7b-4c0e-9a55-2f1d6c1f7b21`) +
            SQL.replace('-- one row', `-- ${'x'.repeat(10)}`) +
            `-- ${'pad '.repeat(1)}\n`,
        ).sql,
    );
    const big = many.map((sql, i) =>
      parseQueryFile(
        `q${i}.sql`,
        sql.replace('SELECT agency, host, anchor_mailbox, min', `SELECT agency, host, anchor_mailbox, '${'y'.repeat(1500)}' AS note, min`),
      ),
    );

    // Act, Assess
    await expect(planSweep({ trigger: 'schedule' }, { ...ctx, hunts: big })).rejects.toThrow(
      `over the ${MAX_PLAN_BYTES}-byte Step Functions payload budget`,
    );
  });
});
