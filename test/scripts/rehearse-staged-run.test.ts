/**
 * The synthesized hunt state machine, run by the rehearsal's strict interpreter (scripts/rehearse/asl.ts: every state's
 * input and output at most Step Functions' 262,144-byte payload, "Quotas", Step Functions Developer Guide), over a
 * staged plan made by the planner: the query texts live in S3 (the plan state holds their keys), each is read with the
 * s3:getObject SDK integration, started with athena:startQueryExecution and polled with athena:getQueryExecution
 * (scripts/rehearse/sdk-tasks.ts serves them as the AWS SDK integrations return them: PascalCase responses, errors
 * named `<Service>.<Exception>`; the rehearsal's Athena refuses a query string over 262,144 bytes, "StartQueryExecution",
 * Athena API Reference). The Lambda steps are stood in for by the planner's own output and per-hunt outcomes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalObjectStore } from '../../src/core';
import { loadQueries, type Hunt } from '../../src/hunt';
import { planSweep, splitQueryTexts, MAX_STAGED_BATCH_BYTES, type SweepPlan } from '../../src/aws/sweep-plan';
import { estimateStaged, listLakeFiles } from '../../src/aws/scan-estimate';
import { MAX_CAUSE_CHARS } from '../../lib/hunt-runner';
import { runStateMachine, STATE_PAYLOAD_LIMIT } from '../../scripts/rehearse/asl';
import { AwsEmulator } from '../../scripts/rehearse/aws-emulator';
import { runServiceTask } from '../../scripts/rehearse/sdk-tasks';
import { render, testStacks } from '../constructs/support';

const shipped = loadQueries(path.join(__dirname, '..', '..', 'queries')).hunts.filter((h) => h.meta.status !== 'deprecated');
const AGENCIES = ['doj', 'dhs'];
const WINDOW = { since: '2019-01-01', until: '2026-12-07' };
const STAGED = { database: 'sweep_lake_candidates', bucket: 'sweep-results' };

const definition = (() => {
  const template = Template.fromStack(testStacks().compute).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };
  const sm = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  // The partition as deployed in a commercial region
  return JSON.parse((render(sm.Properties.DefinitionString) as string).replaceAll('<AWS::Partition>', 'aws'));
})();

const lake = new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'staged-run-')));
for (const key of [
  'lake/web_requests/agency=doj/dt=2021-03-03/u1-0.parquet',
  'lake/windows_events/agency=doj/dt=2021-03-04/u1-0.parquet',
  'lake/exchange_logs/agency=dhs/dt=2021-03-05/u2-0.parquet',
]) {
  const file = path.join(lake.rootDir, key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'PAR1');
}

/** The shipped pack `copies` times over, each copy with its own hunt ids. */
function packOf(copies: number): Hunt[] {
  const out: Hunt[] = [];
  for (let i = 0; i < copies; i++) out.push(...shipped.map((h) => (i === 0 ? h : { ...h, meta: { ...h.meta, id: randomUUID() } })));
  return out;
}

const plan = (hunts: readonly Hunt[]): Promise<SweepPlan> =>
  planSweep(
    { trigger: 'manual', since: WINDOW.since, until: WINDOW.until, agencies: AGENCIES },
    { lake, hunts, agencies: AGENCIES, retroSince: WINDOW.since, today: WINDOW.until, staged: STAGED },
  );

/** Runs the definition over a plan: its texts in a bucket, Athena answering with no rows or failing what `fails` matches. */
async function run(full: SweepPlan, fails?: RegExp) {
  const { state, texts } = splitQueryTexts(full);
  const bucket = new Map(texts.map((t) => [`${STAGED.bucket}/${t.key}`, t.text]));
  const athena = new AwsEmulator({
    subscriptions: [],
    resultsLocation: 's3://sweep-results/athena/',
    runQuery: async (sql) => {
      if (fails?.test(sql)) throw new Error(`SYNTAX_ERROR: line 1:8: Column 'injected_fault' cannot be resolved ${'x'.repeat(3000)}`);
      return { columns: [], rows: [], scannedBytes: 1024 };
    },
  });
  let committed: { hunt_id: string; ok: boolean; error?: string; cause?: string }[] = [];
  const out = await runStateMachine(definition, { trigger: 'manual' }, async (resource, input: any) => {
    const served = await runServiceTask(resource, input, {
      athena,
      getObject: async (b, k) => {
        const body = bucket.get(`${b}/${k}`);
        return body === undefined ? undefined : { body, etag: '"e"', lastModified: new Date() };
      },
    });
    if (served) return served.result;
    if (/Plan/.test(resource)) {
      if (input.cleanup) {
        for (const k of [...bucket.keys()]) if (k.startsWith(`${STAGED.bucket}/${input.cleanup.prefix}`)) bucket.delete(k);
        return { deleted: 0 };
      }
      if (input.commit) {
        committed = input.commit.results;
        return { committed: false, hunts_recorded: 0 };
      }
      return state;
    }
    if (/Publish/.test(resource)) {
      const record = (hunt_id: string) => ({ hunt_id, ok: true, findings: 0, new_findings: 0, data_scanned_bytes: 0 });
      return input.batch ? input.batch.hunts.map((h: { hunt_id: string }) => record(h.hunt_id)) : record(input.hunt_id);
    }
    throw new Error(`not served: ${resource}`);
  });
  return { out, committed, athena, left: [...bucket.keys()] };
}

