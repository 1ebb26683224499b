import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describeUnrecognized, detectFamily, detectionHint } from '../../src/formats';
import {
  HTTPPROXY_FIELDS_2016_CU23,
  WINEVENT_CSV_COLUMNS,
  convertToJson,
  csvQuoted,
  ecpHeader,
  httpProxyHeader,
  httpProxyLine,
  httpProxyRequest,
  iisHeader,
  IIS_EXCHANGE_FIELDS,
  winEventObject,
} from '../../testkit/raw-generators';

const RAW = path.resolve(__dirname, '../fixtures/raw');
const utf16le = (s: string, bom = true) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string) => {
  const b = Buffer.from(s, 'utf16le');
  for (let i = 0; i < b.length; i += 2) {
    const t = b[i];
    b[i] = b[i + 1];
    b[i + 1] = t;
  }
  return Buffer.concat([Buffer.from([0xfe, 0xff]), b]);
};
const sampleEvent = winEventObject({
  id: 1,
  provider: 'Microsoft-Windows-Sysmon',
  log: 'Microsoft-Windows-Sysmon/Operational',
  machine: 'EXCH01',
  time: '2021-03-03T00:00:00Z',
  level: 4,
  recordId: 1,
  message: 'x',
  properties: [],
});

describe('detectFamily', () => {
  it.each([
    [
      'httpproxy',
      'HttpProxy #Log-type',
      [
        ...httpProxyHeader(HTTPPROXY_FIELDS_2016_CU23, '2021-03-02T10:00:00Z'),
        httpProxyLine(httpProxyRequest({ DateTime: '2021-03-02T10:00:01Z' })),
      ].join('\r\n'),
      'HttpProxy_2021030210-1.LOG',
      /#Log-type: HttpProxy/,
    ],
    [
      'httpproxy',
      'a plain header row first (Import-Csv style)',
      `${HTTPPROXY_FIELDS_2016_CU23.join(',')}\r\n${httpProxyLine(httpProxyRequest({ DateTime: '2021-03-02T10:00:01Z' }))}`,
      'x.log',
      /CSV header row/,
    ],
    ['httpproxy', 'only #Fields', `#Fields: ${HTTPPROXY_FIELDS_2016_CU23.join(',')}\n`, 'a.txt', /#Fields: HttpProxy/],
    [
      'iis',
      'IIS #Software',
      iisHeader(IIS_EXCHANGE_FIELDS, '2021-03-02 00:00:00').join('\r\n'),
      'u_ex210302.log',
      /Internet Information Services/,
    ],
    [
      'iis',
      'IIS #Fields without #Software',
      `#Fields: ${IIS_EXCHANGE_FIELDS.join(' ')}\n2021-03-02 00:00:01 203.0.113.5 GET / - 443 - 192.0.2.1 - - 200 0 0 1`,
      'weird.txt',
      /W3C extended/,
    ],
    [
      'iis',
      'a header-less IIS fragment named u_ex',
      '2021-03-02 00:00:01 203.0.113.5 GET / - 443 - 192.0.2.1 - - 200 0 0 1\n',
      'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log',
      /u_exYYMMDD/,
    ],
    ['ecp_server', 'ECP Server #Log-type', ecpHeader().join('\r\n'), 'ECPServer20210303-1.LOG', /ECP Server Log/],
    ['ecp_server', 'ECP Activity #Log-type', ecpHeader('ECP Activity Log').join('\r\n'), 'ECPActivity_20210303-1.LOG', /ECP Activity Log/],
    [
      'oab_generator',
      'an OABGeneratorLog path',
      '2021-03-03T03:28:06.002Z Generation started\n',
      'EXCH01/Logging/OABGeneratorLog/OABGeneratorLog_20210303-1.LOG',
      /OABGeneratorLog/,
    ],
    [
      'oab_generator',
      'OAB messages under any name',
      "2021-03-03T03:28:06.002Z Download failed and temporary file 'C:\\x.aspx' needs to be removed\n",
      'log1.txt',
      /OABGenerator messages/,
    ],
    ['winevent_json', 'a PS 5.1 ConvertTo-Json array', convertToJson([sampleEvent, sampleEvent]), 'Application.json', /ConvertTo-Json/],
    ['winevent_json', 'a single pretty-printed object', convertToJson([sampleEvent]), 'one.json', /ConvertTo-Json/],
    [
      'winevent_csv',
      'Export-Csv with #TYPE',
      `#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n${WINEVENT_CSV_COLUMNS.map(csvQuoted).join(',')}\r\n`,
      'sec.csv',
      /#TYPE System\.Diagnostics/,
    ],
    [
      'winevent_csv',
      'Export-Csv without #TYPE',
      `${WINEVENT_CSV_COLUMNS.map(csvQuoted).join(',')}\r\n"x`,
      'sec.csv',
      /Get-WinEvent columns/,
    ],
    [
      'winevent_jsonl',
      'NXLog lines',
      `${JSON.stringify({ EventTime: '2021-03-03 00:00:00', EventID: 1, SourceName: 'x', Channel: 'Application' })}\n${JSON.stringify({ EventID: 2 })}\n`,
      'nxlog.json',
      /NXLog/,
    ],
    [
      'winevent_jsonl',
      'Winlogbeat lines',
      `${JSON.stringify({ '@timestamp': '2021-03-03T00:00:00Z', winlog: { event_id: 1 } })}\n{"@timestamp":`,
      'winlogbeat.ndjson',
      /Winlogbeat/,
    ],
    [
      'winevent_jsonl',
      'compressed Get-WinEvent records, one per line',
      `${JSON.stringify({ Id: 1, ProviderName: 'x', TimeCreated: '2021-03-03T00:00:00Z' })}\n${JSON.stringify({ Id: 2 })}\n`,
      'events.json',
      /Get-WinEvent records/,
    ],
    [
      'file_inventory',
      'Get-FileHash with #TYPE',
      '#TYPE Microsoft.PowerShell.Commands.FileHashInfo\r\n"Algorithm","Hash","Path"\r\n',
      'hashes.csv',
      /FileHashInfo/,
    ],
    [
      'file_inventory',
      'Get-FileHash without #TYPE',
      '"Algorithm","Hash","Path"\r\n"SHA256","AB","C:\\x"\r\n',
      'hashes.csv',
      /Get-FileHash/,
    ],
  ])('detects %s from %s', (family, _what, text, name, reason) => {
    // Act
    const d = detectFamily(Buffer.from(text, 'utf8'), name as string);
    // Assess
    expect(d?.family).toBe(family);
    expect(d?.reason).toMatch(reason as RegExp);
  });

  it('decodes UTF-8 BOM, UTF-16 LE/BE with BOM and UTF-16 LE without BOM', () => {
    // Prepare
    const csv = '#TYPE Microsoft.PowerShell.Commands.FileHashInfo\r\n"Algorithm","Hash","Path"\r\n';
    const json = convertToJson([sampleEvent]);
    // Act
    const found = [
      detectFamily(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ecpHeader().join('\r\n'))]), 'a.log'),
      detectFamily(utf16le(csv), 'hashes.csv'),
      detectFamily(utf16be(csv), 'hashes.csv'),
      detectFamily(utf16le(json), 'Application.json'),
      detectFamily(utf16le(json, false), 'Application.json'),
    ].map((d) => d?.family);
    // Assess
    expect(found).toEqual(['ecp_server', 'file_inventory', 'file_inventory', 'winevent_json', 'winevent_json']);
  });

  it('detects raw .evtx by magic whatever the name', () => {
    // Prepare
    const head = Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(120)]);
    // Act / Assess
    expect(detectFamily(head, 'Security.dat')).toEqual({ family: 'evtx', reason: 'ElfFile magic (raw .evtx)' });
  });

  it('detects the committed raw fixtures', () => {
    // Prepare
    const cases: [string, string][] = [
      ['httpproxy/cu23-header-row-and-fields.LOG', 'httpproxy'],
      ['iis/W3SVC1/u_ex210302.log', 'iis'],
      ['oab_generator/OABGeneratorLog_20210303-1.LOG', 'oab_generator'],
      ['file_inventory/filehashes-exch01.csv', 'file_inventory'],
    ];
    // Act / Assess
    for (const [file, family] of cases)
      expect(detectFamily(fs.readFileSync(path.join(RAW, file)).subarray(0, 65536), file)?.family).toBe(family);
  });

  it.each([
    ['a gzip file', gzipSync(Buffer.from('hello')), 'x.gz'],
    ['a plain text note', Buffer.from('These are the logs you asked for.\nRegards\n'), 'README.txt'],
    ['an unrelated CSV', Buffer.from('"Name","Size"\n"a","1"\n'), 'report.csv'],
    ['unrelated JSON', Buffer.from('[{"user": "a"}]'), 'users.json'],
    ['an empty file', Buffer.alloc(0), 'empty.log'],
    ['text under a log-looking name', Buffer.from('hello\n'), 'HttpProxy_2021030210-1.LOG'],
  ])('returns null for %s', (_what, head, name) => {
    expect(detectFamily(head, name)).toBeNull();
  });
});

