/**
 * Exchange HttpProxy ("Cafe") logs: CSV with W3C-style `#` comment lines,
 * mapped to `web_requests` by column NAME (layouts differ between builds).
 */
import { WebLogKernel } from './iis-kernel';
import type { ParseContext, TextFamilyParser, TextParser } from './types';
import { CsvLine, cleanLine } from './text/csv-line';
import { parseIsoTime } from './text/time';
import { col, headerIndex } from './text/values';
import { normalizeIp, rawAddressText } from '../core';
import { shortHost } from './windows/event-row';

/** Exchange 2016 CU23 (15.01.2375.007) column list, 74 columns. */
export const HTTPPROXY_FIELDS_2016_CU23 = (
  'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,' +
  'ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,' +
  'ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,' +
  'RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,' +
  'AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,' +
  'AccountForestLatencyBreakup,TotalAccountForestLatency,ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,' +
  'SharedCacheLatencyBreakup,TotalSharedCacheLatency,ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,' +
  'ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,BackendRespInitLatency,' +
  'BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,RequestHandlerLatency,' +
  'HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,' +
  'RouteRefresherLatency,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,' +
  'PartitionEndpointLookupLatency,RoutingStatus'
).split(',');

/** The 2021 layout seen in public tooling: CU23 without RouteRefresherLatency (73 columns). */
export const HTTPPROXY_FIELDS_2021 = HTTPPROXY_FIELDS_2016_CU23.filter((f) => f !== 'RouteRefresherLatency');

/** Column indexes of one header layout. */
interface Layout {
  readonly width: number;
  readonly dateTime: number;
  readonly requestId: number;
  readonly protocol: number;
  readonly urlHost: number;
  readonly urlStem: number;
  readonly urlQuery: number;
  readonly method: number;
  readonly httpStatus: number;
  readonly backEndStatus: number;
  readonly clientIp: number;
  readonly authenticatedUser: number;
  readonly authenticationType: number;
  readonly userAgent: number;
  readonly anchorMailbox: number;
  readonly backEndCookie: number;
  readonly routingHint: number;
  readonly routingType: number;
  readonly targetServer: number;
  readonly targetServerVersion: number;
  readonly serverHostName: number;
  readonly errorCode: number;
  readonly proxyAction: number;
  readonly genericInfo: number;
  readonly genericErrors: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly totalRequestTime: number;
}

function layoutOf(names: readonly string[]): Layout {
  const ix = headerIndex(names);
  return {
    width: names.length,
    dateTime: col(ix, 'datetime'),
    requestId: col(ix, 'requestid'),
    protocol: col(ix, 'protocol'),
    urlHost: col(ix, 'urlhost'),
    urlStem: col(ix, 'urlstem'),
    urlQuery: col(ix, 'urlquery'),
    method: col(ix, 'method'),
    httpStatus: col(ix, 'httpstatus'),
    backEndStatus: col(ix, 'backendstatus'),
    clientIp: col(ix, 'clientipaddress'),
    authenticatedUser: col(ix, 'authenticateduser'),
    authenticationType: col(ix, 'authenticationtype'),
    userAgent: col(ix, 'useragent'),
    anchorMailbox: col(ix, 'anchormailbox'),
    backEndCookie: col(ix, 'backendcookie'),
    routingHint: col(ix, 'routinghint'),
    routingType: col(ix, 'routingtype'),
    targetServer: col(ix, 'targetserver'),
    targetServerVersion: col(ix, 'targetserverversion'),
    serverHostName: col(ix, 'serverhostname'),
    errorCode: col(ix, 'errorcode'),
    proxyAction: col(ix, 'proxyaction'),
    genericInfo: col(ix, 'genericinfo'),
    genericErrors: col(ix, 'genericerrors'),
    requestBytes: col(ix, 'requestbytes'),
    responseBytes: col(ix, 'responsebytes'),
    totalRequestTime: col(ix, 'totalrequesttime'),
  };
}

const LAYOUT_CU23 = layoutOf(HTTPPROXY_FIELDS_2016_CU23);
const LAYOUT_2021 = layoutOf(HTTPPROXY_FIELDS_2021);

/** The protocol folder under HttpProxy in the path (`.../HttpProxy/Ecp/HttpProxy_...LOG` -> `Ecp`). */
export function protocolFolder(displayPath: string): string | null {
  // The last segment may carry a single-file container level ("HttpProxy_2021030210-1.LOG.gz!HttpProxy_2021030210-1.LOG").
  const m = /[\\/!]HttpProxy[\\/]([^\\/!]+)[\\/][^\\/]+$/i.exec(displayPath);
  return m ? m[1] : null;
}

