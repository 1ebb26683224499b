import type { Finding } from '../../src/hunt/types';

/** A realistic ProxyLogon finding (documentation addresses, fake host names). */
export function sampleFinding(over: Partial<Finding> = {}): Finding {
  return {
    hunt_id: '6f1c3d2e-8a7b-4c0e-9a55-2f1d6c1f7b21',
    title: 'ProxyLogon SSRF: ServerInfo~ AnchorMailbox in HttpProxy logs',
    severity: 'critical',
    cves: ['CVE-2021-26855'],
    attack: ['T1190'],
    agency: 'doj',
    host: 'EXCH01',
    first_seen: '2021-03-02T10:15:30.000Z',
    last_seen: '2021-03-03T02:01:12.000Z',
    count: 14,
    evidence: {
      anchor_mailbox: 'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/proxyLogon.ecp?#',
      client_ip: '192.0.2.10',
      uri_stem: '/ecp/y.js',
    },
    fingerprint: 'a'.repeat(64),
    ...over,
  };
}
