import { T, buildEvtx, el, eventTemplate, sub, template, v } from '../support/evtx-builder';
import { CLASSIC, LOG_CLEARED, SECURITY_4688, TIME, cmdlet, decode, sys, sysmon1 } from './fixtures';

describe('EvtxDecoder', () => {
  it('reads the System fields and named event data of a record', () => {
    // Prepare
    const file = buildEvtx({ records: [sysmon1(7001)] });

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(problems).toEqual([]);
    expect(records).toHaveLength(1);
    const r = records[0];
    expect(r).toMatchObject({
      chunk: 0,
      recordNumber: 1,
      provider: 'Microsoft-Windows-Sysmon',
      eventId: 1,
      qualifiers: null,
      level: 4,
      timeCreated: '2021-03-03 04:05:06.789000',
      timeMs: TIME.getTime(),
      recordId: 7001,
      channel: 'Microsoft-Windows-Sysmon/Operational',
      computer: 'EXCH01.corp.example',
      userSid: 'S-1-5-18',
      processId: 1912,
      threadId: 996,
    });
    expect(r.data.Image).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(r.data.CommandLine).toBe('C:\\Windows\\System32\\cmd.exe /c whoami');
    expect(r.data.ParentImage).toBe('c:\\windows\\system32\\inetsrv\\w3wp.exe');
    expect(Object.keys(r.data)).toHaveLength(11);
  });

  it('renders every value type the way python-evtx does', () => {
    // Prepare
    const names = [
      'wstr',
      'ansi',
      'i8',
      'u8',
      'i16',
      'u16',
      'i32',
      'u32',
      'i64',
      'u64',
      'f32',
      'f64',
      'bool',
      'bin',
      'guid',
      'size',
      'ft',
      'st',
      'sid',
      'hex32',
      'hex64',
      'u32arr',
    ];
    const t = eventTemplate(names, [
      T.WSTRING,
      T.STRING,
      T.INT8,
      T.UINT8,
      T.INT16,
      T.UINT16,
      T.INT32,
      T.UINT32,
      T.INT64,
      T.UINT64,
      T.REAL32,
      T.REAL64,
      T.BOOL,
      T.BINARY,
      T.GUID,
      T.SIZE_T,
      T.FILETIME,
      T.SYSTEMTIME,
      T.SID,
      T.HEX32,
      T.HEX64,
      T.ARRAY | T.UINT32,
    ]);
    const values = [
      v.wstr('héllo wörld', true),
      v.str('ansi\0'),
      v.i8(-128),
      v.u8(255),
      v.i16(-32768),
      v.u16(65535),
      v.i32(-2147483648),
      v.u32(4294967295),
      v.i64(-9223372036854775808n),
      v.u64(18446744073709551615n),
      v.f32(0.1),
      v.f64(1e16),
      v.bool(true),
      v.bin(Buffer.from([0xde, 0xad, 0xbe, 0xef])),
      v.guid('{54849625-5478-4994-A5BA-3E3B0328C30D}'),
      v.sizeT(123456789n),
      v.filetime(132588123456789012n),
      v.systemtime(2021, 3, 2, 23, 59, 58, 7),
      v.sid('S-1-5-21-3623811015-3361044348-30300820-1013'),
      v.hex32(0x1f01ff),
      v.hex64(0x8020000000000000n),
      v.u32Array([1, 2, 3]),
    ];
    const file = buildEvtx({ records: [{ template: t, values: [...sys(), ...values] }] });

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(problems).toEqual([]);
    expect({ ...records[0].data }).toEqual({
      wstr: 'héllo wörld',
      ansi: 'ansi',
      i8: '-128',
      u8: '255',
      i16: '-32768',
      u16: '65535',
      i32: '-2147483648',
      u32: '4294967295',
      i64: '-9223372036854775808',
      u64: '18446744073709551615',
      f32: '0.10000000149011612',
      f64: '1e+16',
      bool: 'True',
      bin: '3q2+7w==',
      guid: '{54849625-5478-4994-a5ba-3e3b0328c30d}',
      size: '123456789',
      // Exactly .6789012 s; python-evtx's float arithmetic gives .678900, and so do we.
      ft: '2021-02-26 11:25:45.678900',
      st: '2021-03-02 23:59:58.007000',
      sid: 'S-1-5-21-3623811015-3361044348-30300820-1013',
      hex32: '0x001f01ff',
      hex64: '0x8020000000000000',
      u32arr: '1\n2\n3',
    });
  });

  it('turns a classic string array in an unnamed <Data> into param1, param2, ...', () => {
    // Prepare
    const file = buildEvtx({ records: [cmdlet(5, 'New-ManagementRoleAssignment', '-Role "Mailbox Import Export" -User attacker')] });

    // Act
    const { records } = decode(file);

    // Assess
    expect(records[0]).toMatchObject({
      provider: 'MSExchange CmdletLogs',
      channel: 'MSExchange Management',
      eventId: 1,
      qualifiers: 16384,
      userSid: null,
    });
    expect({ ...records[0].data }).toEqual({
      param1: 'New-ManagementRoleAssignment',
      param2: '-Role "Mailbox Import Export" -User attacker',
      param3: 'EXCH01\\admin',
      param4: 'S-1-5-21-1-2-3-500',
    });
  });

  it('renders a string array as python-evtx does when asked for reference compatibility', () => {
    // Prepare
    const file = buildEvtx({ records: [{ template: CLASSIC, values: [...sys(), v.wstrArray(['a', '', 'b'])] }] });

    // Act
    const { records } = decode(file, 65536, { pythonArrays: true });

    // Assess
    expect({ ...records[0].data }).toEqual({ param1: '<string>a</string>\n<string></string>\n<string>b</string>\n' });
  });

  it('reads UserData as the child elements of its first element', () => {
    // Prepare
    const file = buildEvtx({
      records: [
        {
          template: LOG_CLEARED,
          values: [...sys({ eventId: 1102, channel: 'Security' }), v.wstr('S-1-5-21-1-2-3-500'), v.wstr('admin'), v.wstr('CORP')],
        },
      ],
    });

    // Act
    const { records } = decode(file);

    // Assess
    expect(records[0].eventId).toBe(1102);
    expect({ ...records[0].data }).toEqual({ SubjectUserSid: 'S-1-5-21-1-2-3-500', SubjectUserName: 'admin', SubjectDomainName: 'CORP' });
  });

  it('resolves a nested Binary XML value with its own template', () => {
    // Prepare
    const inner = template(el('Rule', [['Name', sub(0, T.WSTRING)]], el('Action', [], sub(1, T.UINT32))));
    const outer = eventTemplate(['Payload'], [T.BINXML]);
    const file = buildEvtx({ records: [{ template: outer, values: [...sys(), v.bxml(inner, [v.wstr('r1'), v.u32(3)])] }] });

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(problems).toEqual([]);
    expect(records[0].data.Payload).toBe('3\n\n');
  });

  it('reuses a template and its names across the records of a chunk, and rebuilds them per chunk', () => {
    // Prepare: 600 records fill several chunks; each chunk defines the template once, then refers to it.
    const specs = Array.from({ length: 600 }, (_, i) => sysmon1(1000 + i, `C:\\tools\\p${i}.exe`));
    const file = buildEvtx({ records: specs });

    // Act
    const { records, problems, summary } = decode(file);

    // Assess
    expect(problems).toEqual([]);
    expect(summary.chunks).toBeGreaterThan(2);
    expect(records.map((r) => r.recordId)).toEqual(specs.map((_, i) => 1000 + i));
    expect(records[599].data.Image).toBe('C:\\tools\\p599.exe');
    expect(new Set(records.map((r) => r.chunk)).size).toBe(summary.chunks);
  });

  it('gives the same records whatever the stream piece size', () => {
    // Prepare
    const file = buildEvtx({ records: [sysmon1(1), cmdlet(2, 'Get-Mailbox', ''), sysmon1(3)], emptyChunks: 1 });

    // Act
    const whole = decode(file).records;
    const bytewise = decode(file, 1).records;
    const odd = decode(file, 4099).records;

    // Assess
    expect(whole).toHaveLength(3);
    expect(bytewise).toEqual(whole);
    expect(odd).toEqual(whole);
  });

  it('keeps the Security 4688 hex and SID values as text', () => {
    // Prepare
    const file = buildEvtx({
      records: [
        {
          template: SECURITY_4688,
          values: [
            ...sys({ eventId: 4688, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing' }),
            v.sid('S-1-5-18'),
            v.wstr('EXCH01$'),
            v.wstr('CORP'),
            v.hex64(0x3e7n),
            v.hex64(0x1a2cn),
            v.wstr('C:\\Windows\\System32\\cmd.exe'),
            v.wstr('%%1936'),
            v.hex64(0xec8n),
            v.wstr('cmd /c whoami'),
          ],
        },
      ],
    });

    // Act
    const { records } = decode(file);

    // Assess
    expect(records[0].data).toMatchObject({
      SubjectUserSid: 'S-1-5-18',
      NewProcessId: '0x0000000000001a2c',
      ProcessId: '0x0000000000000ec8',
      SubjectLogonId: '0x00000000000003e7',
    });
  });
});
