/**
 * One scan per lake table per sweep: the candidate rows.
 *
 * Athena bills every query for the column chunks it reads (at least 10 MB), so a pack of hunts that each read their
 * own columns of the whole table pays for the table many times. Instead, a sweep first selects, per lake table and in
 * one query, the rows any hunt could use (the OR of the hunts' row predicates) with only the columns the hunts read:
 * the candidates. The hunts then read the candidates instead of the table, their SQL unchanged: a `WITH` entry named
 * after the lake table shadows it (`WITH web_requests AS (SELECT * FROM <candidates>) <hunt>`). An incremental sweep,
 * whose hunts read different agencies and days, has one selection per table and scope group (candidateSelections).
 *
 * A hunt's row predicate for a table is derived from its SQL, never declared: every place the hunt reads the table
 * (`FROM t` or `JOIN t` inside one SELECT) keeps only the rows passing that SELECT's WHERE, so the conjuncts of that
 * WHERE that name nothing but the table's own columns are a predicate no row outside of it can get past. A row the
 * hunt could use passes at least one of its reads' predicates: the hunt's predicate is their OR. Conservative rules
 * (any doubt widens the predicate, up to every row):
 * - only conjuncts at the top level of the WHERE (split on AND, BETWEEN's AND kept), with no subquery, no `?` (the
 *   window is the sweep's own), no lambda, and no name but the table's columns (bare, only when the SELECT reads
 *   that one relation; or qualified by the table's alias), SQL keywords, type names and function calls;
 * - a read on the nullable side of an outer join (or any read in a SELECT with RIGHT or FULL joins) keeps every row:
 *   there a WHERE can test for the absence of a match (`w.x IS NULL`) and fewer rows would make more findings;
 * - a read the splitter does not recognise keeps every row.
 *
 * That the hunts find the same over the candidates as over the tables is tested per hunt on its fixtures, on the
 * bundled samples and on the bench's multi-agency lake (test/sweep/candidates.test.ts).
 */
import { TABLE_NAMES, tableDef, PARTITION_COLUMNS, type TableName } from '../lake';
import { placeholderOffsets, stripSqlComments, windowParams, type Hunt, type HuntWindow } from '../hunt';

const literal = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** What a hunt reads of one lake table: the rows (a SQL predicate over the table's columns, or null: every row). */
export interface TableRead {
  readonly table: TableName;
  /** Predicate over the table's bare column names; null when the hunt may use any row. */
  readonly predicate: string | null;
  /** The table's columns the hunt names (partition columns included). */
  readonly columns: string[];
}

/** One candidate selection: the rows and columns of a lake table that the given hunts read. */
export interface CandidateSelection {
  readonly table: TableName;
  /**
   * What names it within a run: the table, or `<table>_<n>` when the table has several selections (scope groups);
   * the candidate table's name and its CTAS location derive from it.
   */
  readonly id: string;
  /** The name the hunts read it under (a table in the engine's schema). */
  readonly name: string;
  readonly columns: string[];
  /** The OR of the hunts' predicates (each within its hunts' scope); null when some hunt may use every row. */
  readonly predicate: string | null;
  /** `SELECT <columns> FROM <table> WHERE dt BETWEEN ? AND ? AND (<predicate>)`, one `?` pair: the window. */
  readonly select: string;
  /** Hunts reading it. */
  readonly hunts: string[];
  /** The one scope its rows are all within (clause text), when its hunts share one; null: the whole window, or several. */
  readonly scope: string | null;
}

/** Default name of a selection's candidates (`id`: the table, or `<table>_<n>`; a run id makes it unique on Athena). */
export function candidatesName(id: string, runTag = ''): string {
  return `candidates_${runTag ? `${runTag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_` : ''}${id}`;
}

const SQL_WORDS = new Set(
  (
    'and or not is null like in between case when then else end true false interval escape cast try_cast as distinct ' +
    'varchar char bigint integer int smallint tinyint double real boolean timestamp date time decimal json array map row ' +
    'day hour minute second month year with zone at'
  ).split(' '),
);

const CLAUSE_END = /^(group\s+by|having|order\s+by|limit|window|offset|fetch)\b/i;
const SET_OP = /^(union|intersect|except)\b/i;

/** The SQL with string literals and quoted identifiers blanked (same length), so offsets stay those of the original. */
function mask(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, (s) => `'${' '.repeat(s.length - 2)}'`)
    .replace(/"(?:[^"]|"")*"/g, (s) => `"${'_'.repeat(s.length - 2)}"`);
}

