import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

describe('startS3rver', () => {
  let s3: S3rverHandle;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['test-bucket'] });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('stores and returns objects byte for byte and pages ListObjectsV2', async () => {
    // Prepare
    const body = Buffer.from('line one\r\nline two\n\u00e9\0', 'utf8');
    for (let i = 0; i < 5; i++) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: `uploads/agency=a/u1/f${i}.log`, Body: body }));
    }

    // Act
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: 'uploads/agency=a/u1/f3.log' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    const page1 = await s3.client.send(new ListObjectsV2Command({ Bucket: 'test-bucket', Prefix: 'uploads/', MaxKeys: 2 }));
    const page2 = await s3.client.send(
      new ListObjectsV2Command({ Bucket: 'test-bucket', Prefix: 'uploads/', MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }),
    );

    // Assess
    expect(bytes.equals(body)).toBe(true);
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['uploads/agency=a/u1/f0.log', 'uploads/agency=a/u1/f1.log']);
    expect(page1.IsTruncated).toBe(true);
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['uploads/agency=a/u1/f2.log', 'uploads/agency=a/u1/f3.log']);
    expect(s3.events.filter((e) => e.eventName.startsWith('ObjectCreated')).map((e) => e.s3.object.key)).toContain(
      'uploads/agency=a/u1/f4.log',
    );
  });
});
