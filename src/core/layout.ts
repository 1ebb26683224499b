/**
 * The storage layout (identical on S3 and on disk; architecture spec), in one place: the id rules, every key
 * builder and every key parser.
 *
 * ```
 * uploads/agency=<id>/<upload-id>/<original file name>    raw uploads, never modified
 * lake/<table>/agency=<id>/dt=<YYYY-MM-DD>/<upload-id>-<n>.parquet
 * manifests/agency=<id>/<upload-id>.json
 * commits/agency=<id>/<upload-id>.json                      S3 only: the committed files as Athena's lake_commits table reads them
 * indicators/  hunts/  sweep-state/  board/                 lake bucket: feeds, hunt pack, sweep state, board
 * ```
 *
 * Agency ids become key segments, partition values, SNS attribute values and part of IAM role names (at most 64
 * characters): one rule for all of them, 1-64 characters of a plain alphabet. Upload ids are key segments only.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

export const UPLOADS_PREFIX = 'uploads/';
export const LAKE_PREFIX = 'lake/';
export const MANIFESTS_PREFIX = 'manifests/';
/** S3 only: one JSON-lines object per upload listing its committed files (`lake_commits`, read by Athena's views). */
export const COMMITS_PREFIX = 'commits/';
/** The indicator feeds (and the `indicators` table's Parquet file) in the lake bucket. */
export const INDICATORS_PREFIX = 'indicators/';
/** The hunt pack as deployed, readable by analysts. */
export const HUNTS_PREFIX = 'hunts/';
/** What the scheduled sweeps covered. */
export const SWEEP_STATE_PREFIX = 'sweep-state/';
/** The security team's board (a private prefix of the lake bucket). */
export const BOARD_PREFIX = 'board/';
export const SWEEP_STATE_KEY = `${SWEEP_STATE_PREFIX}state.json`;

export const AGENCY_ID_MAX_LENGTH = 64;
export const UPLOAD_ID_MAX_LENGTH = 128;

const AGENCY_ID = new RegExp(`^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,${AGENCY_ID_MAX_LENGTH - 1}}$`);
const UPLOAD_ID = new RegExp(`^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,${UPLOAD_ID_MAX_LENGTH - 1}}$`);
const SEGMENT = '([^/]+)';
const UPLOAD_KEY = new RegExp(`^uploads/agency=${SEGMENT}/${SEGMENT}/(.+)$`);
const MANIFEST_KEY = new RegExp(`^manifests/agency=${SEGMENT}/${SEGMENT}\\.json$`);

/** What a {@link LayoutError} is about. */
export type LayoutSubject = 'agency id' | 'upload id' | 'file name' | 'run id' | 'key';

