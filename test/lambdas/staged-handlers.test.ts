/**
 * The hunt state machine's Lambdas in a staged run, with their real module-level wiring: the plan (candidates
 * database and results bucket from the environment, as the stack sets them), the cleanup of a run's candidate files
 * (s3rver), and the publishing of a batch's rows per hunt (Athena, DynamoDB and SNS mocked).
 *
 * Athena's CTAS never writes into a location that holds data ("Considerations and limitations for CTAS queries",
 * Athena User Guide: external_location must be empty; delete the data to use it again), and DROP TABLE leaves the
 * files: the cleanup deletes the run's own prefix, and only it.
 */
import * as path from 'node:path';
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadQueries } from '../../src/hunt/query-file';
import { findingFromMessage } from '../../src/notify/message';
import { outputColumns } from '../../src/sweep';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

const QUERIES = path.resolve(__dirname, '..', '..', 'queries');

describe('staged hunt run handlers', () => {
  let s3: S3rverHandle;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-lake', 'sweep-results'] });
    Object.assign(process.env, {
      LAKE_BUCKET: 'sweep-lake',
      RESULTS_BUCKET: 'sweep-results',
      CANDIDATES_DATABASE: 'sweep_lake_candidates',
      AGENCIES: 'doj,dhs',
      RETRO_SINCE: '2019-01-01',
      QUERIES_DIR: QUERIES,
      WORKGROUP: 'sweep',
      DATABASE: 'sweep_lake',
      DEDUP_TABLE: 'sweep-dedup',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:sweep-findings',
      ...s3.lambdaEnv(),
    });
  });
  afterAll(async () => {
    await s3?.stop();
    process.env = saved;
  });

  it('plans a manual sweep in stages: candidate tables under the run prefix of the results bucket, then batches', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/plan-sweep/handler');
    const shipped = loadQueries(QUERIES).hunts.filter((h) => h.meta.status !== 'deprecated');
    // dhs has web requests only; doj's Windows events are outside the run's agencies.
    for (const key of [
      'lake/web_requests/agency=dhs/dt=2021-03-03/u1-0.parquet',
      'lake/windows_events/agency=doj/dt=2021-03-04/u2-0.parquet',
    ])
      await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-lake', Key: key, Body: 'PAR1' }));

    // Act
    const plan = await handler({ trigger: 'manual', agencies: ['dhs'] });

    // Assess
    const staged = plan.staged!;
    expect(staged.prefix).toBe(`candidates/${plan.run_id}/`);
    // Only tables with files in the run's agencies and window get a selection (a CTAS over nothing still pays 10 MB).
    expect(staged.selections.map((s) => s.table)).toEqual(['web_requests']);
    for (const s of staged.selections) {
      expect(s.location).toBe(`s3://sweep-results/candidates/${plan.run_id}/${s.table}/`);
      expect(s.name.startsWith('sweep_lake_candidates.candidates_')).toBe(true);
    }
    const ids = [...staged.batches.flatMap((b) => b.hunts.map((h) => h.hunt_id)), ...plan.hunts.map((h) => h.hunt_id)];
    expect(ids.sort()).toEqual(shipped.map((h) => h.meta.id).sort());
    // The texts are in the run's prefix, the state carries their keys only: the shipped pack is one batch
    expect(staged.batches).toHaveLength(1);
    const text = async (key: string) =>
      (await s3.client.send(new GetObjectCommand({ Bucket: 'sweep-results', Key: key }))).Body!.transformToString('utf8');
    for (const s of staged.selections) {
      expect(s.query_key).toBe(`candidates/${plan.run_id}/_queries/select-${s.table}.sql`);
      expect(await text(s.query_key)).toMatch(new RegExp(`^CREATE TABLE ${s.name}\\s+WITH \\(`));
    }
    expect(staged.batches[0].query_key).toBe(`candidates/${plan.run_id}/_queries/batch-1.sql`);
    expect(await text(staged.batches[0].query_key)).toMatch(/^-- \d+ hunts\n/);
    expect(JSON.stringify(plan)).not.toMatch(/UNION ALL|CREATE TABLE/);
    // The cleanup deletes them with the rest of the run's prefix
    await handler({ cleanup: { run_id: plan.run_id, prefix: staged.prefix } });
    expect((await s3.client.send(new ListObjectsV2Command({ Bucket: 'sweep-results', Prefix: staged.prefix }))).KeyCount).toBe(0);
  });

  it("deletes a run's candidate files and nothing else, and refuses any other prefix", async () => {
    // Prepare
    const { handler } = await import('../../lambdas/plan-sweep/handler');
    const keys = [
      'candidates/run-1/web_requests/a-00000.parquet',
      'candidates/run-1/windows_events/b-00000.parquet',
      'candidates/run-10/web_requests/c-00000.parquet',
      'athena/q-1.csv',
    ];
    for (const Key of keys) await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-results', Key, Body: 'PAR1' }));

    // Act
    const out = await handler({ cleanup: { run_id: 'run-1', prefix: 'candidates/run-1/' } });
    const again = await handler({ cleanup: { run_id: 'run-1', prefix: 'candidates/run-1/' } });

    // Assess
    expect(out).toEqual({ deleted: 2 });
    expect(again).toEqual({ deleted: 0 });
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: 'sweep-results' }));
    expect((left.Contents ?? []).map((o) => o.Key).sort()).toEqual(['athena/q-1.csv', 'candidates/run-10/web_requests/c-00000.parquet']);
    for (const prefix of ['candidates/', 'athena/', 'candidates/run-10/', 'candidates/run-1'])
      await expect(handler({ cleanup: { run_id: 'run-1', prefix } })).rejects.toThrow("not a staged run's candidates prefix");
  });

  it("publishes each hunt's findings from a batch's rows, and reports a hunt it cannot publish without losing the others", async () => {
    // Prepare: the batch holds a shipped hunt (one row) and a hunt this deployment does not have
    const athena = mockClient(AthenaClient);
    const ddb = mockClient(DynamoDBClient);
    const sns = mockClient(SNSClient);
    const hunt = loadQueries(QUERIES).hunts[0];
    const columns = outputColumns(hunt)!;
    const value = (c: string): unknown =>
      c === 'agency' ? 'dhs' : c === 'host' ? 'MAIL2' : /_seen$/.test(c) ? '2021-03-02 10:15:30.000' : c === 'hits' ? 5 : '/ecp/y.js';
    const type = (c: string): string => (/_seen$/.test(c) ? 'timestamp(3)' : c === 'hits' ? 'bigint' : 'varchar');
    const row = (id: string, values: unknown[], types: string[]) => ({
      Data: [{ VarCharValue: id }, { VarCharValue: JSON.stringify(values) }, { VarCharValue: JSON.stringify(types) }],
    });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: ['hunt_id', 'result_row', 'result_types'].map((Name) => ({ Name, Type: 'varchar' })),
        },
        Rows: [
          { Data: [{ VarCharValue: 'hunt_id' }, { VarCharValue: 'result_row' }, { VarCharValue: 'result_types' }] },
          row(hunt.meta.id, columns.map(value), columns.map(type)),
          row('not-deployed', ['doj'], ['varchar']),
        ],
      },
    });
    ddb.on(BatchGetItemCommand).resolves({ Responses: { 'sweep-dedup': [] } });
    ddb.on(PutItemCommand).resolves({});
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm-0' }] });
    const { handler } = await import('../../lambdas/publish-findings/handler');

    // Act
    const out = await handler({
      run_id: 'r1',
      batch: {
        batch_id: 'batch-1',
        hunts: [
          { hunt_id: hunt.meta.id, columns },
          { hunt_id: 'not-deployed', columns: ['agency'] },
        ],
      },
      query_execution_id: 'q-78',
      output_location: 's3://sweep-results/athena/q-78.csv',
      data_scanned_bytes: 2048,
    });

    // Assess
    expect(out[0]).toEqual({ hunt_id: hunt.meta.id, ok: true, findings: 1, new_findings: 1, data_scanned_bytes: 1024 });
    expect(out[1]).toMatchObject({ hunt_id: 'not-deployed', ok: false, error: 'UnknownHuntError' });
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    const entry = sns.commandCalls(PublishBatchCommand)[0].args[0].input.PublishBatchRequestEntries![0];
    expect(findingFromMessage(entry.Message!)).toMatchObject({
      hunt_id: hunt.meta.id,
      agency: 'dhs',
      host: 'MAIL2',
      first_seen: '2021-03-02T10:15:30.000Z',
    });
    expect(athena.commandCalls(GetQueryResultsCommand).length).toBeGreaterThan(0);
    athena.restore();
    ddb.restore();
    sns.restore();
  });
});
