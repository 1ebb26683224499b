/**
 * Trino (Athena) functions as DuckDB macros, loaded when a DuckDB engine opens, so that hunt SQL written for Athena
 * runs unchanged and means the same (shared/spec/sql-portability.md). Each silent difference has a test pinning the
 * Trino answer in test/hunt/trino-shims.test.ts.
 *
 * A macro may shadow a built-in; the original stays reachable as `system.main.<fn>`. Macros overload by argument
 * count (DuckDB 1.5).
 */

/** MySQL-style `date_parse`/`date_format` formats the hunts may use, with their strftime translation. */
const DATE_FORMATS: ReadonlyArray<readonly [string, string]> = [
  ['%Y-%m-%d %H:%i:%s', '%Y-%m-%d %H:%M:%S'],
  ['%Y-%m-%d %H:%i:%s.%f', '%Y-%m-%d %H:%M:%S.%f'],
  ['%Y-%m-%dT%H:%i:%s', '%Y-%m-%dT%H:%M:%S'],
  ['%Y-%m-%d', '%Y-%m-%d'],
  ['%Y%m%d', '%Y%m%d'],
  ['%Y-%m-%d %T', '%Y-%m-%d %H:%M:%S'],
  ['%m/%d/%Y %h:%i:%s %p', '%m/%d/%Y %I:%M:%S %p'],
  ['%d/%b/%Y:%H:%i:%s', '%d/%b/%Y:%H:%M:%S'],
];

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** `CASE fmt WHEN '<mysql>' THEN <fn>(x, '<strftime>') ... END`: strptime/strftime need a constant format. */
function formatCase(fn: 'strptime' | 'strftime', x: string): string {
  const arms = DATE_FORMATS.map(([my, st]) => `WHEN ${sqlString(my)} THEN ${fn}(${x}, ${sqlString(st)})`).join(' ');
  return `CASE fmt ${arms} ELSE error('date format not shimmed for DuckDB: ' || fmt) END`;
}

/** Units accepted by Trino's date_add/date_diff, mapped to DuckDB interval constructors. */
const ADD_UNITS: ReadonlyArray<readonly [string, string]> = [
  ['millisecond', 'to_milliseconds'],
  ['second', 'to_seconds'],
  ['minute', 'to_minutes'],
  ['hour', 'to_hours'],
  ['day', 'to_days'],
  ['week', 'to_weeks'],
  ['month', 'to_months'],
  ['quarter', 'to_months'],
  ['year', 'to_years'],
];

const dateAdd3 = (() => {
  const arms = ADD_UNITS.map(([u, f]) => `WHEN ${sqlString(u)} THEN ts + ${f}(CAST(${u === 'quarter' ? '3 * n' : 'n'} AS BIGINT))`).join(' ');
  return `CASE lower(unit) ${arms} ELSE error('date_add unit not supported: ' || unit) END`;
})();

/**
 * The macro statements, in order. Kept as one list so that tests (and `sweep test-queries`) use exactly what the
 * CLI uses.
 */