/** Thrown for an id, file name or key outside the layout; the message shows the bad value and the expected shape. */
export class LayoutError extends Error {
  constructor(
    readonly subject: LayoutSubject,
    readonly value: string,
    expected: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid ${subject} ${JSON.stringify(value)}: ${expected}`, options);
    this.name = 'LayoutError';
  }
}

const AGENCY_RULE = `an agency id must be 1-${AGENCY_ID_MAX_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit`;
const UPLOAD_RULE = `an upload id must be 1-${UPLOAD_ID_MAX_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit`;

export function isAgencyId(value: unknown): value is string {
  return typeof value === 'string' && AGENCY_ID.test(value);
}

export function isUploadId(value: unknown): value is string {
  return typeof value === 'string' && UPLOAD_ID.test(value);
}

/** Returns `agency`, or throws {@link LayoutError} unless it is a valid agency id. */
export function assertAgencyId(agency: string): string {
  if (!isAgencyId(agency)) throw new LayoutError('agency id', agency, AGENCY_RULE);
  return agency;
}

/** Returns `uploadId`, or throws {@link LayoutError} unless it is a valid upload id. */
export function assertUploadId(uploadId: string): string {
  if (!isUploadId(uploadId)) throw new LayoutError('upload id', uploadId, UPLOAD_RULE);
  return uploadId;
}

/**
 * A new upload id for the given time: `YYYYMMDDTHHMMSSZ-<8 hex>`, sortable by time, unique without coordination.
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
  return `${UPLOADS_PREFIX}agency=${assertAgencyId(agency)}/`;
}

/**
 * The object key of one uploaded archive. The original file name is kept
 * (it is how people recognize their upload), but it must be a plain name.
 */
export function uploadKey(agency: string, uploadId: string, fileName: string): string {
  if (!fileName || fileName === '.' || fileName === '..' || /[/\\\u0000-\u001f]/.test(fileName)) {
    throw new LayoutError('file name', fileName, 'a file name must be a plain name without path separators or control characters');
  }
  return `${agencyUploadPrefix(agency)}${assertUploadId(uploadId)}/${fileName}`;
}

/** Key of an upload's manifest (written by the normalizer). */
export function manifestKey(agency: string, uploadId: string): string {
  return `${MANIFESTS_PREFIX}agency=${assertAgencyId(agency)}/${assertUploadId(uploadId)}.json`;
}

/** Key of an upload's commit record (S3 only; written just before its manifest). */
export function commitRecordKey(agency: string, uploadId: string): string {
  return `${COMMITS_PREFIX}agency=${assertAgencyId(agency)}/${assertUploadId(uploadId)}.json`;
}

/** Key prefix of one table's partition for an agency: `lake/<table>/agency=<id>/`. */
export function agencyPrefix(table: string, agency: string): string {
  return `${LAKE_PREFIX}${table}/agency=${agency}/`;
}

/** Key of one lake file. */
export function lakeFileKey(table: string, agency: string, dt: string, uploadId: string, n: number): string {
  return `${agencyPrefix(table, agency)}dt=${dt}/${uploadId}-${n}.parquet`;
}

/** Does this lake key belong to the given upload? (`<upload-id>-<n>.parquet`, and nothing longer.) */
export function isUploadFileKey(key: string, uploadId: string): boolean {
  const base = key.slice(key.lastIndexOf('/') + 1);
  return base.startsWith(`${uploadId}-`) && /^\d+\.parquet$/.test(base.slice(uploadId.length + 1));
}

/**
 * Glob of every Parquet file of one table under a local storage root, for
 * DuckDB: `read_parquet(lakeGlob(root, t), hive_partitioning = true, hive_types = {'agency': VARCHAR, 'dt': VARCHAR})`.
 */
export function lakeGlob(root: string, table: string): string {
  return path.join(path.resolve(root), 'lake', table, '**', '*.parquet').split(path.sep).join('/');
}

/** Where the plan step puts the candidate sweep state of a run: `sweep-state/pending/<run>.json`. */
export function pendingSweepStateKey(runId: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(runId)) throw new LayoutError('run id', runId, 'a run id must be [A-Za-z0-9-]+');
  return `${SWEEP_STATE_PREFIX}pending/${runId}.json`;
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
 * Parses an upload object key; throws {@link LayoutError} for a key outside the layout or climbing out of it.
 * S3 notifications URL-encode keys (spaces as `+`); EventBridge and s3rver do not: pass `{ urlEncoded: true }` for
 * the former.
 */
export function parseUploadKey(key: string, options: { urlEncoded?: boolean } = {}): UploadObjectKey {
  const k = options.urlEncoded ? decodeURIComponent(key.replace(/\+/g, ' ')) : key;
  const m = UPLOAD_KEY.exec(k);
  if (!m || !isAgencyId(m[1]) || !isUploadId(m[2]) || m[3].split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new LayoutError('key', k, 'expected uploads/agency=<id>/<upload-id>/<file name>');
  }
  return { agency: m[1], uploadId: m[2], fileName: m[3], prefix: `${UPLOADS_PREFIX}agency=${m[1]}/${m[2]}/` };
}

/** Parses a manifest key into agency and upload id; throws {@link LayoutError} for anything else. */
export function parseManifestKey(key: string): { agency: string; uploadId: string } {
  const m = MANIFEST_KEY.exec(key);
  if (!m || !isAgencyId(m[1]) || !isUploadId(m[2])) throw new LayoutError('key', key, 'expected manifests/agency=<id>/<upload-id>.json');
  return { agency: m[1], uploadId: m[2] };
}
