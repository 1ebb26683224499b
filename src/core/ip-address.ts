/**
 * Addresses as logs write them, in one matching form: every parser (web logs, Windows events of every export) and
 * the indicator feeds go through {@link normalizeIp}, so that an indicator matches however a log spelled the address.
 *
 * The matching form:
 * - IPv4 in dotted decimal (RFC 791 text form, no leading zeros);
 * - IPv6 in the RFC 5952 canonical text form: lower-case hex, leading zeros of each group dropped, the longest run of
 *   two or more zero groups (the first of equal runs) written `::`, a lone zero group written `0`;
 * - an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, `::ffff:c000:201`, `0:0:0:0:0:ffff:a.b.c.d`; RFC 4291 §2.5.5.2)
 *   and an IPv4-translated one (`::ffff:0:a.b.c.d`, RFC 2765 §2.1) are the IPv4 host they carry: `a.b.c.d`;
 * - what a log adds around the address is dropped: surrounding whitespace and quotes, brackets (`[2001:db8::1]`),
 *   a port (`203.0.113.5:51234`, `[2001:db8::1]:443`, `::ffff:203.0.113.5:51234`), a zone id (`fe80::1%12`,
 *   `fe80::1%eth0`, RFC 4007 §11; `%25` as RFC 6874 writes it in URIs).
 *
 * Anything else is no address and gives null: `-` and empty text (what IIS and Windows write for "none"), host
 * names, garbage, octets over 255 (`::ffff:999.1.1.1`), IPv4 with leading zeros (`010.1.1.1`: octal to some readers,
 * decimal to others, so neither is assumed), more than 8 groups. The raw text stays in the `*_raw` columns.
 *
 * Proxy chains (`X-Forwarded-For: client, proxy1, proxy2`; RFC 7239 `Forwarded: for=...`) name the real client
 * behind a load balancer: {@link firstPublicAddress} picks the first address that is not private, loopback,
 * link-local, unique-local, multicast or shared (the documentation ranges of RFC 5737/3849 count as public: they
 * stand for internet hosts in samples and tests).
 */

/** Longest text that can hold an address: full IPv6 with embedded IPv4 (45), brackets, a port, a long zone id. */
const MAX_ADDRESS_TEXT = 128;

const DIGITS = /^\d{1,5}$/;

/** The four octets of strict dotted-decimal IPv4 text, or null. */
function ipv4Octets(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^\d+$/.test(p)) return null;
    if (p.length > 1 && p.charCodeAt(0) === 48) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** The eight 16-bit groups of IPv6 text (RFC 4291 §2.2, all three forms), or null. */
