/**
 * The S3 adapter of the ObjectStore port (src/core/object-store.ts): the same
 * keys as the local folder, in one bucket. Bodies stream both ways (multipart
 * upload for large bodies), so memory stays bounded whatever the object size.
 */
import { createReadStream } from 'node:fs';
import { type Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assertValidKey,
  ConditionalWriteError,
  ObjectNotFoundError,
  type ObjectInfo,
  type ObjectStore,
  type PutCondition,
  type VersionedObject,
} from '../core';
import { AwsAdapterConfigError } from './errors';

export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Part size of multipart uploads. @default 16 MiB */
  readonly partSize?: number;
  /** Parts in flight per upload. @default 4 */
  readonly queueSize?: number;
  /** Server-side encryption key for puts (the bucket default applies when absent). @default - bucket default */
  readonly kmsKeyId?: string;
  /** Keys per ListObjectsV2 page. @default 1000 */
  readonly listPageSize?: number;
}

/**
 * An ObjectStore over one S3 bucket.
 *
 * @example
 * const store = new S3ObjectStore({ client: new S3Client({}), bucket: process.env.LAKE_BUCKET! });
 */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly options: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket ?? '')) {
      throw new AwsAdapterConfigError(`bucket must be an S3 bucket name, got ${JSON.stringify(options.bucket)}`);
    }
  }

  async put(key: string, body: Readable | Buffer | string): Promise<void> {
    assertValidKey(key);
    // lib-storage sends small bodies in one PutObject and large ones as multipart: never the whole stream in memory.
    await new Upload({
      client: this.options.client,
      params: {
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ...(this.options.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.options.kmsKeyId } : {}),
      },
      partSize: this.options.partSize ?? 16 * 1024 * 1024,
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false,
    }).done();
  }

  async putFile(key: string, filePath: string): Promise<void> {
    await this.put(key, createReadStream(filePath, { highWaterMark: 1024 * 1024 }));
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      const out = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!out.Body) throw new ObjectNotFoundError(key);
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          MaxKeys: this.options.listPageSize,
        }),
      );
      for (const o of page.Contents ?? [])
        if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0, ...(o.LastModified ? { modified: o.LastModified } : {}) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 binary order already; sort so both adapters agree whatever the server.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.options.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  /**
   * One PutObject with `If-None-Match: *` or `If-Match: <etag>` (S3 conditional writes, SDK >= 3.6xx): the manifest's
   * commit. S3's refusals become a {@link ConditionalWriteError}: 412 PreconditionFailed, 409
   * ConditionalRequestConflict (a concurrent conditional write: fetch the ETag and retry), 404 NoSuchKey (If-Match on
   * a key with no object).
   */
  async putIf(key: string, body: Buffer | string, condition: PutCondition): Promise<{ etag: string }> {
    assertValidKey(key);
    try {
      const out = await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ...('ifNoneMatch' in condition ? { IfNoneMatch: condition.ifNoneMatch } : { IfMatch: condition.ifMatch }),
          ...(this.options.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.options.kmsKeyId } : {}),
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e?.$metadata?.httpStatusCode ?? 0;
      if (status === 412 || e?.name === 'PreconditionFailed')
        throw new ConditionalWriteError(key, 'precondition-failed', 412, { cause: err });
      if (status === 409 || e?.name === 'ConditionalRequestConflict') throw new ConditionalWriteError(key, 'conflict', 409, { cause: err });
      if (isNotFound(err)) throw new ConditionalWriteError(key, 'missing', 404, { cause: err });
      throw err;
    }
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    assertValidKey(key);
    try {
      const out = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      const chunks: Buffer[] = [];
      for await (const c of (out.Body as Readable | undefined) ?? []) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
      return { body: Buffer.concat(chunks), etag: out.ETag ?? '' };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  uriOf(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.options.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
