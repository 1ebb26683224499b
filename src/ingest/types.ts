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
