/**
 * The eventviewer_text family: Event Viewer's "Save All Events As..." in the CSV (Comma Separated) and Text (Tab
 * Delimited) types. Fixtures are written from what Event Viewer shows in its columns (Level, Date and Time, Source,
 * Event ID, Task Category) and the rendered message as the last, unnamed field; the date is local time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../../src/pipeline';
import { parseZone } from '../../src/formats/text/zone';
import { buildZip } from '../support/archive-builders';
import { channelFromFileName } from '../../src/formats/windows/eventviewer-text';
import { iso, runDetectedParser } from './run-parser';

const MSG_4688 = [
  'A new process has been created.',
  '',
  'Creator Subject:',
  '\tSecurity ID:\t\tS-1-5-18',
  '\tAccount Name:\t\tEXCH01$',
  '\tAccount Domain:\t\tCORP',
  '\tLogon ID:\t\t0x3E7',
  '',
  'Process Information:',
  '\tNew Process ID:\t\t0x1a2c',
  '\tNew Process Name:\tC:\\Windows\\System32\\cmd.exe',
  '\tToken Elevation Type:\t%%1936',
  '\tCreator Process ID:\t0x1b2c',
  '\tCreator Process Name:\tC:\\Windows\\System32\\inetsrv\\w3wp.exe',
  '\tProcess Command Line:\tcmd /c "whoami"',
].join('\r\n');

const MSG_4663 = [
  'An attempt was made to access an object.',
  '',
  'Subject:',
  '\tSecurity ID:\t\tS-1-5-18',
  '\tAccount Name:\t\tEXCH01$',
  '\tAccount Domain:\t\tCORP',
  '',
  'Object:',
  '\tObject Server:\t\tSecurity',
  '\tObject Type:\t\tFile',
  '\tObject Name:\t\tC:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
  '',
  'Process Information:',
  '\tProcess ID:\t\t0x1b2c',
  '\tProcess Name:\t\tC:\\Windows\\System32\\inetsrv\\w3wp.exe',
  '',
  'Access Request Information:',
  '\tAccesses:\t\tWriteData (or AddFile)',
  '\tAccess Mask:\t\t0x2',
].join('\r\n');

const EVENTS = [
  ['Audit Success', '3/3/2021 3:20:01 AM', 'Microsoft-Windows-Security-Auditing', '4688', 'Process Creation', MSG_4688],
  ['Audit Success', '3/3/2021 3:13:15 AM', 'Microsoft-Windows-Security-Auditing', '4663', 'File System', MSG_4663],
];

function quote(s: string): string {
  return /[",\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** "Save All Events As..." > CSV (Comma Separated). */
function eventViewerCsv(events: string[][]): string {
  return ['Level,Date and Time,Source,Event ID,Task Category', ...events.map((e) => e.map(quote).join(','))].join('\r\n') + '\r\n';
}

/** "Save All Events As..." > Text (Tab Delimited), UTF-16 LE with BOM. */
function eventViewerText(events: string[][]): Buffer {
  const text =
    ['Level\tDate and Time\tSource\tEvent ID\tTask Category', ...events.map((e) => e.map(quote).join('\t'))].join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

const BRUSSELS = parseZone('Europe/Brussels');

describe('eventviewer_text', () => {
  it('reads the CSV type: local time in the agency zone, channel from the file name, data from the message', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'EXCH01/Security.csv', {
      localZone: BRUSSELS,
      hostHint: 'EXCH01',
    });
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => iso(x.event_time))).toEqual(['2021-03-03T02:20:01.000Z', '2021-03-03T02:13:15.000Z']);
    expect(r.rows[0]).toMatchObject({
      host: 'EXCH01',
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      event_id: 4688,
      level: 0,
      source_line: 2,
      image: 'C:\\Windows\\System32\\cmd.exe',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      command_line: 'cmd /c "whoami"',
    });
    expect(r.rows[1]).toMatchObject({
      event_id: 4663,
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      access_mask: '0x2',
      target_filename: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
    });
  });

  it('reads the Text type (tab-delimited, UTF-16) into the rows of the CSV type', async () => {
    // Prepare
    const csv = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'Security.csv', { localZone: BRUSSELS });
    // Act
    const r = await runDetectedParser(eventViewerText(EVENTS), 'Security.txt', { localZone: BRUSSELS });
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toEqual(csv.rows);
  });

  it('reads times as UTC when no zone is given, and the channel from a Security auditing source when the name is not a log', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(eventViewerCsv(EVENTS)), 'export1.csv');
    // Assess
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T03:20:01.000Z');
    expect(r.rows[0].channel).toBe('Security');
  });

  it('reads an export of zero events (header only) without rows or rejects', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from('Level,Date and Time,Source,Event ID,Task Category\r\n'), 'Application.csv');
    // Assess
    expect(r.family).toBe('eventviewer_text');
    expect(r.rows).toEqual([]);
    expect(r.rejects).toEqual([]);
  });

  it('rejects a bad date, a bad event id and a truncated last record, each alone with its reason', async () => {
    // Prepare
    const events = [
      EVENTS[0],
      ['Information', '31/31/2021 1:00:00 PM', 'MSExchange Common', '4999', 'General', 'x'],
      ['Error', '3/3/2021 1:00:00 PM', 'X', 'n/a', 'None', 'y'],
      EVENTS[1],
    ];
    const full = eventViewerCsv(events);
    const cut = full.slice(0, full.lastIndexOf('Access Request Information:'));
    // Act
    const r = await runDetectedParser(Buffer.from(cut), 'System.csv');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4688]);
    expect(r.rows[0].channel).toBe('System');
    expect(r.rejects.map((x) => x.reason)).toEqual([
      expect.stringMatching(/bad Date and Time "31\/31\/2021 1:00:00 PM"/),
      expect.stringMatching(/bad Event ID "n\/a"/),
      expect.stringMatching(/never closed/),
    ]);
  });

  it('names the channel of an exported log from its file name', () => {
    // Assess
    expect(channelFromFileName('up.zip!EXCH01/Microsoft-Windows-Sysmon%4Operational.txt')).toBe('Microsoft-Windows-Sysmon/Operational');
    expect(channelFromFileName('up.zip!EXCH01\\MSExchange Management.csv')).toBe('MSExchange Management');
    expect(channelFromFileName('events-march.csv')).toBeNull();
  });

  it('goes through the pipeline: the server folder names the host, the agency zone dates the rows', async () => {
    // Prepare
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evtext-'));
    try {
      const input = path.join(tmp, 'upload.zip');
      fs.writeFileSync(input, buildZip([{ name: 'EXCH01/Security.txt', data: eventViewerText(EVENTS) }]));
      // Act
      const { manifest } = await normalizeUpload({
        inputs: [input],
        agency: 'doj',
        uploadId: 'up-evtext',
        lakeRoot: path.join(tmp, 'root'),
        tmpDir: tmp,
        hostOverride: null,
        localTimeZone: 'Europe/Brussels',
      });
      // Assess
      expect(manifest.entries).toHaveLength(1);
      expect(manifest.entries[0]).toMatchObject({
        family: 'eventviewer_text',
        host_hint: 'EXCH01',
        hosts: ['EXCH01'],
        rows: { windows_events: 2 },
        rejections: { total: 0 },
        rows_without_time: 0,
      });
      expect(manifest.coverage).toEqual([
        expect.objectContaining({
          host: 'EXCH01',
          family: 'eventviewer_text',
          first_event: '2021-03-03T02:13:15.000Z',
          last_event: '2021-03-03T02:20:01.000Z',
        }),
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
