import { Readable } from 'node:stream';
import { evtxParser } from '../../src/formats/evtx';
import type { ParseContext } from '../../src/formats/types';
import type { Row, TableName } from '../../src/lake/schema';
import { buildEvtx, recordOffsets, v } from '../support/evtx-builder';
import { LOG_CLEARED, SECURITY_4688, SECURITY_5145, TIME, cmdlet, sys, sysmon1 } from './fixtures';

function context(hostHint: string | null = 'FROMPATH') {
  const rows: Array<{ table: TableName; row: Row }> = [];
  const rejects: Array<{ n: number; reason: string }> = [];
  const ctx: ParseContext = {
    sourceFile: 'upload.zip!Logs/Security.evtx',
    hostHint,
    emit: (table, row) => rows.push({ table, row }),
    reject: (n, reason) => rejects.push({ n, reason }),
  };
  return { ctx, rows, rejects };
}

/** Streams a buffer in 16 KiB pieces, like a file read stream. */
const streamOf = (buf: Buffer) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += 16384) yield buf.subarray(i, i + 16384);
    })(),
  );

describe('evtxParser', () => {
  it('emits windows_events rows with the promoted process and file columns filled', async () => {
    // Prepare
    const security = { provider: 'Microsoft-Windows-Security-Auditing', channel: 'Security' };
    const file = buildEvtx({
      records: [
        sysmon1(10, 'C:\\Windows\\System32\\cmd.exe'),
        {
          template: SECURITY_4688,
          values: [
            ...sys({ ...security, eventId: 4688, recordId: 11 }),
            v.sid('S-1-5-18'),
            v.wstr('EXCH01$'),
            v.wstr('CORP'),
            v.hex64(0x3e7n),
            v.hex64(0x1a2cn),
            v.wstr('C:\\Windows\\System32\\net.exe'),
            v.wstr('%%1936'),
            v.hex64(0xec8n),
            v.wstr('net group "Exchange Trusted Subsystem" /domain'),
          ],
        },
        {
          template: SECURITY_5145,
          values: [
            ...sys({ ...security, eventId: 5145, recordId: 12 }),
            v.wstr('attacker'),
            v.wstr('\\\\*\\C$'),
            v.wstr('\\??\\C:\\'),
            v.wstr('inetpub\\wwwroot\\aspnet_client\\shell.aspx'),
            v.hex32(0x2),
            v.wstr('10.0.0.66'),
          ],
        },
        cmdlet(13, 'Set-OabVirtualDirectory', '-ExternalUrl "http://f/<script>"'),
      ],
    });
    const { ctx, rows, rejects } = context();

    // Act
    await evtxParser.parse(streamOf(file), ctx);

    // Assess
    expect(rejects).toEqual([]);
    expect(rows.map((r) => r.table)).toEqual(['windows_events', 'windows_events', 'windows_events', 'windows_events']);
    const [sysmon, proc, share, mgmt] = rows.map((r) => r.row);
    expect(sysmon).toMatchObject({
      event_time: TIME.getTime(),
      host: 'EXCH01',
      computer: 'EXCH01.corp.example',
      channel: 'Microsoft-Windows-Sysmon/Operational',
      provider: 'Microsoft-Windows-Sysmon',
      event_id: 1,
      record_id: 10,
      user_sid: 'S-1-5-18',
      image: 'C:\\Windows\\System32\\cmd.exe',
      command_line: 'C:\\Windows\\System32\\cmd.exe /c whoami',
      parent_image: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
      process_user: 'NT AUTHORITY\\SYSTEM',
      process_id: 4242,
      parent_process_id: 3784,
      sha256: 'ab'.repeat(32),
    });
    expect(JSON.parse(sysmon.event_data as string)).toMatchObject({
      Image: 'C:\\Windows\\System32\\cmd.exe',
      ProcessGuid: '{365abb72-7acc-5cc4-0000-0010b2470300}',
    });
    expect(proc).toMatchObject({
      event_id: 4688,
      image: 'C:\\Windows\\System32\\net.exe',
      process_id: 0x1a2c,
      parent_process_id: 0xec8,
      process_user: 'CORP\\EXCH01$',
    });
    expect(share).toMatchObject({
      event_id: 5145,
      share_name: '\\\\*\\C$',
      access_mask: '0x00000002',
      ip_address: '10.0.0.66',
      target_filename: '\\??\\C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx',
    });
    expect(mgmt).toMatchObject({ channel: 'MSExchange Management', provider: 'MSExchange CmdletLogs', event_id: 1, user_sid: null });
    expect(JSON.parse(mgmt.event_data as string)).toEqual({
      param1: 'Set-OabVirtualDirectory',
      param2: '-ExternalUrl "http://f/<script>"',
      param3: 'EXCH01\\admin',
      param4: 'S-1-5-21-1-2-3-500',
    });
    expect(mgmt.data_text).toContain('Set-OabVirtualDirectory\n-ExternalUrl');
  });

  it('reads UserData (log cleared) into event_data by child element name', async () => {
    // Prepare
    const file = buildEvtx({
      records: [
        {
          template: LOG_CLEARED,
          values: [...sys({ eventId: 1102, channel: 'Security', recordId: 3 }), v.wstr('S-1-5-21-9-500'), v.wstr('admin'), v.wstr('CORP')],
        },
      ],
    });
    const { ctx, rows } = context(null);

    // Act
    await evtxParser.parse(streamOf(file), ctx);

    // Assess
    expect(rows[0].row).toMatchObject({ event_id: 1102, subject_user_name: 'admin', host: 'EXCH01' });
    expect(JSON.parse(rows[0].row.event_data as string)).toEqual({
      SubjectUserSid: 'S-1-5-21-9-500',
      SubjectUserName: 'admin',
      SubjectDomainName: 'CORP',
    });
  });

  it('rejects what it cannot read, naming the chunk and record, and emits the rest', async () => {
    // Prepare: record 2 damaged, and the file cut inside record 3.
    const file = buildEvtx({ records: [sysmon1(1), sysmon1(2), sysmon1(3)] });
    const [, rec2, rec3] = recordOffsets(file, 0);
    file[rec2 + 28] = 0x06;
    const cut = file.subarray(0, rec3 + 40);
    const { ctx, rows, rejects } = context();

    // Act
    await evtxParser.parse(streamOf(cut), ctx);

    // Assess
    expect(rows.map((r) => r.row.record_id)).toEqual([1]);
    expect(rejects.map((r) => r.n)).toEqual([0, 2, 3]);
    expect(rejects[0].reason).toMatch(/^chunk 0: file truncated, only \d+ of 65536 bytes present/);
    expect(rejects[1].reason).toMatch(/^chunk 0: record 2: unexpected Binary XML token/);
    expect(rejects[2].reason).toMatch(/^chunk 0: record 3: file ends inside the record/);
  });

  it('does not reject anything for a clean dirty file (copied from a live system)', async () => {
    // Prepare
    const file = buildEvtx({ chunks: [[sysmon1(1)], [sysmon1(2)]], dirty: true, headerChunkCount: 1 });
    const { ctx, rows, rejects } = context();

    // Act
    await evtxParser.parse(streamOf(file), ctx);

    // Assess
    expect(rows).toHaveLength(2);
    expect(rejects).toEqual([]);
  });

  it('falls back to the host hint when the record names no computer', async () => {
    // Prepare
    const r = sysmon1(1);
    const values = [...r.values];
    values[7] = v.wstr('');
    const file = buildEvtx({ records: [{ template: r.template, values }] });
    const { ctx, rows } = context('EXCH02');

    // Act
    await evtxParser.parse(streamOf(file), ctx);

    // Assess
    expect(rows[0].row).toMatchObject({ host: 'EXCH02', computer: null });
  });

  it('rejects when the byte stream itself fails, after emitting what it had read', async () => {
    // Prepare: the first chunk arrives, then the source breaks (e.g. a damaged archive entry).
    const file = buildEvtx({ chunks: [[sysmon1(1)], [sysmon1(2)]] });
    const source = new Readable({ read() {} });
    source.push(file.subarray(0, 0x1000 + 0x10000));
    setImmediate(() => source.destroy(new Error('invalid zip entry: CRC mismatch')));
    const { ctx, rows } = context();

    // Act
    const result = evtxParser.parse(source, ctx);

    // Assess
    await expect(result).rejects.toThrow('invalid zip entry: CRC mismatch');
    expect(rows.map((r) => r.row.record_id)).toEqual([1]);
  });
});
