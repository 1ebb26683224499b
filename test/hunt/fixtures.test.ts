import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { checkExpectations, loadFixtureFile, runCase, valueMatches, type FixtureCase } from '../../src/local-engine/fixtures';
import { makeHunt } from './helpers';

const SQL = `SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits, anchor_mailbox,
  CASE WHEN strpos(lower(anchor_mailbox), 'autodiscover') > 0 THEN 'info' END AS severity
FROM web_requests WHERE dt BETWEEN ? AND ? AND strpos(lower(anchor_mailbox), 'serverinfo~') > 0
GROUP BY agency, host, anchor_mailbox`;
const hunt = makeHunt(SQL);
const rows = {
  web_requests: [
    { event_time: '2019-04-11T22:41:00Z', host: 'EXCH01', anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/x.ecp?#' },
    { event_time: '2021-03-03T03:21:00Z', host: 'EXCH01', anchor_mailbox: 'ServerInfo~a]@EXCH01:444/autodiscover/autodiscover.xml?#' },
  ],
};

describe('runCase', () => {
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    engine = await DuckDbQueryEngine.open();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('passes a case whose rows, includes and timestamps match (window: all time, 2019 included)', async () => {
    // Prepare
    const c: FixtureCase = {
      name: 'fires',
      expect: { rows: 2, includes: [{ host: 'EXCH01', first_seen: '2019-04-11T22:41:00Z', hits: 1 }] },
      rows,
    };
    // Act
    const r = await runCase(hunt, 'x.test.yml', c, { engine, indicators: [] });
    // Assess
    expect(r).toMatchObject({ ok: true, message: '', caseName: 'fires' });
  });

  it('fails with expected vs got rows, the closest row for a missing include, and the row with the wrong severity', async () => {
    // Prepare
    const c: FixtureCase = { name: 'wrong', expect: { rows: 1, includes: [{ host: 'EXCH01', hits: 5 }], severity: 'critical' }, rows };
    // Act
    const r = await runCase(hunt, 'x.test.yml', c, { engine, indicators: [] });
    // Assess
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^expected 1 row\(s\), got 2:\n {2}row 1: \{/);
    expect(r.message).toMatch(/no row includes \{"host":"EXCH01","hits":5\}; closest is row \d: hits: expected 5, got 1/);
    expect(r.message).toMatch(/row \d has severity info, expected critical: .*autodiscover/);
  });

  it('fails a case whose SQL errors, with the engine message', async () => {
    // Prepare
    const broken = makeHunt('SELECT nope FROM web_requests WHERE dt BETWEEN ? AND ?');
    // Act
    const r = await runCase(broken, 'x.test.yml', { name: 'err', expect: { rows: 0 } }, { engine, indicators: [] });
    // Assess
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^error: .*nope/);
  });

  it('fails a result without the contract columns', async () => {
    // Prepare
    const bare = makeHunt('SELECT host FROM web_requests WHERE dt BETWEEN ? AND ?');
    // Act
    const r = await runCase(bare, 'x.test.yml', { name: 'bare', expect: { rows: 2 }, rows }, { engine, indicators: [] });
    // Assess
    expect(r.message).toBe('result lacks the required column(s) agency, first_seen, last_seen, hits (got: host)');
  });

  it("uses the case's own indicators instead of the pack's", async () => {
    // Prepare
    const ind =
      makeHunt(`SELECT w.agency, w.host, min(w.event_time) AS first_seen, max(w.event_time) AS last_seen, count(*) AS hits, i.value AS indicator
      FROM web_requests w JOIN indicators i ON i.type = 'ip' AND i.value = w.client_ip WHERE w.dt BETWEEN ? AND ? GROUP BY w.agency, w.host, i.value`);
    const c: FixtureCase = {
      name: 'ioc',
      expect: { rows: 1, includes: [{ indicator: '192.0.2.66' }] },
      rows: {
        web_requests: [{ event_time: '2021-03-03T03:21:00Z', host: 'EXCH01', client_ip: '192.0.2.66' }],
        indicators: [{ type: 'ip', value: '192.0.2.66', source: 'case' }],
      },
    };
    // Act
    const r = await runCase(ind, 'x.test.yml', c, { engine, indicators: [{ type: 'ip', value: '198.51.100.1', source: 'pack' }] });
    // Assess
    expect(r.message).toBe('');
  });

  it('fails a raw case when no raw normalizer is given', async () => {
    // Act
    const r = await runCase(
      hunt,
      'x.test.yml',
      { name: 'raw', expect: { rows: 1 }, raw: [{ text: 'x', name: 'a.log' }] },
      { engine, indicators: [] },
    );
    // Assess
    expect(r.message).toMatch(/no raw normalizer/);
  });

  it('merges rows from the raw normalizer with inline rows', async () => {
    // Prepare
    const c: FixtureCase = {
      name: 'raw',
      expect: { rows: 1 },
      raw: [{ text: 'whatever', name: 'HttpProxy_2021030303-1.LOG', host: 'EXCH01' }],
    };
    const normalizeRaw = jest.fn(async () => ({
      web_requests: [{ event_time: Date.parse('2021-03-03T03:21:00Z'), host: 'EXCH01', anchor_mailbox: 'ServerInfo~x' }],
    }));
    // Act
    const r = await runCase(hunt, path.join(os.tmpdir(), 'x.test.yml'), c, { engine, indicators: [], normalizeRaw });
    // Assess
    expect(r.message).toBe('');
    expect(normalizeRaw).toHaveBeenCalledWith([
      { name: 'HttpProxy_2021030303-1.LOG', file: null, text: 'whatever', host: 'EXCH01', agency: 'test' },
    ]);
  });
});

