/**
 * One upload, normalized and acknowledged: the lake files and the manifest written, then the receipt published.
 * The normalizer Lambda and the large-upload Fargate task run exactly this, so both paths behave alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { ObjectStore } from '../core';
import { zstdAvailable } from '../lake';
import type { NotificationMessage } from '../notify';
import { receiptMessage, type HuntNeed } from '../upload';
import { normalizeS3Upload, type NormalizeS3UploadResult } from './normalize-s3-upload';

export interface UploadJobDeps {
  readonly uploads: ObjectStore;
  readonly lake: ObjectStore;
  /** Publishes the receipt (SNS, routed by agency). @default - no receipt */
  readonly publish?: (messages: readonly NotificationMessage[]) => Promise<unknown>;
  /** What each deployed hunt needs (the receipt names the hunts an upload leaves blind). */
  readonly needs: readonly HuntNeed[];
  readonly agencyTimeZones?: Readonly<Record<string, string>>;
  /**
   * Parquet page codec of the lake on AWS. ZSTD where the runtime has it (the Lambda's and the task's Node 24):
   * Athena bills the bytes it reads, and ZSTD pages are about two thirds of Snappy ones at the same normalize speed
   * (docs/benchmarks.md). A runtime without it (Node 20) writes Snappy.
   * @default - 'zstd' when node:zlib has it, else 'snappy'
   */
  readonly compression?: 'snappy' | 'gzip' | 'zstd';
  /** Scratch root (Lambda: /tmp; the task: its ephemeral storage). */
  readonly tmpRoot: string;
}

/** Normalizes the upload `key` belongs to and publishes its receipt; scratch space is removed whatever happens. */
export async function normalizeUploadJob(key: string, deps: UploadJobDeps): Promise<NormalizeS3UploadResult> {
  const tmp = await mkdtemp(path.join(deps.tmpRoot, 'normalize-'));
  try {
    const out = await normalizeS3Upload({
      uploads: deps.uploads,
      lake: deps.lake,
      key,
      tmpDir: tmp,
      agencyTimeZones: deps.agencyTimeZones,
      normalize: { writer: { compression: deps.compression ?? (zstdAvailable() ? 'zstd' : 'snappy') } },
    });
    // A failed receipt fails the job: the message is redelivered and the idempotent re-run publishes again.
    if (deps.publish) await deps.publish([receiptMessage(out.manifest, deps.needs)]);
    return out;
  } finally {
    // /tmp survives between invocations of a warm Lambda: leave nothing behind.
    await rm(tmp, { recursive: true, force: true });
  }
}
