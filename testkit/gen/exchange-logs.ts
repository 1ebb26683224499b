/**
 * Realistic Exchange front-end traffic for benchmarks: IIS W3C logs and
 * HttpProxy logs of the same servers, with the mix seen on real Exchange 2016
 * servers (OWA, ECP, EWS, ActiveSync, MAPI, Autodiscover, health probes), plus a
 * few ProxyLogon-shaped requests. Deterministic for a given seed.
 */
import { HTTPPROXY_FIELDS_2021 } from '../../src/formats/httpproxy';
import { Rng } from './rng';

const PATHS: readonly [string, string, string][] = [
  // [protocol, method, stem]
  ['Owa', 'GET', '/owa/'],
  ['Owa', 'POST', '/owa/service.svc'],
  ['Owa', 'GET', '/owa/auth/15.1.2176/themes/resources/favicon.ico'],
  ['Ecp', 'GET', '/ecp/default.aspx'],
  ['Ecp', 'POST', '/ecp/DDI/DDIService.svc/GetList'],
  ['Ews', 'POST', '/EWS/Exchange.asmx'],
  ['Eas', 'POST', '/Microsoft-Server-ActiveSync/default.eas'],
  ['Mapi', 'POST', '/mapi/emsmdb/'],
  ['Mapi', 'POST', '/mapi/nspi/'],
  ['Autodiscover', 'POST', '/Autodiscover/Autodiscover.xml'],
  ['RpcHttp', 'RPC_IN_DATA', '/rpc/rpcproxy.dll'],
  ['Oab', 'GET', '/OAB/3f5a2b1c-aaaa-bbbb-cccc-0123456789ab/oab.xml'],
  ['PowerShell', 'POST', '/powershell'],
];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)',
  'Apple-iPhone12C1/1802.52',
  'AirWatch Agent/20.08.0.2',
  'ExchangeServicesClient/15.01.2176.002',
  'AMProbe/Local/ClientAccess',
  'MSRPC',
  'Microsoft WinRM Client',
];
const USERS = ['CORP\\jdoe', 'CORP\\asmith', 'CORP\\svc-backup', 'jdoe@corp.example', '-', '-', '-'];

