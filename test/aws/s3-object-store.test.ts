import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ObjectNotFoundError, readText } from '../../src/core/object-store';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

async function sha256(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of stream) h.update(c as Buffer);
  return h.digest('hex');
}

describe('S3ObjectStore', () => {
  let s3: S3rverHandle;
  let store: S3ObjectStore;
  let tmp: string;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['lake-bucket'] });
    store = new S3ObjectStore({ client: s3.client, bucket: 'lake-bucket', partSize: 5 * 1024 * 1024 });
    tmp = mkdtempSync(path.join(tmpdir(), 's3store-'));
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('round-trips a streamed multipart body byte for byte', async () => {
    // Prepare: 12 MiB in 64 KiB chunks, so lib-storage must do a 3-part multipart upload
    const chunks = Array.from({ length: 192 }, (_, i) => randomBytes(64 * 1024).fill(i % 7, 0, 10));
    const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

    // Act
    await store.put('lake/web_requests/agency=doj/dt=2021-03-02/u1-0.parquet', Readable.from(chunks));
    const got = await sha256(await store.get('lake/web_requests/agency=doj/dt=2021-03-02/u1-0.parquet'));

    // Assess
    expect(got).toBe(expected);
  });

  it('puts files, strings and buffers, lists by prefix with sizes, deletes', async () => {
    // Prepare
    const file = path.join(tmp, 'm.json');
    writeFileSync(file, '{"upload_id":"u1"}');

    // Act
    await store.putFile('manifests/agency=doj/u1.json', file);
    await store.put('manifests/agency=doj/u2.json', '{"upload_id":"u2"}');
    await store.put('manifests/agency=dhs/u3.json', Buffer.from('{}'));
    const listed = await store.list('manifests/agency=doj/');
    const text = await readText(store, 'manifests/agency=doj/u1.json');
    await store.delete('manifests/agency=doj/u2.json');
    await store.delete('manifests/agency=doj/never-there.json');

    // Assess
    expect(listed).toEqual([
      { key: 'manifests/agency=doj/u1.json', size: 18, modified: expect.any(Date) },
      { key: 'manifests/agency=doj/u2.json', size: 18, modified: expect.any(Date) },
    ]);
    expect(text).toBe('{"upload_id":"u1"}');
    expect(await store.exists('manifests/agency=doj/u2.json')).toBe(false);
    expect(await store.exists('manifests/agency=doj/u1.json')).toBe(true);
  });

  it('lists across pages', async () => {
    // Prepare
    const small = new S3ObjectStore({ client: s3.client, bucket: 'lake-bucket', listPageSize: 2 });
    for (let i = 0; i < 5; i += 1) await store.put(`findings/page/${i}.json`, 'x');

    // Act
    const listed = await small.list('findings/page/');

    // Assess
    expect(listed.map((o) => o.key)).toEqual([0, 1, 2, 3, 4].map((i) => `findings/page/${i}.json`));
  });

  it('rejects with ObjectNotFoundError for a missing key', async () => {
    await expect(store.get('lake/nothing.parquet')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('throws on keys that climb out or a bad bucket name', async () => {
    await expect(store.put('../etc/passwd', 'x')).rejects.toThrow('invalid object key "../etc/passwd"');
    expect(() => new S3ObjectStore({ client: s3.client, bucket: 'Bad_Bucket' })).toThrow(
      'bucket must be an S3 bucket name, got "Bad_Bucket"',
    );
  });
});
