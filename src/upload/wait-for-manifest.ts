/**
 * Waits for the normalizer to publish an upload's manifest (the receipt),
 * polling the manifests prefix of the store.
 *
 * It looks by listing (ListObjectsV2 with the manifest key as prefix), never by
 * HEAD: an agency's upload role may list only its own receipts, and without
 * s3:ListBucket on the key S3 answers a missing key with 403, not 404.
 */
import { readText, type ObjectStore, manifestKey } from '../core';
import { MANIFEST_VERSION, type Manifest } from '../lake';
import { ReceiptTimeoutError, UploadError } from './errors';

export interface WaitForManifestParams {
  /** Where manifests are published (the lake bucket in AWS, the storage root locally). */
  readonly store: ObjectStore;
  readonly agency: string;
  readonly uploadId: string;
  /** Give up after this long. @default 15 minutes (the normalizer Lambda's longest run) */
  readonly timeoutMs?: number;
  /** Time between two looks. @default 5 s */
  readonly intervalMs?: number;
  /** Called before each wait, e.g. to print "waiting...". */
  readonly onWait?: (waitedMs: number) => void;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Resolves with the manifest once it exists; rejects with
 * {@link ReceiptTimeoutError} when it does not appear in time.
 */
export async function waitForManifest(params: WaitForManifestParams): Promise<Manifest> {
  const key = manifestKey(params.agency, params.uploadId);
  const timeoutMs = params.timeoutMs ?? 15 * 60_000;
  const intervalMs = params.intervalMs ?? 5000;
  const sleep = params.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = params.clock ?? Date.now;
  const start = clock();
  for (;;) {
    if ((await params.store.list(key)).some((o) => o.key === key)) {
      const text = await readText(params.store, key);
      let manifest: Manifest;
      try {
        manifest = JSON.parse(text) as Manifest;
      } catch (err) {
        throw new UploadError(`manifest ${key} is not valid JSON: ${(err as Error).message}`, { cause: err });
      }
      if (manifest.manifest_version !== MANIFEST_VERSION || manifest.upload_id !== params.uploadId || manifest.agency !== params.agency) {
        throw new UploadError(
          `manifest ${key} is not the manifest of upload ${params.uploadId} (version ${String(manifest.manifest_version)}, upload ${String(manifest.upload_id)})`,
        );
      }
      return manifest;
    }
    const waited = clock() - start;
    if (waited >= timeoutMs) throw new ReceiptTimeoutError(key, waited);
    params.onWait?.(waited);
    await sleep(Math.min(intervalMs, timeoutMs - waited));
  }
}