/** Offsets of the top-level (depth 0) matches of `re` between from and to in masked text. */
function topLevel(masked: string, from: number, to: number, re: RegExp): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const ch = masked[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (i === from || !/[A-Za-z0-9_]/.test(masked[i - 1]))) {
      const m = re.exec(masked.slice(i, Math.min(to, i + 40)));
      if (m) {
        out.push({ at: i, len: m[0].length });
        i += m[0].length - 1;
      }
    }
  }
  return out;
}

/** Bounds of the parenthesised block (or the whole text) that contains offset `at`. */
function enclosingBlock(masked: string, at: number): { start: number; end: number } {
  let depth = 0;
  let start = 0;
  for (let i = at - 1; i >= 0; i--) {
    if (masked[i] === ')') depth++;
    else if (masked[i] === '(') {
      if (depth === 0) {
        start = i + 1;
        break;
      }
      depth--;
    }
  }
  depth = 0;
  let end = masked.length;
  for (let i = at; i < masked.length; i++) {
    if (masked[i] === '(') depth++;
    else if (masked[i] === ')') {
      if (depth === 0) {
        end = i;
        break;
      }
      depth--;
    }
  }
  return { start, end };
}

/** Splits a WHERE clause at its top-level ANDs (the AND of a BETWEEN stays in its conjunct). */
function conjuncts(masked: string, from: number, to: number): { start: number; end: number }[] {
  const ands = topLevel(masked, from, to, /^(between|and)\b/i);
  const out: { start: number; end: number }[] = [];
  let start = from;
  let between = false;
  for (const a of ands) {
    if (/^between/i.test(masked.slice(a.at, a.at + 7))) {
      between = true;
      continue;
    }
    if (between) {
      between = false;
      continue;
    }
    out.push({ start, end: a.at });
    start = a.at + a.len;
  }
  out.push({ start, end: to });
  return out;
}

/** A conjunct rewritten over the table's bare columns, or null when it names anything else. */
function ownConjunct(original: string, masked: string, columns: ReadonlySet<string>, alias: string | null, bareOk: boolean): string | null {
  if (/\?|->|\bselect\b/i.test(masked) || masked.trim() === '') return null;
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)|[A-Za-z_][A-Za-z0-9_]*|"_*"/g;
  let out = '';
  let last = 0;
  for (const m of masked.matchAll(re)) {
    const at = m.index;
    if (m[0].startsWith('"')) return null;
    if (at > 0 && /[0-9]/.test(masked[at - 1])) continue;
    if (m[1]) {
      if (!alias || m[1].toLowerCase() !== alias || !columns.has(m[2].toLowerCase())) return null;
      out += original.slice(last, at) + m[2];
      last = at + m[0].length;
      continue;
    }
    const word = m[0].toLowerCase();
    const rest = masked.slice(at + m[0].length);
    if (/^\s*\(/.test(rest)) continue;
    if (SQL_WORDS.has(word)) continue;
    if (bareOk && columns.has(word)) continue;
    return null;
  }
  return (out + original.slice(last)).trim();
}

const KEYWORD_AFTER_TABLE =
  /^(where|join|left|right|full|inner|cross|on|group|order|limit|union|intersect|except|natural|using|having|window)$/i;

