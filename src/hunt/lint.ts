/**
 * The hunt query lint: valid Athena (Trino) syntax, a window predicate on every lake table read, referenced columns
 * that exist in the schema, none of the constructs that mean something else (or nothing) on DuckDB, and no call that
 * Athena can raise on a log value (a malformed URL escape, a text that is not a date...) outside `try()`: on Athena one
 * such value fails the whole query, so the hunt reports nothing for every agency.
 */
import { familiesOfTable } from '../formats';
import { INDICATORS_TABLE, PARTITION_COLUMNS, TABLES, TABLE_NAMES, type TableName } from '../lake';
import { partitionLocalBody } from './locality';
import { stripSqlComments, type Hunt } from './query-file';
import { trinoKeywords, trinoSyntaxProblems } from './trino-parser';

/** One problem found by the lint, with the 1-based line of the file. */
export interface LintProblem {
  readonly rule: 'syntax' | 'window' | 'column' | 'portability' | 'header' | 'raise';
  readonly line: number;
  readonly message: string;
}

type Tok =
  | { kind: 'ident'; text: string; quoted: boolean; line: number; pos: number }
  | { kind: 'string'; text: string; line: number; pos: number }
  | { kind: 'number'; text: string; line: number; pos: number }
  | { kind: 'punct'; text: string; line: number; pos: number };

/** Splits SQL into tokens, dropping comments. Identifiers are lower-cased (Trino folds unquoted ones). */
export function tokenize(sql: string): Tok[] {
  const toks: Tok[] = [];
  let line = 1;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (ch === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (sql[k] === '\n') line++;
      i = stop;
    } else if (ch === "'" || ch === '"') {
      const start = i;
      const startLine = line;
      let j = i + 1;
      let text = '';
      while (j < n) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) {
            text += ch;
            j += 2;
            continue;
          }
          break;
        }
        if (sql[j] === '\n') line++;
        text += sql[j++];
      }
      i = j + 1;
      toks.push(
        ch === "'"
          ? { kind: 'string', text, line: startLine, pos: start }
          : { kind: 'ident', text: text.toLowerCase(), quoted: true, line: startLine, pos: start },
      );
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(sql[j])) j++;
      toks.push({ kind: 'ident', text: sql.slice(i, j).toLowerCase(), quoted: false, line, pos: i });
      i = j;
    } else if (/[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[0-9.eE]/.test(sql[j])) j++;
      toks.push({ kind: 'number', text: sql.slice(i, j), line, pos: i });
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      const p = ['->', '::', '<=', '>=', '<>', '!=', '||', '=>'].includes(two) ? two : ch;
      toks.push({ kind: 'punct', text: p, line, pos: i });
      i += p.length;
    }
  }
  return toks;
}

/** Type names usable in CAST(... AS <type>): identifiers, not keywords, in the Trino grammar. */
const TYPE_NAMES = new Set([
  'varchar',
  'char',
  'bigint',
  'integer',
  'int',
  'smallint',
  'tinyint',
  'double',
  'real',
  'decimal',
  'boolean',
  'date',
  'timestamp',
  'time',
  'json',
  'varbinary',
  'array',
  'map',
  'row',
  'uuid',
  'interval',
  'zone',
  'with',
]);

/** DuckDB functions without a Trino counterpart: a hunt using them would not run on Athena. */
const DUCKDB_ONLY_FUNCTIONS = new Set([
  'regexp_matches',
  'regexp_full_match',
  'strftime',
  'strptime',
  'epoch',
  'epoch_ms',
  'list_value',
  'list_filter',
  'list_transform',
  'list_contains',
  'list_slice',
  'list_max',
  'list_min',
  'string_split',
  'string_split_regex',
  'str_split',
  'struct_pack',
  'array_to_string',
  'len',
  'ifnull',
  'string_agg',
  'printf',
  'regexp_split_to_array',
  'approx_count_distinct',
  'approx_quantile',
  'isodow',
  'to_days',
  'to_hours',
  'make_timestamp',
  'json_extract_string',
  'date_sub',
  'datediff',
  'ends_with',
  'list_aggregate',
  'regexp_escape',
]);

const REGEX_FUNCTIONS = new Set([
  'regexp_like',
  'regexp_extract',
  'regexp_extract_all',
  'regexp_replace',
  'regexp_count',
  'regexp_position',
  'regexp_split',
]);

const LAKE_TABLES = new Set<string>(TABLE_NAMES);

