import { CsvLine, CsvRecordJoiner } from '../../src/formats/text/csv-line';
import { parseDotNetDate, parseIsoTime, parseLocalDateTime, parseW3cDateTime } from '../../src/formats/text/time';
import { toInt } from '../../src/formats/text/values';

const isoOf = (ms: number) => (Number.isNaN(ms) ? 'NaN' : new Date(ms).toISOString());

describe('CsvLine', () => {
  it('splits RFC 4180 lines: quoted commas, doubled quotes, empty fields', () => {
    // Prepare
    const csv = new CsvLine();
    // Act
    const ok = csv.scan('a,"b,c","say ""hi""",,"",z');
    // Assess
    expect(ok).toBe(true);
    expect(csv.all()).toEqual(['a', 'b,c', 'say "hi"', '', '', 'z']);
    expect(csv.field(99)).toBe('');
  });

  it('handles more than 128 fields and a trailing empty field', () => {
    // Prepare
    const csv = new CsvLine();
    const line = `${Array.from({ length: 300 }, (_, i) => String(i)).join(',')},`;
    // Act
    csv.scan(line);
    // Assess
    expect(csv.count).toBe(301);
    expect(csv.field(299)).toBe('299');
    expect(csv.field(300)).toBe('');
  });

  it('fails with a reason on an unterminated quote and on text after a closing quote', () => {
    // Prepare
    const csv = new CsvLine();
    // Act / Assess
    expect(csv.scan('a,"open')).toBe(false);
    expect(csv.error).toBe('unterminated quote in field 2');
    expect(csv.openQuote).toBe(true);
    expect(csv.scan('"x"y,z')).toBe(false);
    expect(csv.error).toBe('unexpected character after closing quote in field 1');
  });
});

describe('CsvRecordJoiner', () => {
  it('joins physical lines of a multi-line quoted field and reports the first line', () => {
    // Prepare
    const bad: [number, string][] = [];
    const j = new CsvRecordJoiner((n, r) => bad.push([n, r]));
    // Act
    const results = ['"a","line1', 'line2 ""q""', 'end",3', '"b","x",4'].map(
      (l, i) => [j.push(l, i + 1), j.csv.all(), j.startLine] as const,
    );
    // Assess
    expect(results[0][0]).toBe(false);
    expect(results[1][0]).toBe(false);
    expect(results[2]).toEqual([true, ['a', 'line1\nline2 "q"\nend', '3'], 1]);
    expect(results[3]).toEqual([true, ['b', 'x', '4'], 4]);
    expect(bad).toEqual([]);
  });

  it('closes records whose later fields hold stray quotes or new quoted fields', () => {
    // Prepare
    const bad: [number, string][] = [];
    const j = new CsvRecordJoiner((n, r) => bad.push([n, r]));
    // Act
    const a = ['x"y,"line1', 'line2",z"w'].map((l, i) => j.push(l, i + 1));
    const fieldsA = j.csv.all();
    const b = ['"m1', 'm2 ""q"", still', 'm3","next', 'n2",last'].map((l, i) => j.push(l, i + 10));
    const fieldsB = j.csv.all();
    // Assess
    expect(a).toEqual([false, true]);
    expect(fieldsA).toEqual(['x"y', 'line1\nline2', 'z"w']);
    expect(b).toEqual([false, false, false, true]);
    expect(fieldsB).toEqual(['m1\nm2 "q", still\nm3', 'next\nn2', 'last']);
    expect(bad).toEqual([]);
  });

  it('drops a record that stays open past the line limit, with the reason, and goes on', () => {
    // Prepare
    const bad: [number, string][] = [];
    const j = new CsvRecordJoiner((n, r) => bad.push([n, r]), { maxLines: 3, maxChars: 1000 });
    // Act
    ['"a,open', 'x', 'y', 'z'].forEach((l, i) => j.push(l, i + 1));
    const after = j.push('"ok",1', 5);
    // Assess
    expect(bad).toEqual([[1, 'quoted field opened on line 1 still open after 4 lines (13 characters): record dropped']]);
    expect(after).toBe(true);
  });
});

