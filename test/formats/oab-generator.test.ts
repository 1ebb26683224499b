import * as fs from 'node:fs';
import * as path from 'node:path';
import { leadingTimestamp } from '../../src/formats/oab-generator';
import { iso, runParser } from './run-parser';

describe('leadingTimestamp', () => {
  it.each([
    ['2021-03-03T03:28:05.331Z rest', '2021-03-03T03:28:05.331Z'],
    ['2021-03-03 03:28:05,331 rest', '2021-03-03T03:28:05.331Z'],
    ['2021-03-03T04:28:05+01:00 rest', '2021-03-03T03:28:05.000Z'],
    ['[2021-03-03 03:31:00.500] x', '2021-03-03T03:31:00.500Z'],
    ['3/3/2021 3:30:00 PM x', '2021-03-03T15:30:00.000Z'],
    ['03.03.2021 04:00:00 x', '2021-03-03T04:00:00.000Z'],
  ])('reads %j', (line, expected) => {
    expect(iso(leadingTimestamp(line))).toBe(expected);
  });

  it.each(['    at Foo.Bar()', 'Download failed', '2021-02-30T00:00:00Z impossible day', '12345 not a date'])(
    'returns null for %j',
    (line) => {
      expect(leadingTimestamp(line)).toBeNull();
    },
  );
});

describe('oabGeneratorParser', () => {
  it('keeps every line whole, with a time when it has one and never rejects', () => {
    // Prepare
    const text = fs.readFileSync(path.resolve(__dirname, '../fixtures/raw/oab_generator/OABGeneratorLog_20210303-1.LOG'), 'utf8');
    // Act
    const { rows, rejects } = runParser('oab_generator', text.split('\n'), { hostHint: 'EXCH01' });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.source_line, iso(r.event_time)])).toEqual([
      [1, '2021-03-03T03:28:05.331Z'],
      [2, '2021-03-03T03:28:06.002Z'],
      [3, '2021-03-03T03:30:00.000Z'],
      [4, '2021-03-03T03:31:00.500Z'],
      [5, null],
      [7, '2021-03-03T04:00:00.000Z'],
    ]);
    expect(rows[1]).toMatchObject({
      host: 'EXCH01',
      log_type: 'OABGenerator Log',
      message:
        "2021-03-03T03:28:06.002Z [OABGen] Download failed and temporary file 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx' needs to be removed",
    });
    expect(rows[4].message).toBe('    at Microsoft.Exchange.OABMaintenance.OABGenerator.DownloadFile()');
  });

  it('skips Exchange log headers but takes the #Log-type', () => {
    // Act
    const { rows } = runParser('oab_generator', [
      '#Software: Microsoft Exchange Server',
      '#Log-type: OAB Generator Log',
      '#Fields: DateTime,Message',
      '2021-03-03T00:00:00.000Z,hello',
    ]);
    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ log_type: 'OAB Generator Log', message: '2021-03-03T00:00:00.000Z,hello' });
  });
});
