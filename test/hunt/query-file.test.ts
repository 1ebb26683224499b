import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadQueries, parseQueryFile } from '../../src/hunt/query-file';
import { placeholderOffsets, windowParams, parseDay } from '../../src/hunt/window';
import { BASE_META } from './helpers';

const file = (meta: Record<string, unknown>, body = 'SELECT 1 AS x'): string => `/* ---\n${stringify(meta)}--- */\n${body}\n`;

describe('parseQueryFile', () => {
  it('parses the YAML header and keeps the whole text as the SQL', () => {
    // Prepare
    const text = file(BASE_META);
    // Act
    const h = parseQueryFile('q/initial_access_x_y.sql', text);
    // Assess
    expect(h.meta).toEqual(BASE_META);
    expect(h.sql).toBe(text);
    expect(h.body.trim()).toBe('SELECT 1 AS x');
    expect(h.stem).toBe('initial_access_x_y');
  });

  it.each([
    [{ ...BASE_META, id: 'not-a-uuid' }, /id: must be a lower-case UUID v4/],
    [{ ...BASE_META, mitre: ['T1190'] }, /mitre.0: must look like TA0001:T1190/],
    [{ ...BASE_META, severity: 'urgent' }, /severity/],
    [{ ...BASE_META, log_families: ['syslog'] }, /log_families/],
    [{ ...BASE_META, status: 'deprecated' }, /deprecated_reason: a deprecated query needs deprecated_reason/],
    [{ ...BASE_META, severtiy: 'high' }, /severtiy/],
    [{ ...BASE_META, references: [] }, /references/],
  ])('throws naming the file and the field for a bad header (%#)', (meta, why) => {
    expect(() => parseQueryFile('q/bad.sql', file(meta))).toThrow(why);
    expect(() => parseQueryFile('q/bad.sql', file(meta))).toThrow(/^q\/bad\.sql: /);
  });

  it('throws for a file without a header or without SQL', () => {
    expect(() => parseQueryFile('q/a.sql', 'SELECT 1')).toThrow(/no YAML header/);
    expect(() => parseQueryFile('q/a.sql', file(BASE_META, '-- nothing here'))).toThrow(/no SQL after the header/);
  });

  it('throws for YAML that does not parse', () => {
    expect(() => parseQueryFile('q/a.sql', '/* ---\nid: [unclosed\n--- */\nSELECT 1')).toThrow(/not valid YAML/);
  });
});

describe('loadQueries', () => {
  it('loads the good files and reports broken ones and duplicate ids without stopping', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queries-'));
    fs.mkdirSync(path.join(dir, 'pack', 'web'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pack', 'web', 'initial_access_a_one.sql'), file(BASE_META));
    fs.writeFileSync(path.join(dir, 'pack', 'web', 'initial_access_b_two.sql'), file(BASE_META));
    fs.writeFileSync(path.join(dir, 'pack', 'web', 'initial_access_c_bad.sql'), 'SELECT 1');
    try {
      // Act
      const { hunts, broken } = loadQueries(dir);
      // Assess
      expect(hunts.map((h) => h.stem)).toEqual(['initial_access_a_one']);
      expect(broken.map((b) => path.basename(b.path))).toEqual(['initial_access_b_two.sql', 'initial_access_c_bad.sql']);
      expect(broken[0].error.message).toMatch(/already used by/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('window', () => {
  it('binds (since, until) once per placeholder pair, ignoring ? in strings and comments', () => {
    // Prepare
    const sql = "/* ? */ SELECT '?' FROM a WHERE dt BETWEEN ? AND ? -- ?\n UNION ALL SELECT 1 FROM b WHERE dt BETWEEN ? AND ?";
    // Act / Assess
    expect(placeholderOffsets(sql)).toHaveLength(4);
    expect(windowParams(sql, { since: '2019-01-01', until: '2021-12-31' })).toEqual([
      '2019-01-01',
      '2021-12-31',
      '2019-01-01',
      '2021-12-31',
    ]);
  });

  it('throws on an odd number of placeholders', () => {
    expect(() => windowParams('SELECT ? ', { since: 'a', until: 'b' })).toThrow(/pairs/);
  });

  it('throws for days that are not real YYYY-MM-DD days', () => {
    expect(parseDay('2021-02-28', '--since')).toBe('2021-02-28');
    expect(() => parseDay('2021-02-30', '--since')).toThrow(/--since must be a day as YYYY-MM-DD, got "2021-02-30"/);
    expect(() => parseDay('03/02/2021', '--until')).toThrow(/--until/);
  });
});