describe('describeUnrecognized', () => {
  it('says "empty", names binary magics, and quotes the first printable line of text', () => {
    // Act / Assess
    expect(describeUnrecognized(Buffer.alloc(0), 'x', 0)).toBe('empty');
    expect(describeUnrecognized(gzipSync(Buffer.from('x')), 'x.gz', 30)).toMatch(/^binary: gzip data \(1f 8b 08/);
    expect(describeUnrecognized(Buffer.from([0x50, 0x4b, 3, 4, 0, 0]), 'a.zip', 6)).toMatch(/^binary: zip archive/);
    expect(describeUnrecognized(Buffer.from([1, 2, 3, 0, 5, 6, 7]), 'a.bin', 7)).toBe('binary (01 02 03 00 05 06 07)');
    expect(describeUnrecognized(Buffer.from('\n\nHello\tthere\u0007\nmore'), 'n.txt', 20)).toBe('text: first line "Hello.there."');
    expect(describeUnrecognized(utf16le('Hi from UTF-16\r\n'), 'u.txt', 34)).toBe('text: first line "Hi from UTF-16"');
    expect(describeUnrecognized(Buffer.from([0, 0, 0, 0, 1, 2, 3, 4, 5]), 'Security.evtx', 9)).toBe(
      'named .evtx but no ElfFile magic (00 00 00 00 01 02 03 04)',
    );
  });
});

describe('detectionHint', () => {
  it('keeps the folders of the display path and ends with the entry name', () => {
    // Prepare
    const cases: Array<[string, string, string]> = [
      [
        'up.zip!EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log.gz',
        'u_ex210302.log',
        'up.zip!EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log',
      ],
      ['up.zip!EXCH01/Logging/OABGeneratorLog/x.log', 'x.log', 'up.zip!EXCH01/Logging/OABGeneratorLog/x.log'],
      ['C:\\logs\\W3SVC2\\u_ex1.log.gz', 'u_ex1.log', 'C:\\logs\\W3SVC2\\u_ex1.log'],
    ];
    // Act
    const got = cases.map(([p, n]) => detectionHint(p, n));
    // Assess
    expect(got).toEqual(cases.map((c) => c[2]));
  });
});
