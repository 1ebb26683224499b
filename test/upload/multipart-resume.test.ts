/**
 * The resume paths s3rver cannot exercise (it has no ListParts): what real S3
 * answers after a dropped connection, simulated with aws-sdk-client-mock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { UploadInterruptedError, memoryStateStore, uploadArchive, type UploadState } from '../../src/upload';

const MiB = 1024 * 1024;
const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'eu-west-3', credentials: { accessKeyId: 'A', secretAccessKey: 'B' } });

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** UploadPart as S3 answers it: ETag = MD5 of the bytes, the SHA-256 echoed. */
function honestUploadPart(input: UploadPartCommandInput) {
  const body = input.Body as Buffer;
  return { ETag: `"${createHash('md5').update(body).digest('hex')}"`, ChecksumSHA256: createHash('sha256').update(body).digest('base64') };
}

describe('uploadArchive resume (S3 semantics, mocked)', () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  let state: UploadState;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'resume-'));
    file = path.join(dir, 'EXCH01.zip');
    bytes = randomBytes(16 * MiB); // parts 1-3 of 5 MiB, part 4 of 1 MiB
    writeFileSync(file, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    s3.reset();
    const st = statSync(file);
    const part = (n: number, etag: string) => ({ partNumber: n, etag, sha256: 'x', size: 5 * MiB });
    state = {
      version: 1,
      bucket: 'up',
      key: 'uploads/agency=doe/20210316T090000Z-0a1b2c3d/EXCH01.zip',
      s3UploadId: 'mpu-1',
      uploadId: '20210316T090000Z-0a1b2c3d',
      agency: 'doe',
      file: { path: file, size: st.size, mtimeMs: st.mtimeMs },
      partSize: 5 * MiB,
      parts: [part(1, '"e1"'), part(2, '"e2"'), part(3, '"e3"')],
      createdAt: '2021-03-16T09:00:00Z',
    };
  });

  it('keeps only the recorded parts S3 lists with the same ETag and size, across ListParts pages', async () => {
    // Prepare: page 1 has part 1 (same ETag) and part 2 (another ETag: overwritten since); page 2 is empty; part 3 is gone
    s3.on(ListPartsCommand, { PartNumberMarker: undefined }).resolves({
      Parts: [
        { PartNumber: 1, ETag: '"e1"', Size: 5 * MiB },
        { PartNumber: 2, ETag: '"other"', Size: 5 * MiB },
      ],
      IsTruncated: true,
      NextPartNumberMarker: '2',
    });
    s3.on(ListPartsCommand, { PartNumberMarker: '2' }).resolves({ Parts: [], IsTruncated: false });
    s3.on(UploadPartCommand).callsFake(honestUploadPart);
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"final-4"' });

    // Act
    const result = await uploadArchive({
      client,
      bucket: 'up',
      agency: 'doe',
      filePath: file,
      state: memoryStateStore(state),
      partSize: 5 * MiB,
    });

    // Assess
    expect(result.partsResumed).toBe(1);
    expect(result.uploadId).toBe('20210316T090000Z-0a1b2c3d');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    expect(
      s3
        .commandCalls(UploadPartCommand)
        .map((c) => c.args[0].input.PartNumber)
        .sort(),
    ).toEqual([2, 3, 4]);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    expect(complete.UploadId).toBe('mpu-1');
    expect(complete.MultipartUpload?.Parts?.map((p) => [p.PartNumber, p.ETag])).toEqual([
      [1, '"e1"'],
      [
        2,
        `"${createHash('md5')
          .update(bytes.subarray(5 * MiB, 10 * MiB))
          .digest('hex')}"`,
      ],
      [
        3,
        `"${createHash('md5')
          .update(bytes.subarray(10 * MiB, 15 * MiB))
          .digest('hex')}"`,
      ],
      [
        4,
        `"${createHash('md5')
          .update(bytes.subarray(15 * MiB))
          .digest('hex')}"`,
      ],
    ]);
  });

  it('starts a new upload when S3 no longer knows the multipart upload (aborted or expired)', async () => {
    // Prepare
    s3.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-2' });
    s3.on(UploadPartCommand).callsFake(honestUploadPart);
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const store = memoryStateStore(state);

    // Act
    const result = await uploadArchive({ client, bucket: 'up', agency: 'doe', filePath: file, state: store, partSize: 5 * MiB });

    // Assess
    expect(result.partsResumed).toBe(0);
    expect(result.uploadId).not.toBe('20210316T090000Z-0a1b2c3d');
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input).toMatchObject({
      Bucket: 'up',
      ChecksumAlgorithm: 'SHA256',
      Key: `uploads/agency=doe/${result.uploadId}/EXCH01.zip`,
    });
    expect(s3.commandCalls(UploadPartCommand)).toHaveLength(4);
    expect(store.current).toBeNull();
  });

  it('does not upload again when the earlier run completed the object but lost the answer', async () => {
    // Prepare
    s3.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404));
    s3.on(HeadObjectCommand).resolves({
      ContentLength: 16 * MiB,
      ETag: '"abc-4"',
      Metadata: { agency: 'doe', 'upload-id': state.uploadId },
    });
    const store = memoryStateStore(state);

    // Act
    const result = await uploadArchive({ client, bucket: 'up', agency: 'doe', filePath: file, state: store, partSize: 5 * MiB });

    // Assess
    expect(result).toMatchObject({ uploadId: state.uploadId, key: state.key, etag: '"abc-4"', size: 16 * MiB });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(UploadPartCommand)).toHaveLength(0);
    expect(store.current).toBeNull();
  });

  it('starts over, without asking S3, when the file changed since the interrupted run (never mixes bytes)', async () => {
    // Prepare: the record was made when the file had another modification time
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-5' });
    s3.on(UploadPartCommand).callsFake(honestUploadPart);
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const stale = { ...state, file: { ...state.file, mtimeMs: state.file.mtimeMs - 60_000 } };

    // Act
    const result = await uploadArchive({
      client,
      bucket: 'up',
      agency: 'doe',
      filePath: file,
      state: memoryStateStore(stale),
      partSize: 5 * MiB,
    });

    // Assess
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toEqual({ Bucket: 'up', Key: state.key, UploadId: 'mpu-1' });
    expect(result.partsResumed).toBe(0);
    expect(result.uploadId).not.toBe(state.uploadId);
    expect(s3.commandCalls(UploadPartCommand)).toHaveLength(4);
  });

  it('refuses to assemble the parts when the file changed during the upload', async () => {
    // Prepare: the file is rewritten (new mtime) while part 3 is on its way
    const other = path.join(dir, 'growing.zip');
    writeFileSync(other, randomBytes(11 * MiB));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-6' });
    s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
      if (input.PartNumber === 3) utimesSync(other, new Date(), new Date(Date.now() + 10_000));
      return honestUploadPart(input);
    });
    const store = memoryStateStore();

    // Act
    const err = await uploadArchive({
      client,
      bucket: 'up',
      agency: 'doe',
      filePath: other,
      state: store,
      partSize: 5 * MiB,
      concurrency: 1,
    }).catch((e: unknown) => e);

    // Assess
    expect((err as Error).message).toMatch(/growing\.zip changed while it was being uploaded/);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(store.current).toBeNull();
  });

  it('sends Content-MD5 and the SHA-256 of every part, so S3 itself refuses damaged bytes', async () => {
    // Prepare
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-3' });
    s3.on(UploadPartCommand).callsFake(honestUploadPart);
    s3.on(CompleteMultipartUploadCommand).resolves({});

    // Act
    await uploadArchive({ client, bucket: 'up', agency: 'doe', filePath: file, state: memoryStateStore(), partSize: 5 * MiB });

    // Assess
    const part4 = s3
      .commandCalls(UploadPartCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.PartNumber === 4)!;
    const tail = bytes.subarray(15 * MiB);
    expect(part4.ContentMD5).toBe(createHash('md5').update(tail).digest('base64'));
    expect(part4.ChecksumSHA256).toBe(createHash('sha256').update(tail).digest('base64'));
    expect(part4.ContentLength).toBe(1 * MiB);
  });

  it('retries a part S3 refused as BadDigest, but fails at once on AccessDenied', async () => {
    // Prepare
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'mpu-4' });
    let badDigests = 0;
    s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
      if (input.PartNumber === 2 && badDigests++ === 0) throw s3Error('BadDigest', 400);
      if (input.PartNumber === 3) throw s3Error('AccessDenied', 403);
      return honestUploadPart(input);
    });

    // Act
    const err = await uploadArchive({
      client,
      bucket: 'up',
      agency: 'doe',
      filePath: file,
      state: memoryStateStore(),
      partSize: 5 * MiB,
      concurrency: 1,
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(UploadInterruptedError);
    expect((err as Error).message).toMatch(/stopped after 2 of 4 parts: AccessDenied/);
    const calls = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber);
    expect(calls).toEqual([1, 2, 2, 3]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
