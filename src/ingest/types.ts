/**
 * What the archive walker hands to the rest of the pipeline: leaf files, one
 * at a time, as streams, with every container layer (zip, tar, gz, nesting)
 * already opened and every limit enforced.
 */
import type { Readable } from 'node:stream';

/** Limits that protect against bombs and abuse. Every one has a default and a CLI flag. */
export interface IngestLimits {
  /** Maximum number of entries in one archive (all levels counted). @default 100_000 */
  readonly maxEntries: number;
  /** Maximum inflated bytes of one entry. @default 20 GiB */
  readonly maxEntryBytes: number;
  /** Maximum inflated bytes of one input, all entries and levels. @default 200 GiB */
  readonly maxTotalBytes: number;
  /** Maximum inflated/compressed ratio of one entry, checked as it inflates. @default 200 */
  readonly maxRatio: number;
  /** Maximum archive nesting depth. @default 4 */
  readonly maxDepth: number;
  /** Longest accepted text line, in bytes; longer lines are rejected (counted, named). @default 1 MiB */
  readonly maxLineBytes: number;
}

/** A leaf file found in the inputs (a plain file, or an entry of a possibly nested archive). */
export interface InputEntry {
  /** Display path: the input path, then "!" and the entry path for each archive level. */
  readonly path: string;
  /** Base name of the innermost file. */
  readonly name: string;
  /** Declared (uncompressed) size when the container says it, else null. */
  readonly size: number | null;
  /** Modification time recorded by the container or file system, else null. */
  readonly mtime: Date | null;
  /**
   * The decompressed bytes. Must be called at most once, and the stream consumed
   * (or destroyed) before the walker moves on to the next entry.
   */
  open(): Readable;
}

/** An input or entry that was refused, with the reason, for the manifest and the terminal. */
export interface IngestProblem {
  readonly path: string;
  /** Stable code, e.g. "zip-slip", "ratio-bomb", "truncated-gzip", "encrypted", "too-many-entries". */
  readonly code: string;
  readonly reason: string;
}

/**
 * An input that is not a file on this machine (an S3 object in Lambda, an upload stream).
 * The walker calls `open()` once and reads the stream to its end (or until a limit stops it).
 */
export interface InputSource {
  /** Display path (e.g. "s3://bucket/agency/upload.zip" or the original upload name). */
  readonly path: string;
  /** Opens the raw bytes. Called at most once. */
  open(): Readable;
  /** Size in bytes when known. */
  readonly size?: number;
  /** Modification time when known. */
  readonly mtime?: Date;
}

/** Options of `walkInputs`. */
export interface WalkOptions {
  /** Limits; each missing one takes its default from `DEFAULT_LIMITS`. */
  readonly limits?: Partial<IngestLimits>;
  /** Receives every refused input or entry (and every entry stream that failed), once each. */
  onProblem(problem: IngestProblem): void;
  /**
   * Folder for spooling zips that arrive as streams or nested in other archives (zip needs random access).
   * Spool files are deleted as soon as the zip is walked.
   * @default - the operating system's temporary folder
   */
  readonly tmpDir?: string;
}
