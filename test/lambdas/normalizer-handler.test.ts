/**
 * The normalizer Lambda handler end to end on s3rver: SQS records carrying
 * EventBridge "Object Created" events in, lake + manifest out, a bad record
 * reported as a partial batch failure (only it is retried).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { randomBytes } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { buildZip } from '../support/archive-builders';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { zstdAvailable } from '../../src/lake';
import { query } from '../lake/duckdb-read';

const IIS = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-03 02:21:05 10.0.0.5 POST /owa/auth/Current/themes/resources/logon.aspx - 443 - 203.0.113.7 python-requests/2.25.1 - 200 0 0 15',
].join('\r\n');

function sqsRecord(id: string, bucket: string, key: string, size = 1): SQSRecord {
  const event = {
    version: '0',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: bucket }, object: { key, size } },
  };
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify(event),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:sweep-uploads',
    awsRegion: 'us-east-1',
  };
}

describe('normalizer handler', () => {
  let s3: S3rverHandle;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-uploads', 'sweep-lake'] });
    // What the construct sets, plus what points the module-level client at s3rver.
    Object.assign(process.env, {
      UPLOAD_BUCKET: 'sweep-uploads',
      LAKE_BUCKET: 'sweep-lake',
      ...s3.lambdaEnv(),
      TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:sweep-findings',
      QUERIES_DIR: path.resolve(__dirname, '..', '..', 'queries'),
      // A small threshold so the test's "large" upload stays small.
      LARGE_UPLOAD_BYTES: String(64 * 1024),
      LARGE_UPLOAD_TASK: JSON.stringify({
        cluster: 'sweep-normalizer',
        taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/sweep-normalizer-large:1',
        containerName: 'normalizer',
        subnets: ['subnet-1'],
        securityGroups: ['sg-1'],
        codeBucket: 'cdk-assets',
        codeKey: 'task.js',
      }),
    });
    const zip = buildZip([{ name: 'MAIL2/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', data: IIS }]);
    await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=dhs/u-7/MAIL2.zip', Body: zip }));
  });
  afterAll(async () => {
    await s3?.stop();
    process.env = saved;
  });

  it('normalizes the upload of a good record, publishes its receipt, and reports only the bad record as failed', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm-0' }] });
    const { handler } = await import('../../lambdas/normalizer/handler');
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-good', 'sweep-uploads', 'uploads/agency=dhs/u-7/MAIL2.zip'),
        sqsRecord('m-bad', 'sweep-uploads', 'not-an-upload.zip'),
      ],
    };
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
    const context = { functionName: 'normalizer', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

    // Act
    const out = await handler(event, context);

    // Assess
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    const manifest = await s3.client.send(new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'manifests/agency=dhs/u-7.json' }));
    const m = JSON.parse(await manifest.Body!.transformToString());
    expect(m).toMatchObject({ agency: 'dhs', upload_id: 'u-7', rows_per_table: { web_requests: 1 } });
    const lakeFile = await s3.client.send(
      new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'lake/web_requests/agency=dhs/dt=2021-03-03/u-7-0.parquet' }),
    );
    const bytes = Buffer.from(await lakeFile.Body!.transformToByteArray());
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    // The lake on AWS is ZSTD where the runtime has it (the Lambda's Node 24), Snappy on a Node without it.
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lake-codec-')), 'f.parquet');
    fs.writeFileSync(copy, bytes);
    expect(await query(`SELECT DISTINCT compression FROM parquet_metadata('${copy}')`)).toEqual([
      { compression: zstdAvailable() ? 'ZSTD' : 'SNAPPY' },
    ]);
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    const receipt = sns.commandCalls(PublishBatchCommand)[0].args[0].input.PublishBatchRequestEntries![0];
    expect(receipt.Subject).toMatch(/^Upload u-7 received \(dhs\): 1 host, 1 log family/);
    expect(receipt.MessageAttributes).toMatchObject({
      agency: { DataType: 'String', StringValue: 'dhs' },
      kind: { DataType: 'String', StringValue: 'receipt' },
    });
    sns.restore();
    // /tmp is reused by warm Lambdas: the handler leaves nothing behind.
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('normalize-') && !tmpBefore.has(d))).toEqual([]);
  });

  it('accepts URL-encoded keys, skips S3 console folder markers, and hands large uploads to the Fargate task', async () => {
    // Prepare: keys as S3 may send them; a console folder (size 0, key ending in "/"); an upload past the threshold.
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm-0' }] });
    const ecs = mockClient(ECSClient);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:111111111111:task/sweep-normalizer/t-1' }], failures: [] });
    const zip = buildZip([{ name: 'MAIL3/inetpub/logs/LogFiles/W3SVC1/u_ex210304.log', data: IIS }]);
    await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=dhs/u-8/MAIL3 logs.zip', Body: zip }));
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=dhs/u-big/EXCH09.zip', Body: randomBytes(100 * 1024) }),
    );
    const { handler } = await import('../../lambdas/normalizer/handler');
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-encoded', 'sweep-uploads', 'uploads/agency%3Ddhs/u-8/MAIL3+logs.zip'),
        sqsRecord('m-folder', 'sweep-uploads', 'uploads/agency=dhs/u-9/', 0),
        sqsRecord('m-agency-folder', 'sweep-uploads', 'uploads/agency%3Ddhs/', 0),
        sqsRecord('m-big', 'sweep-uploads', 'uploads/agency=dhs/u-big/EXCH09.zip', 100 * 1024),
      ],
    };
    const context = { functionName: 'normalizer', awsRequestId: 'req-2', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

    // Act
    const out = await handler(event, context);

    // Assess
    expect(out).toEqual({ batchItemFailures: [] });
    const manifest = await s3.client.send(new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'manifests/agency=dhs/u-8.json' }));
    expect(JSON.parse(await manifest.Body!.transformToString())).toMatchObject({
      agency: 'dhs',
      upload_id: 'u-8',
      rows_per_table: { web_requests: 1 },
    });
    const run = ecs.commandCalls(RunTaskCommand);
    expect(run).toHaveLength(1);
    expect(run[0].args[0].input).toMatchObject({
      cluster: 'sweep-normalizer',
      launchType: 'FARGATE',
      overrides: {
        containerOverrides: [
          {
            name: 'normalizer',
            environment: [
              { name: 'UPLOAD_KEY', value: 'uploads/agency=dhs/u-big/EXCH09.zip' },
              { name: 'TASK_CODE_URL', value: expect.stringMatching(/\/cdk-assets\/task\.js\?.*X-Amz-Signature=/) },
            ],
          },
        ],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
    });
    // The large upload is the task's: the Lambda wrote nothing for it, and only u-8 got a receipt.
    await expect(s3.client.send(new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'manifests/agency=dhs/u-big.json' }))).rejects.toThrow();
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    sns.restore();
    ecs.restore();
  });
});
