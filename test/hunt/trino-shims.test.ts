/**
 * Pins the Trino (Athena) answer of every shimmed function on DuckDB, especially the silent differences
 * (shared/spec/sql-portability.md). Expected values are Trino's documented results.
 */
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';

let engine: DuckDbQueryEngine;
beforeAll(async () => {
  engine = await DuckDbQueryEngine.open();
});
afterAll(async () => {
  await engine.close();
});

async function one(expr: string, params: string[] = []): Promise<unknown> {
  const rows = await engine.run(`SELECT ${expr} AS v`, params);
  return rows[0].v;
}

describe('Trino shims on DuckDB', () => {
  it.each([
    // [expression, Trino answer]
    ["regexp_extract('abc', 'x')", null], // DuckDB alone: ''
    ["regexp_extract('abc', 'b.')", 'bc'],
    ["regexp_extract('user=alice;', 'user=([a-z]+)', 1)", 'alice'],
    ["regexp_extract('nothing', 'user=([a-z]+)', 1)", null],
    ["regexp_replace('aXbXc', 'X', '-')", 'a-b-c'], // DuckDB alone: first match only
    ["regexp_replace('ab12cd34', '(\\d)(\\d)', '$2$1')", 'ab21cd43'], // Trino $n backreferences
    ["regexp_replace('a1b2c3', '\\d')", 'abc'], // 2-arg form removes every match
    ["regexp_like('ServerInfo~a]@x', '(?i)^serverinfo~')", true],
    ["regexp_like('abc', 'x')", false],
    ["regexp_count('a1b22c333', '\\d+')", 3],
    ["split_part('a,b', ',', 3)", null], // DuckDB alone: ''
    ["split_part('a,,b', ',', 2)", ''], // an empty field stays ''
    ["split_part('CORP\\alice', '\\', 2)", 'alice'],
    ["url_decode('a+b%2Bc%20d')", 'a b+c d'], // DuckDB alone keeps '+'
    ["url_decode('%2Fecp%2FDDI%2FDDIService.svc')", '/ecp/DDI/DDIService.svc'],
    ["date_diff('day', from_iso8601_timestamp('2021-03-01T23:00:00Z'), from_iso8601_timestamp('2021-03-02T01:00:00Z'))", 0], // DuckDB date_diff: 1
    ["date_diff('hour', from_iso8601_timestamp('2021-03-01T23:00:00Z'), from_iso8601_timestamp('2021-03-02T01:30:00Z'))", 2],
    ["date_diff('minute', from_iso8601_timestamp('2021-03-02T10:00:59Z'), from_iso8601_timestamp('2021-03-02T10:01:00Z'))", 0],
    ["date_add('day', -7, from_iso8601_timestamp('2021-03-02T10:00:00Z'))", '2021-02-23T10:00:00.000Z'],
    ["date_add('hour', 72, from_iso8601_timestamp('2021-03-02T10:00:00Z'))", '2021-03-05T10:00:00.000Z'],
    ["date_add('minute', 30, CAST('2021-03-02 23:45:00' AS TIMESTAMP))", '2021-03-03T00:15:00.000Z'],
    ["format('%s-%d', 'x', 5)", 'x-5'], // DuckDB alone: fmt-style {}
    ["format('%s:%s', 'EXCH01', 443)", 'EXCH01:443'],
    ["format('[%5d]', 42)", '[   42]'],
    ["from_iso8601_timestamp('2021-03-02T10:15:30+02:00')", '2021-03-02T08:15:30.000Z'],
    ["from_iso8601_timestamp('2021-03-02T10:15:30.123Z')", '2021-03-02T10:15:30.123Z'],
    ["element_at(ARRAY['a', 'b', 'c'], 2)", 'b'],
    ["element_at(ARRAY['a', 'b', 'c'], -1)", 'c'],
    ['cardinality(ARRAY[1, 2, 3])', 3],
    ["array_join(ARRAY['a', 'b'], ', ')", 'a, b'],
    ["array_join(ARRAY['a', NULL, 'c'], ',', 'N')", 'a,N,c'],
    ['slice(ARRAY[1, 2, 3, 4], 2, 2)', [2, 3]],
    ['json_extract_scalar(\'{"a":{"b":1},"c":"x"}\', \'$.c\')', 'x'],
    ['json_extract_scalar(\'{"a":{"b":1},"c":"x"}\', \'$.a\')', null], // objects are not scalars
    ["json_extract_scalar('{\"a\":[1,2]}', '$.a')", null],
    ["json_extract_scalar('{\"n\":5}', '$.n')", '5'],
    ["url_extract_host('https://mail.example.gov:444/ecp/x.ecp?a=1')", 'mail.example.gov'],
    ["url_extract_path('https://mail.example.gov:444/ecp/x.ecp?a=1')", '/ecp/x.ecp'],
    ["url_extract_parameter('https://x/y?a=1&schema=OABVirtualDirectory', 'schema')", 'OABVirtualDirectory'],
    ["url_extract_parameter('https://x/y?a=1', 'schema')", null],
    ["url_extract_query('https://x/y?a=1&b=2#f')", 'a=1&b=2'],
    ['5 / 2', 2], // integer division as in Trino
    ["date_parse('2021-03-02 10:15:30', '%Y-%m-%d %H:%i:%s')", '2021-03-02T10:15:30.000Z'],
    ["day_of_week(from_iso8601_timestamp('2021-03-07T12:00:00Z'))", 7], // Sunday is 7 in Trino
    ["to_unixtime(from_iso8601_timestamp('2021-03-02T00:00:00Z'))", 1614643200],
    ['from_unixtime(1614643200)', '2021-03-02T00:00:00.000Z'],
    ["levenshtein_distance('supp0rt', 'support')", 1],
    ["codepoint('A')", 65],
  ])('%s returns the Trino answer', async (expr, want) => {
    // Act
    const got = await one(expr as string);
    // Assess
    expect(got).toEqual(want);
  });

  it('counts approximate distinct values with approx_distinct', async () => {
    // Act
    const got = await one('(SELECT approx_distinct(x) FROM range(100) t(x))');
    // Assess: HLL on both engines; exact enough for 100 values.
    expect(Math.abs(Number(got) - 100)).toBeLessThanOrEqual(5);
  });

  it('binds ? parameters in order as strings (the window)', async () => {
    // Act
    const rows = await engine.run("SELECT '2021-03-02' BETWEEN ? AND ? AS inside, '2018-12-31' BETWEEN ? AND ? AS outside", [
      '2019-01-01',
      '2021-12-31',
      '2019-01-01',
      '2021-12-31',
    ]);
    // Assess
    expect(rows).toEqual([{ inside: true, outside: false }]);
  });

  it('fails on a date format the shim does not know, instead of guessing', async () => {
    await expect(one("date_parse('02/03/2021', '%d/%m/%Y')")).rejects.toThrow(/date format not shimmed/);
  });
});