describe('time parsing', () => {
  it.each([
    ['2021-02-27T19:53:36.865Z', '2021-02-27T19:53:36.865Z'],
    ['2021-02-27T19:53:36Z', '2021-02-27T19:53:36.000Z'],
    ['2021-02-27T19:53:36', '2021-02-27T19:53:36.000Z'],
    ['2021-02-27 19:53:36.1234567', '2021-02-27T19:53:36.123Z'],
    ['2021-02-27T20:53:36.865+01:00', '2021-02-27T19:53:36.865Z'],
    ['2021-02-27T14:53:36.865-0500', '2021-02-27T19:53:36.865Z'],
    ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00.000Z'],
  ])('parseIsoTime(%j)', (text, expected) => {
    expect(isoOf(parseIsoTime(text))).toBe(expected);
  });

  it.each([
    '2021-02-29T00:00:00Z',
    '2021-13-01T00:00:00Z',
    '2021-02-27T24:00:00Z',
    '2021-02-27T19:60:00Z',
    '2021-02-27',
    'x021-02-27T19:53:36Z',
    '2021-02-27T19:53:36Q',
    '2021-02-27T19:53:36.Z',
  ])('parseIsoTime rejects %j', (text) => expect(parseIsoTime(text)).toBeNaN());

  it('parses W3C date + time and rejects junk', () => {
    expect(isoOf(parseW3cDateTime('2021-03-02', '10:15:30'))).toBe('2021-03-02T10:15:30.000Z');
    expect(isoOf(parseW3cDateTime('2021-03-02', '10:15:30.250'))).toBe('2021-03-02T10:15:30.250Z');
    expect(parseW3cDateTime('2021-03-02', '10:15:30x')).toBeNaN();
    expect(parseW3cDateTime('21-03-02', '10:15:30')).toBeNaN();
  });

  it('parses .NET /Date()/ values as UTC epoch ms, ignoring the display offset', () => {
    expect(parseDotNetDate('/Date(1614681330123)/')).toBe(1614681330123);
    expect(parseDotNetDate('/Date(1614681330123+0100)/')).toBe(1614681330123);
    expect(parseDotNetDate('/Date(abc)/')).toBeNaN();
  });

  it.each([
    ['3/2/2021 10:15:30 AM', '2021-03-02T10:15:30.000Z'],
    ['3/2/2021 12:15:30 AM', '2021-03-02T00:15:30.000Z'],
    ['3/2/2021 12:15:30 PM', '2021-03-02T12:15:30.000Z'],
    ['3/2/2021 10:15:30 PM', '2021-03-02T22:15:30.000Z'],
    ['3/2/2021 22:15:30', '2021-03-02T22:15:30.000Z'],
    ['25/2/2021 22:15:30', '2021-02-25T22:15:30.000Z'],
    ['02.03.2021 10:15:30', '2021-03-02T10:15:30.000Z'],
    ['2021-03-02T10:15:30+01:00', '2021-03-02T09:15:30.000Z'],
  ])('parseLocalDateTime(%j)', (text, expected) => {
    expect(isoOf(parseLocalDateTime(text))).toBe(expected);
  });

  it.each(['13/13/2021 10:00:00', '3/2/21 10:00:00', '3/2/2021 13:00:00 PM', '3/2/2021', 'yesterday'])(
    'parseLocalDateTime rejects %j',
    (text) => {
      expect(parseLocalDateTime(text)).toBeNaN();
    },
  );
});

describe('values', () => {
  it('reads integers without regex', () => {
    expect([toInt('200'), toInt('-1'), toInt(''), toInt('-'), toInt('12a'), toInt('4294967295')]).toEqual([
      200,
      -1,
      null,
      null,
      null,
      4294967295,
    ]);
  });
});
