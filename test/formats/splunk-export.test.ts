/**
 * The splunk_export family: Windows events exported from Splunk's search UI as CSV and JSON, with `_raw` in the
 * Splunk Add-on for Microsoft Windows' two renderings (XmlWinEventLog event XML, classic WinEventLog key=value
 * lines). Fixtures are written from the add-on's documented event layout and Splunk's export shapes (CSV header
 * row with `_time`, `_raw`, `host`, `source`, `sourcetype`; JSON `{"preview":false,"result":{...}}` lines), and
 * their damaged variants.
 *
 * Sources for the export shapes: Splunk Search Manual, "Export search results" (Splunk Web export: CSV, JSON, XML,
 * raw events) and "Export data using the Splunk REST API" (help.splunk.com, search-manual/export-search-results);
 * the dump command's formats (raw | csv | tsv | json | xml; Search Reference); the search/jobs/export JSON stream as
 * Splunk's own reader consumes it (splunk/splunk-sdk-python splunklib/results.py, JSONResultsReader: one JSON
 * document per line, `preview`, `result`, a `results` array, `messages` lines interleaved); `lastrow` and `offset`
 * as the export endpoint writes them. Sourcetypes as the Splunk Add-on for Microsoft Windows names them:
 * `XmlWinEventLog` (renderXml = true, `_raw` the event XML) and `WinEventLog` (classic key=value `_raw`).
 */
import { parseZone } from '../../src/formats/text/zone';
import { iso, runDetectedParser } from './run-parser';

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** Security 4663: w3wp writing a web shell under aspnet_client, as XmlWinEventLog renders it (one line). */
const XML_4663 =
  `<Event xmlns='${NS}'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>` +
  `<EventID>4663</EventID><Version>1</Version><Level>0</Level><Task>12800</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>` +
  `<TimeCreated SystemTime='2021-03-03T02:13:15.103125000Z'/><EventRecordID>862193</EventRecordID><Correlation/>` +
  `<Execution ProcessID='4' ThreadID='7300'/><Channel>Security</Channel><Computer>EXCH01.corp.example.gov</Computer><Security/></System>` +
  `<EventData><Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>EXCH01$</Data>` +
  `<Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data><Data Name='ObjectServer'>Security</Data>` +
  `<Data Name='ObjectType'>File</Data><Data Name='ObjectName'>C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx</Data>` +
  `<Data Name='HandleId'>0x1f5c</Data><Data Name='AccessList'>%%4417</Data><Data Name='AccessMask'>0x2</Data>` +
  `<Data Name='ProcessId'>0x1b2c</Data><Data Name='ProcessName'>C:\\Windows\\System32\\inetsrv\\w3wp.exe</Data>` +
  `<Data Name='ResourceAttributes'></Data></EventData></Event>`;

/** Security 4688 (w3wp spawning cmd) as classic WinEventLog renders it: time line, key=value lines, Message. */
const CLASSIC_4688 = [
  '03/03/2021 03:20:01 AM',
  'LogName=Security',
  'EventCode=4688',
  'EventType=0',
  'ComputerName=EXCH01.corp.example.gov',
  'SourceName=Microsoft Windows security auditing.',
  'Type=Information',
  'RecordNumber=862201',
  'Keywords=Audit Success',
  'TaskCategory=Process Creation',
  'OpCode=Info',
  'Message=A new process has been created.',
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
  '\tMandatory Label:\t\tS-1-16-16384',
  '\tCreator Process ID:\t0x1b2c',
  '\tCreator Process Name:\tC:\\Windows\\System32\\inetsrv\\w3wp.exe',
  '\tProcess Command Line:\tcmd /c "whoami"',
].join('\n');

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A Splunk CSV export: quoted header names, `_raw` quoted over many lines. */
function splunkCsv(events: { raw: string; time: string; sourcetype: string; source: string }[], eol = '\n'): string {
  const header = '"_serial","_time",source,sourcetype,host,index,"splunk_server","_raw"';
  const rows = events.map((e, i) =>
    [String(i), e.time, e.source, e.sourcetype, 'exch01', 'wineventlog', 'splunk-idx01', e.raw].map(csvField).join(',').replace(/\n/g, eol),
  );
  return [header, ...rows].join(eol) + eol;
}

