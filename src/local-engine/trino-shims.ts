/**
 * Trino (Athena) functions as DuckDB macros, loaded when a DuckDB engine opens, so that hunt SQL written for Athena
 * runs unchanged and means the same (shared/spec/sql-portability.md). Each silent difference has a test pinning the
 * Trino answer in test/hunt/trino-shims.test.ts.
 *
 * A macro may shadow a built-in; the original stays reachable as `system.main.<fn>`. Macros overload by argument
 * count (DuckDB 1.5).
 *
 * Athena-strict: where Trino raises on a value (a malformed `%`-escape for url_decode, a non-ISO text for
 * from_iso8601_*, a text date_parse cannot read, `CAST('1.5' AS bigint)`, a regexp group past the pattern's groups),
 * the shims raise too, so that a fixture or a local scan fails where the Athena query would fail, and the hunt must
 * wrap the call in `try()`. DuckDB's `error()` is volatile and cannot sit under `try()`; a failing CAST of the message
 * raises instead (its text names the Trino function and the value).
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

/**
 * An expression of type `type` that raises with `message` (an SQL text expression) when evaluated: a cast that
 * cannot succeed. Unlike `error()`, it is not volatile, so `try()` can catch it as Trino's try() catches the error.
 */
function raise(message: string, type: 'VARCHAR' | 'TIMESTAMP' | 'TIMESTAMPTZ' | 'DATE' | 'BIGINT'): string {
  const msg = `'Trino raises: ' || ${message}`;
  // A text cast to VARCHAR cannot fail: go through BIGINT, whose conversion error quotes the message.
  if (type === 'VARCHAR') return `CAST(CAST(${msg} AS BIGINT) AS VARCHAR)`;
  return `CAST(${msg} AS ${type})`;
}

/**
 * Texts Joda's ISODateTimeFormat.dateTimeParser (Trino's from_iso8601_timestamp) reads as a date-time: a calendar date,
 * optionally `T` and a time with an optional fraction and offset. No space separator, unlike DuckDB's cast.
 */
const ISO_TIMESTAMP_RE =
  '^[+-]?[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}(:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?)?)?$';
/** Texts Trino's from_iso8601_date reads (calendar dates; week and ordinal dates are not shimmed and raise). */
const ISO_DATE_RE = '^[+-]?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$';
/** A `%` not followed by two hex digits: java.net.URLDecoder (Trino's url_decode) raises on it. */
const BAD_ESCAPE_RE = '(?s)%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)';
/** Texts Trino's CAST(varchar AS bigint/integer/...) accepts (Long.parseLong: no blanks, no fraction). */
const INTEGER_TEXT_RE = '[+-]?[0-9]+';
/** Texts Trino's CAST(varchar AS timestamp) accepts: a space, not `T`, between date and time. */
const CAST_TIMESTAMP_RE = '[+-]?[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}( [0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]+)?)?)?';
/** Texts Trino's CAST(varchar AS date) accepts. */
const CAST_DATE_RE = '\\s*[+-]?[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}\\s*';

/** Capturing groups of a regex pattern: `(` not escaped, not `(?`, outside a character class (an SQL expression). */
const groupCount = (p: string): string =>
  `len(list_filter(regexp_extract_all(${p}, '\\\\.|\\[(?:\\\\.|[^\\]])*\\]|\\(\\??'), x -> x = '('))`;

/** Integer types a strict CAST checks, with the DuckDB type it produces. */
const INTEGER_CASTS: ReadonlyArray<readonly [string, string]> = [
  ['bigint', 'BIGINT'],
  ['integer', 'INTEGER'],
  ['int', 'INTEGER'],
  ['smallint', 'SMALLINT'],
  ['tinyint', 'TINYINT'],
];

/** Target types of `CAST(x AS <type>)` that {@link strictCasts} routes through a Trino-strict macro. */
export const STRICT_CAST_TYPES: readonly string[] = [...INTEGER_CASTS.map(([t]) => t), 'date', 'timestamp', 'json'];

