import { iso, runParser } from './run-parser';

describe('winEventJsonlParser', () => {
  it('reads NXLog lines: flattened event data, EventTime as UTC, severity back to level', () => {
    // Prepare
    const nx = {
      EventTime: '2021-03-03 03:26:01',
      Hostname: 'EXCH01.corp.example.gov',
      Keywords: '-9223372036854775808',
      EventType: 'INFO',
      SeverityValue: 2,
      Severity: 'INFO',
      EventID: 1,
      SourceName: 'Microsoft-Windows-Sysmon',
      ProviderGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
      Version: 5,
      Task: 1,
      OpcodeValue: 0,
      RecordNumber: 5001,
      ProcessID: 2716,
      ThreadID: 3712,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Domain: 'NT AUTHORITY',
      AccountName: 'SYSTEM',
      UserID: 'S-1-5-18',
      AccountType: 'User',
      Message: 'Process Create:\r\nImage: C:\\Windows\\System32\\cmd.exe',
      Category: 'Process Create (rule: ProcessCreate)',
      Opcode: 'Info',
      UtcTime: '2021-03-03 03:26:01.447',
      ProcessGuid: '{5770385f-...}',
      ProcessId: '6012',
      Image: 'C:\\Windows\\System32\\cmd.exe',
      CommandLine: 'cmd.exe /c whoami',
      ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      ParentProcessId: '4480',
      Hashes: 'SHA256=FF79D3C4A0B7EB191783C323AB8363EBD1FD10BE58D8BCC96B07067743CA81D5',
      EventReceivedTime: '2021-03-03 03:26:02',
      SourceModuleName: 'eventlog',
      SourceModuleType: 'im_msvistalog',
    };
    const err = {
      EventTime: '2021-03-03T03:25:12.000Z',
      Hostname: 'EXCH01',
      EventType: 'ERROR',
      SeverityValue: 4,
      EventID: 1000,
      SourceName: 'MSExchange Unified Messaging',
      Channel: 'Application',
      RecordNumber: 88123,
      Message: 'System.InvalidCastException',
    };
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [JSON.stringify(nx), '', JSON.stringify(err)]);
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:26:01.000Z');
    expect(rows[0]).toMatchObject({
      event_id: 1,
      provider: 'Microsoft-Windows-Sysmon',
      channel: 'Microsoft-Windows-Sysmon/Operational',
      level: 4,
      record_id: 5001,
      host: 'EXCH01',
      user_sid: 'S-1-5-18',
      image: 'C:\\Windows\\System32\\cmd.exe',
      command_line: 'cmd.exe /c whoami',
      parent_image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      process_id: 6012,
      parent_process_id: 4480,
      sha256: 'ff79d3c4a0b7eb191783c323ab8363ebd1fd10be58d8bcc96b07067743ca81d5',
      source_line: 1,
    });
    const data = JSON.parse(String(rows[0].event_data));
    expect(data.Hostname).toBeUndefined();
    expect(data.ProcessID).toBe('2716');
    expect(rows[1]).toMatchObject({ level: 2, event_id: 1000, provider: 'MSExchange Unified Messaging', source_line: 3 });
  });

  it('reads Winlogbeat/ECS lines, nested or with dotted keys', () => {
    // Prepare
    const nested = {
      '@timestamp': '2021-03-03T03:27:40.100Z',
      message: 'File created:\nTargetFilename: C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      event: { code: '11', provider: 'Microsoft-Windows-Sysmon', kind: 'event' },
      log: { level: 'information' },
      host: { name: 'exch01' },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: 11,
        provider_name: 'Microsoft-Windows-Sysmon',
        computer_name: 'EXCH01.corp.example.gov',
        record_id: 5002,
        user: { identifier: 'S-1-5-18' },
        event_data: {
          Image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
          TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
          ProcessId: 4480,
        },
      },
    };
    const dotted = {
      '@timestamp': '2021-03-03T03:27:41Z',
      'winlog.channel': 'Security',
      'winlog.event_id': '5145',
      'winlog.computer_name': 'EXCH01',
      'winlog.event_data.ShareName': '\\\\*\\C$',
      'winlog.event_data.RelativeTargetName': 'inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      'log.level': 'information',
    };
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [JSON.stringify(nested), JSON.stringify(dotted)]);
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:27:40.100Z');
    expect(rows[0]).toMatchObject({
      event_id: 11,
      level: 4,
      record_id: 5002,
      user_sid: 'S-1-5-18',
      host: 'EXCH01',
      target_filename: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      process_id: 4480,
    });
    expect(rows[1]).toMatchObject({
      event_id: 5145,
      channel: 'Security',
      target_filename: '\\\\*\\C$\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    });
  });

  it('reads one compressed Get-WinEvent record per line (ConvertTo-Json -Compress in a loop)', () => {
    // Prepare
    const line = JSON.stringify({
      Id: 1000,
      ProviderName: 'MSExchange Unified Messaging',
      LogName: 'Application',
      Level: 2,
      TimeCreated: '/Date(1614741584671)/',
      MachineName: 'EXCH01',
      Message: 'System.InvalidCastException',
      Properties: [{ Value: 'x' }],
    });
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [line.replace('/Date(', '\\/Date(').replace(')/', ')\\/')]);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({ event_id: 1000, level: 2, provider: 'MSExchange Unified Messaging', host: 'EXCH01' });
    expect(iso(rows[0].event_time)).toBe('2021-03-03T03:19:44.671Z');
  });

  it('rejects bad JSON, non-objects, unknown shapes and bad times with reasons', () => {
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [
      '{"EventID": 1,',
      '[1,2]',
      '{"foo": 1}',
      '{"EventID": 1, "EventTime": "yesterday"}',
    ]);
    // Assess
    expect(rows).toEqual([]);
    expect(rejects.map((r) => r.lineNo)).toEqual([1, 2, 3, 4]);
    expect(rejects[0].reason).toMatch(/^bad JSON: /);
    expect(rejects[1].reason).toBe('line is not a JSON object');
    expect(rejects[2].reason).toBe('neither an NXLog, Winlogbeat nor Get-WinEvent record (keys: foo)');
    expect(rejects[3].reason).toBe('bad EventTime "yesterday"');
  });
});