/** The rows of `table` one read (an occurrence in a FROM or JOIN) keeps; null when any row. */
function readPredicate(original: string, masked: string, at: number, table: TableName, columns: ReadonlySet<string>): string | null {
  const block = enclosingBlock(masked, at);
  // The SELECT of a set operation (UNION ALL ...) that holds this read.
  const ops = topLevel(masked, block.start, block.end, SET_OP);
  let segStart = block.start;
  let segEnd = block.end;
  for (const op of ops) {
    if (op.at < at) segStart = op.at + op.len;
    else {
      segEnd = op.at;
      break;
    }
  }
  const seg = masked.slice(segStart, segEnd);
  const froms = topLevel(masked, segStart, segEnd, /^from\b/i);
  const wheres = topLevel(masked, segStart, segEnd, /^where\b/i);
  if (froms.length !== 1 || (!/^\s*select\b/i.test(seg) && !/\bselect\b/i.test(seg.slice(0, froms[0].at - segStart)))) return null;
  const fromEnd = wheres[0]?.at ?? topLevel(masked, segStart, segEnd, CLAUSE_END)[0]?.at ?? segEnd;
  if (at < froms[0].at || at > fromEnd) return null;
  const fromText = masked.slice(froms[0].at + froms[0].len, fromEnd);
  const joins = topLevel(masked, froms[0].at + froms[0].len, fromEnd, /^(join|,)/i);
  const single = joins.length === 0 && !/,/.test(fromText);
  if (/\b(right|full)\b/i.test(fromText)) return null;
  // Nullable side of a LEFT JOIN: this read comes after the first LEFT.
  const left = /\bleft\b/i.exec(fromText);
  if (left && at > froms[0].at + froms[0].len + left.index) return null;
  if (wheres.length !== 1) return null;
  const alias = (() => {
    const after = /^\s+(?:as\s+)?([A-Za-z_][A-Za-z0-9_]*)/i.exec(masked.slice(at + table.length, fromEnd));
    return after && !KEYWORD_AFTER_TABLE.test(after[1]) ? after[1].toLowerCase() : table;
  })();
  const whereStart = wheres[0].at + wheres[0].len;
  const whereEnd = topLevel(masked, whereStart, segEnd, CLAUSE_END)[0]?.at ?? segEnd;
  const kept = conjuncts(masked, whereStart, whereEnd)
    .map((c) => ownConjunct(original.slice(c.start, c.end), masked.slice(c.start, c.end), columns, alias, single))
    .filter((c): c is string => c !== null);
  return kept.length === 0 ? null : kept.map((c) => `(${c})`).join(' AND ');
}

