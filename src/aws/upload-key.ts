/**
 * Keys of the storage layout the AWS triggers receive:
 * `uploads/agency=<id>/<upload-id>/<original file name>` and
 * `manifests/agency=<id>/<upload-id>.json`.
 */

const UPLOAD = /^uploads\/agency=([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\/(.+)$/;
const MANIFEST = /^manifests\/agency=([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\.json$/;

/** Thrown for a key outside the layout (the message shows the key and the expected shape). */
export class LayoutKeyError extends Error {
  constructor(
    readonly key: string,
    expected: string,
  ) {
    super(`key "${key}" is not ${expected}`);
    this.name = 'LayoutKeyError';
  }
}

export interface UploadObjectKey {
  readonly agency: string;
  readonly uploadId: string;
  /** The original file name (may contain `/` when a folder was uploaded). */
  readonly fileName: string;
  /** `uploads/agency=<id>/<upload-id>/` */
  readonly prefix: string;
}

/**
 * Parses an upload object key. S3 notifications URL-encode keys (spaces as `+`);
 * EventBridge and s3rver do not: pass `{ urlEncoded: true }` for the former.
 */
export function parseUploadKey(key: string, options: { urlEncoded?: boolean } = {}): UploadObjectKey {
  const k = options.urlEncoded ? decodeURIComponent(key.replace(/\+/g, ' ')) : key;
  const m = UPLOAD.exec(k);
  if (!m || m[1].includes('..') || m[2].includes('..') || m[3].split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new LayoutKeyError(k, 'uploads/agency=<id>/<upload-id>/<file name>');
  }
  return { agency: m[1], uploadId: m[2], fileName: m[3], prefix: `uploads/agency=${m[1]}/${m[2]}/` };
}

/** Parses a manifest key into agency and upload id. */
export function parseManifestKey(key: string): { agency: string; uploadId: string } {
  const m = MANIFEST.exec(key);
  if (!m || m[1].includes('..') || m[2].includes('..')) throw new LayoutKeyError(key, 'manifests/agency=<id>/<upload-id>.json');
  return { agency: m[1], uploadId: m[2] };
}
