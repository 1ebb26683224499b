import { lintHunt, lintSql, tokenize } from '../../src/hunt/lint';
import { parseQueryFile } from '../../src/hunt/query-file';

const OK = `
WITH hits AS (
  SELECT agency, host, event_time, anchor_mailbox, client_ip
  FROM web_requests w
  WHERE w.dt BETWEEN ? AND ?
    AND strpos(lower(anchor_mailbox), 'serverinfo~') > 0
    AND uri_stem LIKE '/ecp/%\\_%' ESCAPE '\\'
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       anchor_mailbox, array_join(array_agg(DISTINCT client_ip), ', ') AS client_ips
FROM hits
GROUP BY agency, host, anchor_mailbox`;

const rules = (sql: string, opts = {}): string[] => lintSql(sql, opts).map((p) => `${p.rule}: ${p.message}`);

describe('lintSql', () => {
  it('accepts a portable hunt with a window, CTEs, aliases and Windows paths', () => {
    expect(rules(OK, { logFamilies: ['httpproxy'], keyFields: ['anchor_mailbox'] })).toEqual([]);
  });

  it('accepts lambdas, UNNEST column aliases, CTE column lists, casts and the indicators table', () => {
    // Prepare
    const sql = `WITH a (h, n) AS (SELECT host, count(*) FROM windows_events WHERE dt BETWEEN ? AND ? GROUP BY host)
      SELECT a.h, t.part, i.value, CAST(a.n AS varchar) AS n_text,
             filter(split(i.value, '\\'), x -> x <> '') AS parts, 'C:\\' AS drive
      FROM a CROSS JOIN UNNEST(ARRAY['x', 'y']) AS t(part) LEFT JOIN indicators i ON i.type = 'filepath'
      WHERE a.n > 0 AND date_diff('day', from_iso8601_timestamp('2021-03-01T00:00:00Z'), current_timestamp) > 0`;
    // Act / Assess
    expect(rules(sql)).toEqual([]);
  });

  it('fails a query without a window predicate on a lake table', () => {
    expect(rules('SELECT host FROM web_requests')).toEqual([
      expect.stringMatching(/^window: reads lake tables 1 time\(s\) but has 0 window/),
    ]);
  });

  it('fails a query that reads two lake tables with one window', () => {
    // Prepare
    const sql = 'SELECT w.host FROM web_requests w JOIN windows_events e ON w.host = e.host WHERE w.dt BETWEEN ? AND ?';
    // Act / Assess
    expect(rules(sql)).toEqual([expect.stringMatching(/^window: reads lake tables 2 time\(s\) but has 1/)]);
  });

  it('fails placeholders that are not a dt BETWEEN pair', () => {
    expect(rules('SELECT host FROM web_requests WHERE event_time > ? AND dt <= ?')).toContain(
      'window: every "?" pair must be the window predicate "dt BETWEEN ? AND ?"',
    );
  });

  it('ignores ? inside strings and comments', () => {
    expect(rules("SELECT host FROM web_requests WHERE dt BETWEEN ? AND ? AND uri_query = 'a?b' -- why?\n")).toEqual([]);
  });

  it('fails unknown columns, naming them once', () => {
    // Act
    const got = rules('SELECT hoost, hoost, comand_line FROM web_requests WHERE dt BETWEEN ? AND ?');
    // Assess: command_line exists, but not in web_requests.
    expect(got).toEqual([
      'column: unknown column or name "hoost": not a column of web_requests, nor an alias, CTE or function',
      'column: unknown column or name "comand_line": not a column of web_requests, nor an alias, CTE or function',
    ]);
  });

  it('fails a qualified column that does not exist', () => {
    expect(rules('SELECT w.anchr FROM web_requests w WHERE w.dt BETWEEN ? AND ?')).toEqual([expect.stringContaining('"anchr"')]);
  });

  it('fails syntax that is not Trino (DuckDB QUALIFY), with the first error only', () => {
    // Act
    const got = lintSql('SELECT host FROM web_requests WHERE dt BETWEEN ? AND ? QUALIFY row_number() OVER () = 1');
    // Assess
    expect(got.filter((p) => p.rule === 'syntax')).toHaveLength(1);
    expect(got[0].message).toMatch(/QUALIFY/);
  });

  it.each([
    ["regexp_like(uri_stem, '(?!/owa)/ecp')", /lookaround/],
    ["regexp_like(uri_stem, '(?<=x)y')", /lookaround/],
    ["regexp_like(uri_stem, '(a)\\1')", /backreference/],
    ["regexp_matches(uri_stem, 'x')", /regexp_matches\(\) is DuckDB-only/],
    ["event_time > TIMESTAMP '2021-03-01 00:00:00 UTC'", /with a zone/],
    ['CAST(client_ip AS IPADDRESS) IS NOT NULL', /IPADDRESS type/],
    ['status::int = 200', /"::" casts/],
  ])('fails the non-portable %s', (cond, why) => {
    // Act
    const got = rules(`SELECT host FROM web_requests WHERE dt BETWEEN ? AND ? AND ${cond}`);
    // Assess
    expect(got.some((m) => why.test(m))).toBe(true);
  });

  it('accepts a backslash digit outside regex patterns (Windows paths)', () => {
    expect(rules("SELECT host FROM windows_events WHERE dt BETWEEN ? AND ? AND strpos(lower(image), 'c:\\1033\\') > 0")).toEqual([]);
  });

  it('fails header families the query cannot read and key fields it never names', () => {
    // Act
    const got = rules(OK, { logFamilies: ['httpproxy', 'evtx'], keyFields: ['anchor_mailbox', 'sha256'] });
    // Assess
    expect(got).toEqual([
      'header: log_families lists "evtx" but the query reads no table that family writes to',
      'header: key_fields lists "sha256" but the query never names it',
    ]);
  });
});