const XML_EVENT = { raw: XML_4663, time: '2021-03-03T03:13:15.000+01:00', sourcetype: 'XmlWinEventLog', source: 'XmlWinEventLog:Security' };
const CLASSIC_EVENT = {
  raw: CLASSIC_4688,
  time: '2021-03-03T03:20:01.000+0100',
  sourcetype: 'WinEventLog',
  source: 'WinEventLog:Security',
};

describe('splunk_export', () => {
  it('reads a CSV export of XmlWinEventLog and WinEventLog events into the same columns as the raw record', async () => {
    // Prepare
    const bytes = Buffer.from(splunkCsv([XML_EVENT, CLASSIC_EVENT]));
    // Act
    const r = await runDetectedParser(bytes, 'splunk/export.csv');
    // Assess
    expect(r.family).toBe('splunk_export');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toHaveLength(2);
    const [xml, classic] = r.rows;
    expect(iso(xml.event_time)).toBe('2021-03-03T02:13:15.103Z');
    expect(xml).toMatchObject({
      host: 'EXCH01',
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      event_id: 4663,
      level: 0,
      record_id: 862193,
      computer: 'EXCH01.corp.example.gov',
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      target_filename: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
      access_mask: '0x2',
      source_line: 2,
    });
    expect(iso(classic.event_time)).toBe('2021-03-03T02:20:01.000Z');
    expect(classic).toMatchObject({
      host: 'EXCH01',
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      event_id: 4688,
      level: 0,
      record_id: 862201,
      computer: 'EXCH01.corp.example.gov',
      image: 'C:\\Windows\\System32\\cmd.exe',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      command_line: 'cmd /c "whoami"',
      process_id: 0x1a2c,
      parent_process_id: 0x1b2c,
      process_user: 'CORP\\EXCH01$',
    });
    expect(classic.message).toMatch(/^A new process has been created\./);
  });

  it('reads the JSON export ({"preview":false,"result":{...}} per line) and gives the rows of the CSV export', async () => {
    // Prepare
    const json =
      [XML_EVENT, CLASSIC_EVENT]
        .map((e) =>
          JSON.stringify({
            preview: false,
            offset: 0,
            result: { _time: e.time, _raw: e.raw, host: 'exch01', source: e.source, sourcetype: e.sourcetype },
          }),
        )
        .join('\n') + '\n{"preview":false,"offset":2,"lastrow":true}\n';
    const csv = await runDetectedParser(Buffer.from(splunkCsv([XML_EVENT, CLASSIC_EVENT])), 'export.csv');
    // Act
    const r = await runDetectedParser(Buffer.from(json), 'export.json');
    // Assess
    expect(r.family).toBe('splunk_export');
    expect(r.rejects).toEqual([]);
    const strip = ({ source_line: _l, ...rest }: Record<string, unknown>) => rest;
    expect(r.rows.map(strip)).toEqual(csv.rows.map(strip));
  });

  it('reads a JSON array of results and the REST {"results":[...]} shape', async () => {
    // Prepare
    const results = [XML_EVENT, CLASSIC_EVENT].map((e) => ({ _time: e.time, _raw: e.raw, host: 'exch01', sourcetype: e.sourcetype }));
    const array = JSON.stringify(results, null, 2);
    const rest = JSON.stringify({ preview: false, init_offset: 0, messages: [], fields: [{ name: '_raw' }], results });
    // Act
    const a = await runDetectedParser(Buffer.from(array), 'export.json');
    const b = await runDetectedParser(Buffer.from(rest + '\n'), 'results.json');
    // Assess
    expect([a.family, b.family]).toEqual(['splunk_export', 'splunk_export']);
    expect([a.rejects, b.rejects]).toEqual([[], []]);
    expect(a.rows.map((x) => x.event_id)).toEqual([4663, 4688]);
    expect(b.rows.map((x) => x.event_id)).toEqual([4663, 4688]);
  });

  it('reads UTF-16 with BOM and CRLF line ends as the UTF-8 export', async () => {
    // Prepare
    const text = splunkCsv([XML_EVENT, CLASSIC_EVENT], '\r\n');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    // Act
    const r = await runDetectedParser(bytes, 'export.csv');
    // Assess
    expect(r.family).toBe('splunk_export');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => [x.event_id, iso(x.event_time), x.command_line ?? x.target_filename])).toEqual([
      [4663, '2021-03-03T02:13:15.103Z', 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx'],
      [4688, '2021-03-03T02:20:01.000Z', 'cmd /c "whoami"'],
    ]);
  });

  it('reads a CSV export of zero events (header only) as a Splunk export without rows or rejects', async () => {
    // Act
    const r = await runDetectedParser(
      Buffer.from('\ufeff"_serial","_time",source,sourcetype,host,index,"splunk_server","_raw"\r\n'),
      'export.csv',
    );
    // Assess
    expect(r.family).toBe('splunk_export');
    expect(r.rows).toEqual([]);
    expect(r.rejects).toEqual([]);
  });

  it('rejects a truncated last record alone, with its line', async () => {
    // Prepare
    const full = splunkCsv([XML_EVENT, CLASSIC_EVENT]);
    const cut = full.slice(0, full.indexOf('Process Information:'));
    // Act
    const r = await runDetectedParser(Buffer.from(cut), 'export.csv');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4663]);
    expect(r.rejects).toHaveLength(1);
    expect(r.rejects[0].lineNo).toBe(3);
    expect(r.rejects[0].reason).toMatch(/never closed/);
  });

  it('rejects a damaged XML event, a result of another sourcetype and a bad _time, each alone with its reason', async () => {
    // Prepare
    const iis = {
      raw: '2021-03-03 02:13:15 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 - 200 0 0 12',
      time: '2021-03-03T02:13:15.000+00:00',
      sourcetype: 'ms:iis:auto',
      source: 'u_ex210303.log',
    };
    const events = [
      XML_EVENT,
      { ...XML_EVENT, raw: XML_4663.replace('</System>', '') },
      iis,
      { ...CLASSIC_EVENT, time: 'yesterday' },
      CLASSIC_EVENT,
    ];
    // Act
    const r = await runDetectedParser(Buffer.from(splunkCsv(events)), 'export.csv');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4663, 4688]);
    expect(r.rejects.map((x) => x.reason)).toEqual([
      expect.stringMatching(/unreadable event XML|without <System>/),
      expect.stringMatching(/not a Windows event: _raw has no EventCode=/),
      expect.stringMatching(/bad _time "yesterday"/),
    ]);
  });

  it('dates a classic event without _time by its time line, in the agency zone', async () => {
    // Prepare
    const json = JSON.stringify({ preview: false, result: { _raw: CLASSIC_4688, host: 'exch01', sourcetype: 'WinEventLog' } }) + '\n';
    // Act
    const r = await runDetectedParser(Buffer.from(json), 'export.json', { localZone: parseZone('Europe/Brussels') });
    // Assess
    expect(r.rejects).toEqual([]);
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T02:20:01.000Z');
  });

  it('takes the host from the Splunk host field when the event names no computer', async () => {
    // Prepare
    const raw = CLASSIC_4688.replace('ComputerName=EXCH01.corp.example.gov\n', '');
    const json =
      JSON.stringify({ preview: false, result: { _time: CLASSIC_EVENT.time, _raw: raw, host: 'exch02.corp.example.gov' } }) + '\n';
    // Act
    const r = await runDetectedParser(Buffer.from(json), 'export.json', { hostHint: 'FROMPATH' });
    // Assess
    expect(r.rows[0].host).toBe('EXCH02');
  });

  it('reads an event with a 5 MB message and rejects a damaged JSON line alone', async () => {
    // Prepare
    const big = CLASSIC_4688.replace('cmd /c "whoami"', `powershell -enc ${'A'.repeat(5 * 1024 * 1024)}`);
    const line = (raw: string) => JSON.stringify({ preview: false, result: { _time: CLASSIC_EVENT.time, _raw: raw, host: 'exch01' } });
    const json =
      [line(big), '{"preview":false,"result":{"_time":"2021-03-03T03:20:01.000+01:00","_raw":"LogName=Sec', line(XML_4663)].join('\n') +
      '\n';
    // Act
    const r = await runDetectedParser(Buffer.from(json), 'export.json');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4688, 4663]);
    expect(String(r.rows[0].command_line)).toHaveLength(5 * 1024 * 1024 + 'powershell -enc '.length);
    expect(r.rejects).toHaveLength(1);
    expect(r.rejects[0].lineNo).toBe(2);
  });

  it('dates a WMI:WinEventLog event by its TimeGenerated CIM datetime, offset included', async () => {
    // Prepare
    const raw = CLASSIC_4688.replace('03/03/2021 03:20:01 AM\n', '').replace(
      'LogName=Security',
      'TimeGenerated=20210303032001.000000+060\nLogName=Security',
    );
    const json = JSON.stringify({ preview: false, result: { _raw: raw, host: 'exch01', sourcetype: 'WMI:WinEventLog:Security' } }) + '\n';
    // Act
    const r = await runDetectedParser(Buffer.from(json), 'export.json');
    // Assess
    expect(r.rejects).toEqual([]);
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T02:20:01.000Z');
  });

  it('reads the export stream as Splunk writes it: messages lines, offsets, lastrow on the last result; CSV columns in any order', async () => {
    // Prepare: a search message first (splunklib reads "messages" lines as no result), lastrow on the last result.
    const lines = [
      JSON.stringify({ preview: false, messages: [{ type: 'INFO', text: 'Your timerange was substituted based on your search string' }] }),
      JSON.stringify({
        preview: false,
        offset: 0,
        result: { _time: XML_EVENT.time, _raw: XML_EVENT.raw, host: 'exch01', sourcetype: 'XmlWinEventLog' },
      }),
      JSON.stringify({
        preview: false,
        offset: 1,
        lastrow: true,
        result: { _time: CLASSIC_EVENT.time, _raw: CLASSIC_EVENT.raw, host: 'exch01', sourcetype: 'WinEventLog' },
      }),
    ];
    const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
    // The events tab's export: internal fields, _raw before _time, alphabetical.
    const csv = [
      '"_bkt","_cd","_indextime","_raw","_serial","_si","_sourcetype","_time",host,index,linecount,source,sourcetype,"splunk_server"',
      ...[XML_EVENT, CLASSIC_EVENT].map((e, i) =>
        [
          `wineventlog~12~ABC`,
          `12:${i}`,
          '1614737600',
          q(e.raw),
          String(i),
          'idx01,wineventlog',
          e.sourcetype,
          e.time,
          'exch01',
          'wineventlog',
          '1',
          e.source,
          e.sourcetype,
          'idx01',
        ]
          .map((v) => (v.startsWith('"') ? v : /[",\n]/.test(v) ? q(v) : v))
          .join(','),
      ),
    ].join('\n');
    // Act
    const json = await runDetectedParser(Buffer.from(lines.join('\n') + '\n'), 'export.json');
    const table = await runDetectedParser(Buffer.from(csv + '\n'), 'export.csv');
    // Assess
    expect([json.family, table.family]).toEqual(['splunk_export', 'splunk_export']);
    expect([json.rejects, table.rejects]).toEqual([[], []]);
    expect(json.rows.map((x) => [x.event_id, iso(x.event_time)])).toEqual([
      [4663, '2021-03-03T02:13:15.103Z'],
      [4688, '2021-03-03T02:20:01.000Z'],
    ]);
    const strip = ({ source_line: _l, ...rest }: Record<string, unknown>) => rest;
    expect(table.rows.map(strip)).toEqual(json.rows.map(strip));
  });
});