/** Strict cast macros: a text the Trino cast rejects raises; other types cast as DuckDB does. */
function castMacros(): string[] {
  const textCheck = (re: string, type: string, duck: string, label: string): string =>
    `CREATE OR REPLACE MACRO trino_cast_${type}(x) AS CASE WHEN typeof(x) = 'VARCHAR' AND NOT regexp_full_match(CAST(x AS VARCHAR), '${re}')
       THEN CAST('Trino raises: Cannot cast ''' || CAST(x AS VARCHAR) || ''' to ${label}' AS ${duck}) ELSE CAST(x AS ${duck}) END`;
  return [
    ...INTEGER_CASTS.map(([t, duck]) => textCheck(INTEGER_TEXT_RE, t, duck, t.toUpperCase())),
    textCheck(CAST_DATE_RE, 'date', 'DATE', 'DATE'),
    textCheck(CAST_TIMESTAMP_RE, 'timestamp', 'TIMESTAMP', 'TIMESTAMP'),
    // Trino's CAST(x AS JSON) makes a JSON value of x (a varchar becomes a JSON string); DuckDB's parses a varchar
    // as JSON text. to_json is Trino's meaning (a value already JSON is kept as it is).
    `CREATE OR REPLACE MACRO trino_cast_json(x) AS to_json(x)`,
  ];
}

