import { convertToJson, security4688Message, sysmon1Message, sysmon11Message, winEventObject } from '../../testkit/raw-generators';
import { iso, runParser } from './run-parser';

const um = winEventObject({
  id: 1000,
  provider: 'MSExchange Unified Messaging',
  log: 'Application',
  machine: 'EXCH01.corp.example.gov',
  time: '2021-03-03T03:25:12.123Z',
  level: 2,
  recordId: 88123,
  message: 'An unhandled exception occurred in a UM worker process: System.InvalidCastException: Unable to cast object of type ...',
  properties: ['UMWorkerProcess.exe', 'System.InvalidCastException'],
});

const sysmon = sysmon1Message({
  utc: '2021-03-03 03:26:01.447',
  pid: 6012,
  image: 'C:\\Windows\\System32\\cmd.exe',
  commandLine: 'cmd.exe /c whoami',
  user: 'NT AUTHORITY\\SYSTEM',
  parentPid: 4480,
  parentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
  parentCommandLine: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool" -v "v4.0"',
  hashes:
    'SHA1=8DCA9749CD48D286950E7A9FA1088C937CBCCAD4,MD5=D7AB69FAD18D4A643D84A271DFC0DBDF,SHA256=FF79D3C4A0B7EB191783C323AB8363EBD1FD10BE58D8BCC96B07067743CA81D5',
  originalFileName: 'Cmd.Exe',
});
const sysmonEvent = winEventObject({
  id: 1,
  provider: 'Microsoft-Windows-Sysmon',
  log: 'Microsoft-Windows-Sysmon/Operational',
  machine: 'EXCH01.corp.example.gov',
  time: '2021-03-03T03:26:01.448Z',
  level: 4,
  recordId: 5001,
  message: sysmon.message,
  properties: sysmon.properties,
  userId: 'S-1-5-18',
});

