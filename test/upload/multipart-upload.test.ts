import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { partNumberOf, startFaultyProxy, type FaultyProxy } from './support/faulty-proxy';
import {
  PartChecksumMismatchError,
  UploadInterruptedError,
  effectivePartSize,
  memoryStateStore,
  uploadArchive,
  verifyStoredPart,
} from '../../src/upload';

const MiB = 1024 * 1024;
const BUCKET = 'sweep-uploads';

async function sha256Of(client: S3Client, key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of res.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

describe('uploadArchive (against s3rver)', () => {
  let s3: S3rverHandle;
  let proxy: FaultyProxy;
  let client: S3Client;
  let dir: string;
  let archive: string;
  let archiveSha: string;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await startFaultyProxy(s3.endpoint);
    // SDK retries off: the uploader's own part retries are what is under test.
    client = new S3Client(s3.clientConfig({ endpoint: proxy.endpoint, maxAttempts: 1 }));
    dir = mkdtempSync(path.join(tmpdir(), 'upload-test-'));
    archive = path.join(dir, 'EXCH01 logs.zip');
    const bytes = randomBytes(26 * MiB); // 6 parts of 5 MiB, the last one 1 MiB
    writeFileSync(archive, bytes);
    archiveSha = createHash('sha256').update(bytes).digest('hex');
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.close();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    proxy.decide = () => 'pass';
    proxy.requests.length = 0;
  });

  it('uploads a 26 MiB archive in 6 parallel parts under the agency prefix, byte for byte', async () => {
    // Prepare
    const state = memoryStateStore();
    const seen: number[] = [];

    // Act
    const result = await uploadArchive({
      client,
      bucket: BUCKET,
      agency: 'doe',
      filePath: archive,
      state,
      partSize: 5 * MiB,
      concurrency: 3,
      now: () => new Date('2021-03-02T10:15:30Z'),
      onProgress: (p) => seen.push(p.bytesDone),
    });

    // Assess
    expect(result.key).toMatch(/^uploads\/agency=doe\/20210302T101530Z-[0-9a-f]{8}\/EXCH01 logs\.zip$/);
    expect(result.partsTotal).toBe(6);
    expect(result.partsResumed).toBe(0);
    expect(await sha256Of(s3.client, result.key)).toBe(archiveSha);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: result.key }));
    expect(head.ContentLength).toBe(26 * MiB);
    expect(head.Metadata).toMatchObject({ agency: 'doe', 'upload-id': result.uploadId });
    expect(proxy.requests.filter((r) => partNumberOf(r) !== null)).toHaveLength(6);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(26 * MiB);
    expect(state.current).toBeNull(); // the resume record is gone once complete
  });

  it('resumes after a dropped connection and sends only the parts the server lacks', async () => {
    // Prepare: the connection drops in the middle of every part from the 4th on
    const state = memoryStateStore();
    proxy.decide = (r) => ((partNumberOf(r) ?? 0) >= 4 ? 'cut' : 'pass');
    const first = uploadArchive({
      client,
      bucket: BUCKET,
      agency: 'doe',
      filePath: archive,
      state,
      partSize: 5 * MiB,
      concurrency: 2,
      maxPartAttempts: 2,
    });
    await expect(first).rejects.toBeInstanceOf(UploadInterruptedError);
    const stored = state.current!.parts.map((p) => p.partNumber);
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(stored.every((n) => n < 4)).toBe(true);
    proxy.decide = () => 'pass';
    proxy.requests.length = 0;

    // Act: the same call again, connection back
    const result = await uploadArchive({
      client,
      bucket: BUCKET,
      agency: 'doe',
      filePath: archive,
      state,
      partSize: 5 * MiB,
      concurrency: 2,
    });

    // Assess
    const resent = proxy.requests
      .map(partNumberOf)
      .filter((n): n is number => n !== null)
      .sort();
    expect(resent).toEqual([1, 2, 3, 4, 5, 6].filter((n) => !stored.includes(n)));
    expect(result.partsResumed).toBe(stored.length);
    expect(state.current).toBeNull();
    expect(await sha256Of(s3.client, result.key)).toBe(archiveSha);
  });

  it('resumes after a cancel (abort after 2 parts) under the same upload id', async () => {
    // Prepare
    const state = memoryStateStore();
    const controller = new AbortController();
    await expect(
      uploadArchive({
        client,
        bucket: BUCKET,
        agency: 'doe',
        filePath: archive,
        state,
        partSize: 5 * MiB,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.partsDone === 2) controller.abort();
        },
      }),
    ).rejects.toThrow(/stopped after 2 of 6 parts.*run the same command again/i);
    const firstUploadId = state.current!.uploadId;
    proxy.requests.length = 0;

    // Act
    const result = await uploadArchive({ client, bucket: BUCKET, agency: 'doe', filePath: archive, state, partSize: 5 * MiB });

    // Assess
    expect(result.uploadId).toBe(firstUploadId);
    expect(result.partsResumed).toBe(2);
    expect(
      proxy.requests
        .map(partNumberOf)
        .filter((n) => n !== null)
        .sort(),
    ).toEqual([3, 4, 5, 6]);
    expect(await sha256Of(s3.client, result.key)).toBe(archiveSha);
  });

  it('detects a part corrupted in transit and sends it again', async () => {
    // Prepare: one byte of part 2 flipped on its first trip
    let corrupted = false;
    proxy.decide = (r) => {
      if (partNumberOf(r) === 2 && !corrupted) {
        corrupted = true;
        return 'corrupt';
      }
      return 'pass';
    };

    // Act
    const result = await uploadArchive({
      client,
      bucket: BUCKET,
      agency: 'doe',
      filePath: archive,
      state: memoryStateStore(),
      partSize: 5 * MiB,
    });

    // Assess
    expect(corrupted).toBe(true);
    expect(proxy.requests.filter((r) => partNumberOf(r) === 2)).toHaveLength(2);
    expect(await sha256Of(s3.client, result.key)).toBe(archiveSha);
  });

  it('fails with a checksum mismatch when a part arrives corrupted on every attempt, and never completes the object', async () => {
    // Prepare
    proxy.decide = (r) => (partNumberOf(r) === 3 ? 'corrupt' : 'pass');
    const state = memoryStateStore();

    // Act
    const err = await uploadArchive({
      client,
      bucket: BUCKET,
      agency: 'doe',
      filePath: archive,
      state,
      partSize: 5 * MiB,
      maxPartAttempts: 3,
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(UploadInterruptedError);
    expect((err as Error).cause).toBeInstanceOf(PartChecksumMismatchError);
    expect((err as Error).message).toMatch(/part 3: the server stored different bytes/);
    expect(proxy.requests.filter((r) => partNumberOf(r) === 3)).toHaveLength(3);
    expect(proxy.requests.some((r) => r.method === 'POST' && r.url.includes('uploadId='))).toBe(false);
    expect(state.current!.parts.map((p) => p.partNumber)).not.toContain(3);
  });

  it('rejects an empty file and a bad agency id before contacting the server', async () => {
    // Prepare
    const empty = path.join(dir, 'empty.zip');
    writeFileSync(empty, '');
    proxy.requests.length = 0;

    // Act / Assess
    await expect(uploadArchive({ client, bucket: BUCKET, agency: 'doe', filePath: empty, state: memoryStateStore() })).rejects.toThrow(
      /is empty/,
    );
    await expect(
      uploadArchive({ client, bucket: BUCKET, agency: '../other', filePath: archive, state: memoryStateStore() }),
    ).rejects.toThrow(/agency id must be/);
    expect(proxy.requests).toHaveLength(0);
  });
});