describe('Trino shims on DuckDB (Athena-strict)', () => {
  it.each([
    // [expression, what Trino's error says]
    ["url_decode('cmd=whoami&x=%zz')", /url_decode: malformed %-escape/], // URLDecoder: illegal hex characters
    ["url_decode('a=100%')", /url_decode: malformed %-escape/], // incomplete trailing escape
    ["url_decode('a=%4')", /url_decode: malformed %-escape/],
    ["from_iso8601_timestamp('2021-03-02 10:15:30')", /from_iso8601_timestamp: invalid format/], // a space, not T
    ["from_iso8601_timestamp('03/02/2021')", /from_iso8601_timestamp: invalid format/],
    ["from_iso8601_date('2021-3-2')", /from_iso8601_date: invalid format/],
    ["date_parse('2021-03-0x', '%Y-%m-%d')", /Could not parse string/],
    ["regexp_extract('abc', '(b)', 2)", /pattern has 1 groups, cannot access group 2/],
    ["CAST(' 12' AS bigint)", /Cannot cast ' 12' to BIGINT/], // DuckDB alone: 12
    ["CAST('1.5' AS integer)", /Cannot cast '1.5' to INTEGER/], // DuckDB alone: 2
    ["CAST('2021-03-02T10:15:30' AS timestamp)", /Cannot cast '2021-03-02T10:15:30' to TIMESTAMP/],
  ])('%s raises as on Athena', async (expr, message) => {
    await expect(one(expr as string)).rejects.toThrow(message as RegExp);
  });

  it.each([
    ["try(url_decode('cmd=whoami&x=%zz'))", null],
    ["coalesce(try(url_decode('a=100%')), 'raw')", 'raw'],
    ["try(from_iso8601_timestamp('2021-03-02 10:15:30'))", null],
    ["try(date_parse('x', '%Y-%m-%d'))", null],
    ["try(CAST('1.5' AS integer))", null],
    ["TRY_CAST('1.5' AS integer)", null],
  ])('%s is NULL under try(), as on Athena', async (expr, want) => {
    // Act
    const got = await one(expr as string);
    // Assess
    expect(got).toEqual(want);
  });

  it.each([
    ["url_decode('%C3%A9t%C3%A9')", 'été'],
    ["url_decode('%FF%41')", '\uFFFDA'], // bytes that are not UTF-8 become U+FFFD (DuckDB alone raises)
    ["from_iso8601_timestamp('2021-03')", '2021-03-01T00:00:00.000Z'],
    ["from_iso8601_timestamp('2021-03-02T10:15:30,5Z')", '2021-03-02T10:15:30.500Z'],
    ["from_iso8601_date('2021')", '2021-01-01T00:00:00.000Z'],
    ["json_extract_scalar('{not json', '$.a')", null], // Trino: NULL; DuckDB alone raises
    ["CAST('-12' AS bigint)", -12],
    ['CAST(1.5 AS bigint)', 2], // numbers round on both engines
    ["CAST('2021-03-02 10:15:30.250' AS timestamp)", '2021-03-02T10:15:30.250Z'],
    ["CAST('2021-03-02' AS date)", '2021-03-02T00:00:00.000Z'],
    ["'CAST(x AS bigint)'", 'CAST(x AS bigint)'], // text inside a literal is not rewritten
  ])('%s does not raise where Trino does not', async (expr, want) => {
    // Act
    const got = await one(expr as string);
    // Assess
    expect(got).toEqual(want);
  });
});