describe('winEventJsonParser', () => {
  it('reads a Windows PowerShell 5.1 export (\\/Date(ms)\\/, 4-space pretty JSON) and recovers Sysmon names from the Message', () => {
    // Prepare
    const text = convertToJson([um, sysmonEvent]);
    // Act
    const { rows, rejects } = runParser('winevent_json', text.split('\r\n').join('\n').split('\n'), { hostHint: 'HINT' });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows).toHaveLength(2);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:25:12.123Z');
    expect(rows[0]).toMatchObject({
      provider: 'MSExchange Unified Messaging',
      channel: 'Application',
      event_id: 1000,
      level: 2,
      record_id: 88123,
      computer: 'EXCH01.corp.example.gov',
      host: 'EXCH01',
      user_sid: null,
      source_line: 2,
    });
    expect(rows[0].message).toContain('System.InvalidCastException');
    expect(JSON.parse(String(rows[0].event_data))).toEqual({ param1: 'UMWorkerProcess.exe', param2: 'System.InvalidCastException' });
    expect(rows[1]).toMatchObject({
      event_id: 1,
      user_sid: 'S-1-5-18',
      image: 'C:\\Windows\\System32\\cmd.exe',
      command_line: 'cmd.exe /c whoami',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      parent_command_line: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool" -v "v4.0"',
      original_file_name: 'Cmd.Exe',
      process_id: 6012,
      parent_process_id: 4480,
      process_user: 'NT AUTHORITY\\SYSTEM',
      sha256: 'ff79d3c4a0b7eb191783c323ab8363ebd1fd10be58d8bcc96b07067743ca81d5',
    });
    expect(JSON.parse(String(rows[1].event_data)).UtcTime).toBe('2021-03-03 03:26:01.447');
  });

  it('reads a PowerShell 7 export (ISO dates with offset) and recovers Security 4688 names from the Message', () => {
    // Prepare
    const m = security4688Message({
      subjectSid: 'S-1-5-18',
      subjectUser: 'EXCH01$',
      subjectDomain: 'CORP',
      newPid: '0x1a2c',
      newImage: 'C:\\Windows\\System32\\whoami.exe',
      creatorPid: '0x1180',
      creatorImage: 'C:\\Windows\\System32\\cmd.exe',
      commandLine: 'whoami /all',
    });
    const ev = winEventObject(
      {
        id: 4688,
        provider: 'Microsoft-Windows-Security-Auditing',
        log: 'Security',
        machine: 'EXCH01.corp.example.gov',
        time: '2021-03-03T04:26:02.1234567+01:00',
        level: 0,
        recordId: 777,
        message: m.message,
        properties: m.properties,
      },
      'ps7',
    );
    // Properties as depth-1 type names: the values are gone, the Message is all there is.
    (ev as { Properties: unknown }).Properties = m.properties.map(() => 'System.Diagnostics.Eventing.Reader.EventProperty');
    const text = JSON.stringify(ev, null, 2);
    // Act
    const { rows, rejects } = runParser('winevent_json', text.split('\n'));
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:26:02.123Z');
    expect(rows[0]).toMatchObject({
      event_id: 4688,
      level: 0,
      image: 'C:\\Windows\\System32\\whoami.exe',
      parent_image: 'C:\\Windows\\System32\\cmd.exe',
      command_line: 'whoami /all',
      subject_user_name: 'EXCH01$',
      process_user: 'CORP\\EXCH01$',
      process_id: 0x1a2c,
      parent_process_id: 0x1180,
    });
  });

  it('handles depth-truncated nested values and named properties', () => {
    // Prepare
    const s11 = sysmon11Message({
      utc: '2021-03-03 03:27:40.100',
      pid: 4480,
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      target: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    });
    const ev = {
      Id: 11,
      ProviderName: 'Microsoft-Windows-Sysmon',
      LogName: 'Microsoft-Windows-Sysmon/Operational',
      MachineName: 'EXCH01',
      TimeCreated: { value: '/Date(1614742060100)/', DateTime: 'Wednesday, March 3, 2021 3:27:40 AM' },
      Level: 4,
      RecordId: 5002,
      UserId: 'System.Security.Principal.SecurityIdentifier',
      Message: s11.message,
      Properties: s11.properties.map((v, i) => (i === 2 ? { Value: 'System.Guid' } : { Value: v })),
    };
    const named = {
      Id: 5145,
      LogName: 'Security',
      TimeCreated: '2021-03-03T03:27:41Z',
      Properties: [
        { Name: 'ShareName', Value: '\\\\*\\C$' },
        { Name: 'RelativeTargetName', Value: 'inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx' },
        { Name: 'IpAddress', Value: '127.0.0.1' },
      ],
    };
    // Act
    const { rows, rejects } = runParser('winevent_json', JSON.stringify([ev, named]).split('\n'));
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:27:40.100Z');
    expect(rows[0]).toMatchObject({
      target_filename: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      user_sid: null,
      host: 'EXCH01',
    });
    expect(rows[1]).toMatchObject({
      share_name: '\\\\*\\C$',
      relative_target_name: 'inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      target_filename: '\\\\*\\C$\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      ip_address: '127.0.0.1',
    });
  });

  it('cuts elements correctly when lines break at awkward places and strings hold brackets, quotes and backslashes', () => {
    // Prepare
    const lines = [
      '  [ {"Id": 4104, "LogName": "Microsoft-Windows-PowerShell/Operational", "TimeCreated": "\\/Date(1614741000000)\\/",',
      '"Message": "Creating Scriptblock text (1 of 1):\\r\\n{ $a = \\"}]\\" ; [x] }\\\\", "Properties": [ {"Value": 1}, {"Value": 1},',
      '{"Value": "{ $a = \\"}]\\" }"}]',
      '}, {"Id": 1, "LogName": "Application", "TimeCreated": "2021-03-03T00:00:00Z", "Message": "trailing backslash \\\\"}',
      ',{"Id": 2, "LogName": "Application", "TimeCreated": "2021-03-03T00:00:01Z"}]',
    ];
    // Act
    const { rows, rejects } = runParser('winevent_json', lines);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.event_id, r.source_line])).toEqual([
      [4104, 1],
      [1, 4],
      [2, 5],
    ]);
    expect(rows[0].message).toBe('Creating Scriptblock text (1 of 1):\r\n{ $a = "}]" ; [x] }\\');
    expect(JSON.parse(String(rows[0].event_data)).param3).toBe('{ $a = "}]" }');
    expect(rows[1].message).toBe('trailing backslash \\');
  });

  it('rejects a bad element, a non-event object and a truncated array, and keeps the rest', () => {
    // Prepare
    const lines = [
      '[',
      '  {"Id": 1, "LogName": "Application", "TimeCreated": "2021-03-03T00:00:00Z"},',
      '  {"Id": 2, "LogName": "Application", "TimeCreated": nope},',
      '  {"Foo": "bar"},',
      '  {"Id": 3, "LogName": "Application", "TimeCreated": "13/45/2021 99:00:00"},',
      '  42,',
      '  {"Id": 4, "LogName": "Application", "TimeCreated": "2021-03-03T00:00:04Z"},',
      '  {"Id": 5, "LogName": "Appl',
    ];
    // Act
    const { rows, rejects } = runParser('winevent_json', lines);
    // Assess
    expect(rows.map((r) => r.event_id)).toEqual([1, 4]);
    expect(rejects.map((r) => r.lineNo)).toEqual([3, 4, 5, 6, 8]);
    expect(rejects[0].reason).toMatch(/^bad JSON in the element starting here: /);
    expect(rejects[1].reason).toBe('not a Windows event record (no Id, ProviderName or LogName; keys: Foo)');
    expect(rejects[2].reason).toBe('bad TimeCreated "13/45/2021 99:00:00"');
    expect(rejects[3].reason).toBe('array element is not an object: "42,"');
    expect(rejects[4].reason).toBe('truncated JSON: element starting on line 8 never closed');
  });

  it('rejects text that is not JSON at all', () => {
    // Act
    const { rows, rejects } = runParser('winevent_json', ['hello world']);
    // Assess
    expect(rows).toEqual([]);
    expect(rejects).toEqual([{ lineNo: 1, reason: 'not a JSON array or object: starts with "hello world"' }]);
  });
});
