import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { runSmoke, smokeLog, type SmokeOptions } from '../../src/aws/smoke';
import { TABLE_NAMES } from '../../src/lake/schema';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:sweep-findings';
const OPTS: SmokeOptions = {
  agency: 'smoke-test',
  otherAgency: 'doj',
  uploadBucket: 'up',
  lakeBucket: 'lake',
  topicArn: TOPIC,
  stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:sweep',
  workGroup: 'sweep',
  database: 'sweep_lake',
  runId: 'abc12345',
  pollMs: 1,
  timeoutMs: 60_000,
  sleep: async () => undefined,
  log: () => undefined,
};

/** Mocked AWS: a deployment that works, except what `breakIt` changes. */
function mockAws(opts: { leakToOther?: boolean } = {}) {
  const s3 = mockClient(S3Client);
  const athena = mockClient(AthenaClient);
  const sfn = mockClient(SFNClient);
  const sns = mockClient(SNSClient);
  const sqs = mockClient(SQSClient);
  const noSuchKey = Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
  s3.on(PutObjectCommand).resolves({});
  // The manifest appears on the second poll.
  s3.on(GetObjectCommand)
    .rejectsOnce(noSuchKey)
    .resolves({ Body: { transformToString: async () => JSON.stringify({ rows_per_table: { web_requests: 2 } }) } as never });
  s3.on(ListObjectsV2Command).callsFake((i) => ({
    Contents:
      i.Prefix === 'lake/web_requests/agency=smoke-test/'
        ? [{ Key: `${i.Prefix}dt=2021-03-03/smoke-abc12345-0.parquet` }, { Key: `${i.Prefix}dt=2021-03-03/other-upload-0.parquet` }]
        : [],
  }));
  s3.on(DeleteObjectsCommand).resolves({});
  let sql = '';
  athena.on(StartQueryExecutionCommand).callsFake((i) => {
    sql = i.QueryString;
    return { QueryExecutionId: 'q1' };
  });
  athena
    .on(GetQueryExecutionCommand)
    .resolves({ QueryExecution: { QueryExecutionId: 'q1', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } } });
  athena.on(GetQueryResultsCommand).callsFake(() => ({
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
      Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: / web_requests /.test(sql) ? '2' : '0' }] }],
    },
  }));
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:smoke' });
  sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED' });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [{ SubscriptionArn: 'arn:sub:doj' }, { SubscriptionArn: 'arn:sub:smoke' }, { SubscriptionArn: 'PendingConfirmation' }],
  });
  sns
    .on(GetSubscriptionAttributesCommand, { SubscriptionArn: 'arn:sub:doj' })
    .resolves({ Attributes: { FilterPolicy: '{"agency":["doj"]}' } });
  sns
    .on(GetSubscriptionAttributesCommand, { SubscriptionArn: 'arn:sub:smoke' })
    .resolves({ Attributes: { FilterPolicy: '{"agency":["smoke-test"]}' } });
  sns.on(SubscribeCommand).callsFake((i) => ({ SubscriptionArn: `arn:probe:${i.Endpoint}` }));
  sns.on(UnsubscribeCommand).resolves({});
  sqs.on(CreateQueueCommand).callsFake((i) => ({ QueueUrl: `https://sqs/${i.QueueName}` }));
  sqs.on(GetQueueAttributesCommand).callsFake((i) => ({ Attributes: { QueueArn: `arn:sqs:${i.QueueUrl.split('/').pop()}` } }));
  sqs.on(SetQueueAttributesCommand).resolves({});
  const msg = (kind: string, agency: string) => ({
    Body: `${kind} SMOKE-ABC12345`,
    MessageAttributes: { kind: { DataType: 'String', StringValue: kind }, agency: { DataType: 'String', StringValue: agency } },
  });
  sqs
    .on(ReceiveMessageCommand, { QueueUrl: 'https://sqs/sweep-smoke-abc12345-own' })
    .resolvesOnce({ Messages: [msg('receipt', 'smoke-test')] })
    .resolves({ Messages: [msg('finding', 'smoke-test')] });
  sqs
    .on(ReceiveMessageCommand, { QueueUrl: 'https://sqs/sweep-smoke-abc12345-other' })
    .resolves({ Messages: opts.leakToOther ? [msg('finding', 'smoke-test')] : [] });
  sqs.on(DeleteQueueCommand).resolves({});
  const clients = {
    s3: new S3Client({}),
    athena: new AthenaClient({}),
    sfn: new SFNClient({}),
    sns: new SNSClient({}),
    sqs: new SQSClient({}),
  };
  return { s3, athena, sfn, sns, sqs, clients, restore: () => [s3, athena, sfn, sns, sqs].forEach((m) => m.restore()) };
}

