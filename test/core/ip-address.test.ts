/**
 * Logged addresses in their matching form, and the real client of a proxy chain.
 *
 * Rules checked: RFC 4291 §2.2 (the three text forms of IPv6, "::" for one or more zero groups, embedded IPv4),
 * §2.5.5.2 (IPv4-mapped ::ffff:0:0/96); RFC 2765 §2.1 (IPv4-translated ::ffff:0:0:0/96); RFC 5952 §4 (canonical
 * text: lower case, no leading zeros, longest zero run compressed, the first of equal runs, a lone zero group not
 * compressed) and §6 (ports in brackets); RFC 4007 §11 (zone ids) and RFC 6874 (%25 in URIs); RFC 7239 (Forwarded).
 * Examples are those of the RFCs where they give some.
 */
import { chainAddresses, firstPublicAddress, isPublicIp, normalizeIp } from '../../src/core';

describe('normalizeIp', () => {
  it.each([
    // IPv4, with what logs add around it.
    ['192.0.2.1', '192.0.2.1'],
    ['  192.0.2.1\t', '192.0.2.1'],
    ['192.0.2.1:51234', '192.0.2.1'],
    ['"198.51.100.9"', '198.51.100.9'],
    ["'198.51.100.9'", '198.51.100.9'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    // IPv4-mapped (RFC 4291 §2.5.5.2) in every spelling, with and without port or brackets.
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['[::FFFF:203.0.113.7]:443', '203.0.113.7'],
    ['::ffff:203.0.113.7:50221', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['0000:0000:0000:0000:0000:FFFF:CB00:7107', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    // IPv4-translated (RFC 2765 §2.1).
    ['::ffff:0:203.0.113.7', '203.0.113.7'],
    ['0:0:0:0:ffff:0:cb00:7107', '203.0.113.7'],
    // RFC 5952 canonical IPv6.
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // RFC 5952 §4.2.1
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group is not compressed
    ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa'], // §4.3
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['0::0', '::'],
    ['1::', '1::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FF01:0:0:0:0:0:0:101', 'ff01::101'], // RFC 4291 §2.2 example
    ['2001:DB8:0:0:8:800:200C:417A', '2001:db8::8:800:200c:417a'], // RFC 4291 §2.2 example
    // Other embedded IPv4 (IPv4-compatible, NAT64 prefix) stay IPv6: only mapped and translated are IPv4 hosts.
    ['::13.1.68.3', '::d01:4403'],
    ['::13.1.68.3:8080', '::d01:4403'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    // Brackets and ports (RFC 5952 §6).
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    // Zone ids (RFC 4007 §11), RFC 6874 URI form.
    ['fe80::1ff:fe23:4567:890a%12', 'fe80::1ff:fe23:4567:890a'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]:8080', 'fe80::1'],
    ['FE80::0001%3', 'fe80::1'],
  ])('reads %j as %j', (raw, want) => {
    // Act
    const got = normalizeIp(raw);
    // Assess
    expect(got).toBe(want);
  });

  it.each([
    null,
    undefined,
    '-',
    '',
    '   ',
    '""',
    'unknown',
    'exch01.corp.example.gov',
    'exch01:443',
    // IPv4 out of range, short, long, leading zeros, signs, trailing dot.
    '300.1.1.1',
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '010.1.1.1',
    '1.2.3.+4',
    '1.2.3.4.',
    '1.2.3.4%12',
    // Ports that are no ports.
    '192.0.2.1:',
    '192.0.2.1:65536',
    '192.0.2.1:http',
    '[2001:db8::1]:',
    '[2001:db8::1]x',
    '[2001:db8::1',
    '[192.0.2.1]',
    // Mapped with a bad IPv4.
    '::ffff:999.1.1.1',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    // IPv6 errors: two "::", too many or too few groups, a group over 4 digits, hex out of range, ":::".
    '2001:db8::1::2',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4::5:6:7:8',
    '2001:db8::12345',
    '2001:db8::g',
    ':::',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '1.2.3.4::',
    // Empty zone id; garbage; a very long string; control characters.
    'fe80::1%',
    'fe80::1%%',
    '::ffff:',
    'a'.repeat(5 * 1024 * 1024),
    `${'1:'.repeat(100)}1`,
    '192.0.2.1\u0000',
    '203.0.113.5, 10.0.0.1',
  ])('gives null for %j', (raw) => {
    // Act
    const got = normalizeIp(raw);
    // Assess
    expect(got).toBeNull();
  });

  it('is idempotent: the matching form of a matching form is itself', () => {
    // Prepare
    const logged = ['::ffff:203.0.113.7', '[2001:DB8::0:1]:443', 'fe80::1%12', '2001:0:0:1:0:0:0:1', '192.0.2.1:80', '::'];
    // Act
    const once = logged.map(normalizeIp);
    const twice = once.map(normalizeIp);
    // Assess
    expect(twice).toEqual(once);
    expect(once.every((x) => x !== null)).toBe(true);
  });
});

describe('isPublicIp', () => {
  it.each([
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.0.1', false],
    ['127.0.0.1', false],
    ['169.254.1.1', false],
    ['100.64.0.1', false],
    ['100.128.0.1', true],
    ['224.0.0.1', false],
    ['8.8.8.8', true],
    ['203.0.113.7', true],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['febf::1', false],
    ['fec0::1', true],
    ['fd12:3456::1', false],
    ['fc00::1', false],
    ['ff02::1', false],
    ['fe8::1', true],
    ['2001:db8::7', true],
  ])('%s public: %s', (ip, want) => {
    // Assess
    expect(isPublicIp(ip)).toBe(want);
  });
});

describe('firstPublicAddress', () => {
  it('skips private, loopback, link-local, shared and unique-local hops to the first internet client', () => {
    // Assess
    expect(firstPublicAddress('10.0.0.4, 172.16.3.1, 192.168.1.9, 127.0.0.1, 100.64.0.1, 169.254.0.1, 203.0.113.7, 198.51.100.1')).toBe(
      '203.0.113.7',
    );
    expect(firstPublicAddress('fd00::1,+2001:DB8::7')).toBe('2001:db8::7');
    expect(firstPublicAddress('10.1.1.1')).toBeNull();
    expect(firstPublicAddress(null)).toBeNull();
  });

  it('reads IIS form (spaces as "+"), ports, mapped addresses and the RFC 7239 Forwarded header', () => {
    // Assess
    expect(chainAddresses('203.0.113.7:50123,+10.0.0.4')).toEqual(['203.0.113.7', '10.0.0.4']);
    expect(chainAddresses('::ffff:10.0.0.4,+[2001:db8::1]:443')).toEqual(['10.0.0.4', '2001:db8::1']);
    expect(firstPublicAddress('::ffff:10.0.0.4, ::ffff:198.51.100.23')).toBe('198.51.100.23');
    expect(firstPublicAddress('for=192.168.0.2;proto=https,+for="[2001:db8:cafe::17]:4711"')).toBe('2001:db8:cafe::17');
    expect(firstPublicAddress('unknown, garbage, 999.1.1.1')).toBeNull();
  });
});