export const TRINO_SHIMS: readonly string[] = [
  // regexp_like is missing in DuckDB; RE2 syntax (no lookaround: the lint rejects it).
  `CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
  // No match: Trino NULL, DuckDB ''. Group form: NULL unless the pattern matches.
  `CREATE OR REPLACE MACRO regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p) END,
     (s, p, g) AS CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, g) END`,
  // Trino replaces every match and writes backreferences $1; DuckDB replaces the first match unless 'g', and uses \1.
  `CREATE OR REPLACE MACRO regexp_replace(s, p) AS system.main.regexp_replace(s, p, '', 'g'),
     (s, p, r) AS system.main.regexp_replace(s, p, system.main.regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')`,
  `CREATE OR REPLACE MACRO regexp_count(s, p) AS len(regexp_extract_all(s, p))`,
  `CREATE OR REPLACE MACRO regexp_split(s, p) AS regexp_split_to_array(s, p)`,
  // Index past the last field: Trino NULL, DuckDB ''.
  `CREATE OR REPLACE MACRO split_part(s, d, i) AS CASE WHEN i > len(string_split(s, d)) THEN NULL ELSE system.main.split_part(s, d, i) END`,
  // Trino decodes '+' to a space (application/x-www-form-urlencoded); DuckDB leaves it.
  `CREATE OR REPLACE MACRO url_decode(s) AS system.main.url_decode(replace(s, '+', ' '))`,
  // java.net.URI approximations: scheme://host[:port]/path?query#fragment
  `CREATE OR REPLACE MACRO url_extract_host(u) AS nullif(system.main.regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)', 1), '')`,
  `CREATE OR REPLACE MACRO url_extract_path(u) AS CASE WHEN regexp_matches(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://') THEN system.main.regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*([^?#]*)', 1) ELSE system.main.regexp_extract(u, '^([^?#]*)', 1) END`,
  `CREATE OR REPLACE MACRO url_extract_query(u) AS CASE WHEN strpos(u, '?') > 0 THEN system.main.regexp_extract(u, '\\?([^#]*)', 1) END`,
  `CREATE OR REPLACE MACRO url_extract_parameter(u, name) AS
     CASE WHEN regexp_matches(u, '[?&]' || regexp_escape(name) || '=')
          THEN system.main.regexp_extract(u, '[?&]' || regexp_escape(name) || '=([^&#]*)', 1) END`,
  // Timestamps: Set TimeZone='UTC' at open, so TIMESTAMPTZ values render and compare in UTC.
  `CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
  `CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)`,
  `CREATE OR REPLACE MACRO from_unixtime(x) AS to_timestamp(x)`,
  `CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)`,
  `CREATE OR REPLACE MACRO to_iso8601(ts) AS strftime(CAST(ts AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'`,
  `CREATE OR REPLACE MACRO date_parse(s, fmt) AS ${formatCase('strptime', 's')}`,
  `CREATE OR REPLACE MACRO date_format(ts, fmt) AS ${formatCase('strftime', 'ts')}`,
  // Trino date_add(unit, n, ts) beside DuckDB's date_add(date, interval). Returns a TIMESTAMP even for a DATE.
  `CREATE OR REPLACE MACRO date_add(a, b) AS system.main.date_add(a, b), (unit, n, ts) AS ${dateAdd3}`,
  // Trino counts whole units (23:00 -> 01:00 is 0 days); DuckDB date_diff counts boundaries crossed. date_sub counts whole units.
  `CREATE OR REPLACE MACRO date_diff(unit, a, b) AS system.main.date_sub(unit, a, b)`,
  `CREATE OR REPLACE MACRO day_of_week(ts) AS isodow(ts)`,
  `CREATE OR REPLACE MACRO day_of_year(ts) AS dayofyear(ts)`,
  // Aggregates.
  `CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)`,
  `CREATE OR REPLACE MACRO approx_percentile(x, p) AS approx_quantile(x, p)`,
  // Arrays (cardinality shadows DuckDB's map-only version; hunts use it on arrays).
  `CREATE OR REPLACE MACRO cardinality(a) AS len(a)`,
  `CREATE OR REPLACE MACRO element_at(a, i) AS a[i]`,
  `CREATE OR REPLACE MACRO array_join(a, d) AS array_to_string(a, d), (a, d, n) AS array_to_string(list_transform(a, x -> coalesce(CAST(x AS VARCHAR), n)), d)`,
  `CREATE OR REPLACE MACRO slice(a, s, n) AS list_slice(a, s, s + n - 1)`,
  `CREATE OR REPLACE MACRO array_max(a) AS list_max(a)`,
  `CREATE OR REPLACE MACRO array_min(a) AS list_min(a)`,
  // JSON: Trino json_extract_scalar is NULL when the value is an object or an array.
  `CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END`,
  `CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)`,
  `CREATE OR REPLACE MACRO from_utf8(b) AS decode(b)`,
  // Trino format() is Java String.format: %s takes any value. DuckDB's format() is fmt-style ({}), and its printf
  // rejects %s for numbers; so every argument is passed as text and %d/%<width>d become %s/%<width>s.
  `CREATE OR REPLACE MACRO format(f) AS printf(f), ${[1, 2, 3, 4, 5].map((n) => {
    const args = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
    return `(f, ${args.join(', ')}) AS printf(system.main.regexp_replace(f, '%(-?[0-9]*)d', '%\\1s', 'g'), ${args.map((a) => `CAST(${a} AS VARCHAR)`).join(', ')})`;
  }).join(', ')}`,
  `CREATE OR REPLACE MACRO levenshtein_distance(a, b) AS levenshtein(a, b)`,
  `CREATE OR REPLACE MACRO is_nan(x) AS isnan(x)`,
  `CREATE OR REPLACE MACRO codepoint(c) AS ord(c)`,
];

/** Names of the Trino functions the shims provide (the lint accepts them as functions). */
export const SHIMMED_FUNCTIONS: readonly string[] = TRINO_SHIMS.map((s) => /MACRO\s+([a-z_0-9]+)/i.exec(s)![1].toLowerCase());
