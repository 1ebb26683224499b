import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import { AwsEmulator, bindParameters, billedBytes } from '../../scripts/rehearse/aws-emulator';
import { AslUnsupportedError, StatesError } from '../../scripts/rehearse/asl';
import { runServiceTask } from '../../scripts/rehearse/sdk-tasks';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:findings';
const creds = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

describe('AwsEmulator (rehearsal SNS / Athena endpoints)', () => {
  let emulator: AwsEmulator;
  let endpoint: string;
  beforeAll(async () => {
    emulator = new AwsEmulator({
      subscriptions: [
        { endpoint: 'a@doj', topicArn: TOPIC, filterPolicy: { agency: ['doj'] } },
        { endpoint: 'b@dhs', topicArn: TOPIC, filterPolicy: { agency: ['dhs'] } },
        { endpoint: 'team', topicArn: TOPIC },
      ],
      runQuery: async () => ({
        columns: [
          { name: 'agency', type: 'VARCHAR' },
          { name: 'first_seen', type: 'TIMESTAMP' },
          { name: 'n', type: 'BIGINT' },
        ],
        rows: Array.from({ length: 1500 }, (_, i) => ({ agency: 'doj', first_seen: '2021-03-02T10:15:30.000Z', n: i === 0 ? null : i })),
        scannedBytes: 1234,
      }),
      resultsLocation: 's3://results/athena/',
    });
    endpoint = await emulator.start();
  });
  afterAll(() => emulator.stop());

  it('delivers each SNS message only to the subscriptions whose filter policy matches', async () => {
    // Prepare
    const sns = new SNSClient({ ...creds, endpoint });
    const entry = (id: string, agency: string) => ({
      Id: id,
      Message: `m-${agency}`,
      MessageAttributes: { agency: { DataType: 'String', StringValue: agency } },
    });
    // Act
    await sns.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [entry('0', 'doj'), entry('1', 'dhs')] }));
    // Assess
    expect(emulator.deliveries.map((d) => `${d.endpoint}:${d.message}`).sort()).toEqual([
      'a@doj:m-doj',
      'b@dhs:m-dhs',
      'team:m-dhs',
      'team:m-doj',
    ]);
    sns.destroy();
  });

  it('rejects a PublishBatch whose messages together pass 256 KiB, though each is under it', async () => {
    // Prepare
    const sns = new SNSClient({ ...creds, endpoint });
    const big = (id: string) => ({ Id: id, Message: 'x'.repeat(150_000) });
    // Act / Assess
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [big('0'), big('1')] })),
    ).rejects.toMatchObject({ name: 'BatchRequestTooLongException' });
    sns.destroy();
  });

  it('pages Athena results as Athena does: header row first, 1000 rows a page, NULL without a value', async () => {
    // Prepare
    const athena = new AthenaClient({ ...creds, endpoint });
    const exec = await emulator.startQuery('SELECT * FROM t WHERE dt BETWEEN ? AND ?', ["'2021-03-01'", "'2021-03-31'"]);
    // Act
    const p1 = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: exec.id, MaxResults: 1000 }));
    const p2 = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: exec.id, MaxResults: 1000, NextToken: p1.NextToken }));
    // Assess
    expect(p1.ResultSet!.Rows).toHaveLength(1000);
    expect(p1.ResultSet!.Rows![0].Data!.map((d) => d.VarCharValue)).toEqual(['agency', 'first_seen', 'n']);
    expect(p1.ResultSet!.Rows![1].Data).toEqual([{ VarCharValue: 'doj' }, { VarCharValue: '2021-03-02 10:15:30.000' }, {}]);
    expect(p2.ResultSet!.Rows).toHaveLength(501);
    expect(p2.NextToken).toBeUndefined();
    expect(AwsEmulator.describe(exec)).toMatchObject({ Statistics: { DataScannedInBytes: 10 * 1024 * 1024 } });
    athena.destroy();
  });

  // StartQueryExecution's QueryString is 1 to 262,144 bytes (Athena API Reference); through Step Functions' AWS SDK
  // integrations an API error is named <Service>.<Exception>, and S3's NoSuchKey is S3.NoSuchKeyException
  // ("Learning to use AWS service SDK integrations in Step Functions", Step Functions Developer Guide).
  it('serves the SDK integrations as Step Functions does: a too long query refused, a poll that sees the query run, errors named', async () => {
    // Prepare
    const ports = { athena: emulator, getObject: async () => undefined };
    const sdk = (api: string) => `arn:aws:states:::aws-sdk:${api}`;
    const started = (await runServiceTask(sdk('athena:startQueryExecution'), { QueryString: 'SELECT 1', WorkGroup: 'w' }, ports))!
      .result as { QueryExecutionId: string };
    const poll = async () =>
      ((await runServiceTask(sdk('athena:getQueryExecution'), { QueryExecutionId: started.QueryExecutionId }, ports))!.result as any)
        .QueryExecution;

    // Act
    const states = [(await poll()).Status.State, (await poll()).Status.State, (await poll()).Status.State];
    const tooLong = runServiceTask(sdk('athena:startQueryExecution'), { QueryString: `SELECT '${'x'.repeat(262_144)}'` }, ports);
    const missing = runServiceTask(sdk('s3:getObject'), { Bucket: 'b', Key: 'k' }, ports);

    // Assess
    expect(Object.keys(started)).toEqual(['QueryExecutionId']);
    expect(states).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect((await poll()).Query).toBe('SELECT 1');
    await expect(tooLong).rejects.toMatchObject({ error: 'Athena.InvalidRequestException' });
    await expect(missing).rejects.toEqual(expect.any(StatesError));
    await expect(missing).rejects.toMatchObject({ error: 'S3.NoSuchKeyException' });
    await expect(runServiceTask(sdk('athena:getQueryExecution'), { QueryExecutionId: 'x', Query: 'y' }, ports)).rejects.toBeInstanceOf(
      AslUnsupportedError,
    );
    await expect(runServiceTask(sdk('athena:stopQueryExecution'), { QueryExecutionId: 'x' }, ports)).rejects.toBeInstanceOf(
      AslUnsupportedError,
    );
    expect(await runServiceTask('arn:aws:lambda:us-east-1:111111111111:function:plan', {}, ports)).toBeUndefined();
  });

  it('binds execution parameters to ? outside strings and comments, and bills at least 10 MB', () => {
    expect(bindParameters("SELECT '?' AS q -- why?\nWHERE a = ? AND b = ?", ["'x'", '2'])).toBe(
      "SELECT '?' AS q -- why?\nWHERE a = 'x' AND b = 2",
    );
    expect(() => bindParameters('SELECT ?', [])).toThrow(/parameters/);
    expect(billedBytes(1)).toBe(10 * 1024 * 1024);
    expect(billedBytes(11 * 1024 * 1024 + 1)).toBe(12 * 1024 * 1024);
  });
});
