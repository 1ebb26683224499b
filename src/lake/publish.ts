/**
 * Moves one upload's staged Parquet files and its manifest into an
 * {@link ObjectStore}, replacing what an earlier run of the same upload left.
 *
 * Order matters for crash safety on a store without atomic folder renames (S3):
 * 1. put every new file (same keys as a previous run of the same upload: overwritten);
 * 2. delete the upload's files that this run did not produce (a previous run had more days or files);
 * 3. put the manifest last: it is the commit marker. A crash before it leaves the
 *    previous manifest (or none), and re-running the upload repairs the lake.
 *
 * Readers (the hunt engine, `sweep verify`) read only the files a committed manifest lists, checked against the
 * SHA-256 it records ({@link describeStagedFiles}): files of an upload still being published are invisible.
 * On a local folder the three steps run under the upload's lock (src/lake/staging.ts): two runs of one upload
 * publish one after the other, never interleaved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalObjectStore, agencyPrefix, isUploadFileKey, lakeFileKey, manifestKey } from '../core';
import type { ObjectStore } from '../core';
import { sha256File } from './checksum';
import type { StagedFile } from './lake-writer';
import type { ManifestFile } from './manifest';
import { TABLE_NAMES } from './schema';
import { withFileLock } from './staging';

/** Result of {@link publishUpload}. */
export interface PublishResult {
  /** Keys written, sorted. */
  readonly written: string[];
  /** Keys of an earlier run removed because this run did not produce them. */
  readonly removed: string[];
  readonly manifestKey: string;
}

/** The manifest's `files` list of staged files: keys, sizes and SHA-256 checksums. */
export async function describeStagedFiles(files: readonly StagedFile[], agency: string, uploadId: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const f of files) {
    out.push({
      key: lakeFileKey(f.table, agency, f.dt, uploadId, f.n),
      table: f.table,
      dt: f.dt,
      bytes: f.bytes,
      sha256: await sha256File(f.localPath),
    });
  }
  return out;
}

/** Lock file serializing the publishes of one upload in a local lake (outside `lake/` and `manifests/`). */
export function uploadLockFile(rootDir: string, agency: string, uploadId: string): string {
  return path.join(rootDir, '.locks', `agency=${agency}`, `${uploadId}.lock`);
}

/** Publishes staged files and the manifest (JSON text) of one upload. */
export async function publishUpload(
  store: ObjectStore,
  agency: string,
  uploadId: string,
  files: readonly StagedFile[],
  manifestJson: string,
): Promise<PublishResult> {
  const steps = () => publishSteps(store, agency, uploadId, files, manifestJson);
  return store instanceof LocalObjectStore ? withFileLock(uploadLockFile(store.rootDir, agency, uploadId), steps) : steps();
}

async function publishSteps(
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