/** What the hunt reads of each lake table it names: columns and row predicate. */
export function huntReads(hunt: Hunt): TableRead[] {
  const original = stripSqlComments(hunt.sql);
  const masked = mask(original);
  const tokens = (masked.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((t) => t.toLowerCase());
  const out: TableRead[] = [];
  for (const table of TABLE_NAMES) {
    const occurrences = [...masked.matchAll(new RegExp(`\\b${table}\\b`, 'gi'))].map((m) => m.index);
    if (occurrences.length === 0) continue;
    const defs = [...tableDef(table).columns, ...PARTITION_COLUMNS];
    const columns = new Set(defs.map((c) => c.name));
    const preds: (string | null)[] = occurrences.map((at) =>
      /\b(from|join)\s*$/i.test(masked.slice(Math.max(0, at - 12), at)) ? readPredicate(original, masked, at, table, columns) : null,
    );
    const declared = hunt.meta.prefilter?.[table];
    if (declared) {
      out.push({ table, predicate: declared.trim(), columns: defs.map((c) => c.name).filter((c) => tokens.includes(c)) });
      continue;
    }
    const distinct = [...new Set(preds as string[])];
    const predicate = preds.some((p) => p === null)
      ? null
      : distinct.length === 1
        ? distinct[0]
        : distinct.map((p) => `(${p})`).join(' OR ');
    out.push({ table, predicate, columns: defs.map((c) => c.name).filter((c) => tokens.includes(c)) });
  }
  return out;
}

/**
 * Scopes of at most this many days (summed over their ranges) share one selection per table: each selection pays
 * Athena's 10 MB minimum, and a few days of the union of their columns read less than that. A wider scope (an
 * agency's whole window, all history) gets a selection of its own, with only its hunts' columns.
 */
export const NARROW_SCOPE_DAYS = 62;

const DAY_MS = 86_400_000;

/** Days a scope reads (per agency), summed over its ranges. */
function scopeDays(scope: HuntScope): number {
  return scope.ranges.reduce((n, r) => n + (Date.parse(`${r.until}T00:00:00Z`) - Date.parse(`${r.since}T00:00:00Z`)) / DAY_MS + 1, 0);
}

/**
 * The candidate selections for a set of hunts: per lake table they read and per scope group, the union of the
 * group's columns and the OR of its predicates, as one SELECT over the window (`dt BETWEEN ? AND ?`) and, when given,
 * the agencies.
 *
 * Without scopes (a full sweep) each table has one selection. In an incremental sweep the hunts read different
 * scopes (changed days, changed days widened by correlation_days, an agency's whole window): one selection over all
 * of them would read every column any hunt names over the widest scope. Instead the hunts of a table are grouped by
 * scope: each scope wider than {@link NARROW_SCOPE_DAYS} days is a group of its own, the whole window (hunts without
 * a scope) too, and all the narrow scopes together make one group. A group's selection keeps the rows of each of its
 * scopes that pass that scope's hunts' predicates, and only the group's columns (plus agency, dt and host). A
 * declared prefilter's own `dt BETWEEN ? AND ?` reads the scope of its hunt, not the whole window.
 */
export function candidateSelections(
  hunts: readonly Hunt[],
  opts: { runTag?: string; agencies?: readonly string[]; scopes?: ReadonlyMap<string, HuntScope> } = {},
): CandidateSelection[] {
  interface Group {
    columns: Set<string>;
    /** Per scope clause ('' for the whole window): its predicates. */
    preds: Map<string, Set<string>>;
    hunts: string[];
  }
  const byTable = new Map<TableName, Map<string, Group>>();
  for (const hunt of hunts) {
    const scope = opts.scopes?.get(hunt.meta.id);
    const scopeKey = scope ? scopeClause(scope) : '';
    const groupKey = !scope ? '' : scopeDays(scope) <= NARROW_SCOPE_DAYS ? 'narrow' : scopeKey;
    for (const r of huntReads(hunt)) {
      // A read that may use any row reads the lake itself: no candidates for it (they would be the whole table).
      if (r.predicate === null) continue;
      const groups = byTable.get(r.table) ?? new Map<string, Group>();
      const g = groups.get(groupKey) ?? { columns: new Set<string>(), preds: new Map<string, Set<string>>(), hunts: [] };
      for (const c of r.columns) g.columns.add(c);
      const predicate = scope ? scopedPrefilter(r.predicate, scope) : r.predicate;
      g.preds.set(scopeKey, (g.preds.get(scopeKey) ?? new Set<string>()).add(predicate));
      g.hunts.push(hunt.meta.id);
      groups.set(groupKey, g);
      byTable.set(r.table, groups);
    }
  }
  const out: CandidateSelection[] = [];
  for (const table of TABLE_NAMES) {
    const groups = [...(byTable.get(table)?.values() ?? [])];
    const order = [...tableDef(table).columns, ...PARTITION_COLUMNS].map((c) => c.name);
    for (const [i, g] of groups.entries()) {
      // agency, dt and host are always kept: the window, the agency filter and every finding need them.
      const columns = order.filter((c) => g.columns.has(c) || c === 'agency' || c === 'dt' || c === 'host');
      // Per scope (the agencies and days an incremental sweep reads for some hunts), the OR of their predicates.
      const terms = [...g.preds].map(([scope, preds]) => {
        const or = [...preds].map((p) => `(${p})`).join('\n    OR ');
        return scope ? `(${scope} AND (${or}))` : or;
      });
      const predicate = terms.length === 0 ? null : terms.join('\n    OR ');
      const agencies = opts.agencies?.length ? ` AND agency IN (${opts.agencies.map(literal).join(', ')})` : '';
      const select = [
        `SELECT ${columns.join(', ')}`,
        `FROM ${table}`,
        `WHERE dt BETWEEN ? AND ?${agencies}`,
        ...(predicate ? [`  AND (${predicate})`] : []),
      ].join('\n');
      const id = groups.length === 1 ? table : `${table}_${i + 1}`;
      const scope = g.preds.size === 1 ? [...g.preds.keys()][0] || null : null;
      out.push({ table, id, name: candidatesName(id, opts.runTag), columns, predicate, select, hunts: g.hunts, scope });
    }
  }
  return out;
}

/**
 * A declared prefilter within a scope: its own window pairs on the bare `dt` (`dt BETWEEN ? AND ?`) become the
 * scope's agencies and days, so that its subquery reads what its hunt reads, not the run's whole window. Other `?`
 * stay bound to the window (wider, never fewer rows).
 */
function scopedPrefilter(predicate: string, scope: HuntScope): string {
  if (!predicate.includes('?')) return predicate;
  const masked = mask(predicate);
  let out = '';
  let last = 0;
  for (const m of masked.matchAll(/(?<![A-Za-z0-9_."])dt\s+BETWEEN\s+\?\s+AND\s+\?/gi)) {
    out += `${predicate.slice(last, m.index)}(${scopeClause(scope)})`;
    last = m.index + m[0].length;
  }
  return out + predicate.slice(last);
}

/** What an incremental sweep reads for one hunt: its agencies and day ranges. */
export interface HuntScope {
  readonly agencies: readonly string[];
  readonly ranges: readonly HuntWindow[];
  /**
   * For a hunt that declares `group_days`: the new or changed days (the ranges are these widened); only its findings
   * whose first_seen..last_seen touches one of them are kept ({@link findingsTouchClause}).
   */
  readonly touch?: readonly HuntWindow[];
}

/**
 * `(<alias>.last_seen >= TIMESTAMP 'a 00:00:00' AND <alias>.first_seen < TIMESTAMP 'b+1 00:00:00') OR ...`: the
 * findings whose first_seen..last_seen touches one of the day ranges (days are validated `YYYY-MM-DD`). A finding
 * whose rows lie at most N days apart and include a row of those days has all its rows within the ranges widened by
 * N, so it is computed whole; the others are groups of unchanged days (found before) or groups cut at the edges of
 * the widened ranges, whose shares and counts are not the whole group's.
 */
export function findingsTouchClause(alias: string, days: readonly HuntWindow[]): string {
  const next = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return days
    .map((r) => `(${alias}.last_seen >= TIMESTAMP '${r.since} 00:00:00' AND ${alias}.first_seen < TIMESTAMP '${next(r.until)} 00:00:00')`)
    .join(' OR ');
}

/** `agency IN (...) AND (dt BETWEEN 'a' AND 'b' OR ...)` with literals (agencies and days are validated ids). */
function scopeClause(scope: HuntScope): string {
  const days = scope.ranges.map((r) => `dt BETWEEN ${literal(r.since)} AND ${literal(r.until)}`).join(' OR ');
  return `agency IN (${scope.agencies.map(literal).join(', ')}) AND (${days})`;
}

/**
 * The hunt's SQL reading the candidates instead of the lake tables (its text unchanged after a `WITH` prefix): per
 * table it reads, the selection that lists it among its hunts (a table no given selection lists it for: the lake).
 * With a scope (an incremental sweep), the hunt reads only its own agencies and days of the candidates when they also
 * hold rows other hunts selected over other scopes (a selection over the narrow scopes together).
 */
export function huntOverCandidates(hunt: Hunt, selections: readonly CandidateSelection[], scope?: HuntScope): string {
  const body = stripSqlComments(hunt.sql).trim().replace(/;\s*$/, '');
  const reads = new Set(huntReads(hunt).map((r) => r.table));
  const clause = scope ? scopeClause(scope) : null;
  const mine = new Map<TableName, CandidateSelection>();
  for (const s of selections) if (reads.has(s.table) && s.hunts.includes(hunt.meta.id) && !mine.has(s.table)) mine.set(s.table, s);
  // A selection within exactly the hunt's scope holds nothing else: no filter to repeat.
  const shadows = [...mine.values()].map(
    (s) => `${s.table} AS (SELECT * FROM ${s.name}${clause && clause !== s.scope ? ` WHERE ${clause}` : ''})`,
  );
  if (shadows.length === 0) return body;
  const withKw = /^WITH\s+/i.exec(body);
  return withKw ? `WITH ${shadows.join(', ')},\n${body.slice(withKw[0].length)}` : `WITH ${shadows.join(', ')}\n${body}`;
}

/** The window parameters of a candidate selection (its own window, and those of declared prefilters). */
export function selectionParams(selection: CandidateSelection, window: HuntWindow): string[] {
  return windowParams(selection.select, window);
}

/** A sweep in stages: the candidate selections, the hunts that read them, and the hunts that read the lake as before. */
export interface StagedPlan {
  readonly selections: CandidateSelection[];
  /** Hunts with a row predicate for at least one table they read: they read its candidates (other tables: the lake). */
  readonly staged: Hunt[];
  /** Hunts that may use any row of every table they read (or read none): they read the lake. */
  readonly direct: { readonly hunt: Hunt; readonly reason: string }[];
  /** Every hunt that reads some table from the lake rather than candidates, with the tables and why. */
  readonly lakeReads: { readonly hunt_id: string; readonly tables: TableName[]; readonly reason: string }[];
}

/** Splits the hunts into those that read candidates and those that read the lake, and builds the selections. */
export function planStages(
  hunts: readonly Hunt[],
  opts: { runTag?: string; agencies?: readonly string[]; scopes?: ReadonlyMap<string, HuntScope> } = {},
): StagedPlan {
  const staged: Hunt[] = [];
  const direct: { hunt: Hunt; reason: string }[] = [];
  const lakeReads: { hunt_id: string; tables: TableName[]; reason: string }[] = [];
  for (const hunt of hunts) {
    const reads = huntReads(hunt);
    const all = reads.filter((r) => r.predicate === null).map((r) => r.table);
    const reason = `it may use any row of ${all.join(', ')}`;
    if (all.length > 0) lakeReads.push({ hunt_id: hunt.meta.id, tables: all, reason });
    if (all.length < reads.length) staged.push(hunt);
    else direct.push({ hunt, reason: reads.length === 0 ? 'it reads no lake table' : reason });
  }
  return { selections: candidateSelections(staged, opts), staged, direct, lakeReads };
}

/**
 * The Athena statement that keeps a selection as a table: a CTAS writing ZSTD Parquet under `location` (a prefix the
 * hunt workgroup may write, emptied after the run), the window bound as day literals.
 */
export function ctasStatement(selection: CandidateSelection, location: string, window: HuntWindow): string {
  if (!/^s3:\/\/[a-z0-9.-]+\/[A-Za-z0-9_./=-]+\/$/.test(location)) throw new RangeError(`not an S3 folder URI: ${location}`);
  return [
    `CREATE TABLE ${selection.name}`,
    `WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = '${location}')`,
    'AS',
    bindWindow(selection.select, window),
  ].join('\n');
}

/** The SQL with its `?` window pairs bound as day literals (days are validated `YYYY-MM-DD`). */
export function bindWindow(sql: string, window: HuntWindow): string {
  const offsets = placeholderOffsets(sql);
  let out = '';
  let last = 0;
  offsets.forEach((at, i) => {
    out += sql.slice(last, at) + literal(i % 2 === 0 ? window.since : window.until);
    last = at + 1;
  });
  return out + sql.slice(last);
}

/**
 * The lake-table reads inside a selection's predicate (a declared prefilter that reads its table again): per read,
 * the columns of the table it names (the columns of the innermost parenthesised block around the read).
 */
export function predicateRereads(selection: CandidateSelection): string[][] {
  if (!selection.predicate) return [];
  const masked = mask(selection.predicate);
  const columns = new Set([...tableDef(selection.table).columns, ...PARTITION_COLUMNS].map((c) => c.name));
  return [...masked.matchAll(new RegExp(`\\bfrom\\s+${selection.table}\\b`, 'gi'))].map((m) => {
    const block = enclosingBlock(masked, m.index);
    const tokens = new Set((masked.slice(block.start, block.end).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((t) => t.toLowerCase()));
    return [...columns].filter((c) => tokens.has(c));
  });
}
