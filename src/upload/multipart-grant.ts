/**
 * Upload links for archives over 5 GB: a presigned multipart upload. The
 * security team starts the multipart upload for one named archive of a declared
 * size and presigns one PUT per part (each with its exact Content-Length signed,
 * so the total cannot exceed the declared size) and the final "complete" call.
 * The agency needs no AWS identity: `sweep upload --grant <file>` sends the parts
 * (resumable, checked) with nothing but these URLs.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { MAX_UPLOAD_BYTES } from './limits';
import { UploadArgumentError, UploadError, UploadInterruptedError } from './errors';
import { assertAgencyId, newUploadId, uploadKey } from '../core';
import type { UploadProgress } from './multipart-upload';
import { MAX_GRANT_SECONDS, assertCredentialsOutlive } from './upload-grant';

const MiB = 1024 * 1024;

export const MultipartGrantSchema = z.object({
  kind: z.literal('sweep-multipart-grant'),
  version: z.literal(1),
  agency: z.string(),
  uploadId: z.string(),
  key: z.string(),
  fileName: z.string(),
  size: z.number().int().positive(),
  partSize: z.number().int().positive(),
  expiresAt: z.string(),
  parts: z.array(z.object({ partNumber: z.number().int().min(1), size: z.number().int().positive(), url: z.string().url() })).min(1),
  completeUrl: z.string().url(),
});
/** What the security team sends the agency (as a JSON file). Holds no credentials, only signed URLs. */
export type MultipartGrant = z.infer<typeof MultipartGrantSchema>;

export interface MultipartGrantParams {
  readonly client: S3Client;
  readonly bucket: string;
  readonly agency: string;
  /** Name of the archive, as it will be stored. */
  readonly fileName: string;
  /** Exact size of the archive in bytes (the agency reads it with `(Get-Item x.zip).Length`). */
  readonly size: number;
  readonly expiresInSeconds: number;
  /** @default 64 MiB, raised to fit 10,000 parts */
  readonly partSize?: number;
  /** Signing time. @default - now */
  readonly now?: () => Date;
}