/** `CASE fmt WHEN '<mysql>' THEN <fn>(x, '<strftime>') ... END`: strptime/strftime need a constant format. */
function formatCase(fn: 'strptime' | 'strftime', x: string): string {
  const arms = DATE_FORMATS.map(([my, st]) => `WHEN ${sqlString(my)} THEN ${fn}(${x}, ${sqlString(st)})`).join(' ');
  return `CASE fmt ${arms} ELSE ${raise("'date format not shimmed for DuckDB: ' || fmt", fn === 'strptime' ? 'TIMESTAMP' : 'VARCHAR')} END`;
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
  const arms = ADD_UNITS.map(([u, f]) => `WHEN ${sqlString(u)} THEN ts + ${f}(CAST(${u === 'quarter' ? '3 * n' : 'n'} AS BIGINT))`).join(
    ' ',
  );
  return `CASE lower(unit) ${arms} ELSE ${raise("'date_add unit not supported: ' || unit", 'TIMESTAMP')} END`;
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
     (s, p, g) AS CASE WHEN g > ${groupCount('p')} THEN ${raise(`'regexp_extract: pattern has ' || ${groupCount('p')} || ' groups, cannot access group ' || g`, 'VARCHAR')}
                       WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, g) END`,
  // Trino replaces every match and writes backreferences $1; DuckDB replaces the first match unless 'g', and uses \1.
  `CREATE OR REPLACE MACRO regexp_replace(s, p) AS system.main.regexp_replace(s, p, '', 'g'),
     (s, p, r) AS system.main.regexp_replace(s, p, system.main.regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')`,
  `CREATE OR REPLACE MACRO regexp_count(s, p) AS len(regexp_extract_all(s, p))`,
  `CREATE OR REPLACE MACRO regexp_split(s, p) AS regexp_split_to_array(s, p)`,
  // Index past the last field: Trino NULL, DuckDB ''.
  `CREATE OR REPLACE MACRO split_part(s, d, i) AS CASE WHEN i > len(string_split(s, d)) THEN NULL ELSE system.main.split_part(s, d, i) END`,
  // Trino decodes '+' to a space (application/x-www-form-urlencoded); DuckDB leaves it. Trino raises on a '%' not
  // followed by two hex digits, where DuckDB passes it through. Bytes that are not UTF-8 become U+FFFD in Trino and
  // raise in DuckDB: then every non-ASCII escape of that value becomes U+FFFD (Trino keeps the valid sequences).
  `CREATE OR REPLACE MACRO url_decode(s) AS CASE
     WHEN regexp_matches(s, '${BAD_ESCAPE_RE}') THEN ${raise(`'url_decode: malformed %-escape in "' || s || '"'`, 'VARCHAR')}
     ELSE coalesce(try(system.main.url_decode(replace(s, '+', ' '))),
                   system.main.url_decode(system.main.regexp_replace(replace(s, '+', ' '), '%[89A-Fa-f][0-9A-Fa-f]', '\uFFFD', 'g'))) END`,
  // java.net.URI approximations: scheme://host[:port]/path?query#fragment
  `CREATE OR REPLACE MACRO url_extract_host(u) AS nullif(system.main.regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)', 1), '')`,
  `CREATE OR REPLACE MACRO url_extract_path(u) AS CASE WHEN regexp_matches(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://') THEN system.main.regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*([^?#]*)', 1) ELSE system.main.regexp_extract(u, '^([^?#]*)', 1) END`,
  `CREATE OR REPLACE MACRO url_extract_query(u) AS CASE WHEN strpos(u, '?') > 0 THEN system.main.regexp_extract(u, '\\?([^#]*)', 1) END`,
  `CREATE OR REPLACE MACRO url_extract_parameter(u, name) AS
     CASE WHEN regexp_matches(u, '[?&]' || regexp_escape(name) || '=')
          THEN system.main.regexp_extract(u, '[?&]' || regexp_escape(name) || '=([^&#]*)', 1) END`,
  // Timestamps: Set TimeZone='UTC' at open, so TIMESTAMPTZ values render and compare in UTC.
  // Trino raises on any text that is not ISO 8601 (a space instead of 'T' included), where DuckDB's cast is lenient.
  `CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CASE
     WHEN NOT regexp_matches(s, '${ISO_TIMESTAMP_RE}') THEN ${raise(`'from_iso8601_timestamp: invalid format "' || s || '"'`, 'TIMESTAMPTZ')}
     WHEN length(s) = 4 THEN CAST(s || '-01-01' AS TIMESTAMPTZ)
     WHEN length(s) = 7 THEN CAST(s || '-01' AS TIMESTAMPTZ)
     ELSE CAST(replace(s, ',', '.') AS TIMESTAMPTZ) END`,
  `CREATE OR REPLACE MACRO from_iso8601_date(s) AS CASE
     WHEN NOT regexp_matches(s, '${ISO_DATE_RE}') THEN ${raise(`'from_iso8601_date: invalid format "' || s || '"'`, 'DATE')}
     WHEN length(s) = 4 THEN CAST(s || '-01-01' AS DATE)
     WHEN length(s) = 7 THEN CAST(s || '-01' AS DATE)
     ELSE CAST(s AS DATE) END`,
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
  // JSON: Trino json_extract_scalar is NULL when the value is an object or an array, and when the text is not JSON
  // (DuckDB raises on it).
  `CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS CASE WHEN NOT json_valid(j) THEN NULL
     WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END`,
  `CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)`,
  `CREATE OR REPLACE MACRO from_utf8(b) AS decode(b)`,
  // Trino format() is Java String.format: %s takes any value. DuckDB's format() is fmt-style ({}), and its printf
  // rejects %s for numbers; so every argument is passed as text and %d/%<width>d become %s/%<width>s.
  `CREATE OR REPLACE MACRO format(f) AS printf(f), ${[1, 2, 3, 4, 5]
    .map((n) => {
      const args = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
      return `(f, ${args.join(', ')}) AS printf(system.main.regexp_replace(f, '%(-?[0-9]*)d', '%\\1s', 'g'), ${args.map((a) => `CAST(${a} AS VARCHAR)`).join(', ')})`;
    })
    .join(', ')}`,
  `CREATE OR REPLACE MACRO levenshtein_distance(a, b) AS levenshtein(a, b)`,
  `CREATE OR REPLACE MACRO is_nan(x) AS isnan(x)`,
  `CREATE OR REPLACE MACRO codepoint(c) AS ord(c)`,
  ...castMacros(),
];

/** Names of the Trino functions the shims provide (the lint accepts them as functions). */
export const SHIMMED_FUNCTIONS: readonly string[] = TRINO_SHIMS.map((s) => /MACRO\s+([a-z_0-9]+)/i.exec(s)![1].toLowerCase());