describe('verifyStoredPart', () => {
  const sent = { sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=', md5Hex: '0cc175b9c0f1b6a831c399e269772661' };

  it('accepts a matching SHA-256 echo, and a plain MD5 ETag when no checksum is echoed', () => {
    expect(() => verifyStoredPart(1, sent, { checksumSha256: sent.sha256, etag: '"whatever-kms"' })).not.toThrow();
    expect(() => verifyStoredPart(1, sent, { etag: '"0cc175b9c0f1b6a831c399e269772661"' })).not.toThrow();
  });

  it('throws on a different SHA-256 even when the ETag matches', () => {
    expect(() => verifyStoredPart(7, sent, { checksumSha256: 'AAAA', etag: `"${sent.md5Hex}"` })).toThrow(PartChecksumMismatchError);
  });

  it('throws on a plain ETag that is not the MD5 of the sent bytes', () => {
    expect(() => verifyStoredPart(2, sent, { etag: '"92eb5ffee6ae2fec3ad71c777531578f"' })).toThrow(/part 2/);
  });
});

describe('effectivePartSize', () => {
  it('keeps the requested size for small files and grows it to fit 10,000 parts for huge ones', () => {
    expect(effectivePartSize(26 * MiB, 5 * MiB)).toBe(5 * MiB);
    expect(effectivePartSize(200 * 1024 * MiB, 16 * MiB)).toBe(21 * MiB); // 200 GiB / 10,000 = 20.48 MiB
  });

  it('throws on parts smaller than the S3 minimum', () => {
    expect(() => effectivePartSize(10, 1024)).toThrow(/at least 5 MiB.*1024/);
  });
});
