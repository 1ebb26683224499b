/**
 * The lake-verify Lambda with its real module-level wiring: both buckets on s3rver; Athena's GetQueryExecution and
 * SQS mocked (no local server for them). The events are EventBridge's: "Scheduled Event" and Athena's
 * "Athena Query State Change" (Athena User Guide, "Monitoring Athena queries with EventBridge events": detail
 * currentState, queryExecutionId, workgroupName).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { normalizeS3Upload } from '../../src/aws/normalize-s3-upload';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { uploadEventOf } from '../../src/aws/upload-event';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { iisLog } from '../lake/faults/support';

const RAW = 'uploads/agency=doj/h-1/EXCH01/u_ex210301.log';

describe('lake-verify handler', () => {
  let s3: S3rverHandle;
  let tmp: string;
  let damagedKey: string;
  const saved = { ...process.env };
  const queueUrl = 'https://sqs.us-east-1.amazonaws.com/111111111111/sweep-uploads';
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-uploads', 'sweep-lake'] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-handler-'));
    Object.assign(process.env, {
      LAKE_BUCKET: 'sweep-lake',
      UPLOAD_BUCKET: 'sweep-uploads',
      QUEUE_URL: queueUrl,
      ...s3.lambdaEnv(),
    });
    await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-uploads', Key: RAW, Body: iisLog(90, 3, 2).text }));
    const uploads = new S3ObjectStore({ client: s3.client, bucket: 'sweep-uploads' });
    const lake = new S3ObjectStore({ client: s3.client, bucket: 'sweep-lake' });
    const r = await normalizeS3Upload({ uploads, lake, key: RAW, tmpDir: tmp });
    damagedKey = r.manifest.files[0].key;
    await lake.put(damagedKey, Buffer.from('PAR1 not what the manifest says PAR1'));
  });
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    process.env = saved;
  });

  const load = async () => (await import('../../lambdas/lake-verify/handler')) as { handler: (e: unknown) => Promise<unknown> };
  const failed = (id: string) => ({
    'detail-type': 'Athena Query State Change',
    source: 'aws.athena',
    detail: { currentState: 'FAILED', previousState: 'RUNNING', queryExecutionId: id, workgroupName: 'sweep' },
  });

  it('a hunt query failing on a lake file sends that upload back to the normalizer queue', async () => {
    // Prepare
    const athena = mockClient(AthenaClient);
    const sqs = mockClient(SQSClient);
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-bad' }).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-bad',
        Status: {
          State: 'FAILED',
          AthenaError: {
            ErrorCategory: 2,
            ErrorType: 1006,
            ErrorMessage: `HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://sweep-lake/${damagedKey} (offset=0, length=36): not a Parquet file`,
          },
        },
      },
    });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-sql' }).resolves({
      QueryExecution: {
        Status: { State: 'FAILED', AthenaError: { ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved" } },
      },
    });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await load();
    // Act
    const bad = await handler(failed('q-bad'));
    const sqlError = await handler(failed('q-sql'));
    const running = await handler({ ...failed('q-bad'), detail: { currentState: 'RUNNING', queryExecutionId: 'q-bad' } });
    // Assess
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(bad).toEqual({ queryExecutionId: 'q-bad', uploads: ['doj/h-1'], repairs: 1, unrepairable: 0 });
    expect(sqlError).toEqual({ queryExecutionId: 'q-sql', uploads: [] });
    expect(running).toEqual({ skipped: 'not a failed query' });
    expect(sent).toHaveLength(1);
    expect(sent[0].QueueUrl).toBe(queueUrl);
    expect(uploadEventOf(sent[0].MessageBody!, 'm-1')).toEqual({ kind: 'object', key: RAW, size: expect.any(Number) });
    athena.restore();
    sqs.restore();
  });

  it('the scheduled run checks the whole lake and enqueues the damaged upload', async () => {
    // Prepare
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-2' });
    const { handler } = await load();
    // Act
    const out = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    // Assess
    expect(out).toEqual({ manifests: 1, gaps: 1, repairs: 1, unrepairable: 0 });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    sqs.restore();
  });
});
