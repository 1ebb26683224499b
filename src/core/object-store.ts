/**
 * The storage port: where the lake, the manifests and the findings are kept.
 *
 * Two adapters: {@link LocalObjectStore} (a folder, used by the CLI and tests)
 * and the S3 adapter (src/aws). Keys are `/`-separated, relative, and identical
 * on both (`lake/<table>/agency=<id>/dt=<day>/<upload-id>-<n>.parquet`).
 */
import type { Readable } from 'node:stream';

/** One stored object, as listed. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** When the object was stored (S3: LastModified), when the store lists it. */
  readonly modified?: Date;
}

/** A flat key -> bytes store (S3 or a local folder). */
export interface ObjectStore {
  /** Stores `body` under `key`, replacing any previous object; the object appears whole or not at all. */
  put(key: string, body: Readable | Buffer | string): Promise<void>;
  /**
   * Stores a local file under `key`. Optional: adapters that can do better than
   * streaming the file through {@link put} (a rename on the same disk) implement it.
   */
  putFile?(key: string, filePath: string): Promise<void>;
  /** The object's bytes; rejects with {@link ObjectNotFoundError} when absent. */
  get(key: string): Promise<Readable>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Optional: stores a small object only if the precondition holds (S3 conditional writes): `ifNoneMatch: '*'` when
   * no object has the key, `ifMatch` when the object's ETag is the one given. Rejects with {@link ConditionalWriteError}.
   * Stores that have it (S3) commit manifests with it; others serialize publishes with a lock (local lakes).
   */
  putIf?(key: string, body: Buffer | string, condition: PutCondition): Promise<{ readonly etag: string }>;
  /** Optional, with {@link putIf}: a small object's bytes and ETag, or null when absent. */
  getVersioned?(key: string): Promise<VersionedObject | null>;
  /** Optional: the address engines read the key at (`s3://<bucket>/<key>`, the `"$path"` Athena gives a row). */
  uriOf?(key: string): string;
}

/** The precondition of {@link ObjectStore.putIf}. */
export type PutCondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string };

/** A small object with its version tag. */
export interface VersionedObject {
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * A conditional write the store refused, as S3 documents them (Amazon S3 User Guide, "How to prevent object overwrites
 * with conditional writes"; PutObject API reference):
 * - `precondition-failed`: 412 PreconditionFailed, the key exists (If-None-Match) or its ETag differs (If-Match);
 * - `conflict`: 409 ConditionalRequestConflict, another conditional operation on the key was in progress: fetch the
 *   ETag again and retry;
 * - `missing`: 404 NoSuchKey, If-Match on a key with no object (deleted meanwhile).
 */
export class ConditionalWriteError extends Error {
  constructor(
    readonly key: string,
    readonly kind: 'precondition-failed' | 'conflict' | 'missing',
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(`conditional write of "${key}" refused: ${kind} (HTTP ${status})`, options);
    this.name = 'ConditionalWriteError';
  }
}

/** Thrown by {@link ObjectStore.get} for a missing key. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`no object "${key}"`, options);
    this.name = 'ObjectNotFoundError';
  }
}

/** Thrown for a key that is empty, absolute, or climbs out of the store (`..`). */
export class InvalidKeyError extends Error {
  constructor(readonly key: string) {
    super(`invalid object key "${key}": keys are relative, "/"-separated, without "." or ".." segments`);
    this.name = 'InvalidKeyError';
  }
}

/** Validates a key (shared by the adapters so both refuse the same keys). */
export function assertValidKey(key: string): void {
  if (!key || key.startsWith('/') || key.includes('\\') || key.includes('\0')) throw new InvalidKeyError(key);
  for (const seg of key.split('/')) if (seg === '' || seg === '.' || seg === '..') throw new InvalidKeyError(key);
}

/** Reads a whole (small) object as UTF-8 text: manifests, indicator lists. */
export async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}
