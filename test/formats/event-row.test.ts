import { windowsEventRow } from '../../src/formats/windows/event-row';
import type { WindowsEvent } from '../../src/formats/windows/event-row';

const base: WindowsEvent = {
  timeMs: 0,
  channel: 'Microsoft-Windows-Sysmon/Operational',
  provider: 'Microsoft-Windows-Sysmon',
  eventId: 3,
  level: 4,
  recordId: 4242,
  computer: 'EXCH01.corp.example.gov',
  userSid: null,
  message: null,
  data: {},
};

describe('windowsEventRow', () => {
  it('uses the record number as source line (raw .evtx has no lines)', () => {
    // Act
    const row = windowsEventRow(base, null);
    // Assess
    expect(row.source_line).toBe(4242);
    expect(row.host).toBe('EXCH01');
  });

  it('takes the remote address of Sysmon 3: the destination when initiated, else the source', () => {
    // Act
    const out = windowsEventRow({ ...base, data: { Initiated: 'true', SourceIp: '192.0.2.10', DestinationIp: '198.51.100.9' } }, null);
    const inbound = windowsEventRow(
      { ...base, data: { Initiated: 'false', SourceIp: '149.28.14.163', DestinationIp: '192.0.2.10' } },
      null,
    );
    const logon = windowsEventRow({ ...base, channel: 'Security', eventId: 4624, data: { IpAddress: '203.0.113.5', SourceIp: 'x' } }, null);
    // Assess
    expect([out.ip_address, inbound.ip_address, logon.ip_address]).toEqual(['198.51.100.9', '149.28.14.163', '203.0.113.5']);
  });

  it('normalizes the remote address for matching and keeps it as logged in ip_address_raw where it differs, for every export', () => {
    // Prepare: as Windows logs them: IPv4-mapped for a dual-stack logon, upper-case IPv6 with a zone id, "-".
    const cases: [Record<string, string>, string | null, string | null][] = [
      [{ IpAddress: '::ffff:203.0.113.5', IpPort: '50221' }, '203.0.113.5', '::ffff:203.0.113.5'],
      [{ IpAddress: 'FE80::1FF:FE23:4567:890A%12' }, 'fe80::1ff:fe23:4567:890a', 'FE80::1FF:FE23:4567:890A%12'],
      [{ IpAddress: '-' }, null, null],
      [{ IpAddress: '198.51.100.4' }, '198.51.100.4', null],
      [{ Initiated: 'true', SourceIp: '10.0.0.10', DestinationIp: '2001:DB8:0:0:0:0:0:5' }, '2001:db8::5', '2001:DB8:0:0:0:0:0:5'],
      [{ ClientAddress: '[2001:db8::7]:49152' }, '2001:db8::7', '[2001:db8::7]:49152'],
    ];
    // Act
    const rows = cases.map(([data]) => windowsEventRow({ ...base, channel: 'Security', eventId: 4624, data }, null));
    // Assess
    expect(rows.map((r) => [r.ip_address, r.ip_address_raw])).toEqual(cases.map(([, ip, raw]) => [ip, raw]));
  });
});
