/**
 * Resumable multipart upload of one archive into an agency's prefix.
 *
 * Parts are read from disk into buffers (memory stays at partSize x concurrency,
 * whatever the archive size), hashed (MD5 and SHA-256), sent in parallel with
 * `Content-MD5` and `x-amz-checksum-sha256` (S3 rejects a part whose bytes do
 * not match), and checked again against what the server reports back. After
 * every stored part a resume record is saved; after a dropped connection the
 * same call lists the parts the server has (ListParts) and sends only the rest.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PartChecksumMismatchError, UploadArgumentError, UploadError, UploadInterruptedError } from './errors';
import { MAX_UPLOAD_BYTES } from './limits';
import { assertAgencyId, newUploadId, uploadKey } from '../core';
import type { StoredPart, UploadState, UploadStateStore } from './upload-state';

const MiB = 1024 * 1024;
/** S3 limits: parts of at least 5 MiB (except the last), at most 10,000 parts. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;

/** Errors retrying cannot fix: fail the part at once. */
const PERMANENT = new Set(['AccessDenied', 'NoSuchUpload', 'NoSuchBucket', 'InvalidAccessKeyId', 'ExpiredToken', 'SignatureDoesNotMatch']);

export interface UploadProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly partsDone: number;
  readonly partsTotal: number;
  /** Bytes that were already on the server when this run started (resume). */
  readonly bytesResumed: number;
}

export interface MultipartUploadParams {
  /** S3 client (the CLI builds it from the default credential chain: the agency's upload role). */
  readonly client: S3Client;
  readonly bucket: string;
  readonly agency: string;
  /** The archive to upload; read, never modified. */
  readonly filePath: string;
  /** Where the resume record lives. */
  readonly state: UploadStateStore;
  /** @default 16 MiB (raised automatically so that the file fits in 10,000 parts) */
  readonly partSize?: number;
  /** Parts sent at the same time. @default 4 */
  readonly concurrency?: number;
  /** Attempts per part (checksum mismatch, server error), on top of the SDK's own network retries. @default 3 */
  readonly maxPartAttempts?: number;
  /** Clock, for the upload id. @default - the system clock */
  readonly now?: () => Date;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload; stored parts are kept and recorded for a later resume. */
  readonly signal?: AbortSignal;
}

export interface MultipartUploadResult {
  readonly bucket: string;
  readonly key: string;
  readonly agency: string;
  /** The sweep upload id (folder), also the manifest name. */
  readonly uploadId: string;
  readonly size: number;
  readonly partsTotal: number;
  /** Parts found already stored and not sent again. */
  readonly partsResumed: number;
  readonly etag: string | undefined;
}

/** The part size actually used: at least the requested one, big enough for 10,000 parts, whole MiB. */
export function effectivePartSize(fileSize: number, requested: number = 16 * MiB): number {
  if (!Number.isFinite(requested) || requested < MIN_PART_SIZE) {
    throw new UploadArgumentError(`part size must be at least 5 MiB (an S3 limit), got ${requested} bytes`);
  }
  const needed = Math.ceil(fileSize / MAX_PARTS);
  return Math.ceil(Math.max(requested, needed) / MiB) * MiB;
}

/**
 * Uploads (or resumes uploading) one file with S3 multipart upload.
 *
 * Resolves when the object is complete; rejects with {@link UploadInterruptedError}
 * when it stopped part-way (run it again with the same state store to resume).
 *
 * @example
 * const result = await uploadArchive({ client, bucket: 'sweep-uploads', agency: 'doe', filePath: 'logs.zip', state: fileStateStore(p) });
 * console.log(result.uploadId);
 */
