/**
 * The two Lambdas of the hunt state machine, with their real module-level
 * wiring: plan (lake listing on s3rver, the shipped pack) and publish (Athena,
 * DynamoDB and SNS clients mocked: no local server exists for them).
 */
import * as path from 'node:path';
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadQueries } from '../../src/hunt/query-file';
import { findingFromMessage } from '../../src/notify/message';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

const QUERIES = path.resolve(__dirname, '..', '..', 'queries');

describe('hunt state machine handlers', () => {
  let s3: S3rverHandle;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-lake'] });
    Object.assign(process.env, {
      LAKE_BUCKET: 'sweep-lake',
      AGENCIES: 'doj,dhs',
      RETRO_SINCE: '2019-01-01',
      QUERIES_DIR: QUERIES,
      WORKGROUP: 'sweep',
      DATABASE: 'sweep_lake',
      DEDUP_TABLE: 'sweep-dedup',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:sweep-findings',
      ...s3.lambdaEnv(),
    });
    for (const key of [
      'lake/web_requests/agency=doj/dt=2021-03-02/u-9-0.parquet',
      'lake/windows_events/agency=doj/dt=2021-03-05/u-9-0.parquet',
      'lake/web_requests/agency=doj/dt=2021-04-01/u-10-0.parquet',
    ]) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-lake', Key: key, Body: 'PAR1' }));
    }
  });
  afterAll(async () => {
    await s3?.stop();
    process.env = saved;
  });

  it("plans an after-upload sweep of the upload's days with every shipped hunt", async () => {
    // Prepare
    const { handler } = await import('../../lambdas/plan-sweep/handler');
    const shipped = loadQueries(QUERIES).hunts.filter((h) => h.meta.status !== 'deprecated');

    // Act
    const plan = await handler({ trigger: 'upload', manifest_key: 'manifests/agency=doj/u-9.json' });

    // Assess
    expect(plan).toMatchObject({ trigger: 'upload', since: '2021-03-02', until: '2021-03-05', agencies: ['doj'] });
    expect(plan.hunts.map((h) => h.hunt_id).sort()).toEqual(shipped.map((h) => h.meta.id).sort());
    // Every hunt reads the upload's days; one whose findings are groups of rows (group_days) reads them +/- its groups.
    const grouped = new Map(shipped.filter((h) => h.meta.group_days !== undefined).map((h) => [h.meta.id, h.meta.group_days!]));
    expect(grouped.size).toBeGreaterThan(0);
    for (const h of plan.hunts) {
      expect(h.params.at(-1)).toBe("'doj'");
      const n = grouped.get(h.hunt_id);
      const first =
        n === undefined ? '2021-03-02' : new Date(Date.parse('2021-03-02T00:00:00Z') - n * 86_400_000).toISOString().slice(0, 10);
      expect({ id: h.hunt_id, since: h.params[0] }).toEqual({ id: h.hunt_id, since: `'${first}'` });
    }
  });

  it('plans a scheduled retro-hunt against the sweep state in the bucket, and commits it after the run', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/plan-sweep/handler');
    const shipped = loadQueries(QUERIES).hunts.filter((h) => h.meta.status !== 'deprecated');

    // Act: the first scheduled run reads all history; once committed, an unchanged lake plans nothing.
    const first = await handler({ trigger: 'schedule' });
    const committed = await handler({
      commit: { run_id: first.run_id, state_key: first.state_key, results: first.hunts.map((h) => ({ hunt_id: h.hunt_id, ok: true })) },
    });
    const second = await handler({ trigger: 'schedule' });
    const none = await handler({ commit: { run_id: 'r-upload', state_key: null, results: [] } });

    // Assess
    expect(first.state_key).toBe(`sweep-state/pending/${first.run_id}.json`);
    expect(first.hunts.map((h) => h.mode)).toEqual(shipped.map(() => 'full'));
    expect(committed).toEqual({ committed: true, hunts_recorded: shipped.length });
    expect(second.hunts).toEqual([]);
    expect(second.skipped).toHaveLength(shipped.length);
    expect(none).toEqual({ committed: false, hunts_recorded: 0 });
  });

  it('publishes new findings of a finished hunt query and records them', async () => {
    // Prepare
    const athena = mockClient(AthenaClient);
    const ddb = mockClient(DynamoDBClient);
    const sns = mockClient(SNSClient);
    const hunt = loadQueries(QUERIES).hunts[0];
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'agency', Type: 'varchar' },
            { Name: 'host', Type: 'varchar' },
            { Name: 'first_seen', Type: 'timestamp' },
            { Name: 'last_seen', Type: 'timestamp' },
            { Name: 'hits', Type: 'bigint' },
            { Name: 'uri_stem', Type: 'varchar' },
          ],
        },
        Rows: [
          {
            Data: [
              { VarCharValue: 'agency' },
              { VarCharValue: 'host' },
              { VarCharValue: 'first_seen' },
              { VarCharValue: 'last_seen' },
              { VarCharValue: 'hits' },
              { VarCharValue: 'uri_stem' },
            ],
          },
          {
            Data: [
              { VarCharValue: 'dhs' },
              { VarCharValue: 'MAIL2' },
              { VarCharValue: '2021-03-02 10:15:30.000' },
              { VarCharValue: '2021-03-03 01:00:00.000' },
              { VarCharValue: '5' },
              { VarCharValue: '/ecp/y.js' },
            ],
          },
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
      hunt_id: hunt.meta.id,
      query_execution_id: 'q-77',
      output_location: 's3://results/athena/q-77.csv',
      data_scanned_bytes: 1024,
    });

    // Assess
    expect(out).toEqual({ hunt_id: hunt.meta.id, ok: true, findings: 1, new_findings: 1, data_scanned_bytes: 1024 });
    const entry = sns.commandCalls(PublishBatchCommand)[0].args[0].input.PublishBatchRequestEntries![0];
    expect(entry.MessageAttributes!.agency).toEqual({ DataType: 'String', StringValue: 'dhs' });
    expect(findingFromMessage(entry.Message!)).toMatchObject({
      hunt_id: hunt.meta.id,
      agency: 'dhs',
      host: 'MAIL2',
      first_seen: '2021-03-02T10:15:30.000Z',
      count: 5,
    });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    athena.restore();
    ddb.restore();
    sns.restore();
  });
});
