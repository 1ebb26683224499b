import * as fs from 'node:fs';
import * as path from 'node:path';
import { HTTPPROXY_FIELDS_2016_CU23, HTTPPROXY_FIELDS_2021 } from '../../src/formats/httpproxy';
import { httpProxyHeader, httpProxyLine, httpProxyRequest } from '../../testkit/raw-generators';
import { iso, runParser } from './run-parser';

const FIXTURES = path.resolve(__dirname, '../fixtures/raw/httpproxy');

/** Exchange 2013 layout: no UrlHost, no RoutingType, no newer latency columns; lower-case "e" spellings. */
const FIELDS_2013 = (
  'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlStem,ProtocolAction,' +
  'AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,' +
  'HttpStatus,BackendStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingHint,BackendCookie,' +
  'ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,' +
  'HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,AccountForestLatencyBreakup,' +
  'TotalAccountForestLatency,ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,ActivityContextLifeTime,' +
  'ModuleToHandlerSwitchingLatency,ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,' +
  'BackendRespInitLatency,BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,' +
  'RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,' +
  'UrlQuery,GenericInfo,GenericErrors'
).split(',');

describe('httpProxyParser', () => {
  it('maps a CU23 file with a header row and #Fields by column name, with quoted values', () => {
    // Prepare
    const text = fs.readFileSync(path.join(FIXTURES, 'cu23-header-row-and-fields.LOG'), 'utf8');
    // Act
    const { rows, rejects } = runParser('httpproxy', text.split(/\r?\n/), {
      sourceFile: 'up.zip!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG',
    });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows).toHaveLength(3);
    const [ssrf, setObject, owa] = rows;
    expect(iso(ssrf.event_time)).toBe('2021-03-02T10:15:30.865Z');
    expect(ssrf).toMatchObject({
      host: 'EXCH01',
      site: 'Ecp',
      protocol: 'Ecp',
      method: 'POST',
      uri_stem: '/ecp/proxyLogon.ecp',
      status: 241,
      anchor_mailbox: 'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/proxyLogon.ecp?#',
      username: null,
      user_agent: 'ExchangeServicesClient/0.0.0.0',
      client_ip: '192.0.2.10',
      backend_status: 241,
      url_host: 'mail.corp.example.gov',
      routing_type: 'AnchorMailboxHeader',
      target_server: 'exch01.corp.example.gov',
      request_id: '0b1e1a56-3c2f-4a9e-8d5e-6f7a8b9c0d1e',
      time_taken_ms: 58,
      request_bytes: 1024,
      response_bytes: 1540,
      source_line: 7,
    });
    // A quoted GenericInfo with commas and doubled quotes, and a query kept without "?".
    expect(setObject.generic_info).toBe(';Exception=System.Web.HttpException: "a, b";');
    expect(setObject.uri_query).toBe('msExchEcpCanary=AAAA&schema=ResetOABVirtualDirectory');
    expect(setObject.anchor_mailbox).toBe(
      'ServerInfo~a]@EXCH01.corp.example.gov:444/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=AAAA&schema=ResetOABVirtualDirectory#',
    );
    expect(owa.username).toBe('CORP\\jdoe');
    expect(owa.user_agent).toBe('Mozilla/5.0 (Windows NT 10.0; Win64; x64), like Gecko');
    expect(owa.error_code).toBeNull();
  });

  it('maps the 2021 layout (no RouteRefresherLatency) from #Fields alone', () => {
    // Prepare
    const lines = [
      ...httpProxyHeader(HTTPPROXY_FIELDS_2021, '2021-03-03T00:00:00.123Z'),
      httpProxyLine(
        httpProxyRequest({ DateTime: '2021-03-03T01:02:03.004Z', UrlQuery: '?a=1', TotalRequestTime: 9, RoutingStatus: 'x' }),
        HTTPPROXY_FIELDS_2021,
      ),
    ];
    // Act
    const { rows, rejects } = runParser('httpproxy', lines);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({ uri_query: 'a=1', time_taken_ms: 9, status: 200, host: 'EXCH01', site: 'Owa' });
    expect(iso(rows[0].event_time)).toBe('2021-03-03T01:02:03.004Z');
  });

  it('maps the Exchange 2013 layout (no UrlHost/RoutingType, BackendCookie spelling) by name', () => {
    // Prepare
    const lines = [
      ...httpProxyHeader(FIELDS_2013, '2019-04-11T00:00:00.000Z', '15.00.1497.002'),
      httpProxyLine(
        httpProxyRequest({
          DateTime: '2019-04-11T03:04:05.600Z',
          BackendCookie: 'Server~exch01.corp.example.gov/x~1',
          BackendStatus: 500,
          HttpStatus: 500,
        }),
        FIELDS_2013,
      ),
    ];
    // Act
    const { rows, rejects } = runParser('httpproxy', lines);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({
      backend_cookie: 'Server~exch01.corp.example.gov/x~1',
      backend_status: 500,
      status: 500,
      url_host: null,
      routing_type: null,
    });
  });

  it('accepts header-less fragments of known widths and takes the host from the hint when ServerHostName is empty', () => {
    // Prepare
    const line = httpProxyLine(httpProxyRequest({ DateTime: '2021-03-03T01:02:03Z', ServerHostName: '' }));
    // Act
    const { rows, rejects } = runParser('httpproxy', [line], { hostHint: 'EXCH09' });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0].host).toBe('EXCH09');
    expect(iso(rows[0].event_time)).toBe('2021-03-03T01:02:03.000Z');
  });

  it('rejects garbage lines with precise reasons and keeps the good ones', () => {
    // Prepare
    const good = httpProxyLine(httpProxyRequest({ DateTime: '2021-03-03T01:02:03.000Z' }));
    const lines = [
      ...httpProxyHeader(HTTPPROXY_FIELDS_2016_CU23, '2021-03-03T00:00:00.000Z'),
      good,
      'this is not a log line',
      good.replace('2021-03-03T01:02:03.000Z', '2021-13-03T01:02:03.000Z'),
      good.replace(',Owa,', ',"Owa,'),
      good.slice(0, good.lastIndexOf(',')),
      good,
    ];
    // Act
    const { rows, rejects } = runParser('httpproxy', lines);
    // Assess
    expect(rows).toHaveLength(2);
    expect(rejects).toEqual([
      { lineNo: 7, reason: 'wrong column count: 1 fields, header has 74' },
      { lineNo: 8, reason: 'bad DateTime "2021-13-03T01:02:03.000Z"' },
      { lineNo: 9, reason: expect.stringMatching(/^unexpected character after closing quote|^unterminated quote/) },
      { lineNo: 10, reason: 'wrong column count: 73 fields, header has 74' },
    ]);
  });

  it('rejects data before any header when the width matches no known layout', () => {
    // Act
    const { rows, rejects } = runParser('httpproxy', ['2021-03-03T01:02:03.000Z,a,b,c']);
    // Assess
    expect(rows).toEqual([]);
    expect(rejects[0].reason).toMatch(/^no header .* 4 columns match no known HttpProxy layout$/);
  });
});