export async function uploadArchive(params: MultipartUploadParams): Promise<MultipartUploadResult> {
  const { client, bucket, state: store } = params;
  const agency = assertAgencyId(params.agency);
  const filePath = path.resolve(params.filePath);
  const concurrency = Math.max(1, params.concurrency ?? 4);
  const maxAttempts = Math.max(1, params.maxPartAttempts ?? 3);
  if (params.partSize !== undefined) effectivePartSize(0, params.partSize); // a bad flag fails before any I/O
  const stat = await fs.stat(filePath).catch((err: unknown) => {
    throw new UploadArgumentError(`cannot read ${filePath}: ${(err as Error).message}`, { cause: err });
  });
  if (!stat.isFile()) throw new UploadArgumentError(`${filePath} is not a file`);
  if (stat.size === 0) throw new UploadArgumentError(`${filePath} is empty: nothing to upload`);
  if (stat.size > MAX_UPLOAD_BYTES) {
    throw new UploadArgumentError(
      `${filePath} is ${stat.size} bytes, over ${MAX_UPLOAD_BYTES} (100 GiB), the largest upload the pipeline normalizes: split the logs into several archives`,
    );
  }

  // 1. Resume when the record is for this very file (same size and mtime) and destination.
  let state = await store.load();
  let partsResumed = 0;
  if (
    state &&
    !(
      state.file.path === filePath &&
      state.file.size === stat.size &&
      state.file.mtimeMs === stat.mtimeMs &&
      state.bucket === bucket &&
      state.agency === agency
    )
  ) {
    // Another file or a changed file: never mix bytes. Drop the old parts (best effort:
    // the bucket's lifecycle rule removes abandoned multipart uploads anyway).
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: state.bucket, Key: state.key, UploadId: state.s3UploadId }));
    } catch {
      // not fatal: the new upload does not depend on it
    }
    state = null;
  }
  if (state) {
    const kept = await confirmStoredParts(client, state, params.signal);
    if (kept === null) {
      // The multipart upload is gone: aborted or expired, or completed by a run whose
      // answer was lost. In the last case the object is there: do not upload it twice.
      const done = await completedEarlier(client, state, params.signal);
      if (done) {
        await store.clear();
        return {
          bucket,
          key: state.key,
          agency,
          uploadId: state.uploadId,
          size: stat.size,
          partsTotal: Math.ceil(stat.size / state.partSize),
          partsResumed: state.parts.length,
          etag: done.etag,
        };
      }
      state = null;
    } else {
      state = { ...state, parts: kept };
      partsResumed = kept.length;
      await store.save(state);
    }
  }
  if (!state) {
    const partSize = effectivePartSize(stat.size, params.partSize);
    const uploadId = newUploadId((params.now ?? (() => new Date()))());
    const key = uploadKey(agency, uploadId, path.basename(filePath));
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: 'SHA256',
        ContentType: 'application/octet-stream',
        Metadata: { agency, 'upload-id': uploadId, 'original-size': String(stat.size) },
      }),
      { abortSignal: params.signal },
    );
    if (!created.UploadId) throw new UploadError(`CreateMultipartUpload for ${key} returned no upload id`);
    state = {
      version: 1,
      bucket,
      key,
      s3UploadId: created.UploadId,
      uploadId,
      agency,
      file: { path: filePath, size: stat.size, mtimeMs: stat.mtimeMs },
      partSize,
      parts: [],
      createdAt: new Date().toISOString(),
    };
    await store.save(state);
  }

  // 2. Send the missing parts, `concurrency` at a time.
  const current: UploadState = state;
  const partsTotal = Math.ceil(stat.size / current.partSize);
  const done = new Map<number, StoredPart>(current.parts.map((p) => [p.partNumber, p]));
  const pending = Array.from({ length: partsTotal }, (_, i) => i + 1).filter((n) => !done.has(n));
  const bytesResumed = [...done.values()].reduce((s, p) => s + p.size, 0);
  let bytesDone = bytesResumed;
  const report = () => params.onProgress?.({ bytesDone, bytesTotal: stat.size, partsDone: done.size, partsTotal, bytesResumed });
  report();

  let saving: Promise<void> = Promise.resolve();
  const saveState = () => {
    const snapshot: UploadState = { ...current, parts: [...done.values()].sort((a, b) => a.partNumber - b.partNumber) };
    saving = saving.then(() => store.save(snapshot));
    return saving;
  };

  let failure: unknown = null;
  const handle = await fs.open(filePath, 'r');
  try {
    const worker = async () => {
      while (failure === null && pending.length > 0) {
        if (params.signal?.aborted) {
          failure = params.signal.reason ?? new Error('cancelled');
          return;
        }
        const partNumber = pending.shift()!;
        try {
          const part = await sendPart(client, current, handle, partNumber, stat.size, maxAttempts, params.signal);
          done.set(partNumber, part);
          bytesDone += part.size;
          await saveState();
          report();
        } catch (err) {
          // A cancel surfaces as the SDK's "Request aborted": report the cancel's own reason instead.
          if (failure === null) failure = params.signal?.aborted && params.signal.reason !== undefined ? params.signal.reason : err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, worker));
  } finally {
    await handle.close();
    await saving;
  }
  if (failure !== null) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    throw new UploadInterruptedError(
      `upload of ${path.basename(filePath)} stopped after ${done.size} of ${partsTotal} parts: ${reason}. Run the same command again to resume.`,
      done.size,
      partsTotal,
      { cause: failure },
    );
  }

  // 3. The parts were read over minutes or days: refuse to assemble them if the file changed meanwhile.
  const after = await fs.stat(filePath);
  if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) {
    await store.clear();
    throw new UploadError(
      `${path.basename(filePath)} changed while it was being uploaded: nothing was assembled; run the command again to upload it afresh`,
    );
  }

  // 4. Assemble the object from the parts, in order, with their checksums.
  const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
  const completed = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: current.key,
      UploadId: current.s3UploadId,
      MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ChecksumSHA256: p.sha256 })) },
    }),
    { abortSignal: params.signal },
  );
  await store.clear();
  return {
    bucket,
    key: current.key,
    agency,
    uploadId: current.uploadId,
    size: stat.size,
    partsTotal,
    partsResumed,
    etag: completed.ETag,
  };
}