describe('valueMatches', () => {
  it.each([
    ['2021-03-02T10:15:30Z', '2021-03-02T10:15:30.000Z', true],
    ['2021-03-02T12:15:30+02:00', '2021-03-02T10:15:30.000Z', true],
    ['2021-03-02T10:15:31Z', '2021-03-02T10:15:30.000Z', false],
    [200, 200, true],
    ['200', 200, true],
    [null, null, true],
    [null, 'x', false],
    ['C:\\inetpub\\wwwroot', 'C:\\inetpub\\wwwroot', true],
    [['a', 'b'], ['a', 'b'], true],
  ])('compares %p with %p: %p', (want, got, same) => {
    expect(valueMatches(want, got)).toBe(same);
  });
});

describe('loadFixtureFile', () => {
  const write = (text: string): string => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fx-')), 'a.test.yml');
    fs.writeFileSync(f, text);
    return f;
  };

  it('throws naming the file and the bad field', () => {
    // Prepare
    const f = write('cases:\n  - name: fires\n    expect: { rowz: 1 }\n');
    // Act / Assess
    expect(() => loadFixtureFile(f)).toThrow(/a\.test\.yml: cases\.0\.expect\.rows: .*; cases\.0\.expect: Unrecognized key: "rowz"$/);
  });

  it('throws for an unknown table and for a raw input without a name hint', () => {
    expect(() => loadFixtureFile(write('cases:\n  - name: x1\n    expect: { rows: 0 }\n    rows: { web_request: [] }\n'))).toThrow(
      /web_request/,
    );
    expect(() => loadFixtureFile(write('cases:\n  - name: x1\n    expect: { rows: 0 }\n    raw: [ { text: abc } ]\n'))).toThrow(
      /file name hint/,
    );
  });

  it('throws for duplicate case names', () => {
    expect(() =>
      loadFixtureFile(write('cases:\n  - { name: same, expect: { rows: 0 } }\n  - { name: same, expect: { rows: 0 } }\n')),
    ).toThrow(/"same" is used twice/);
  });
});

describe('checkExpectations', () => {
  it('says "the query returned no rows" when an include has nothing to match', () => {
    expect(checkExpectations(hunt, { name: 'n', expect: { rows: 0, includes: [{ host: 'X' }] } }, [])).toEqual([
      'no row includes {"host":"X"}: the query returned no rows',
    ]);
  });
});