/** Trino functions that raise on some input text (Trino's INVALID_FUNCTION_ARGUMENT): on log data, wrap them in try(). */
const RAISING_FUNCTIONS = new Set([
  'url_decode',
  'from_iso8601_timestamp',
  'from_iso8601_timestamp_nanos',
  'from_iso8601_date',
  'date_parse',
  'parse_datetime',
  'from_base64',
  'from_base64url',
  'from_hex',
  'json_parse',
  'from_big_endian_64',
  'parse_duration',
  'parse_data_size',
]);

/** Cast targets a text can fail to convert to (Trino's INVALID_CAST_ARGUMENT). */
const RAISING_CAST_TYPES = new Set([
  'bigint',
  'integer',
  'int',
  'smallint',
  'tinyint',
  'double',
  'real',
  'decimal',
  'boolean',
  'date',
  'timestamp',
  'time',
  'json',
  'uuid',
]);

/** Non-text columns of every table (a cast of one of them to another type is not a cast of log text), plus dt. */
const SAFE_CAST_COLUMNS = new Set<string>([
  'dt',
  ...TABLE_NAMES.flatMap((t) => TABLES[t].columns.filter((c) => c.type !== 'string').map((c) => c.name)),
]);

/** Index of the token closing the parenthesis opened at `open`. */
function closing(toks: readonly Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    if (toks[k].kind === 'punct' && toks[k].text === '(') depth++;
    else if (toks[k].kind === 'punct' && toks[k].text === ')' && --depth === 0) return k;
  }
  return toks.length - 1;
}

const isP = (t: Tok | undefined, p: string): boolean => !!t && t.kind === 'punct' && t.text === p;
const isKw = (t: Tok | undefined, w: string): boolean => !!t && t.kind === 'ident' && !t.quoted && t.text === w;

