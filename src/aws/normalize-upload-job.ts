/**
 * One upload, normalized and acknowledged: the lake files and the manifest written, then the receipt published.
 * The normalizer Lambda and the large-upload Fargate task run exactly this, so both paths behave alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { ObjectStore } from '../core';
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
    });
    // A failed receipt fails the job: the message is redelivered and the idempotent re-run publishes again.
    if (deps.publish) await deps.publish([receiptMessage(out.manifest, deps.needs)]);
    return out;
  } finally {
    // /tmp survives between invocations of a warm Lambda: leave nothing behind.
    await rm(tmp, { recursive: true, force: true });
  }
}
