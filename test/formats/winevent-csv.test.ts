import { WINEVENT_CSV_COLUMNS, csvQuoted, security4688Message, sysmon1Message, winEventCsvRow } from '../../testkit/raw-generators';
import { iso, runParser } from './run-parser';

const sysmon = sysmon1Message({
  utc: '2021-03-03 03:29:10.001',
  pid: 7020,
  image: 'C:\\Windows\\System32\\rundll32.exe',
  commandLine: 'rundll32.exe C:\\windows\\system32\\comsvcs.dll, MiniDump 624 C:\\windows\\temp\\lsass.dmp full',
  user: 'NT AUTHORITY\\SYSTEM',
  parentPid: 6012,
  parentImage: 'C:\\Windows\\System32\\cmd.exe',
  parentCommandLine: 'cmd.exe /c "rundll32 ..."',
  hashes: 'SHA256=A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
  originalFileName: 'RUNDLL32.EXE',
});

describe('winEventCsvParser', () => {
  it('reads Export-Csv with #TYPE, multi-line quoted Messages, en-US times as UTC, names from the Message', () => {
    // Prepare
    const m4688 = security4688Message({
      subjectSid: 'S-1-5-18',
      subjectUser: 'EXCH01$',
      subjectDomain: 'CORP',
      newPid: '0x1b6c',
      newImage: 'C:\\Windows\\System32\\cmd.exe',
      creatorPid: '0x1180',
      creatorImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      commandLine: 'cmd.exe /c whoami',
    });
    const text = [
      '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord',
      WINEVENT_CSV_COLUMNS.map(csvQuoted).join(','),
      winEventCsvRow({
        id: 1,
        provider: 'Microsoft-Windows-Sysmon',
        log: 'Microsoft-Windows-Sysmon/Operational',
        machine: 'EXCH01.corp.example.gov',
        time: '2021-03-03T15:29:10Z',
        level: 4,
        recordId: 9001,
        message: sysmon.message,
        properties: sysmon.properties,
        userId: 'S-1-5-18',
      }),
      winEventCsvRow({
        id: 4688,
        provider: 'Microsoft-Windows-Security-Auditing',
        log: 'Security',
        machine: 'EXCH01.corp.example.gov',
        time: '2021-03-03T00:05:00Z',
        level: 0,
        recordId: 9002,
        message: m4688.message,
        properties: m4688.properties,
      }),
    ].join('\r\n');
    // Act: the ingest line decoder splits on \n and strips \r.
    const { rows, rejects } = runParser('winevent_csv', text.split('\r\n'));
    // Assess
    expect(rejects).toEqual([]);
    expect(rows).toHaveLength(2);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T15:29:10.000Z');
    expect(rows[0]).toMatchObject({
      event_id: 1,
      channel: 'Microsoft-Windows-Sysmon/Operational',
      provider: 'Microsoft-Windows-Sysmon',
      level: 4,
      record_id: 9001,
      user_sid: 'S-1-5-18',
      host: 'EXCH01',
      source_line: 3,
      image: 'C:\\Windows\\System32\\rundll32.exe',
      command_line: 'rundll32.exe C:\\windows\\system32\\comsvcs.dll, MiniDump 624 C:\\windows\\temp\\lsass.dmp full',
      parent_image: 'C:\\Windows\\System32\\cmd.exe',
      parent_command_line: 'cmd.exe /c "rundll32 ..."',
      sha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
    });
    expect(rows[0].message).toBe(sysmon.message.replace(/\r\n/g, '\n'));
    expect(iso(rows[1].event_time)).toBe('2021-03-03T00:05:00.000Z');
    expect(rows[1]).toMatchObject({
      event_id: 4688,
      image: 'C:\\Windows\\System32\\cmd.exe',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      command_line: 'cmd.exe /c whoami',
      user_sid: null,
      source_line: 3 + sysmon.message.split('\r\n').length,
    });
  });

  it('reads a Select-Object export without #TYPE, with a German-style date and an ISO date with offset', () => {
    // Prepare
    const lines = [
      '"TimeCreated","Id","LevelDisplayName","ProviderName","LogName","MachineName","Message"',
      '"03.03.2021 04:00:00","1","Error","MSExchange Unified Messaging","Application","EXCH01","Watson report about to be sent: umworkerprocess ... TextFormattingRunProperties"',
      '"2021-03-03T05:00:00+02:00","6","Warning","MSExchange CmdletLogs","MSExchange Management","EXCH01","Cmdlet failed. Cmdlet Set-OabVirtualDirectory, parameters {ExternalUrl=http://f/<script>}."',
    ];
    // Act
    const { rows, rejects } = runParser('winevent_csv', lines);
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T04:00:00.000Z');
    expect(rows[0]).toMatchObject({ level: 2, provider: 'MSExchange Unified Messaging', event_data: '{}' });
    expect(iso(rows[1].event_time)).toBe('2021-03-03T03:00:00.000Z');
    expect(rows[1]).toMatchObject({ level: 3, channel: 'MSExchange Management', event_id: 6 });
  });

  it('rejects rows with a wrong column count, a bad time, and a Message left open at the end', () => {
    // Prepare
    const lines = [
      '"TimeCreated","Id","LogName","Message"',
      '"3/3/2021 1:00:00 AM","1","Application"',
      '"3/33/2021 1:00:00 AM","1","Application","x"',
      '"3/3/2021 1:00:00 PM","2","Application","ok"',
      '"3/3/2021 2:00:00 PM","3","Application","never',
      'closed',
    ];
    // Act
    const { rows, rejects } = runParser('winevent_csv', lines);
    // Assess
    expect(rows.map((r) => [r.event_id, iso(r.event_time)])).toEqual([[2, '2021-03-03T13:00:00.000Z']]);
    expect(rejects).toEqual([
      { lineNo: 2, reason: 'wrong column count: 3 fields, header has 4' },
      { lineNo: 3, reason: 'bad TimeCreated "3/33/2021 1:00:00 AM"' },
      { lineNo: 5, reason: 'unterminated quote: record starting on line 5 never closed (file truncated?)' },
    ]);
  });
});
