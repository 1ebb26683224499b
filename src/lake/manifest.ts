/**
 * The manifest of one upload: `manifests/agency=<id>/<upload-id>.json`.
 *
 * It answers "what did we read, what did we make of it, and what did we refuse":
 * every input, every leaf entry (family and why, host, rows per table, lines
 * read/rejected with reasons), every unrecognized or refused entry, the Parquet
 * files written, and the coverage per host and log family.
 *
 * The content is deterministic for the same upload (same inputs, same code):
 * the only wall-clock field is `normalized_at`, and nothing is keyed on it.
 *
 * Accounting identity, per entry and in the totals (tested):
 * `lines.read = lines.with_rows + lines.rejected + lines.skipped`, where a line
 * is counted once, by what its parser did with it: emitted at least one row
 * (`with_rows`), rejected it (`rejected`), or neither (`skipped`: headers,
 * `#` comment lines, blank lines, continuation lines of a multi-line record).
 * Lines longer than the limit are rejected (reason "line longer than N bytes").
 * Rejections a parser reports after the last line (a truncated record) are in
 * `rejections` but not in the line counts. For binary entries (.evtx) lines are
 * records: `lines.read` stays 0 and `rows` + `rejections.total` tell the story.
 */
import type { TableName } from './schema';

export const MANIFEST_VERSION = 1;

/** Where a row's `dt` came from when it had no event time. */
export type DtFallback = 'entry-mtime' | 'upload-time';

export interface ManifestInput {
  /** The input as given (a local path as typed, relative to where the run started, or the S3 object's name). */
  readonly path: string;
  /**
   * Absolute local path of the input, for `sweep repair` (rebuilds damaged lake files from the raw input).
   * Absent for S3 inputs (the raw upload stays in its bucket) and in manifests written before it existed.
   */
  readonly resolved_path?: string;
  readonly size: number | null;
  readonly mtime: string | null;
}

export interface RejectionSummary {
  /** All rejections of the entry. */
  readonly total: number;
  /** Count per reason (at most 50 distinct reasons; the rest under "(other reasons)"). */
  readonly by_reason: Record<string, number>;
  /** The first rejections, with their line (or record) number. */
  readonly samples: { readonly line: number; readonly reason: string }[];
}

export interface ManifestEntry {
  /** Display path: input, then "!" and the entry path per archive level. */
  readonly path: string;
  /** Declared size (container), else null. */
  readonly declared_size: number | null;
  /** Bytes actually read (decompressed). */
  readonly bytes: number;
  readonly mtime: string | null;
  readonly family: string;
  /** Why this family: header line, magic bytes, JSON keys. */
  readonly detection: string;
  /** Host given to the parser when a record names none (path, else --host), or null. */
  readonly host_hint: string | null;
  /** Hosts of the rows written, sorted. */
  readonly hosts: string[];
  /** `ok`: read to the end; `partial`: the stream or the parser failed after some rows (see `error`). */
  readonly status: 'ok' | 'partial';
  readonly error: { readonly code: string; readonly reason: string } | null;
  /** Text encoding found (text families only). */
  readonly encoding: string | null;
  readonly rows: Partial<Record<TableName, number>>;
  readonly lines: { readonly read: number; readonly with_rows: number; readonly rejected: number; readonly skipped: number };
  readonly rejections: RejectionSummary;
  /** Rows without a usable event time, and which day they were filed under instead. */
  readonly rows_without_time: number;
  /** Why those rows have no time, in words (from the family); null when every row has one. Absent in older manifests. */
  readonly rows_without_time_reason?: string | null;
  readonly dt_fallback: { readonly source: DtFallback; readonly dt: string } | null;
  /**
   * Rows whose host neither the record, the path nor `--host` names (findings would say "(unknown host)").
   * Absent in older manifests.
   */
  readonly rows_without_host?: number;
}

/** An entry no parser recognized: listed, never silently dropped. */
export interface UnrecognizedEntry {
  readonly path: string;
  readonly size: number | null;
  /** Printable first bytes, or "empty file". */
  readonly hint: string;
}

/** An input or entry refused by the walker (bomb, zip-slip, encrypted...) or that failed while read. */
export interface ManifestProblem {
  readonly path: string;
  readonly code: string;
  readonly reason: string;
}

/** First/last event time of one host and log family. */
export interface CoverageLine {
  readonly host: string | null;
  readonly family: string;
  /** ISO-8601 UTC, or null when no row had an event time. */
  readonly first_event: string | null;
  readonly last_event: string | null;
  readonly files: number;
  readonly rows: number;
}

export interface ManifestFile {
  readonly key: string;
  readonly table: TableName;
  readonly dt: string;
  readonly bytes: number;
  /**
   * SHA-256 of the file (hex): readers check it and leave a damaged file out (the hunt names it as a gap),
   * `sweep verify` reports it, `sweep repair` rebuilds it. Absent in manifests written before it existed.
   */
  readonly sha256?: string;
}

export interface Manifest {
  readonly manifest_version: typeof MANIFEST_VERSION;
  readonly agency: string;
  readonly upload_id: string;
  /** Wall-clock time of this run: the one field that differs between two runs of the same upload. */
  readonly normalized_at: string;
  /** The day rows without event time and without entry mtime are filed under, and where it came from. */
  readonly upload_time: { readonly time: string; readonly source: string };
  /**
   * The zone export times without an offset were read in (Export-Csv, NXLog, file listings): `UTC` unless
   * `--local-tz` or the agency's `timeZone` said otherwise. Absent in manifests written before it existed (UTC).
   */
  readonly local_time_zone?: string;
  readonly inputs: ManifestInput[];
  readonly limits: Record<string, number>;
  readonly totals: {
    readonly entries: number;
    readonly entries_parsed: number;
    readonly entries_partial: number;
    readonly entries_unrecognized: number;
    readonly problems: number;
    readonly lines_read: number;
    readonly lines_with_rows: number;
    readonly lines_rejected: number;
    readonly lines_skipped: number;
    readonly rejections: number;
    readonly rows: number;
  };
  readonly rows_per_table: Record<TableName, number>;
  /** table -> dt -> rows. */
  readonly rows_per_partition: Record<string, Record<string, number>>;
  /** Values written as NULL because a parser gave a value of the wrong type: table -> column -> count. */
  readonly coerced_values: Record<string, Record<string, number>>;
  readonly entries: ManifestEntry[];
  readonly unrecognized: UnrecognizedEntry[];
  readonly problems: ManifestProblem[];
  readonly coverage: CoverageLine[];
  readonly files: ManifestFile[];
}

/** Serializes a manifest: 2-space JSON, keys in declaration order, trailing newline. */
export function manifestToJson(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}
