/**
 * The resume record of one multipart upload: which S3 multipart upload it is,
 * which file (size and modification time, so a changed file is never resumed
 * into), and the parts already stored with their checksums.
 *
 * Written atomically (temp file + rename) after every part, so a crash or a
 * dropped connection loses at most the parts in flight.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const StoredPartSchema = z.object({
  partNumber: z.number().int().min(1).max(10_000),
  /** ETag as returned by UploadPart, quotes kept (CompleteMultipartUpload wants it verbatim). */
  etag: z.string(),
  /** Base64 SHA-256 of the part bytes, sent as ChecksumSHA256 and given back on completion. */
  sha256: z.string(),
  size: z.number().int().nonnegative(),
});
export type StoredPart = z.infer<typeof StoredPartSchema>;

export const UploadStateSchema = z.object({
  version: z.literal(1),
  bucket: z.string(),
  key: z.string(),
  /** The S3 multipart upload id. */
  s3UploadId: z.string(),
  /** The sweep upload id (the folder under the agency prefix). */
  uploadId: z.string(),
  agency: z.string(),
  file: z.object({ path: z.string(), size: z.number().int().nonnegative(), mtimeMs: z.number() }),
  partSize: z.number().int().positive(),
  parts: z.array(StoredPartSchema),
  createdAt: z.string(),
});
export type UploadState = z.infer<typeof UploadStateSchema>;

/** Where a resume record is kept. */
export interface UploadStateStore {
  /** The saved record, or null when there is none (or it is unreadable: then the upload starts over). */
  load(): Promise<UploadState | null>;
  save(state: UploadState): Promise<void>;
  /** Removes the record after a completed upload. */
  clear(): Promise<void>;
}

/** A resume record in one JSON file (the CLI keeps them under ~/.cache/hafnium-sweep/uploads/). */
export function fileStateStore(file: string): UploadStateStore {
  return {
    async load() {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      // A damaged record must not block the upload: start over (the old parts expire with the bucket's lifecycle rule).
      try {
        const parsed = UploadStateSchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
    async save(state) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(state, null, 1));
      await fs.rename(tmp, file);
    },
    async clear() {
      await fs.rm(file, { force: true });
    },
  };
}

/** An in-memory store, for callers that do not want resume (and for tests). */
export function memoryStateStore(initial: UploadState | null = null): UploadStateStore & { current: UploadState | null } {
  const store = {
    current: initial,
    async load() {
      return store.current ? (JSON.parse(JSON.stringify(store.current)) as UploadState) : null;
    },
    async save(state: UploadState) {
      store.current = JSON.parse(JSON.stringify(state)) as UploadState;
    },
    async clear() {
      store.current = null;
    },
  };
  return store;
}