/** Lints the SQL of a hunt (the whole file text: line numbers are the file's). */
export function lintSql(
  sql: string,
  opts: { logFamilies?: readonly string[]; keyFields?: readonly string[]; correlationDays?: number } = {},
): LintProblem[] {
  const problems: LintProblem[] = [];
  // Only the first syntax error is reliable: the ones after it are mostly the parser losing its way.
  const syntax = trinoSyntaxProblems(sql);
  if (syntax.length) {
    const s = syntax[0];
    const more = syntax.length > 1 ? ` (and ${syntax.length - 1} more after it)` : '';
    problems.push({ rule: 'syntax', line: s.line, message: `not valid Athena (Trino) SQL at column ${s.column}: ${s.message}${more}` });
  }

  const toks = tokenize(sql);
  const keywords = trinoKeywords();

  // --- Window: every `?` pair is `dt BETWEEN ? AND ?`, and each lake table reference has one.
  const qs = toks.map((t, k) => (isP(t, '?') ? k : -1)).filter((k) => k >= 0);
  if (qs.length % 2 !== 0)
    problems.push({
      rule: 'window',
      line: toks[qs[qs.length - 1]].line,
      message: `${qs.length} "?" placeholders: they must come in (since, until) pairs`,
    });
  let windows = 0;
  for (let k = 0; k + 1 < qs.length; k += 2) {
    const a = qs[k];
    const b = qs[k + 1];
    const ok = isKw(toks[a - 2], 'dt') && isKw(toks[a - 1], 'between') && b === a + 2 && isKw(toks[a + 1], 'and');
    if (ok) windows++;
    else problems.push({ rule: 'window', line: toks[a].line, message: 'every "?" pair must be the window predicate "dt BETWEEN ? AND ?"' });
  }
  const referenced = new Set<string>();
  let lakeRefs = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind !== 'ident' || isP(toks[k + 1], '.') || isP(toks[k - 1], '.')) continue;
    if (LAKE_TABLES.has(t.text)) {
      referenced.add(t.text);
      lakeRefs++;
    } else if (t.text === INDICATORS_TABLE.name) referenced.add(t.text);
  }
  if (lakeRefs > windows) {
    problems.push({
      rule: 'window',
      line: 1,
      message: `reads lake tables ${lakeRefs} time(s) but has ${windows} window predicate(s): bound every lake table reference by "dt BETWEEN ? AND ?" so that partitions are pruned`,
    });
  }

  // --- Columns: identifiers that are neither columns of the tables read, nor aliases/CTE names, nor functions.
  const columns = new Set<string>();
  for (const t of referenced) {
    if (LAKE_TABLES.has(t)) {
      for (const c of TABLES[t as TableName].columns) columns.add(c.name);
      for (const c of PARTITION_COLUMNS) columns.add(c.name);
    } else for (const c of INDICATORS_TABLE.columns) columns.add(c.name);
  }
  const defined = new Set<string>([...LAKE_TABLES, INDICATORS_TABLE.name]);
  const defineParenList = (open: number): void => {
    const close = closing(toks, open);
    for (let m = open + 1; m < close; m++) if (toks[m].kind === 'ident') defined.add(toks[m].text);
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind !== 'ident') continue;
    const prev = toks[k - 1];
    const next = toks[k + 1];
    if (isKw(prev, 'as') && !TYPE_NAMES.has(t.text)) {
      defined.add(t.text);
      if (isP(next, '(')) defineParenList(k + 1); // AS t(x, y)
    }
    if (isKw(next, 'as') && isP(toks[k + 2], '(')) defined.add(t.text); // CTE: name AS (
    if (isP(next, '(') && !keywords.has(t.text)) {
      // CTE with column list: name (a, b) AS (
      const close = closing(toks, k + 1);
      if (isKw(toks[close + 1], 'as') && isP(toks[close + 2], '(') && (isKw(prev, 'with') || isP(prev, ','))) {
        defined.add(t.text);
        defineParenList(k + 1);
      }
    }
    if (isP(next, '->')) defined.add(t.text); // lambda x -> ...
    if (isP(prev, '(') && !keywords.has(t.text)) {
      // lambda (a, b) -> ...
      const close = closing(toks, k - 1);
      if (isP(toks[close + 1], '->')) defineParenList(k - 1);
    }
    // Implicit alias: an identifier right after a table, an expression end or a literal ("FROM web_requests w", "count(*) n").
    const prevEndsExpr =
      prev &&
      ((prev.kind === 'ident' && !keywords.has(prev.text) && !isP(toks[k - 2], '.')) ||
        isP(prev, ')') ||
        prev.kind === 'string' ||
        prev.kind === 'number');
    if (prevEndsExpr && !keywords.has(t.text) && !isP(next, '(') && !isP(next, '.')) defined.add(t.text);
  }
  const reported = new Set<string>();
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind !== 'ident') continue;
    const next = toks[k + 1];
    if (isP(next, '(') && !t.quoted) {
      if (DUCKDB_ONLY_FUNCTIONS.has(t.text))
        problems.push({
          rule: 'portability',
          line: t.line,
          message: `${t.text}() is DuckDB-only: Athena has no such function (see sql-portability.md for the Trino name)`,
        });
      continue;
    }
    if (defined.has(t.text) || columns.has(t.text)) continue;
    if (!t.quoted && (keywords.has(t.text) || TYPE_NAMES.has(t.text) || t.text === 'null' || t.text === 'true' || t.text === 'false'))
      continue;
    if (reported.has(t.text)) continue;
    reported.add(t.text);
    const tables = [...referenced].join(', ') || 'no table';
    problems.push({
      rule: 'column',
      line: t.line,
      message: `unknown column or name "${t.text}": not a column of ${tables}, nor an alias, CTE or function`,
    });
  }

  // --- Portability: constructs DuckDB cannot run or runs with another meaning.
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (isP(t, '::'))
      problems.push({ rule: 'portability', line: t.line, message: '"::" casts are DuckDB/PostgreSQL syntax: use CAST(x AS type)' });
    if (t.kind === 'ident' && !t.quoted && (t.text === 'ipaddress' || t.text === 'ipprefix')) {
      problems.push({
        rule: 'portability',
        line: t.line,
        message: `the ${t.text.toUpperCase()} type does not exist on DuckDB: compare addresses as strings or with an IPv4-to-integer expression`,
      });
    }
    if (
      isKw(t, 'timestamp') &&
      toks[k + 1]?.kind === 'string' &&
      /\d{2}:\d{2}.*(\s[A-Za-z][A-Za-z_/]+|[+-]\d{2}:?\d{2}|Z)\s*$/.test(toks[k + 1].text)
    ) {
      problems.push({
        rule: 'portability',
        line: t.line,
        message: `TIMESTAMP '${toks[k + 1].text}' with a zone: DuckDB drops the zone; use from_iso8601_timestamp('...Z')`,
      });
    }
    if (t.kind === 'ident' && REGEX_FUNCTIONS.has(t.text) && isP(toks[k + 1], '(')) {
      // The pattern is the second top-level argument.
      const close = closing(toks, k + 1);
      let depth = 0;
      let arg = 0;
      for (let m = k + 2; m < close; m++) {
        const x = toks[m];
        if (isP(x, '(')) depth++;
        else if (isP(x, ')')) depth--;
        else if (isP(x, ',') && depth === 0) arg++;
        else if (arg === 1 && depth === 0 && x.kind === 'string') {
          const pat = x.text;
          if (/\(\?(=|!|<=|<!)/.test(pat))
            problems.push({
              rule: 'portability',
              line: x.line,
              message: `regex lookaround in ${t.text}(): RE2 (DuckDB) has none; rewrite the pattern`,
            });
          else if (/\(\?<[A-Za-z]/.test(pat))
            problems.push({
              rule: 'portability',
              line: x.line,
              message: `named group "(?<" in ${t.text}(): not portable; use a plain group`,
            });
          if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pat))
            problems.push({ rule: 'portability', line: x.line, message: `backreference in ${t.text}() pattern: RE2 (DuckDB) has none` });
        }
      }
    }
  }

  // --- Raise: calls that fail the whole Athena query on one bad log value, unless under try().
  for (const p of raisingCalls(toks, keywords)) problems.push(p);

  // --- Header consistency: families the hunt says it needs must feed a table it reads; key fields must appear.
  for (const f of opts.logFamilies ?? []) {
    const ok = [...referenced].some((t) => LAKE_TABLES.has(t) && (familiesOfTable(t as TableName) as readonly string[]).includes(f));
    if (!ok)
      problems.push({ rule: 'header', line: 1, message: `log_families lists "${f}" but the query reads no table that family writes to` });
  }
  const idents = new Set(toks.filter((t) => t.kind === 'ident').map((t) => t.text));
  for (const kf of opts.keyFields ?? []) {
    if (!idents.has(kf)) problems.push({ rule: 'header', line: 1, message: `key_fields lists "${kf}" but the query never names it` });
  }
  if (opts.correlationDays !== undefined) {
    for (const iv of literalIntervals(toks)) {
      if (iv.days > opts.correlationDays)
        problems.push({
          rule: 'header',
          line: iv.line,
          message: `correlation_days is ${opts.correlationDays}, but the query correlates rows up to ${iv.text} apart, which can lie on days ${iv.days} apart: declare at least ${iv.days}`,
        });
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}

/** Days per unit of a literal interval (a month or a year at its longest). */
const UNIT_DAYS: Readonly<Record<string, number>> = {
  second: 1 / 86_400,
  minute: 1 / 1440,
  hour: 1 / 24,
  day: 1,
  week: 7,
  month: 31,
  year: 366,
};

/**
 * The literal intervals of the SQL (`INTERVAL '72' HOUR`, `date_add('day', 14, t)`), each with the most calendar
 * days two timestamps that far apart can lie on apart (72 hours: 3 days; 25 hours: 2 days).
 */
function literalIntervals(toks: readonly Tok[]): { text: string; days: number; line: number }[] {
  const out: { text: string; days: number; line: number }[] = [];
  const unitDays = (u: string): number | undefined => UNIT_DAYS[u.toLowerCase().replace(/s$/, '')];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    let amount: number | undefined;
    let unit: string | undefined;
    if (isKw(t, 'interval') && toks[k + 1]?.kind === 'string' && toks[k + 2]?.kind === 'ident') {
      amount = Number(toks[k + 1].text.trim());
      unit = toks[k + 2].text;
    } else if ((isKw(t, 'date_add') || isKw(t, 'date_diff')) && isP(toks[k + 1], '(') && toks[k + 2]?.kind === 'string') {
      // date_add('day', 14, t); date_diff('hour', a, b) compared with a number is not a literal interval.
      if (isP(toks[k + 3], ',') && toks[k + 4]?.kind === 'number' && isKw(t, 'date_add')) {
        amount = Number(toks[k + 4].text);
        unit = toks[k + 2].text;
      }
    }
    const per = unit === undefined ? undefined : unitDays(unit);
    if (amount === undefined || per === undefined || !Number.isFinite(amount)) continue;
    const days = Math.ceil(Math.abs(amount) * per - 1e-9);
    out.push({
      text: `${Math.abs(amount)} ${unit!.toLowerCase().replace(/s$/, '')}${Math.abs(amount) === 1 ? '' : 's'}`,
      days,
      line: t.line,
    });
  }
  return out;
}

