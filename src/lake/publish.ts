/**
 * Moves one upload's staged Parquet files and its manifest into an
 * {@link ObjectStore}, replacing what an earlier run of the same upload left.
 *
 * Order matters for crash safety on a store without atomic folder renames (S3):
 * 1. put every new file (same keys as a previous run of the same upload: overwritten);
 * 2. delete the upload's files that this run did not produce (a previous run had more days or files);
 * 3. put the manifest last: it is the commit marker. A crash before it leaves the
 *    previous manifest (or none), and re-running the upload repairs the lake.
 */
import * as fs from 'node:fs';
import type { ObjectStore } from '../core/object-store';
import { agencyPrefix, isUploadFileKey, lakeFileKey, manifestKey } from './layout';
import type { StagedFile } from './lake-writer';
import { TABLE_NAMES } from './schema';

/** Result of {@link publishUpload}. */
export interface PublishResult {
  /** Keys written, sorted. */
  readonly written: string[];
  /** Keys of an earlier run removed because this run did not produce them. */
  readonly removed: string[];
  readonly manifestKey: string;
}

/** Publishes staged files and the manifest (JSON text) of one upload. */
export async function publishUpload(
  store: ObjectStore,
  agency: string,
  uploadId: string,
  files: readonly StagedFile[],
  manifestJson: string,
): Promise<PublishResult> {
  const written: string[] = [];
  for (const f of files) {
    const key = lakeFileKey(f.table, agency, f.dt, uploadId, f.n);
    if (store.putFile) await store.putFile(key, f.localPath);
    else await store.put(key, fs.createReadStream(f.localPath));
    written.push(key);
  }
  const keep = new Set(written);
  const removed: string[] = [];
  for (const table of TABLE_NAMES) {
    for (const obj of await store.list(agencyPrefix(table, agency))) {
      if (isUploadFileKey(obj.key, uploadId) && !keep.has(obj.key)) {
        await store.delete(obj.key);
        removed.push(obj.key);
      }
    }
  }
  const mKey = manifestKey(agency, uploadId);
  await store.put(mKey, manifestJson);
  return { written: written.sort(), removed: removed.sort(), manifestKey: mKey };
}
