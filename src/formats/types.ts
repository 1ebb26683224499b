/**
 * The seam between ingestion and the per-family parsers.
 *
 * Text families (HttpProxy, IIS, ECP, OAB, Windows exports, file inventory) are
 * push parsers: the ingest layer decodes the bytes (BOM, UTF-16, CRLF) and calls
 * `line()` once per line, synchronously, so the hot loop has no promise per line.
 * Binary families (raw .evtx) read the byte stream themselves.
 */
import type { Readable } from 'node:stream';
import type { Row, TableName } from '../lake';
import type { WebLogKernel } from './iis-kernel';
import type { Family } from './registry';
import type { LocalZone } from './text/zone';

/** Log families recognized by content: derived from the parser registry (./registry.ts). */
export type { Family } from './registry';

/**
 * What the rest of the product needs to know about a log family, declared by its parser: every list that used to
 * be kept by hand (labels, tables, where the logs live, local-time families, Windows event sources) derives from it.
 */
export interface FamilyFacts {
  /** Human name, for coverage lines and the verdict ("HttpProxy logs on EXCH01 cover ..."). */
  readonly label: string;
  /** Lake tables the parser writes to. A family that writes `windows_events` is one more source of Windows events. */
  readonly tables: readonly TableName[];
  /** Where these logs live on a server, or how to export them: the advice `sweep check` prints for a gap. */
  readonly whereOnServer: string;
  /** True when the family's times may be written in local time without an offset (the agency's zone applies). */
  readonly localTime: boolean;
  /**
   * Why a row of this family may have no event time, in words for the receipt ("file listings without
   * LastWriteTimeUtc show which file was on disk, not when"). Absent: its records always carry a time, and a row
   * without one means the record had no time field.
   */
  readonly untimed?: string;
}

/** What every parser is given about the file it reads. */
export interface ParseContext {
  /** Display path of the file: upload path, then "!" and the entry path per archive level. */
  readonly sourceFile: string;
  /** Host to use when a record names none: from the path, else --host; null when unknown. */
  readonly hostHint: string | null;
  /**
   * Zone of export times written without an offset (Export-Csv, NXLog, file listings): `--local-tz`, or the
   * agency's configured zone. Absent or null: UTC. Logs that are UTC by design (IIS, HttpProxy, ECP) ignore it.
   */
  readonly localZone?: LocalZone | null;
  /** Hands one normalized row to the lake. Common columns other than event_time/host are filled by the caller. */
  emit(table: TableName, row: Row): void;
  /**
   * Reports a line or record that could not be used, with the reason
   * (e.g. "bad DateTime \"2021-13-01\""). Counted per file in the manifest.
   */
  reject(lineNo: number, reason: string): void;
}

/** A push parser for one text file. `line()` is called for every line, headers included. */
export interface TextParser {
  line(text: string, lineNo: number): void;
  /** Called once after the last line (flush a pending multi-line record, report truncation). */
  end(): void;
}

export interface TextFamilyParser<F extends string = string> {
  readonly family: F;
  readonly kind: 'text';
  readonly facts: FamilyFacts;
  create(ctx: ParseContext): TextParser;
  /**
   * A fast reader of the family's common lines (WebAssembly, src/formats/iis-kernel), when it has one: one kernel
   * per upload is made and reused by every file of the family. It gives the same rows as `create`'s parser.
   */
  readonly kernel?: () => WebLogKernel;
}

export interface BinaryFamilyParser<F extends string = string> {
  readonly family: F;
  readonly kind: 'binary';
  readonly facts: FamilyFacts;
  /** Reads the whole stream; resolves when done. Damage is reported through ctx.reject, never thrown for one bad record. */
  parse(stream: Readable, ctx: ParseContext): Promise<void>;
}

export type FamilyParser<F extends string = string> = TextFamilyParser<F> | BinaryFamilyParser<F>;

/** Result of content sniffing. */
export interface Detection {
  readonly family: Family;
  /** Why: e.g. "#Log-type: HttpProxy Logs header", "ElfFile magic". Shown by `sweep dump` and in the manifest. */
  readonly reason: string;
}
