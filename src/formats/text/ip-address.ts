/**
 * Addresses as logs write them, normalized for matching against indicators: the port (`192.0.2.1:51234`,
 * `[2001:db8::1]:443`), brackets, an IPv6 zone id (`fe80::1%12`) and the IPv4-mapped IPv6 form (`::ffff:192.0.2.1`)
 * are removed, IPv6 is lower case. Raw values stay in their own columns; these helpers give the matching form.
 *
 * Proxy chains (`X-Forwarded-For: client, proxy1, proxy2`; RFC 7239 `Forwarded: for=...`) name the real client
 * behind a load balancer: {@link firstPublicAddress} picks the first address that is not private, loopback,
 * link-local or shared (the documentation ranges of RFC 5737/3849 count as public: they stand for internet hosts
 * in samples and tests).
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The matching form of one logged address, or null when the text is no IP address. */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  let s = raw.trim().replace(/^"|"$/g, '');
  if (s === '' || s === '-') return null;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    s = s.slice(1, close);
  } else {
    const colon = s.indexOf(':');
    if (colon > 0 && s.indexOf(':', colon + 1) < 0) s = s.slice(0, colon);
    // An IPv4-mapped address with a port and no brackets (`::ffff:192.0.2.1:50221`).
    else s = s.replace(/(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/, '$1');
  }
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  s = s.toLowerCase();
  const mapped = /^(?:(?:0{1,4}:){5}|::(?:0{1,4}:)?)ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (mapped) s = mapped[1];
  const v4 = IPV4.exec(s);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) ? s : null;
  return /^[0-9a-f:]+(?:\d{1,3}(?:\.\d{1,3}){3})?$/.test(s) && s.includes(':') ? s : null;
}

/** True for an address a client on the internet could have (normalized form expected). */
export function isPublicIp(ip: string): boolean {
  const v4 = IPV4.exec(ip);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 169 && b === 254) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  if (ip === '::' || ip === '::1') return false;
  if (/^fe[89ab]/.test(ip) || /^f[cd]/.test(ip)) return false;
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