describe('staged run through the synthesized state machine (rehearsal interpreter)', () => {
  it('runs a pack whose SQL is well over 256 KiB without passing the state payload limit, one query per planned batch', async () => {
    // Prepare: three times the shipped pack; its plan with the texts inline could not be a state
    const hunts = packOf(3);
    const full = await plan(hunts);
    const sql = [...full.staged!.selections.map((s) => s.ctas), ...full.staged!.batches.map((b) => b.sql)];
    expect(sql.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0)).toBeGreaterThan(1.5 * STATE_PAYLOAD_LIMIT);
    expect(Buffer.byteLength(JSON.stringify(full), 'utf8')).toBeGreaterThan(STATE_PAYLOAD_LIMIT);

    // Act
    const { out, committed, athena, left } = await run(full);

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(out.maxPayloadBytes).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT);
    expect(committed.filter((r) => r.ok)).toHaveLength(hunts.length);
    // Athena ran exactly the planned texts (the drops aside), each once, and the poll loop waited for each
    const ran = [...athena.executions.values()].map((e) => e.query).filter((q) => !q.startsWith('DROP TABLE'));
    expect(ran.sort()).toEqual([...sql, ...full.hunts.map((h) => h.query_string)].sort());
    expect(full.staged!.batches.length).toBeGreaterThan(1);
    expect(out.waitSeconds).toBeGreaterThan(0);
    expect(left).toEqual([]);
  });

  it('records every hunt of a failing batch failed with the reason cut to MAX_CAUSE_CHARS, and keeps the state small', async () => {
    // Prepare: the shipped pack (one batch); the batch fails with a long reason
    const full = await plan(shipped);
    expect(full.staged!.batches).toHaveLength(1);

    // Act
    const { out, committed, left } = await run(full, /\nUNION ALL\n/);

    // Assess
    expect(out).toMatchObject({ status: 'FAILED', error: 'HuntsFailed' });
    const failed = committed.filter((r) => !r.ok);
    expect(failed.map((r) => r.hunt_id).sort()).toEqual(full.staged!.batches[0].hunts.map((h) => h.hunt_id).sort());
    for (const f of failed) {
      expect(f.cause).toMatch(/^SYNTAX_ERROR: line 1:8: Column 'injected_fault' cannot be resolved/);
      expect(f.cause!.length).toBe(MAX_CAUSE_CHARS);
      expect(f.error).toBe('FAILED');
    }
    // No state held the batch's text with its failure: the largest is the text read from S3, under the limit
    expect(out.maxPayloadBytes).toBeLessThan(STATE_PAYLOAD_LIMIT);
    expect(left).toEqual([]);
  });

  it('plans the shipped pack as one batch, and sweep plan prices the same queries as the state machine runs', async () => {
    // Act
    const full = await plan(shipped);
    const priced = await estimateStaged(await listLakeFiles(lake), shipped, WINDOW, AGENCIES, { runId: full.run_id, candidates: STAGED });

    // Assess
    expect(full.staged!.batches).toHaveLength(1);
    expect(priced.queries.filter((q) => q.kind === 'batch')).toHaveLength(1);
    expect(priced.queries.map((q) => q.sql)).toEqual([
      ...full.staged!.selections.map((s) => s.ctas),
      ...full.staged!.batches.map((b) => b.sql),
      ...full.hunts.map((h) => h.query_string),
    ]);
    expect(Buffer.byteLength(full.staged!.batches[0].sql, 'utf8')).toBeLessThan(MAX_STAGED_BATCH_BYTES);
  });
});