/**
 * Calls of RAISING_FUNCTIONS with a column in their arguments, and casts of a text column to a type it can fail to
 * convert to, outside any try(). Calls on literals only are left to the fixtures (they raise on every row or none).
 */
function raisingCalls(toks: readonly Tok[], keywords: ReadonlySet<string>): LintProblem[] {
  const problems: LintProblem[] = [];
  // Open parentheses, each marked when it is the argument list of try().
  const stack: boolean[] = [];
  const refersToData = (from: number, to: number): boolean => {
    for (let m = from; m < to; m++) {
      const t = toks[m];
      if (t.kind !== 'ident' || isP(toks[m + 1], '(') || isP(toks[m + 1], '.')) continue;
      if (!t.quoted && (keywords.has(t.text) || TYPE_NAMES.has(t.text) || t.text === 'null' || t.text === 'true' || t.text === 'false'))
        continue;
      return true;
    }
    return false;
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (isP(t, '(')) stack.push(isKw(toks[k - 1], 'try'));
    else if (isP(t, ')')) stack.pop();
    // x[i] / m[key]: Trino fails past the array's end or on a missing map key, where element_at() gives NULL.
    const prev = toks[k - 1];
    if (isP(t, '[') && !stack.includes(true) && (isP(prev, ')') || (prev?.kind === 'ident' && !isKw(prev, 'array')))) {
      problems.push({
        rule: 'raise',
        line: t.line,
        message: 'a [] subscript raises on Athena past the end of an array or for a missing map key: use element_at() or try()',
      });
    }
    if (t.kind !== 'ident' || t.quoted || !isP(toks[k + 1], '(') || isP(toks[k - 1], '.')) continue;
    if (stack.includes(true)) continue;
    const close = closing(toks, k + 1);
    if (RAISING_FUNCTIONS.has(t.text) && refersToData(k + 2, close)) {
      problems.push({
        rule: 'raise',
        line: t.line,
        message: `${t.text}() raises on Athena for some log values, failing the whole query: wrap it in try() (and coalesce if the raw value should still match)`,
      });
    } else if (t.text === 'cast') {
      let as = -1;
      let depth = 0;
      for (let m = k + 2; m < close; m++) {
        if (isP(toks[m], '(')) depth++;
        else if (isP(toks[m], ')')) depth--;
        else if (depth === 0 && isKw(toks[m], 'as')) as = m;
      }
      const type = toks[as + 1];
      if (as < 0 || type?.kind !== 'ident' || !RAISING_CAST_TYPES.has(type.text)) continue;
      // CAST(col AS ...) or CAST(alias.col AS ...) of a non-text column or dt is safe.
      const operand = toks.slice(k + 2, as);
      const last = operand[operand.length - 1];
      const single = operand.length === 1 || (operand.length === 3 && isP(operand[1], '.'));
      if (single && last.kind === 'ident' && SAFE_CAST_COLUMNS.has(last.text)) continue;
      if (!refersToData(k + 2, as)) continue;
      problems.push({
        rule: 'raise',
        line: t.line,
        message: `CAST(... AS ${type.text}) of a text raises on Athena when one value does not convert: use TRY_CAST or try()`,
      });
    }
  }
  return problems;
}

/** Lints one hunt (its SQL and the header fields the SQL must agree with). */
export function lintHunt(hunt: Hunt): LintProblem[] {
  const key = hunt.meta.correlation_days !== undefined ? 'correlation_days' : 'group_days';
  const correlationDays = hunt.meta.correlation_days ?? hunt.meta.group_days;
  const problems = lintSql(hunt.sql, { logFamilies: hunt.meta.log_families, keyFields: hunt.meta.key_fields, correlationDays });
  if (correlationDays !== undefined && partitionLocalBody(hunt) !== null)
    problems.unshift({
      rule: 'header',
      line: 1,
      message: `${key} on a hunt that sees each row on its own: an incremental sweep reads only the changed days anyway; remove it`,
    });
  // group_days keeps the findings whose first_seen..last_seen touches the new days: the hunt must return both.
  if (hunt.meta.group_days !== undefined && !/\bAS\s+first_seen\b[\s\S]*\bAS\s+last_seen\b/i.test(stripSqlComments(hunt.sql)))
    problems.unshift({
      rule: 'header',
      line: 1,
      message: "group_days needs the hunt to return first_seen and last_seen (the first and last time of each finding's rows)",
    });
  return problems;
}
