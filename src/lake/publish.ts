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
 * On S3 (a store with `putIf`), step 3 is preceded by the upload's commit record (`commits/...`, the
 * `lake_commits` rows Athena's views read, so that the sweep the manifest triggers finds it) and is a conditional
 * write: `If-None-Match: *` when the run started with no manifest, `If-Match: <etag>` of the manifest it started
 * with otherwise. Another run's commit in between fails it (412); if that commit is this run's own content (the same
 * upload delivered twice), the upload is committed and the run ends as if it had not run; else
 * {@link ManifestConflictError}: the caller normalizes the upload again (it may have read an older state of it).
 * A 409 (a concurrent conditional write) is retried after fetching the ETag again, as S3 documents.
 *
 * Readers (the hunt engine, `sweep verify`) read only the files a committed manifest lists, checked against the
 * SHA-256 it records ({@link describeStagedFiles}): files of an upload still being published are invisible.
 * On a local folder the three steps run under the upload's lock (src/lake/staging.ts): two runs of one upload
 * publish one after the other, never interleaved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConditionalWriteError,
  LocalObjectStore,
  agencyPrefix,
  commitRecordKey,
  isUploadFileKey,
  lakeFileKey,
  manifestKey,
  type ObjectStore,
  type VersionedObject,
} from '../core';
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
  /**
   * How the manifest was committed: `written` (plain put: local lake, under the upload's lock), `created`
   * (If-None-Match), `replaced` (If-Match), `already-committed` (another delivery committed the same content first).
   */
  readonly commit: 'written' | 'created' | 'replaced' | 'already-committed';
}

/** Options of {@link publishUpload}. */
export interface PublishOptions {
  /**
   * Conditional stores: the upload's manifest as the run found it when it started (null: none). The manifest is
   * written only if it is still that one. @default - read just before the files are written
   */
  readonly replaces?: VersionedObject | null;
}

/** Another run committed other content for this upload after this run started: normalize the upload again. */
export class ManifestConflictError extends Error {
  constructor(
    readonly manifestKey: string,
    readonly kind: ConditionalWriteError['kind'],
    options?: { cause?: unknown },
  ) {
    super(
      `manifest ${manifestKey} was committed by another run after this one started (${kind}): this run's result is not committed; normalize the upload again`,
      options,
    );
    this.name = 'ManifestConflictError';
  }
}

/** One line per committed file: what Athena's `lake_commits` table reads (`"$path"` of the file, its table). */
export function commitRecord(
  store: ObjectStore,
  uploadId: string,
  files: readonly { key: string; table: string; sha256?: string }[],
): string {
  const uri = (k: string) => (store.uriOf ? store.uriOf(k) : k);
  return files
    .map((f) => JSON.stringify({ table_name: f.table, path: uri(f.key), upload_id: uploadId, sha256: f.sha256 ?? null }) + '\n')
    .join('');
}

/** Two manifests commit the same thing when they differ at most in `normalized_at` (the run's wall-clock time). */
export function sameCommit(a: string, b: string): boolean {
  try {
    const strip = (t: string) => {
      const m = JSON.parse(t) as Record<string, unknown>;
      delete m.normalized_at;
      return JSON.stringify(m);
    };
    return strip(a) === strip(b);
  } catch {
    return false;
  }
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
  options: PublishOptions = {},
): Promise<PublishResult> {
  const steps = () => publishSteps(store, agency, uploadId, files, manifestJson, options);
  return store instanceof LocalObjectStore ? withFileLock(uploadLockFile(store.rootDir, agency, uploadId), steps) : steps();
}

async function publishSteps(
  store: ObjectStore,
  agency: string,
  uploadId: string,
  files: readonly StagedFile[],
  manifestJson: string,
  options: PublishOptions,
): Promise<PublishResult> {
  const mKey = manifestKey(agency, uploadId);
  const conditional = store.putIf && store.getVersioned ? store : null;
  const replaces = conditional ? (options.replaces !== undefined ? options.replaces : await conditional.getVersioned!(mKey)) : null;
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
  const done = { written: written.sort(), removed: removed.sort(), manifestKey: mKey };
  if (!conditional) {
    await store.put(mKey, manifestJson);
    return { ...done, commit: 'written' };
  }
  if (store.uriOf) {
    const listed = (JSON.parse(manifestJson) as { files?: { key: string; table: string; sha256?: string }[] }).files ?? [];
    await store.put(commitRecordKey(agency, uploadId), commitRecord(store, uploadId, listed));
  }
  return { ...done, commit: await commitManifest(conditional, mKey, manifestJson, replaces) };
}

const CONFLICT_RETRIES = 4;

/** The conditional manifest write and what S3 documents a client does on each refusal. */
async function commitManifest(
  store: ObjectStore,
  key: string,
  json: string,
  replaces: VersionedObject | null,
): Promise<PublishResult['commit']> {
  const expected = replaces?.etag ?? null;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.putIf!(key, json, expected === null ? { ifNoneMatch: '*' } : { ifMatch: expected });
      return expected === null ? 'created' : 'replaced';
    } catch (err) {
      if (!(err instanceof ConditionalWriteError)) throw err;
      const current = await store.getVersioned!(key);
      // The same upload delivered twice: the other delivery committed exactly this; nothing is left to do.
      if (current && sameCommit(current.body.toString('utf8'), json)) return 'already-committed';
      // 409: a concurrent conditional write was in progress; if the manifest is still the one this run started with,
      // fetch-and-retry (S3's documented client behaviour). Anything else: another run's commit stands.
      if (err.kind === 'conflict' && (current?.etag ?? null) === expected && attempt < CONFLICT_RETRIES) {
        await new Promise((r) => setTimeout(r, 25 * attempt));
        continue;
      }
      throw new ManifestConflictError(key, err.kind, { cause: err });
    }
  }
}
