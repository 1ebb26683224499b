/**
 * Normalizes one upload held in S3 (every object under
 * `uploads/agency=<id>/<upload-id>/`) into the lake, streaming each object from
 * the store into the pipeline: no object is ever held whole in memory.
 * Used by the normalizer Lambda; the stores are injected.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore } from '../core';
import type { InputSource } from '../ingest';
import { ManifestConflictError } from '../lake';
import { normalizeUpload, type NormalizeResult } from '../pipeline';
import { manifestKey, parseUploadKey } from '../core';

export interface NormalizeS3UploadOptions {
  /** Store over the upload bucket. */
  readonly uploads: ObjectStore;
  /** Store over the lake bucket (lake files and manifests are published there). */
  readonly lake: ObjectStore;
  /** Key of the object whose arrival triggered the run (any object of the upload). */
  readonly key: string;
  /** Scratch space (Lambda: /tmp). */
  readonly tmpDir: string;
  /** Agency id -> zone of its export times without an offset (the deployment's AgencyConfig.timeZone). @default - UTC */
  readonly agencyTimeZones?: Readonly<Record<string, string>>;
  /** Limits and writer tuning passed to the pipeline. @default - pipeline defaults */
  readonly normalize?: Partial<Pick<Parameters<typeof normalizeUpload>[0], 'limits' | 'writer' | 'now' | 'formats'>>;
  /**
   * Runs of the upload after another run committed other content for it first (ManifestConflictError): each reads
   * the upload and the manifest again. @default 2
   */
  readonly conflictRetries?: number;
}

export interface NormalizeS3UploadResult extends NormalizeResult {
  readonly agency: string;
  readonly uploadId: string;
  /** Upload objects read, in key order. */
  readonly objects: ObjectInfo[];
}

/**
 * Normalizes the whole upload the key belongs to. Re-running it (another object
 * of the same upload arrived, or SQS redelivered) yields the same lake keys:
 * the pipeline replaces the upload's earlier files.
 *
 * @example
 * await normalizeS3Upload({ uploads: new S3ObjectStore({ client, bucket: up }), lake, key, tmpDir: '/tmp' });
 */
export async function normalizeS3Upload(opts: NormalizeS3UploadOptions): Promise<NormalizeS3UploadResult> {
  const retries = opts.conflictRetries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await normalizeOnce(opts);
    } catch (err) {
      // Another run committed other content after this one started (it read a newer state of the upload, or this run
      // read an older one): read everything again, as S3 documents for a refused conditional write.
      if (!(err instanceof ManifestConflictError) || attempt >= retries) throw err;
    }
  }
}

async function normalizeOnce(opts: NormalizeS3UploadOptions): Promise<NormalizeS3UploadResult> {
  const { agency, uploadId, prefix } = parseUploadKey(opts.key);
  // The commit this run may replace, read before the upload is listed: a commit by any run that listed it later
  // makes this run's conditional manifest write fail instead of landing over a newer result.
  const commitOver = opts.lake.getVersioned ? await opts.lake.getVersioned(manifestKey(agency, uploadId)) : undefined;
  const objects = (await opts.uploads.list(prefix)).filter((o) => !o.key.endsWith('/'));
  const inputs: InputSource[] = objects.map((o) => streamedInput(opts.uploads, o, o.key.slice(prefix.length)));
  const result = await normalizeUpload({
    ...opts.normalize,
    inputs,
    agency,
    uploadId,
    localTimeZone: opts.agencyTimeZones?.[agency],
    store: opts.lake,
    tmpDir: opts.tmpDir,
    commitOver,
  });
  // An upload's objects arrive one by one, each triggering a run: a run that read fewer objects than the upload now
  // has may have committed after a run that read them all. Failing it makes SQS deliver it again; the retry reads
  // the whole upload and commits last (readers meanwhile see one whole manifest, or name the files it overwrote).
  const now = (await opts.uploads.list(prefix)).filter((o) => !o.key.endsWith('/'));
  const read = new Set(objects.map((o) => `${o.key}\u0000${o.size}`));
  if (now.length !== objects.length || now.some((o) => !read.has(`${o.key}\u0000${o.size}`))) {
    throw new UploadChangedError(prefix, objects.length, now.length);
  }
  return { ...result, agency, uploadId, objects };
}

/** The upload's objects changed while it was normalized: the run must be repeated (SQS redelivers the message). */
export class UploadChangedError extends Error {
  constructor(
    readonly prefix: string,
    readonly objectsRead: number,
    readonly objectsNow: number,
  ) {
    super(`upload ${prefix} changed while it was normalized (${objectsRead} object(s) read, ${objectsNow} now): normalize it again`);
    this.name = 'UploadChangedError';
  }
}

/** An input the pipeline opens lazily; the bytes flow from the store as they are read. */
function streamedInput(store: ObjectStore, info: ObjectInfo, displayPath: string): InputSource {
  return {
    path: displayPath,
    size: info.size,
    // The object's LastModified: the same for every delivery of the upload (rows without time are filed under it),
    // so that two runs of one upload write the same manifest apart from normalized_at.
    ...(info.modified ? { mtime: info.modified } : {}),
    open(): Readable {
      const out = new PassThrough({ highWaterMark: 1024 * 1024 });
      store.get(info.key).then(
        (body) => pipeline(body, out, () => undefined),
        (err) => out.destroy(err instanceof Error ? err : new Error(String(err))),
      );
      return out;
    },
  };
}
