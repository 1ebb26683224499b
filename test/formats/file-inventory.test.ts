import * as fs from 'node:fs';
import * as path from 'node:path';
import { iso, runParser } from './run-parser';

describe('fileInventoryParser', () => {
  it('reads a Get-FileHash export: lower-case hash, file name and directory, null time', () => {
    // Prepare
    const text = fs.readFileSync(path.resolve(__dirname, '../fixtures/raw/file_inventory/filehashes-exch01.csv'), 'utf8');
    // Act
    const { rows, rejects } = runParser('file_inventory', text.split('\n'), { hostHint: 'EXCH01' });
    // Assess
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      event_time: null,
      host: 'EXCH01',
      source_line: 3,
      algorithm: 'SHA256',
      hash: 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0',
      path: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      file_name: 'supp0rt.aspx',
      directory: 'C:\\inetpub\\wwwroot\\aspnet_client',
      size_bytes: null,
      last_write_time: null,
    });
    expect(rows[1].directory).toBe('C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth');
    expect(rejects).toEqual([
      { lineNo: 5, reason: 'bad hash "NOT-A-HASH" (not hexadecimal)' },
      { lineNo: 6, reason: 'bad hash: 4 hex digits for SHA256 (expected 64)' },
    ]);
  });

  it('uses LastWriteTimeUtc as event time and reads Length, in any column order, with a path holding a comma and a newline', () => {
    // Prepare
    const lines = [
      '"Path","Length","LastWriteTimeUtc","Hash","Algorithm","PSComputerName"',
      '"C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\a, b.aspx","1234","3/3/2021 3:30:05 AM","0975","MD5","EXCH02.corp.example.gov"',
      '"C:\\odd\\line',
      'break.aspx","1","2021-03-04T00:00:00Z","d41d8cd98f00b204e9800998ecf8427e","MD5",""',
    ];
    // Act
    const { rows, rejects } = runParser('file_inventory', lines, { hostHint: null });
    // Assess
    expect(rejects).toEqual([{ lineNo: 2, reason: 'bad hash: 4 hex digits for MD5 (expected 32)' }]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      path: 'C:\\odd\\line\nbreak.aspx',
      file_name: 'line\nbreak.aspx',
      size_bytes: 1,
      host: null,
      source_line: 3,
    });
    expect(iso(rows[0].event_time)).toBe('2021-03-04T00:00:00.000Z');
    expect(iso(rows[0].last_write_time)).toBe('2021-03-04T00:00:00.000Z');
  });

  it('takes the host from PSComputerName and the time from LastWriteTimeUtc in en-US form', () => {
    // Act
    const { rows } = runParser('file_inventory', [
      '"Algorithm","Hash","Path","LastWriteTimeUtc","PSComputerName"',
      '"SHA1","DA39A3EE5E6B4B0D3255BFEF95601890AFD80709","D:\\x.aspx","3/3/2021 3:30:05 PM","exch02.corp.example.gov"',
    ]);
    // Assess
    expect(rows[0]).toMatchObject({ host: 'EXCH02', hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', directory: 'D:' });
    expect(iso(rows[0].event_time)).toBe('2021-03-03T15:30:05.000Z');
  });

  it('rejects a header without Hash and Path, and reports an unterminated quote at the end', () => {
    // Act
    const a = runParser('file_inventory', ['"Name","Size"', '"x","1"']);
    const b = runParser('file_inventory', ['"Algorithm","Hash","Path"', '"SHA256","AB","C:\\never closed']);
    // Assess
    expect(a.rejects).toEqual([
      { lineNo: 1, reason: 'header has no Hash and Path columns: Name,Size' },
      { lineNo: 2, reason: 'no usable header: the header on line 1 has no Hash and Path columns' },
    ]);
    expect(b.rejects).toEqual([{ lineNo: 2, reason: 'unterminated quote: record starting on line 2 never closed (file truncated?)' }]);
  });
});