class HttpProxyParser implements TextParser {
  private layout: Layout | null = null;
  private readonly csv = new CsvLine();
  private readonly site: string | null;

  constructor(private readonly ctx: ParseContext) {
    this.site = protocolFolder(ctx.sourceFile);
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (text.length === 0) return;
    const c0 = text.charCodeAt(0);
    if (c0 === 35) {
      // '#': only #Fields matters; it wins over a plain header row (it is what the writer used).
      if (text.startsWith('#Fields:')) {
        const names = text
          .slice(8)
          .split(',')
          .map((s) => s.trim());
        this.layout = layoutOf(names);
      }
      return;
    }
    const csv = this.csv;
    if (!csv.scan(text)) {
      this.ctx.reject(lineNo, csv.error ?? 'bad CSV line');
      return;
    }
    // A plain header row (Import-Csv style), at the top or repeated after a concatenation.
    // Length first: a data row's field 0 is a 20+ character time, so no lower-cased copy per row.
    if (csv.fieldLength(0) <= 10 && csv.field(0).toLowerCase() === 'datetime') {
      this.layout = layoutOf(csv.all());
      return;
    }
    let L = this.layout;
    if (L === null) {
      // No header at all (a file cut from a larger one): accept the known layouts by width only.
      if (csv.count === LAYOUT_CU23.width) L = LAYOUT_CU23;
      else if (csv.count === LAYOUT_2021.width) L = LAYOUT_2021;
      else {
        this.ctx.reject(
          lineNo,
          `no header (#Fields or a DateTime,... row) before data, and ${csv.count} columns match no known HttpProxy layout`,
        );
        return;
      }
    }
    if (csv.count !== L.width) {
      this.ctx.reject(lineNo, `wrong column count: ${csv.count} fields, header has ${L.width}`);
      return;
    }
    const dt = csv.field(L.dateTime);
    const t = parseIsoTime(dt);
    if (Number.isNaN(t)) {
      this.ctx.reject(lineNo, `bad DateTime "${dt.slice(0, 40)}"`);
      return;
    }
    const protocol = csv.str(L.protocol);
    let query = csv.str(L.urlQuery);
    if (query !== null && query.charCodeAt(0) === 63) query = query.length > 1 ? query.slice(1) : null;
    const serverHost = csv.str(L.serverHostName);
    const clientIp = csv.str(L.clientIp);
    const client = normalizeIp(clientIp);
    this.ctx.emit('web_requests', {
      event_time: t,
      host: serverHost === null ? this.ctx.hostHint : (shortHost(serverHost) ?? this.ctx.hostHint),
      source_line: lineNo,
      site: this.site ?? protocol,
      method: csv.str(L.method),
      uri_stem: csv.str(L.urlStem),
      uri_query: query,
      status: csv.int(L.httpStatus),
      substatus: null,
      win32_status: null,
      client_ip: client,
      client_ip_raw: rawAddressText(clientIp, client),
      server_ip: null,
      server_port: null,
      username: csv.str(L.authenticatedUser),
      user_agent: csv.str(L.userAgent),
      referer: null,
      time_taken_ms: csv.int(L.totalRequestTime),
      request_id: csv.str(L.requestId),
      protocol,
      url_host: csv.str(L.urlHost),
      authentication_type: csv.str(L.authenticationType),
      anchor_mailbox: csv.str(L.anchorMailbox),
      backend_cookie: csv.str(L.backEndCookie),
      routing_hint: csv.str(L.routingHint),
      routing_type: csv.str(L.routingType),
      target_server: csv.str(L.targetServer),
      target_server_version: csv.str(L.targetServerVersion),
      server_hostname: serverHost,
      backend_status: csv.int(L.backEndStatus),
      error_code: csv.str(L.errorCode),
      proxy_action: csv.str(L.proxyAction),
      generic_info: csv.str(L.genericInfo),
      generic_errors: csv.str(L.genericErrors),
      request_bytes: csv.int(L.requestBytes),
      response_bytes: csv.int(L.responseBytes),
    });
  }

  end(): void {
    // Nothing pending: every HttpProxy record is one line.
  }
}

/** HttpProxy log parser (`web_requests`). */
export const httpProxyParser: TextFamilyParser<'httpproxy'> = {
  family: 'httpproxy',
  kind: 'text',
  facts: {
    label: 'HttpProxy logs',
    tables: ['web_requests'],
    whereOnServer: '<Exchange install>\\Logging\\HttpProxy\\ (every subfolder: Autodiscover, Ecp, Ews, Mapi, Oab, Owa, ...)',
    localTime: false,
  },
  create: (ctx) => new HttpProxyParser(ctx),
  kernel: () => new WebLogKernel(undefined, 'httpproxy'),
};
