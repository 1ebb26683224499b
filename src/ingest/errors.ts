/**
 * Typed errors of the ingest layer. An `IngestError` names the input or entry
 * (display path) and carries a stable code, so the manifest and the terminal can
 * list every refused entry with its reason.
 */
import type { IngestProblem } from './types';

/** Stable problem codes (the `code` of an `IngestProblem` and of an `IngestError`). */
export const IngestErrorCode = {
  NotFound: 'not-found',
  Unreadable: 'unreadable',
  ZipSlip: 'zip-slip',
  BadName: 'bad-name',
  Encrypted: 'encrypted',
  UnsupportedCompression: 'unsupported-compression',
  CorruptZip: 'corrupt-zip',
  CorruptTar: 'corrupt-tar',
  TruncatedTar: 'truncated-tar',
  TruncatedGzip: 'truncated-gzip',
  CorruptGzip: 'corrupt-gzip',
  TruncatedData: 'truncated-data',
  CorruptData: 'corrupt-data',
  CrcMismatch: 'crc-mismatch',
  SizeMismatch: 'size-mismatch',
  EntryTooLarge: 'entry-too-large',
  TotalTooLarge: 'total-too-large',
  RatioBomb: 'ratio-bomb',
  OverlappingEntries: 'overlapping-entries',
  TooManyEntries: 'too-many-entries',
  TooDeep: 'too-deep',
  LinkSkipped: 'link-skipped',
  SpecialFileSkipped: 'special-file-skipped',
  UnsupportedEntry: 'unsupported-entry',
  ReadFailed: 'read-failed',
} as const;
export type IngestErrorCode = (typeof IngestErrorCode)[keyof typeof IngestErrorCode];

/**
 * An input or entry that could not be (fully) read.
 *
 * Entry streams handed out by `walkInputs` fail with an `IngestError` (e.g. `truncated-gzip`
 * after the bytes that could be inflated, `ratio-bomb`, `crc-mismatch`). Every such error has
 * already been passed to `onProblem` by the walker: consumers record the file as partial but
 * do not report it again.
 */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    /** Display path of the input or entry. */
    readonly path: string,
    /** Human reason, without the path. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${reason}`, options);
    this.name = 'IngestError';
  }

  /** The problem record for the manifest and the terminal. */
  toProblem(): IngestProblem {
    return { path: this.path, code: this.code, reason: this.reason };
  }
}

/** Wraps anything thrown while reading `path` into an `IngestError` (kept as is when it already is one). */
export function asIngestError(err: unknown, path: string, code: IngestErrorCode = IngestErrorCode.ReadFailed): IngestError {
  if (err instanceof IngestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new IngestError(code, path, message, { cause: err });
}