describe('lintSql (functions that raise on Athena)', () => {
  const W = 'FROM web_requests w WHERE w.dt BETWEEN ? AND ?';

  it.each([
    [`SELECT url_decode(uri_query) AS q ${W}`, 'url_decode()'],
    [`SELECT lower(url_decode(w.uri_query)) AS q ${W}`, 'url_decode()'],
    [`SELECT host ${W} AND from_iso8601_timestamp(user_agent) > event_time`, 'from_iso8601_timestamp()'],
    [`SELECT date_parse(uri_query, '%Y-%m-%d') AS d ${W}`, 'date_parse()'],
    [`SELECT CAST(uri_query AS bigint) AS n ${W}`, 'CAST(... AS bigint)'],
    [`SELECT CAST(split_part(uri_query, '=', 2) AS integer) AS n ${W}`, 'CAST(... AS integer)'],
    [`SELECT count(*) AS n ${W} AND try(host = 'x') OR url_decode(uri_query) = 'y'`, 'url_decode()'],
    [`SELECT split(uri_query, '&')[2] AS q ${W}`, '[] subscript'],
    [`SELECT parts[3] AS q FROM (SELECT split(uri_query, '&') AS parts ${W})`, '[] subscript'],
  ])('flags %s', (sql, what) => {
    // Act
    const got = lintSql(sql).filter((p) => p.rule === 'raise');
    // Assess
    expect(got).toHaveLength(1);
    expect(got[0].message).toContain(what);
  });

  it.each([
    `SELECT try(url_decode(uri_query)) AS q ${W}`,
    `SELECT lower(coalesce(try(url_decode(uri_query)), uri_query)) AS q ${W}`,
    `SELECT try(CAST(uri_query AS bigint)) AS n ${W}`,
    `SELECT TRY_CAST(uri_query AS bigint) AS n ${W}`,
    `SELECT CAST(uri_query AS varchar) AS q ${W}`,
    `SELECT CAST(status AS bigint) AS s, CAST(w.dt AS date) AS d, CAST(dt AS timestamp) AS t ${W}`,
    `SELECT host ${W} AND event_time > from_iso8601_timestamp('2021-03-01T00:00:00Z')`,
    `SELECT url_decode('%41') AS a ${W}`,
    `SELECT element_at(split(uri_query, '&'), 2) AS q ${W}`,
    `SELECT try(split(uri_query, '&')[2]) AS q ${W}`,
    `SELECT ARRAY['a', 'b'] AS a ${W} AND regexp_like(uri_query, '[0-9]')`,
  ])('accepts %s', (sql) => {
    expect(lintSql(sql).filter((p) => p.rule === 'raise')).toEqual([]);
  });
});