/** Starts a multipart upload and presigns every part of it. */
export async function createMultipartGrant(params: MultipartGrantParams): Promise<MultipartGrant> {
  const agency = assertAgencyId(params.agency);
  const { size } = params;
  if (!Number.isInteger(size) || size < 1) throw new UploadArgumentError(`size must be the archive's exact size in bytes, got ${size}`);
  if (size > MAX_UPLOAD_BYTES) {
    throw new UploadArgumentError(
      `size ${size} is over ${MAX_UPLOAD_BYTES} bytes (100 GiB), the largest upload the pipeline normalizes: split the logs into several archives`,
    );
  }
  if (!Number.isInteger(params.expiresInSeconds) || params.expiresInSeconds < 60 || params.expiresInSeconds > MAX_GRANT_SECONDS) {
    throw new UploadArgumentError(`expiry must be between 1 minute and 7 days (a signature limit), got ${params.expiresInSeconds} s`);
  }
  const partSize = Math.ceil(Math.max(params.partSize ?? 64 * MiB, Math.ceil(size / 10_000), 5 * MiB) / MiB) * MiB;
  if (partSize > 5 * 1024 ** 3) throw new UploadArgumentError(`part size ${partSize} is over the S3 limit of 5 GiB`);
  const now = (params.now ?? (() => new Date()))();
  await assertCredentialsOutlive(params.client, now.getTime() + params.expiresInSeconds * 1000);
  const uploadId = newUploadId(now);
  const key = uploadKey(agency, uploadId, params.fileName);
  const created = await params.client.send(
    new CreateMultipartUploadCommand({
      Bucket: params.bucket,
      Key: key,
      ContentType: 'application/octet-stream',
      Metadata: { agency, 'upload-id': uploadId, 'original-size': String(size) },
    }),
  );
  if (!created.UploadId) throw new UploadError(`CreateMultipartUpload for ${key} returned no upload id`);
  const sign = { expiresIn: params.expiresInSeconds, signingDate: now };
  const parts: MultipartGrant['parts'] = [];
  for (let n = 1, offset = 0; offset < size; n++, offset += partSize) {
    const partBytes = Math.min(partSize, size - offset);
    const url = await getSignedUrl(
      params.client,
      new UploadPartCommand({ Bucket: params.bucket, Key: key, UploadId: created.UploadId, PartNumber: n, ContentLength: partBytes }),
      // Content-Length is signed: S3 refuses a part of any other size, so the link cannot carry more than `size`.
      { ...sign, signableHeaders: new Set(['content-length']) },
    );
    parts.push({ partNumber: n, size: partBytes, url });
  }
  const completeUrl = await getSignedUrl(
    params.client,
    new CompleteMultipartUploadCommand({ Bucket: params.bucket, Key: key, UploadId: created.UploadId }),
    sign,
  );
  return {
    kind: 'sweep-multipart-grant',
    version: 1,
    agency,
    uploadId,
    key,
    fileName: params.fileName,
    size,
    partSize,
    expiresAt: new Date(now.getTime() + params.expiresInSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    parts,
    completeUrl,
  };
}

/** Reads a grant file's JSON; throws a clear error for anything else. */
export function parseMultipartGrant(text: string): MultipartGrant {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UploadArgumentError(`the grant file is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = MultipartGrantSchema.safeParse(raw);
  if (!parsed.success)
    throw new UploadArgumentError(
      `the grant file is not a sweep upload grant: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Where the ETags of the parts already sent with a grant are kept. */
export interface GrantProgressStore {
  load(): Promise<Record<string, string>>;
  save(etags: Record<string, string>): Promise<void>;
  clear(): Promise<void>;
}

export interface UploadWithGrantParams {
  readonly grant: MultipartGrant;
  readonly filePath: string;
  readonly store: GrantProgressStore;
  /** @default 4 */
  readonly concurrency?: number;
  /** @default 3 */
  readonly maxPartAttempts?: number;
  readonly onProgress?: (p: UploadProgress) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * Sends an archive with a multipart grant: each part PUT to its presigned URL
 * (Content-MD5: S3 refuses a part whose bytes differ), then the complete call. Parts
 * already sent (recorded in `store`) are skipped: run it again to resume.
 */
export async function uploadWithGrant(
  params: UploadWithGrantParams,
): Promise<{ key: string; uploadId: string; size: number; partsResumed: number }> {
  const { grant } = params;
  const doFetch = params.fetch ?? fetch;
  const stat = await fs.stat(params.filePath).catch((err: unknown) => {
    throw new UploadArgumentError(`cannot read ${params.filePath}: ${(err as Error).message}`, { cause: err });
  });
  if (stat.size !== grant.size) {
    throw new UploadArgumentError(
      `the link was made for ${grant.size} bytes (${grant.fileName}); ${path.basename(params.filePath)} has ${stat.size}: ask the security team for a link with --size ${stat.size}`,
    );
  }
  const etags = await params.store.load();
  const partsResumed = Object.keys(etags).length;
  const pending = grant.parts.filter((p) => !etags[String(p.partNumber)]);
  let bytesDone = grant.parts.filter((p) => etags[String(p.partNumber)]).reduce((s, p) => s + p.size, 0);
  const bytesResumed = bytesDone;
  const report = () =>
    params.onProgress?.({
      bytesDone,
      bytesTotal: grant.size,
      partsDone: grant.parts.length - pending.length,
      partsTotal: grant.parts.length,
      bytesResumed,
    });
  report();
  let failure: unknown = null;
  let saving: Promise<void> = Promise.resolve();
  const handle = await fs.open(params.filePath, 'r');
  try {
    const worker = async () => {
      while (failure === null && pending.length > 0) {
        const part = pending.shift()!;
        try {
          const body = Buffer.allocUnsafe(part.size);
          const { bytesRead } = await handle.read(body, 0, part.size, (part.partNumber - 1) * grant.partSize);
          if (bytesRead !== part.size) throw new UploadError(`part ${part.partNumber}: the file ended early`);
          const md5Hex = createHash('md5').update(body).digest('hex');
          etags[String(part.partNumber)] = await putPart(doFetch, part, body, md5Hex, params.maxPartAttempts ?? 3);
          bytesDone += part.size;
          saving = saving.then(() => params.store.save({ ...etags }));
          await saving;
          report();
        } catch (err) {
          if (failure === null) failure = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(params.concurrency ?? 4, pending.length)) }, worker));
  } finally {
    await handle.close();
  }
  if (failure !== null) {
    throw new UploadInterruptedError(
      `upload of ${path.basename(params.filePath)} stopped: ${(failure as Error).message ?? String(failure)}. Run the same command again to resume.`,
      Object.keys(etags).length,
      grant.parts.length,
      { cause: failure },
    );
  }
  const xml =
    '<CompleteMultipartUpload>' +
    grant.parts
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(etags[String(p.partNumber)])}</ETag></Part>`)
      .join('') +
    '</CompleteMultipartUpload>';
  const res = await doFetch(grant.completeUrl, { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } });
  const text = await res.text();
  // S3 may answer 200 with an <Error> body to a complete call.
  if (!res.ok || /<Error>/.test(text))
    throw new UploadError(`the server refused to assemble the parts (${res.status}): ${s3Message(text)}`);
  await params.store.clear();
  return { key: grant.key, uploadId: grant.uploadId, size: grant.size, partsResumed };
}

async function putPart(
  doFetch: typeof fetch,
  part: MultipartGrant['parts'][number],
  body: Buffer,
  md5Hex: string,
  attempts: number,
): Promise<string> {
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await doFetch(part.url, {
        method: 'PUT',
        body,
        headers: { 'content-md5': Buffer.from(md5Hex, 'hex').toString('base64') },
      });
      const text = await res.text();
      if (!res.ok) {
        const err = new UploadError(`part ${part.partNumber}: the server answered ${res.status}: ${s3Message(text)}`);
        // An expired or refused link does not get better with retries.
        if (res.status === 403) throw Object.assign(err, { permanent: true });
        throw err;
      }
      // S3 checked the bytes against Content-MD5 (it refuses a part that does not match with BadDigest). The ETag
      // is not a digest to compare: under SSE-KMS, the upload bucket's encryption, it is not the part's MD5.
      const etag = res.headers.get('etag');
      if (!etag) throw new UploadError(`part ${part.partNumber}: the server answered ${res.status} without an ETag`);
      return etag;
    } catch (err) {
      last = err;
      if ((err as { permanent?: boolean }).permanent) break;
    }
  }
  throw last;
}

function s3Message(xml: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  return code ? `${code}${message ? `: ${message}` : ''}` : xml.slice(0, 200);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A grant progress record in one JSON file. */
export function fileGrantProgressStore(file: string): GrantProgressStore {
  return {
    async load() {
      try {
        const v = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
      } catch {
        return {};
      }
    },
    async save(etags) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(`${file}.tmp`, JSON.stringify(etags));
      await fs.rename(`${file}.tmp`, file);
    },
    async clear() {
      await fs.rm(file, { force: true });
    },
  };
}
