import { Readable } from 'node:stream';
import { readLines } from '../../src/ingest';
import { detectFamily, parserFor } from '../../src/formats';
import type { TextFamilyParser } from '../../src/formats';
import type { Row } from '../../src/lake/schema';
import {
  WINEVENT_CSV_COLUMNS,
  convertToJson,
  csvQuoted,
  ecpHeader,
  ecpLine,
  winEventCsvRow,
  winEventObject,
} from '../../testkit/raw-generators';

/** Bytes -> detection -> the ingest line decoder -> the detected parser: what the pipeline does. */
async function parseBytes(bytes: Buffer, name: string): Promise<{ family: string | undefined; rows: Row[]; rejects: string[] }> {
  const d = detectFamily(bytes.subarray(0, 65536), name);
  if (!d) return { family: undefined, rows: [], rejects: [] };
  const rows: Row[] = [];
  const rejects: string[] = [];
  const p = (parserFor(d.family) as TextFamilyParser).create({
    sourceFile: name,
    hostHint: null,
    emit: (_t, r) => rows.push(r),
    reject: (n, r) => rejects.push(`${n}: ${r}`),
  });
  // Small chunks: code units and CRLF pairs straddle chunk boundaries.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  await readLines(
    Readable.from(chunks),
    { maxLineBytes: 1 << 20 },
    (t, n) => p.line(t, n),
    (n) => rejects.push(`${n}: long`),
  );
  p.end();
  return { family: d.family, rows, rejects };
}

const utf16le = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);

describe('text families through the ingest line decoder', () => {
  it('reads a UTF-16 LE (BOM) Export-Csv with a multi-line Message and non-ASCII text', async () => {
    // Prepare
    const text =
      [
        '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord',
        WINEVENT_CSV_COLUMNS.map(csvQuoted).join(','),
        winEventCsvRow({
          id: 1,
          provider: 'Microsoft-Windows-Sysmon',
          log: 'Microsoft-Windows-Sysmon/Operational',
          machine: 'EXCH01',
          time: '2021-03-03T03:26:01Z',
          level: 4,
          recordId: 1,
          message:
            'Process Create:\r\nImage: C:\\Windows\\System32\\cmd.exe\r\nProduct: Microsoft® Windows® Operating System\r\nCommandLine: cmd.exe /c whoami',
          properties: [],
        }),
      ].join('\r\n') + '\r\n';
    // Act
    const r = await parseBytes(utf16le(text), 'Sysmon.csv');
    // Assess
    expect(r.family).toBe('winevent_csv');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ image: 'C:\\Windows\\System32\\cmd.exe', command_line: 'cmd.exe /c whoami', source_line: 3 });
    expect(JSON.parse(String(r.rows[0].event_data)).Product).toBe('Microsoft® Windows® Operating System');
  });

  it('reads a UTF-16 LE (BOM) ConvertTo-Json export (Out-File default encoding of Windows PowerShell 5.1)', async () => {
    // Prepare
    const ev = winEventObject({
      id: 1000,
      provider: 'MSExchange Unified Messaging',
      log: 'Application',
      machine: 'EXCH01',
      time: '2021-03-03T03:25:12.123Z',
      level: 2,
      recordId: 7,
      message: 'System.InvalidCastException',
      properties: ['a'],
    });
    // Act
    const r = await parseBytes(utf16le(convertToJson([ev, ev]).replace(/\n/g, '\r\n')), 'Application.json');
    // Assess
    expect(r.family).toBe('winevent_json');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => [x.event_id, x.level, new Date(Number(x.event_time)).toISOString()])).toEqual([
      [1000, 2, '2021-03-03T03:25:12.123Z'],
      [1000, 2, '2021-03-03T03:25:12.123Z'],
    ]);
  });

  it('reads a UTF-8 BOM ECP Server log with CRLF', async () => {
    // Prepare
    const text = [...ecpHeader(), ecpLine('2021-03-03T03:27:31.107Z', 'EXCH01', 'ECP.Request', [['CMD', 'Get-Mailbox']])].join('\r\n');
    // Act
    const r = await parseBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'ECPServer20210303-1.LOG');
    // Assess
    expect(r.family).toBe('ecp_server');
    expect(r.rows[0]).toMatchObject({ cmd: 'Get-Mailbox', server_name: 'EXCH01', source_line: 6 });
  });
});
