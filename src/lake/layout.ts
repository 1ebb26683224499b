/**
 * Storage layout (identical on S3 and on disk; architecture spec):
 *
 * ```
 * lake/<table>/agency=<id>/dt=<YYYY-MM-DD>/<upload-id>-<n>.parquet
 * manifests/agency=<id>/<upload-id>.json
 * ```
 */
import * as path from 'node:path';
import type { TableName } from './schema';

/** Agency ids and upload ids become key segments: keep them to a safe alphabet. */
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Thrown for an agency or upload id that cannot be a key segment. */
export class InvalidIdError extends Error {
  constructor(
    readonly kind: 'agency' | 'upload',
    readonly value: string,
  ) {
    super(`invalid ${kind} id "${value}": use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    this.name = 'InvalidIdError';
  }
}

/** Validates an agency or upload id. */
export function assertValidId(kind: 'agency' | 'upload', value: string): void {
  if (!ID_RE.test(value) || value.includes('..')) throw new InvalidIdError(kind, value);
}

/** Key prefix of one table's partition for an agency: `lake/<table>/agency=<id>/`. */
export function agencyPrefix(table: TableName, agency: string): string {
  return `lake/${table}/agency=${agency}/`;
}

/** Key of one lake file. */
export function lakeFileKey(table: TableName, agency: string, dt: string, uploadId: string, n: number): string {
  return `${agencyPrefix(table, agency)}dt=${dt}/${uploadId}-${n}.parquet`;
}

/** Does this lake key belong to the given upload? (`<upload-id>-<n>.parquet`, and nothing longer.) */
export function isUploadFileKey(key: string, uploadId: string): boolean {
  const base = key.slice(key.lastIndexOf('/') + 1);
  return base.startsWith(`${uploadId}-`) && /^\d+\.parquet$/.test(base.slice(uploadId.length + 1));
}

/** Key of an upload's manifest. */
export function manifestKey(agency: string, uploadId: string): string {
  return `manifests/agency=${agency}/${uploadId}.json`;
}

/**
 * Glob of every Parquet file of one table under a local storage root, for
 * DuckDB: `read_parquet(lakeGlob(root, t), hive_partitioning = true, hive_types = {'agency': VARCHAR, 'dt': VARCHAR})`.
 */
export function lakeGlob(root: string, table: TableName): string {
  return path.join(path.resolve(root), 'lake', table, '**', '*.parquet').split(path.sep).join('/');
}
