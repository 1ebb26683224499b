/**
 * The board-digest Lambda with its real module-level wiring: the lake bucket on s3rver, DynamoDB and SNS mocked
 * (no local server exists for them).
 */
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadQueries } from '../../src/hunt/query-file';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

const QUERIES = path.resolve(__dirname, '..', '..', 'queries');

describe('board-digest handler', () => {
  let s3: S3rverHandle;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-lake'] });
    Object.assign(process.env, {
      LAKE_BUCKET: 'sweep-lake',
      AGENCIES: 'doj,dhs',
      RETRO_SINCE: '2019-01-01',
      QUERIES_DIR: QUERIES,
      DEDUP_TABLE: 'sweep-dedup',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:sweep-findings',
      ...s3.lambdaEnv(),
    });
    const manifest = {
      manifest_version: 1,
      agency: 'doj',
      upload_id: 'up-1',
      normalized_at: '2026-12-01T10:00:00.000Z',
      totals: { rows: 900, lines_rejected: 0, rejections: 0 },
      coverage: [
        {
          host: 'EXCH02',
          family: 'httpproxy',
          first_event: '2021-02-20T00:10:00.000Z',
          last_event: '2021-03-05T16:00:00.000Z',
          files: 3,
          rows: 900,
        },
      ],
    };
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'sweep-lake', Key: 'manifests/agency=doj/up-1.json', Body: JSON.stringify(manifest) }),
    );
  });
  afterAll(async () => {
    await s3?.stop();
    process.env = saved;
  });

  it('writes the board under board/ and sends the digest to the security team only', async () => {
    // Prepare
    const ddb = mockClient(DynamoDBClient);
    const sns = mockClient(SNSClient);
    const hunt = loadQueries(QUERIES).hunts[0];
    ddb.on(ScanCommand, { FilterExpression: 'begins_with(fingerprint, :p)' }).resolves({ Items: [] });
    ddb.on(ScanCommand, { FilterExpression: 'NOT begins_with(fingerprint, :p)' }).resolves({
      Items: [
        {
          fingerprint: { S: 'f'.repeat(64) },
          hunt_id: { S: hunt.meta.id },
          agency: { S: 'doj' },
          host: { S: 'EXCH02' },
          severity: { S: 'critical' },
          first_seen: { S: '2021-03-02T10:00:00.000Z' },
          last_seen: { S: '2021-03-03T10:00:00.000Z' },
          reported_at: { S: '2026-12-01T11:00:00.000Z' },
          evidence: { S: JSON.stringify({ uri_stem: '/ecp/y.js' }) },
        },
      ],
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await import('../../lambdas/board-digest/handler');

    // Act
    const out = await handler({ mode: 'digest' });

    // Assess
    expect(out).toMatchObject({ mode: 'digest', agencies: 2, hosts: 1, open: 1, digestSent: true });
    const sent = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(sent.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'digest' } });
    expect(sent.Message).toContain('EXCH02: no HttpProxy logs before 2021-02-20');
    expect(sent.Subject).toBe('Sweep digest: 1 new finding(s), 1 upload(s), 1 verdict change(s)');
    const board = await s3.client.send(new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'board/board.html' }));
    const html = await board.Body!.transformToString();
    expect(html).toContain('/ecp/y.js');
    expect(html).toContain(
      hunt.meta.name.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
    );
  });
});
