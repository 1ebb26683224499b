/**
 * Hunts batched into few queries: Athena bills at least 10 MB per query, so the hunts (over the small candidate
 * tables, or over the lake for the few that may use any row) run as one `UNION ALL` query per batch instead of one
 * query each.
 *
 * Every hunt returns its own columns; a batch returns two: the hunt id and the hunt's row as a JSON array of its
 * values, in the order of its SELECT list (`json_format(CAST(ARRAY[CAST(c1 AS JSON), ...] AS JSON))`). Trino casts
 * to JSON booleans, numbers, varchar, timestamps, dates, JSON and arrays of them, and an array of JSON values to a
 * JSON array whose SQL NULLs are JSON nulls (Trino's JsonUtil.canCastToJson; "Cast to JSON" in Trino's JSON
 * functions); DuckDB casts every type to JSON. The names come from the hunt's final SELECT list, so a hunt whose
 * list the reader cannot name (`*`, an unnamed expression) runs on its own.
 *
 * Timestamps come back as text (`2021-03-02 10:15:30.000` from Trino, `2021-03-02 10:15:30` from DuckDB): a third
 * column gives each value's type (`typeof`, on both engines), and the values of timestamp columns are given back as
 * ISO-8601 UTC strings, as both engines' adapters return timestamp columns; a text that only looks like a timestamp
 * stays as it is.
 */
import { stripSqlComments, type Hunt, type HuntWindow } from '../hunt';
import { bindWindow, findingsTouchClause, huntOverCandidates, type CandidateSelection, type HuntScope } from './candidates';

/** Longest batch query text (Athena accepts at most 262,144 bytes per query string), measured as by {@link queryTextBytes}. */
export const MAX_BATCH_BYTES = 200_000;

/**
 * Size of a query text as a JSON string (its UTF-8 bytes, quotes and escapes included): what a Step Functions state
 * carries when it holds the text, and never less than the UTF-8 bytes Athena counts.
 */
export function queryTextBytes(sql: string): number {
  return Buffer.byteLength(JSON.stringify(sql), 'utf8');
}

/** Bytes of a batch's first line (`-- <n> hunts`) and of each `UNION ALL` between members, escaped, with room to spare. */
const HEADER_BYTES = 24;
const SEPARATOR_BYTES = 20;

/** One batch: its query text (window bound as literals) and the hunts it holds with their column names. */
export interface HuntBatch {
  readonly sql: string;
  readonly hunts: { readonly hunt_id: string; readonly columns: string[] }[];
}

function mask(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, (s) => `'${' '.repeat(s.length - 2)}'`)
    .replace(/"(?:[^"]|"")*"/g, (s) => `"${'_'.repeat(s.length - 2)}"`);
}

/** Top-level pieces of masked[from, to) split at commas outside parentheses. */
function splitTopLevel(masked: string, from: number, to: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const ch = masked[i];
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push({ start, end: i });
      start = i + 1;
    }
  }
  out.push({ start, end: to });
  return out;
}

/** The output column names of a hunt (its final SELECT list), or null when one cannot be named from the text. */
export function outputColumns(hunt: Hunt): string[] | null {
  const body = stripSqlComments(hunt.sql);
  const masked = mask(body);
  // The first SELECT outside parentheses is the final query's (the WITH parts are all inside parentheses).
  let depth = 0;
  let selectAt = -1;
  let fromAt = -1;
  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (i === 0 || !/[A-Za-z0-9_]/.test(masked[i - 1]))) {
      if (selectAt < 0 && /^select\b/i.test(masked.slice(i, i + 7))) selectAt = i + 6;
      else if (selectAt >= 0 && /^from\b/i.test(masked.slice(i, i + 5))) {
        fromAt = i;
        break;
      }
    }
  }
  if (selectAt < 0 || fromAt < 0) return null;
  const listStart = selectAt + (/^\s+distinct\b/i.exec(masked.slice(selectAt))?.[0].length ?? 0);
  const names: string[] = [];
  for (const item of splitTopLevel(masked, listStart, fromAt)) {
    const text = masked.slice(item.start, item.end).trim();
    const aliased = /\bas\s+([A-Za-z_][A-Za-z0-9_]*)$/i.exec(text);
    const plain = /^(?:[A-Za-z_][A-Za-z0-9_]*\s*\.\s*)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
    const name = aliased?.[1] ?? plain?.[1];
    if (!name) return null;
    names.push(name.toLowerCase());
  }
  return new Set(names).size === names.length ? names : null;
}