/** Options of the generators. */
export interface GenOptions {
  readonly seed: number;
  /** Host (short) that wrote the log. */
  readonly host: string;
  /** First event time, epoch ms. */
  readonly start: number;
  /** Mean milliseconds between requests. */
  readonly stepMs: number;
  /**
   * Client addresses drawn from a population of this many clients, a few of them busy and most rarely seen (the
   * k-th busiest has a share of about 1/k), plus 2% of requests from random addresses. Without it every request
   * comes from a random address: the worst case for the lake's size, which real servers' logs do not show.
   */
  readonly clients?: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const FIRST_OCTETS = [10, 172, 192, 198, 203];

/** A client address; the same number of draws either way, so the rest of a seeded log does not change. */
function ip(r: Rng, clients?: number): string {
  const a = r.pick(FIRST_OCTETS);
  const b = r.int(256);
  const c = r.int(256);
  const d = 1 + r.int(254);
  if (clients === undefined || c % 50 === 0) return `${a}.${b}.${c}.${d}`;
  // Log-uniform rank: P(rank = k) ~ 1/k, a Zipf-like population; each rank has one stable address.
  const u = (b * 256 * 254 + c * 254 + (d - 1)) / (256 * 256 * 254);
  const k = Math.min(clients - 1, Math.floor(Math.pow(clients, u)) - 1);
  return `${FIRST_OCTETS[k % 5]}.${(k >> 16) & 255}.${(k >> 8) & 255}.${1 + ((k & 255) % 254)}`;
}

/** Generates IIS log text in chunks of about `chunkChars` characters until `bytes` are produced. */
export function* iisLog(opts: GenOptions, bytes: number, chunkChars = 1 << 20): Generator<string> {
  const r = new Rng(opts.seed);
  let t = opts.start;
  let produced = 0;
  let day = '';
  let out = '';
  while (produced < bytes) {
    const d = iso(t);
    if (d.slice(0, 10) !== day) {
      day = d.slice(0, 10);
      out +=
        '#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n' +
        `#Date: ${day} ${d.slice(11, 19)}\r\n` +
        '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n';
    }
    const [, method, stem] = r.pick(PATHS);
    const rare = r.int(5000) === 0;
    const q = rare
      ? '&CorrelationID=<empty>;&cafeReqId=' + r.int(1e9).toString(16) + ';'
      : r.int(3) === 0
        ? `&CorrelationID=<empty>;&ClientId=${r.int(1e12).toString(16).toUpperCase()}&cafeReqId=${r.int(1e9)};`
        : '-';
    const ua = r.pick(AGENTS).replace(/ /g, '+');
    const status = r.int(20) === 0 ? r.pick([302, 401, 404, 500]) : 200;
    const line = `${d.slice(0, 10)} ${d.slice(11, 19)} 10.1.1.${5 + r.int(3)} ${method} ${stem} ${q} 443 ${r.pick(USERS)} ${ip(r, opts.clients)} ${ua} - ${status} 0 0 ${r.int(2000)}\r\n`;
    out += line;
    t += Math.floor(r.next() * 2 * opts.stepMs);
    if (out.length >= chunkChars) {
      produced += out.length;
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}

/** Generates HttpProxy log text (header row, # lines, 73 columns) in chunks until `bytes` are produced. */
export function* httpProxyLog(opts: GenOptions, bytes: number, chunkChars = 1 << 20): Generator<string> {
  const r = new Rng(opts.seed);
  const F = HTTPPROXY_FIELDS_2021;
  const ix = new Map(F.map((f, i) => [f, i]));
  let t = opts.start;
  let produced = 0;
  let out = `${F.join(',')}\r\n#Software: Microsoft Exchange Server\r\n#Version: 15.01.2176.002\r\n#Log-type: HttpProxy Logs\r\n#Date: ${iso(t)}\r\n#Fields: ${F.join(',')}\r\n`;
  const cols = new Array<string>(F.length).fill('');
  const set = (name: string, v: string) => {
    cols[ix.get(name)!] = v;
  };
  while (produced < bytes) {
    cols.fill('');
    const [protocol, method, stem] = r.pick(PATHS);
    const fqdn = `${opts.host.toLowerCase()}.corp.example`;
    set('DateTime', iso(t));
    set(
      'RequestId',
      `${r.int(1e8).toString(16)}-${r.int(65536).toString(16)}-4${r.int(4096).toString(16)}-a${r.int(4096).toString(16)}-${r.int(1e12).toString(16)}`,
    );
    set('MajorVersion', '15');
    set('MinorVersion', '1');
    set('BuildVersion', '2176');
    set('RevisionVersion', '2');
    set('Protocol', protocol);
    set('UrlHost', 'mail.corp.example');
    set('UrlStem', stem);
    set('ProtocolAction', protocol === 'Owa' ? 'GetFolder' : '');
    set('AuthenticationType', r.pick(['Negotiate', 'Basic', 'Bearer', 'Anonymous']));
    set('IsAuthenticated', 'True');
    set('AuthenticatedUser', r.pick(USERS).replace('-', ''));
    set(
      'AnchorMailbox',
      r.int(2) ? `Smtp~user${r.int(500)}@corp.example` : `Sid~S-1-5-21-1004336348-1177238915-682003330-${1000 + r.int(3000)}`,
    );
    set('UserAgent', r.pick(AGENTS));
    set('ClientIpAddress', ip(r, opts.clients));
    set('ServerHostName', opts.host);
    set('HttpStatus', r.int(20) === 0 ? '401' : '200');
    set('BackEndStatus', '200');
    set('Method', method);
    set('ProxyAction', 'Proxy');
    set('TargetServer', fqdn);
    set('TargetServerVersion', '15.01.2176.002');
    set('RoutingType', r.pick(['Smtp', 'Sid', 'DatabaseGuid', 'ServerVersion']));
    set('BackEndCookie', `Server~${fqdn}~1942062522~${iso(t + 86_400_000 * 2)}`);
    set('RequestBytes', String(r.int(5000)));
    set('ResponseBytes', String(r.int(200000)));
    set('TotalRequestTime', String(r.int(3000)));
    set('UrlQuery', r.int(3) ? '' : `?realm=corp.example&exsvurl=1&ll-cc=1033&modurl=${r.int(10)}`);
    set('GenericInfo', r.int(4) ? '' : `"BeginRequest=${iso(t)};CorrelationID=<empty>;ProxyState-Run=None;"`);
    for (let i = 0; i < cols.length; i++) {
      // CSV quoting as Exchange writes it: values with commas or quotes are quoted (user agents often have commas).
      const v = cols[i];
      if (v.includes(',') || (v.includes('"') && !v.startsWith('"'))) cols[i] = `"${v.replace(/"/g, '""')}"`;
    }
    out += cols.join(',') + '\r\n';
    t += Math.floor(r.next() * 2 * opts.stepMs);
    if (out.length >= chunkChars) {
      produced += out.length;
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}
