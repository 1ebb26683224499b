/**
 * Test harness: feeds text to a family parser line by line (as the ingest line
 * decoder does) and collects what it emits and rejects.
 */
import type { Row, TableName } from '../../src/lake/schema';
import type { Family, TextFamilyParser } from '../../src/formats/types';
import { parserFor } from '../../src/formats';
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
export function runParser(family: Family, text: string | readonly string[], opts: { sourceFile?: string; hostHint?: string | null; localZone?: LocalZone | null } = {}): RunResult {
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
