/**
 * The seam between ingestion and the per-family parsers.
 *
 * Text families (HttpProxy, IIS, ECP, OAB, Windows exports, file inventory) are
 * push parsers: the ingest layer decodes the bytes (BOM, UTF-16, CRLF) and calls
 * `line()` once per line, synchronously, so the hot loop has no promise per line.
 * Binary families (raw .evtx) read the byte stream themselves.
 */
import type { Readable } from 'node:stream';
import type { Row, TableName } from '../lake/schema';
import type { LocalZone } from './text/zone';

/** Log families recognized by content. */
export const FAMILIES = [
  'httpproxy',
  'iis',
  'ecp_server',
  'oab_generator',
  'winevent_json',
  'winevent_csv',
  'winevent_jsonl',
  'file_inventory',
  'evtx',
] as const;
export type Family = (typeof FAMILIES)[number];

/** Human names, for coverage lines and the verdict ("HttpProxy logs on EXCH01 cover ..."). */
export const FAMILY_LABELS: Record<Family, string> = {
  httpproxy: 'HttpProxy logs',
  iis: 'IIS logs',
  ecp_server: 'ECP Server logs',
  oab_generator: 'OABGenerator logs',
  winevent_json: 'Windows events (Get-WinEvent JSON)',
  winevent_csv: 'Windows events (CSV export)',
  winevent_jsonl: 'Windows events (JSON lines)',
  file_inventory: 'File hash inventory',
  evtx: 'Windows event logs (.evtx)',
};

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

export interface TextFamilyParser {
  readonly family: Family;
  readonly kind: 'text';
  create(ctx: ParseContext): TextParser;
}

export interface BinaryFamilyParser {
  readonly family: Family;
  readonly kind: 'binary';
  /** Reads the whole stream; resolves when done. Damage is reported through ctx.reject, never thrown for one bad record. */
  parse(stream: Readable, ctx: ParseContext): Promise<void>;
}

export type FamilyParser = TextFamilyParser | BinaryFamilyParser;

/** Result of content sniffing. */
export interface Detection {
  readonly family: Family;
  /** Why: e.g. "#Log-type: HttpProxy Logs header", "ElfFile magic". Shown by `sweep dump` and in the manifest. */
  readonly reason: string;
}
