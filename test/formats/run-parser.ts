/**
 * Test harness: feeds text to a family parser line by line (as the ingest line
 * decoder does) and collects what it emits and rejects.
 */
import type { Row, TableName } from '../../src/lake/schema';
import type { Family, TextFamilyParser } from '../../src/formats/types';
import { Readable } from 'node:stream';
import { detectFamily, parserFor } from '../../src/formats';
import { readLines } from '../../src/ingest';
import type { LocalZone } from '../../src/formats/text/zone';

export interface Emitted {
  readonly table: TableName;
  readonly row: Row;
}

export interface RunResult {
  readonly rows: Row[];
  readonly emitted: Emitted[];
  readonly rejects: { lineNo: number; reason: string }[];
}

/** Runs the parser of `family` over `text` (or lines); line numbers are 1-based. */
export function runParser(
  family: Family,
  text: string | readonly string[],
  opts: { sourceFile?: string; hostHint?: string | null; localZone?: LocalZone | null } = {},
): RunResult {
  const parser = parserFor(family);
  if (parser.kind !== 'text') throw new Error(`${family} is not a text family`);
  const emitted: Emitted[] = [];
  const rejects: { lineNo: number; reason: string }[] = [];
  const p = (parser as TextFamilyParser).create({
    sourceFile: opts.sourceFile ?? `upload.zip!${family}.log`,
    hostHint: opts.hostHint === undefined ? 'HINTHOST' : opts.hostHint,
    localZone: opts.localZone ?? null,
    emit: (table, row) => emitted.push({ table, row }),
    reject: (lineNo, reason) => rejects.push({ lineNo, reason }),
  });
  const lines = typeof text === 'string' ? text.split('\n') : text;
  lines.forEach((l, i) => p.line(l, i + 1));
  p.end();
  return { rows: emitted.map((e) => e.row), emitted, rejects };
}

/** ISO text of an epoch-ms event_time (for readable assertions). */
export function iso(ms: unknown): string | null {
  return typeof ms === 'number' ? new Date(ms).toISOString() : null;
}

/**
 * Parses file bytes as the pipeline does: detection on the first 64 KiB, then the detected family's parser fed by
 * the ingest line decoder (BOM, UTF-16, CRLF). `family` is null when nothing was recognized.
 */
export async function runDetectedParser(
  bytes: Buffer,
  name: string,
  opts: { hostHint?: string | null; localZone?: LocalZone | null } = {},
): Promise<RunResult & { family: Family | null }> {
  const det = detectFamily(bytes.subarray(0, 64 * 1024), name);
  const emitted: Emitted[] = [];
  const rejects: { lineNo: number; reason: string }[] = [];
  if (!det) return { family: null, rows: [], emitted, rejects };
  const ctx = {
    sourceFile: name,
    hostHint: opts.hostHint === undefined ? 'HINTHOST' : opts.hostHint,
    localZone: opts.localZone ?? null,
    emit: (table: Emitted['table'], row: Row) => emitted.push({ table, row }),
    reject: (lineNo: number, reason: string) => rejects.push({ lineNo, reason }),
  };
  const parser = parserFor(det.family);
  if (parser.kind === 'binary') {
    // Chunks of odd sizes, as streams deliver them: split characters and tags must be handled.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 4093) chunks.push(bytes.subarray(i, i + 4093));
    await parser.parse(Readable.from(chunks), ctx);
    return { family: det.family, rows: emitted.map((e) => e.row), emitted, rejects };
  }
  const p = parser.create(ctx);
  await readLines(
    Readable.from([bytes]),
    { maxLineBytes: 64 << 20 },
    (t, n) => p.line(t, n),
    (n) => rejects.push({ lineNo: n, reason: 'long line' }),
  );
  p.end();
  return { family: det.family, rows: emitted.map((e) => e.row), emitted, rejects };
}