/** Reads, hashes and sends one part, retrying a mismatch or a transient failure. */
async function sendPart(
  client: S3Client,
  state: UploadState,
  handle: fs.FileHandle,
  partNumber: number,
  fileSize: number,
  maxAttempts: number,
  signal: AbortSignal | undefined,
): Promise<StoredPart> {
  const start = (partNumber - 1) * state.partSize;
  const size = Math.min(state.partSize, fileSize - start);
  const body = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(body, filled, size - filled, start + filled);
    if (bytesRead === 0) throw new UploadError(`the file shrank while uploading (part ${partNumber} ends early)`);
    filled += bytesRead;
  }
  const md5 = createHash('md5').update(body).digest();
  const sha256 = createHash('sha256').update(body).digest('base64');
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const res = await client.send(
        new UploadPartCommand({
          Bucket: state.bucket,
          Key: state.key,
          UploadId: state.s3UploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: size,
          ContentMD5: md5.toString('base64'),
          ChecksumSHA256: sha256,
        }),
        { abortSignal: signal },
      );
      const etag = res.ETag ?? '';
      verifyStoredPart(partNumber, { sha256, md5Hex: md5.toString('hex') }, { checksumSha256: res.ChecksumSHA256, etag });
      return { partNumber, etag, sha256, size };
    } catch (err) {
      lastError = err;
      const name = (err as { name?: string }).name ?? '';
      if (signal?.aborted || PERMANENT.has(name)) break;
    }
  }
  throw lastError;
}

/**
 * Compares what the server says it stored with what was read from disk.
 *
 * S3 echoes the SHA-256 it verified: that is compared when present. Without
 * it (an S3-compatible server that ignores additional checksums), the ETag of
 * a plain part is the MD5 of its bytes, and that is compared instead. An ETag
 * that is not a plain MD5 and no checksum means there is nothing to compare.
 */
export function verifyStoredPart(
  partNumber: number,
  sent: { sha256: string; md5Hex: string },
  reported: { checksumSha256?: string; etag: string },
): void {
  if (reported.checksumSha256) {
    if (reported.checksumSha256 !== sent.sha256)
      throw new PartChecksumMismatchError(partNumber, `sha256 ${sent.sha256}`, `sha256 ${reported.checksumSha256}`);
    return;
  }
  const etag = reported.etag.replace(/"/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(etag) && etag !== sent.md5Hex)
    throw new PartChecksumMismatchError(partNumber, `md5 ${sent.md5Hex}`, `md5 ${etag}`);
}

/**
 * The recorded parts the server still has, with the same ETag and size.
 * Returns null when the multipart upload no longer exists. When the server
 * cannot list parts (some S3-compatible servers), the record is trusted:
 * CompleteMultipartUpload would fail on a missing part, and nothing is lost.
 */
async function confirmStoredParts(client: S3Client, state: UploadState, signal: AbortSignal | undefined): Promise<StoredPart[] | null> {
  const listed = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  try {
    for (;;) {
      const page = await client.send(
        new ListPartsCommand({ Bucket: state.bucket, Key: state.key, UploadId: state.s3UploadId, PartNumberMarker: marker }),
        { abortSignal: signal },
      );
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined) listed.set(p.PartNumber, { etag: p.ETag ?? '', size: p.Size ?? -1 });
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker) break;
      marker = page.NextPartNumberMarker;
    }
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404) return null;
    if (
      e.name === 'NotImplemented' ||
      e.name === 'MethodNotAllowed' ||
      e.$metadata?.httpStatusCode === 405 ||
      e.$metadata?.httpStatusCode === 501
    ) {
      return state.parts;
    }
    throw err;
  }
  const strip = (s: string) => s.replace(/"/g, '');
  return state.parts.filter((p) => {
    const l = listed.get(p.partNumber);
    return l !== undefined && strip(l.etag) === strip(p.etag) && l.size === p.size;
  });
}

/**
 * The object of a recorded upload when it already exists whole (same size, and
 * the upload id in its metadata); null when it does not, or cannot be looked at
 * (an upload role may lack s3:GetObject: then the upload starts over).
 */
async function completedEarlier(
  client: S3Client,
  state: UploadState,
  signal: AbortSignal | undefined,
): Promise<{ etag: string | undefined } | null> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: state.bucket, Key: state.key }), { abortSignal: signal });
    const sameUpload = head.Metadata?.['upload-id'] === state.uploadId;
    return head.ContentLength === state.file.size && sameUpload ? { etag: head.ETag } : null;
  } catch {
    return null;
  }
}