describe('runSmoke', () => {
  it('passes every stage on a working deployment and cleans up only what it made', async () => {
    // Prepare
    const aws = mockAws();
    try {
      // Act
      const stages = await runSmoke(OPTS, aws.clients);
      // Assess
      expect(stages.map((s) => `${s.ok ? 'ok' : 'FAIL'} ${s.stage}`)).toEqual([
        'ok probes',
        'ok upload',
        'ok receipt',
        'ok athena',
        'ok pack',
        'ok routing',
        'ok cleanup',
      ]);
      const put = aws.s3.commandCalls(PutObjectCommand)[0].args[0].input;
      expect(put).toMatchObject({
        Bucket: 'up',
        Key: 'uploads/agency=smoke-test/smoke-abc12345/SMOKE-ABC12345/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log',
        Body: smokeLog(),
      });
      // One Athena query per table, on event_time and a string column.
      const queries = aws.athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      expect(queries).toHaveLength(TABLE_NAMES.length);
      for (const q of queries) expect(q.QueryString).toMatch(/event_time >= from_iso8601_timestamp\(\?\) AND \w+ = \?/);
      expect(queries[0].ExecutionParameters).toEqual([
        "'smoke-test'",
        "'2021-03-03'",
        "'2021-03-03'",
        "'2021-03-03T00:00:00Z'",
        "'SMOKE-ABC12345'",
      ]);
      // Probes copy the deployed filter policies; the run is limited to the test agency.
      expect(aws.sns.commandCalls(SubscribeCommand).map((c) => c.args[0].input.Attributes?.FilterPolicy)).toEqual([
        '{"agency":["smoke-test"]}',
        '{"agency":["doj"]}',
      ]);
      expect(JSON.parse(aws.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toEqual({
        trigger: 'manual',
        agencies: ['smoke-test'],
        since: '2021-03-03',
        until: '2021-03-03',
      });
      // Cleanup: the smoke upload's lake files, manifest and commit record, not another upload's.
      const lakeDelete = aws.s3
        .commandCalls(DeleteObjectsCommand)
        .map((c) => c.args[0].input)
        .find((i) => i.Bucket === 'lake')!;
      expect(lakeDelete.Delete!.Objects!.map((o) => o.Key)).toEqual([
        'manifests/agency=smoke-test/smoke-abc12345.json',
        'commits/agency=smoke-test/smoke-abc12345.json',
        'lake/web_requests/agency=smoke-test/dt=2021-03-03/smoke-abc12345-0.parquet',
      ]);
      expect(aws.sqs.commandCalls(DeleteQueueCommand)).toHaveLength(2);
      expect(aws.sns.commandCalls(UnsubscribeCommand)).toHaveLength(2);
    } finally {
      aws.restore();
    }
  });

  it("fails when another agency's filter policy lets the test agency's findings through, and still cleans up", async () => {
    // Prepare
    const aws = mockAws({ leakToOther: true });
    try {
      // Act
      const stages = await runSmoke(OPTS, aws.clients);
      // Assess
      expect(stages.find((s) => !s.ok)?.detail).toMatch(/doj probe received 1 messages of smoke-test/);
      expect(stages.at(-1)).toMatchObject({ stage: 'cleanup', ok: true });
      expect(aws.sqs.commandCalls(DeleteQueueCommand)).toHaveLength(2);
    } finally {
      aws.restore();
    }
  });
});
