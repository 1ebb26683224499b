/**
 * Where uploads and their manifests live (the storage layout of the
 * architecture spec, identical on S3 and on disk):
 *
 * ```
 * uploads/agency=<id>/<upload-id>/<original file name>
 * manifests/agency=<id>/<upload-id>.json
 * ```
 */
import { randomBytes } from 'node:crypto';
import { UploadArgumentError } from './errors';

/** Agency ids become S3 prefixes and SNS attribute values: keep them plain. */
const AGENCY_ID = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Upload ids: `YYYYMMDDTHHMMSSZ-<8 hex>`, sortable by time, unique without coordination. */
const UPLOAD_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/** Throws {@link UploadArgumentError} unless `agency` is a valid agency id (the lake layout alphabet). */
export function assertAgencyId(agency: string): string {
  if (!AGENCY_ID.test(agency)) {
    throw new UploadArgumentError(
      `agency id must be 1-128 letters, digits, ".", "_" or "-" (starting with a letter or digit), got ${JSON.stringify(agency)}`,
    );
  }
  return agency;
}

/** Throws unless `id` has the upload id shape. */
export function assertUploadId(id: string): string {
  if (!UPLOAD_ID.test(id)) throw new UploadArgumentError(`upload id must look like 20210302T101530Z-1a2b3c4d, got ${JSON.stringify(id)}`);
  return id;
}

/**
 * A new upload id for the given time.
 *
 * @example newUploadId(new Date('2021-03-02T10:15:30Z')) // '20210302T101530Z-9f86d081'
 */
export function newUploadId(now: Date, random: () => Buffer = () => randomBytes(4)): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${random().toString('hex').slice(0, 8).padStart(8, '0')}`;
}

/** The prefix an agency may write to: `uploads/agency=<id>/`. */
export function agencyUploadPrefix(agency: string): string {
  return `uploads/agency=${assertAgencyId(agency)}/`;
}

/**
 * The object key of one uploaded archive. The original file name is kept
 * (it is how people recognize their upload), but it must be a plain name.
 */
export function uploadKey(agency: string, uploadId: string, fileName: string): string {
  if (!fileName || fileName === '.' || fileName === '..' || /[/\\\u0000-\u001f]/.test(fileName)) {
    throw new UploadArgumentError(
      `file name must be a plain name without path separators or control characters, got ${JSON.stringify(fileName)}`,
    );
  }
  return `${agencyUploadPrefix(agency)}${assertUploadId(uploadId)}/${fileName}`;
}

/** The manifest key the normalizer writes for an upload. */
export function manifestKey(agency: string, uploadId: string): string {
  return `manifests/agency=${assertAgencyId(agency)}/${assertUploadId(uploadId)}.json`;
}

/** Parses an upload key back into its parts; null when the key is not under `uploads/`. */
export function parseUploadKey(key: string): { agency: string; uploadId: string; fileName: string } | null {
  const m = /^uploads\/agency=([^/]+)\/([^/]+)\/([^/]+)$/.exec(key);
  if (!m || !AGENCY_ID.test(m[1]) || !UPLOAD_ID.test(m[2])) return null;
  return { agency: m[1], uploadId: m[2], fileName: m[3] };
}
