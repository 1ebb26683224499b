/**
 * The canonical indicators CSV deployed under `s3://<lake>/indicators/` for the
 * Athena `indicators` table (OpenCSVSerde, one header line): the columns of
 * INDICATORS_TABLE in order, RFC 4180 quoting.
 */
import { INDICATORS_TABLE } from '../lake/schema';

/** Serializes indicator rows (objects with the INDICATORS_TABLE columns) to CSV text with a header line. */
export function indicatorsToCsv(rows: readonly Record<string, unknown>[]): string {
  const cols = INDICATORS_TABLE.columns.map((c) => c.name);
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((c) => csvField(r[c])).join(','));
  return lines.join('\n') + '\n';
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // OpenCSVSerde reads quotes and embedded newlines in quoted fields; always quote to be safe with commas in notes.
  return `"${s.replace(/"/g, '""')}"`;
}