function ipv6Groups(s: string): number[] | null {
  if (s.length < 2) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const parse = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const items = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const g = items[i];
      if (allowV4Tail && i === items.length - 1 && g.includes('.')) {
        const v4 = ipv4Octets(g);
        if (v4 === null) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  if (dbl < 0) {
    const groups = parse(s, true);
    return groups !== null && groups.length === 8 ? groups : null;
  }
  const head = parse(s.slice(0, dbl), false);
  const tail = parse(s.slice(dbl + 2), true);
  if (head === null || tail === null) return null;
  // "::" stands for one or more zero groups (RFC 4291 §2.2.2).
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** RFC 5952 §4 text of eight groups. */
function canonicalIpv6(g: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Strips a port (`:51234`) after an address text; null when what follows the colon is no port. */
function withoutPort(host: string, port: string): string | null {
  if (!DIGITS.test(port) || Number(port) > 65535) return null;
  return host;
}

/** Fast path for what most logs hold: canonical dotted IPv4 (no leading zeros, octets up to 255), checked without allocating. */
function isPlainIpv4(s: string): boolean {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let dots = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      if (i < n && ++dots > 3) return false;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    } else return false;
  }
  return dots === 3;
}

/**
 * What the `*_raw` columns keep: the logged text where {@link normalizeIp} changes it (a port, `::ffff:`, a zone id,
 * text that is no address), null where the logged text already is its matching form (most addresses), so the lake
 * does not store every address twice. The text as logged is `coalesce(<column>_raw, <column>)`. A parser that has
 * normalized the value already passes it as `normalized`.
 */
export function rawAddressText(raw: string | null | undefined, normalized: string | null = normalizeIp(raw)): string | null {
  if (raw === null || raw === undefined) return null;
  return normalized === raw ? null : raw;
}

/** The matching form of one logged address (see the module comment), or null when the text is no IP address. */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  if (isPlainIpv4(raw)) return raw;
  if (raw.length > MAX_ADDRESS_TEXT * 4) return null;
  let s = raw.trim();
  if (s.length >= 2 && ((s[0] === '"' && s[s.length - 1] === '"') || (s[0] === "'" && s[s.length - 1] === "'"))) s = s.slice(1, -1).trim();
  if (s === '' || s === '-' || s.length > MAX_ADDRESS_TEXT) return null;
  if (s.charCodeAt(0) === 91) {
    // [v6], [v6]:port, [v6%zone]:port
    const close = s.indexOf(']');
    if (close < 0) return null;
    const rest = s.slice(close + 1);
    if (rest !== '' && (rest[0] !== ':' || withoutPort('', rest.slice(1)) === null)) return null;
    s = s.slice(1, close);
    if (!s.includes(':')) return null;
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
      // One colon: IPv4 with a port (a host name with a port is no address).
      const host = withoutPort(s.slice(0, colon), s.slice(colon + 1));
      if (host === null) return null;
      s = host;
    } else if (colon >= 0) {
      // An IPv6 address ending in dotted IPv4 cannot be followed by ":": there the colon starts a port.
      const m = /^(.*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d+)$/.exec(s);
      if (m) {
        if (withoutPort('', m[2]) === null) return null;
        s = m[1];
      }
    }
  }
  const pct = s.indexOf('%');
  if (pct >= 0) {
    // RFC 4007 §11: <address>%<zone_id>; only IPv6 has zones, and the zone is not empty.
    // Zone ids seen in logs are interface numbers or names (RFC 6874's unreserved characters).
    if (!s.includes(':') || !/^[0-9A-Za-z._~-]+$/.test(s.slice(pct + 1))) return null;
    s = s.slice(0, pct);
  }
  s = s.toLowerCase();
  if (!s.includes(':')) {
    const v4 = ipv4Octets(s);
    return v4 === null ? null : v4.join('.');
  }
  const g = ipv6Groups(s);
  if (g === null) return null;
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated) are the IPv4 host.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && ((g[4] === 0 && g[5] === 0xffff) || (g[4] === 0xffff && g[5] === 0))) {
    return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  return canonicalIpv6(g);
}

/** True for an address a client on the internet could have (normalized form expected). */
export function isPublicIp(ip: string): boolean {
  const v4 = ipv4Octets(ip);
  if (v4) {
    const [a, b] = v4;
    if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 169 && b === 254) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  if (ip === '::' || ip === '::1') return false;
  // Link-local fe80::/10, unique-local fc00::/7, multicast ff00::/8.
  if (/^(?:fe[89ab][0-9a-f]|f[cdf][0-9a-f]{2}):/.test(ip)) return false;
  return true;
}

/** The addresses of a logged proxy chain, in order, normalized; entries that are no address are skipped. */
export function chainAddresses(chain: string | null | undefined): string[] {
  if (!chain) return [];
  const out: string[] = [];
  // RFC 7239 Forwarded: for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"
  const forwarded = [...chain.matchAll(/for=("?)([^;,"]+)\1/gi)].map((m) => m[2]);
  // X-Forwarded-For and kin: comma separated; IIS writes spaces as "+".
  const parts = forwarded.length > 0 ? forwarded : chain.split(/[,+\s]+/);
  for (const p of parts) {
    const ip = normalizeIp(p);
    if (ip !== null) out.push(ip);
  }
  return out;
}

/** The first public address of a proxy chain (the real client), normalized; null when it names none. */
export function firstPublicAddress(chain: string | null | undefined): string | null {
  return chainAddresses(chain).find(isPublicIp) ?? null;
}