describe('windowsEventRow (via JSON lines)', () => {
  it('takes the remote side of Sysmon 3 connections, ShareLocalPath for 5145 shares, and the line as source line', () => {
    // Prepare
    const out = {
      '@timestamp': '2021-03-03T03:35:00Z',
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: 3,
        record_id: 77,
        event_data: {
          Initiated: 'true',
          SourceIp: '192.0.2.10',
          DestinationIp: '198.51.100.99',
          Image: 'C:\\Windows\\System32\\rundll32.exe',
        },
      },
    };
    const inbound = {
      '@timestamp': '2021-03-03T03:35:01Z',
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: 3,
        event_data: { Initiated: 'false', SourceIp: '149.28.14.163', DestinationIp: '192.0.2.10' },
      },
    };
    const share = {
      '@timestamp': '2021-03-03T03:21:33Z',
      winlog: {
        channel: 'Security',
        event_id: 5145,
        event_data: {
          ShareName: '\\\\*\\C$',
          ShareLocalPath: '\\??\\C:\\',
          RelativeTargetName: 'inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
          IpAddress: '127.0.0.1',
        },
      },
    };
    // Act
    const { rows } = runParser(
      'winevent_jsonl',
      [out, inbound, share].map((o) => JSON.stringify(o)),
    );
    // Assess
    expect(rows.map((r) => r.ip_address)).toEqual(['198.51.100.99', '149.28.14.163', '127.0.0.1']);
    // ShareLocalPath wins over the share name (the EVTX tests pin this form).
    expect(rows[2].target_filename).toBe('\\??\\C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx');
    expect(rows.map((r) => r.source_line)).toEqual([1, 2, 3]);
  });
});

describe('winEventJsonlParser on hostile input', () => {
  it('rejects one line nested thousands deep and reads the next', () => {
    // Prepare
    const deep = `{"EventID": 1, "Channel": "Application", "EventTime": "2021-03-03 00:00:00", "Data": ${'['.repeat(20000)}${']'.repeat(20000)}}`;
    const ok = JSON.stringify({ EventID: 2, Channel: 'Application', EventTime: '2021-03-03 00:00:01' });
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [deep, ok]);
    // Assess
    expect(rows.map((r) => r.event_id)).toEqual([2]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0].lineNo).toBe(1);
    expect(rejects[0].reason).toMatch(/^unreadable event: |^bad JSON: /);
  });
});

describe('winEventJsonlParser time fields', () => {
  it('dates every record that carries a time, whatever field and form the exporter used', () => {
    // Prepare: flat records of research datasets (Winlogbeat/NXLog pipelines re-flattened), one time field each.
    const base = {
      EventID: 4688,
      Channel: 'Security',
      Hostname: 'EXCH01.corp.example.gov',
      SourceName: 'Microsoft-Windows-Security-Auditing',
    };
    const lines = [
      { ...base, TimeCreated: '2021-03-03T02:20:01.482Z', '@timestamp': '2021-03-03T02:20:09.000Z' },
      { ...base, '@timestamp': '2021-03-03T02:20:02.000Z' },
      { ...base, EventReceivedTime: '2021-03-03 02:20:03' },
      { ...base, UtcTime: '2021-03-03 02:20:04.123' },
      { ...base, SystemTime: '2021-03-03T02:20:05.1234567Z' },
      { ...base, TimeCreated: { SystemTime: '2021-03-03T02:20:06.000Z' } },
      { ...base, TimeCreated: { '#attributes': { SystemTime: '2021-03-03T02:20:07.000Z' } } },
      { ProviderName: 'MSExchange CmdletLogs', Id: 1, LogName: 'MSExchange Management', timestamp: '2021-03-03T02:20:08Z' },
      { ...base, EventTime: '2021-03-03 02:20:10', EventReceivedTime: '2021-03-03 02:25:00' },
    ];
    // Act
    const { rows, rejects } = runParser(
      'winevent_jsonl',
      lines.map((o) => JSON.stringify(o)),
    );
    // Assess
    expect(rejects).toEqual([]);
    expect(rows.map((r) => iso(r.event_time))).toEqual([
      '2021-03-03T02:20:01.482Z',
      '2021-03-03T02:20:02.000Z',
      '2021-03-03T02:20:03.000Z',
      '2021-03-03T02:20:04.123Z',
      '2021-03-03T02:20:05.123Z',
      '2021-03-03T02:20:06.000Z',
      '2021-03-03T02:20:07.000Z',
      '2021-03-03T02:20:08.000Z',
      '2021-03-03T02:20:10.000Z',
    ]);
  });

  it('rejects a record whose first time field cannot be read, with the field named', () => {
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [
      JSON.stringify({ EventID: 1, Channel: 'Application', TimeCreated: 'not a time' }),
    ]);
    // Assess
    expect(rows).toEqual([]);
    expect(rejects[0].reason).toMatch(/^bad TimeCreated "not a time"/);
  });
});