describe('tokenize', () => {
  it('keeps doubled quotes inside strings and counts lines across comments', () => {
    // Act
    const toks = tokenize("/* a\nb */ SELECT 'it''s' -- c\n, x");
    // Assess
    expect(toks.map((t) => [t.kind, t.text, t.line])).toEqual([
      ['ident', 'select', 2],
      ['string', "it's", 2],
      ['punct', ',', 3],
      ['ident', 'x', 3],
    ]);
  });
});

describe('correlation_days', () => {
  const header = (extra: string) =>
    `/* ---\nid: 11111111-1111-4111-8111-111111111111\nname: test hunt\nstatus: stable\nseverity: high\ncves: []\n` +
    `mitre: ["TA0001:T1190"]\nlog_families: [evtx]\n${extra}description: A test hunt.\nreferences: [https://example.org/x]\n--- */\n`;
  const CHAIN = `WITH a AS (SELECT agency, host, event_time AS t FROM windows_events WHERE dt BETWEEN ? AND ? AND event_id = 1),
b AS (SELECT agency, host, event_time AS t FROM windows_events WHERE dt BETWEEN ? AND ? AND event_id = 11)
SELECT a.agency, a.host, min(a.t) AS first_seen, max(b.t) AS last_seen, count(*) AS hits
FROM a JOIN b ON b.agency = a.agency AND b.host = a.host AND b.t >= a.t AND b.t <= a.t + INTERVAL '72' HOUR
GROUP BY a.agency, a.host`;
  const problems = (extra: string, sql: string): string[] =>
    lintHunt(parseQueryFile('q.sql', header(extra) + sql)).map((p) => `${p.rule}: ${p.message}`);

  it('fails a bound below a literal interval the hunt correlates over: 72 hours reach 3 calendar days', () => {
    expect(problems('correlation_days: 2\n', CHAIN)).toEqual([
      'header: correlation_days is 2, but the query correlates rows up to 72 hours apart, which can lie on days 3 apart: declare at least 3',
    ]);
    expect(problems('correlation_days: 3\n', CHAIN)).toEqual([]);
    expect(problems('correlation_days: 0\n', CHAIN.replace("INTERVAL '72' HOUR", "date_add('minute', 90, a.t)"))).toEqual([
      expect.stringContaining('up to 90 minutes apart, which can lie on days 1 apart'),
    ]);
  });

  it('fails a bound on a hunt that sees each row on its own (it reads only the changed days anyway)', () => {
    expect(
      problems(
        'correlation_days: 1\n',
        'SELECT agency, host, event_time AS first_seen FROM windows_events WHERE dt BETWEEN ? AND ? AND event_id = 1',
      ),
    ).toEqual([expect.stringMatching(/^header: correlation_days on a hunt that sees each row on its own/)]);
  });

  it('asks a group_days hunt for first_seen and last_seen, and refuses it beside correlation_days', () => {
    expect(problems('group_days: 3\n', CHAIN)).toEqual([]);
    expect(problems('group_days: 3\n', CHAIN.replace('max(b.t) AS last_seen', 'max(b.t) AS t_last'))).toEqual([
      expect.stringMatching(/^header: group_days needs the hunt to return first_seen and last_seen/),
    ]);
    expect(() => parseQueryFile('q.sql', header('correlation_days: 3\ngroup_days: 3\n') + CHAIN)).toThrow(/not both/);
  });

  it('rejects a bound that is not a whole number of days from 0 to 366', () => {
    for (const bad of ['-1', '1.5', '400', '"7"'])
      expect(() => parseQueryFile('q.sql', header(`correlation_days: ${bad}\n`) + CHAIN)).toThrow(/correlation_days/);
  });
});
