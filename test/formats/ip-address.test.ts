/**
 * Logged addresses normalized for matching, and the real client of a proxy chain.
 */
import { chainAddresses, firstPublicAddress, isPublicIp, normalizeIp } from '../../src/formats/text/ip-address';

describe('normalizeIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['192.0.2.1:51234', '192.0.2.1'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['[::FFFF:203.0.113.7]:443', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['fe80::1ff:fe23:4567:890a%12', 'fe80::1ff:fe23:4567:890a'],
    ['"198.51.100.9"', '198.51.100.9'],
  ])('reads %s as %s', (raw, want) => {
    // Assess
    expect(normalizeIp(raw)).toBe(want);
  });

  it.each(['-', '', 'unknown', '300.1.1.1', 'exch01.corp.example.gov'])('gives null for %j', (raw) => {
    // Assess
    expect(normalizeIp(raw)).toBeNull();
  });
});

describe('firstPublicAddress', () => {
  it('skips private, loopback, link-local, shared and unique-local hops to the first internet client', () => {
    // Assess
    expect(firstPublicAddress('10.0.0.4, 172.16.3.1, 192.168.1.9, 127.0.0.1, 100.64.0.1, 169.254.0.1, 203.0.113.7, 198.51.100.1')).toBe(
      '203.0.113.7',
    );
    expect(firstPublicAddress('fd00::1,+2001:db8::7')).toBe('2001:db8::7');
    expect(firstPublicAddress('10.1.1.1')).toBeNull();
    expect(firstPublicAddress(null)).toBeNull();
  });

  it('reads IIS form (spaces as "+"), ports and the RFC 7239 Forwarded header', () => {
    // Assess
    expect(chainAddresses('203.0.113.7:50123,+10.0.0.4')).toEqual(['203.0.113.7', '10.0.0.4']);
    expect(firstPublicAddress('for=192.168.0.2;proto=https,+for="[2001:db8:cafe::17]:4711"')).toBe('2001:db8:cafe::17');
    expect(isPublicIp('8.8.8.8')).toBe(true);
    expect(isPublicIp('224.0.0.1')).toBe(false);
  });
});