/** One hunt as a batch member: its id and its row as JSON text (only the given agencies' rows, when given). */
function member(
  hunt: Hunt,
  columns: readonly string[],
  selections: readonly CandidateSelection[],
  window: HuntWindow,
  agencies?: readonly string[],
  scope?: HuntScope,
): string {
  const inner = bindWindow(
    selections.length > 0 ? huntOverCandidates(hunt, selections, scope) : stripSqlComments(hunt.sql).trim().replace(/;\s*$/, ''),
    window,
  );
  const values = columns.map((c) => `CAST(hunt_result.${c} AS JSON)`).join(', ');
  const types = columns.map((c) => `typeof(hunt_result.${c})`).join(', ');
  const where = [
    ...(agencies?.length ? [`hunt_result.agency IN (${agencies.map((a) => `'${a.replace(/'/g, "''")}'`).join(', ')})`] : []),
    ...(scope?.touch?.length ? [`(${findingsTouchClause('hunt_result', scope.touch)})`] : []),
  ];
  return (
    `SELECT '${hunt.meta.id}' AS hunt_id, json_format(CAST(ARRAY[${values}] AS JSON)) AS result_row, ` +
    `json_format(CAST(ARRAY[${types}] AS JSON)) AS result_types\nFROM (\n${inner}\n) AS hunt_result` +
    (where.length ? `\nWHERE ${where.join(' AND ')}` : '')
  );
}

/**
 * Batches the hunts into UNION ALL queries of at most `maxBytes`, counted as a state holding the batch carries it:
 * its text ({@link queryTextBytes}) and its hunt list (each hunt's id and columns as JSON). A hunt larger than that on
 * its own makes a batch of its own, which the caller refuses: each hunt reads the candidates of the selections
 * it is given (none: the lake tables, as it is; only its scope of them, when given), and keeps the rows of `agencies`
 * only, when given (every hunt returns its rows' agency). Hunts whose output columns cannot be named are returned
 * apart (`alone`), to run on their own.
 */
export function batchHunts(
  members: readonly { readonly hunt: Hunt; readonly selections: readonly CandidateSelection[]; readonly scope?: HuntScope }[],
  window: HuntWindow,
  maxBytes = MAX_BATCH_BYTES,
  agencies?: readonly string[],
): { batches: HuntBatch[]; alone: Hunt[] } {
  const batches: HuntBatch[] = [];
  const alone: Hunt[] = [];
  let parts: string[] = [];
  let held: { hunt_id: string; columns: string[] }[] = [];
  let size = HEADER_BYTES;
  const flush = (): void => {
    if (parts.length === 0) return;
    batches.push({ sql: `-- ${parts.length} hunts\n${parts.join('\nUNION ALL\n')}`, hunts: held });
    parts = [];
    held = [];
    size = HEADER_BYTES;
  };
  for (const { hunt, selections, scope } of members) {
    const columns = outputColumns(hunt);
    if (!columns) {
      alone.push(hunt);
      continue;
    }
    const part = member(hunt, columns, selections, window, agencies, scope);
    const bytes =
      queryTextBytes(part) + SEPARATOR_BYTES + Buffer.byteLength(JSON.stringify({ hunt_id: hunt.meta.id, columns }), 'utf8') + 1;
    if (parts.length > 0 && size + bytes > maxBytes) flush();
    parts.push(part);
    held.push({ hunt_id: hunt.meta.id, columns });
    size += bytes;
  }
  flush();
  return { batches, alone };
}

const SQL_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?$/;

/** A value of a timestamp column (or an array of them), as JSON text gives it, as the engines' adapters give it. */
function plainValue(v: unknown, type: string): unknown {
  const timestamp = /^(array\()?timestamp/i.test(type) || /^timestamp.*\[\]$/i.test(type);
  if (!timestamp) return v;
  if (typeof v === 'string') {
    const m = SQL_TIMESTAMP.exec(v);
    return m ? `${m[1]}T${m[2]}${((m[3] ?? '.') + '000').slice(0, 4)}Z` : v;
  }
  if (Array.isArray(v)) return v.map((x) => plainValue(x, 'timestamp'));
  return v;
}

/** A batch's result rows, back as each hunt's own rows (hunt id -> rows with its column names). */
export function unbatchRows(batch: HuntBatch, rows: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const columns = new Map(batch.hunts.map((h) => [h.hunt_id, h.columns]));
  const out = new Map<string, Record<string, unknown>[]>(batch.hunts.map((h) => [h.hunt_id, []]));
  for (const r of rows) {
    const id = String(r.hunt_id);
    const names = columns.get(id);
    if (!names) throw new Error(`a batch returned a row of hunt ${id}, which it does not hold`);
    const values = JSON.parse(String(r.result_row)) as unknown[];
    const types = JSON.parse(String(r.result_types ?? '[]')) as unknown[];
    if (!Array.isArray(values) || values.length !== names.length)
      throw new Error(`hunt ${id}: a batch row has ${Array.isArray(values) ? values.length : 'no'} values for ${names.length} columns`);
    out.get(id)!.push(Object.fromEntries(names.map((n, i) => [n, plainValue(values[i], String(types[i] ?? ''))])));
  }
  return out;
}
