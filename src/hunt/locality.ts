/**
 * What rows a hunt's findings can depend on, read from its SQL and header: whether each lake row leads to its
 * findings on its own (a partition-local body: any set of days can be swept apart), and how a hunt's day windows read
 * several day ranges at once. The incremental sweep (src/sweep/sweep-state.ts) and the lint use it.
 */
import { TABLE_NAMES } from '../lake';
import type { Hunt } from './query-file';
import { stripSqlComments } from './query-file';
import { placeholderOffsets, type HuntWindow } from './window';

const DT_PAIR = /\b((?:[A-Za-z_][A-Za-z0-9_]*\.)?dt)\s+BETWEEN\s+\?\s+AND\s+\?/gi;
const LAKE_TABLE = new RegExp(`\\b(${TABLE_NAMES.join('|')})\\b`, 'i');

/** Splits `WITH a AS (...), b AS (...) SELECT ...` (strings masked) into its named parts and the final SELECT. */
function splitCtes(masked: string): { ctes: Map<string, string>; final: string } | null {
  const ctes = new Map<string, string>();
  let rest = masked.trim();
  const withKw = /^WITH\s+/i.exec(rest);
  if (!withKw) return { ctes, final: rest };
  rest = rest.slice(withKw[0].length);
  for (;;) {
    const head = /^([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/i.exec(rest);
    if (!head) return null;
    let depth = 1;
    let i = head[0].length;
    for (; i < rest.length && depth > 0; i++) depth += rest[i] === '(' ? 1 : rest[i] === ')' ? -1 : 0;
    if (depth !== 0) return null;
    ctes.set(head[1].toLowerCase(), rest.slice(head[0].length, i - 1));
    rest = rest.slice(i).trim();
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else return { ctes, final: rest };
  }
}

/**
 * The hunt's body when each lake row leads to its findings on its own, so that the hunt can read any set of days
 * and the fingerprints found over several sets are those found over their union. Null otherwise. Conservative:
 * - exactly one (since, until) pair, and it bounds `dt` (`dt BETWEEN ? AND ?`);
 * - no window function, no HAVING;
 * - the parts (CTEs) that read the lake neither group nor join, except with parts that read no lake table (the
 *   indicators); grouping only in the final SELECT, which has no subquery and joins only parts without lake rows.
 * Anything else (self-joins, first-seen baselines, ratios over a window) correlates rows and is swept per agency
 * over the whole window.
 */
export function partitionLocalBody(hunt: Hunt): string | null {
  const body = stripSqlComments(hunt.sql).trim().replace(/;\s*$/, '');
  if (placeholderOffsets(body).length !== 2) return null;
  const m = body.match(DT_PAIR);
  if (!m || m.length !== 1) return null;
  const masked = body.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, (q) => q.replace(/[()]/g, ' '));
  if (/\bover\s*\(|\bhaving\b/i.test(masked)) return null;
  const parts = splitCtes(masked);
  if (!parts) return null;
  const readsLake = new Set<string>();
  // A part reads the lake when it names a lake table or a part that does (parts only name earlier parts).
  for (const [name, text] of parts.ctes) {
    const names = (text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((t) => t.toLowerCase());
    if (LAKE_TABLE.test(text) || names.some((n) => readsLake.has(n))) readsLake.add(name);
  }
  const joinsOnlyIndicators = (text: string): boolean =>
    [...text.matchAll(/\bjoin\s+([A-Za-z_][A-Za-z0-9_]*)/gi)].every(
      (j) => parts.ctes.has(j[1].toLowerCase()) && !readsLake.has(j[1].toLowerCase()),
    );
  for (const [name, text] of parts.ctes) {
    if (!readsLake.has(name)) continue;
    if (/\bgroup\s+by\b/i.test(text) || !joinsOnlyIndicators(text)) return null;
  }
  const selects = parts.final.match(/\bselect\b/gi) ?? [];
  if (selects.length !== 1 || !joinsOnlyIndicators(parts.final)) return null;
  return body;
}

/** The body reading the given day ranges instead of one window: `(dt BETWEEN ? AND ? OR dt BETWEEN ? AND ?)`. */
export function bodyForRanges(body: string, ranges: number): string {
  if (ranges <= 1) return body;
  return body.replace(DT_PAIR, (_m, col: string) => `(${Array.from({ length: ranges }, () => `${col} BETWEEN ? AND ?`).join(' OR ')})`);
}

/**
 * The hunt's query reading the given day ranges in every window it has (`dt BETWEEN ? AND ?` becomes
 * `(dt BETWEEN ? AND ? OR ...)`), with its parameters; null when some `?` is not part of such a window.
 */
export function rangedQuery(hunt: Hunt, ranges: readonly HuntWindow[]): { body: string; params: string[] } | null {
  const body = stripSqlComments(hunt.sql).trim().replace(/;\s*$/, '');
  const pairs = body.match(DT_PAIR)?.length ?? 0;
  if (ranges.length === 0 || pairs === 0 || placeholderOffsets(body).length !== 2 * pairs) return null;
  const days = ranges.flatMap((r) => [r.since, r.until]);
  return { body: bodyForRanges(body, ranges.length), params: Array.from({ length: pairs }, () => days).flat() };
}
