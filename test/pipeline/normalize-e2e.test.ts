/**
 * normalizeUpload end to end with the real walker, the real parsers and DuckDB:
 * a realistic upload (tar.gz with an Exchange server's HttpProxy and IIS logs,
 * a nested zip, a truncated gzip, junk) -> Parquet read back -> manifest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { HTTPPROXY_FIELDS_2021 } from '../../src/formats/httpproxy';
import { normalizeUpload } from '../../src/pipeline';
import { buildTar, buildZip, gzip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

function proxyLine(v: Record<string, string>): string {
  return HTTPPROXY_FIELDS_2021.map((f) => {
    const s = v[f] ?? '';
    return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}

const PROXY_LOG =
  [
    HTTPPROXY_FIELDS_2021.join(','),
    '#Software: Microsoft Exchange Server',
    '#Version: 15.01.2176.002',
    '#Log-type: HttpProxy Logs',
    '#Date: 2021-03-03T02:00:00.012Z',
    `#Fields: ${HTTPPROXY_FIELDS_2021.join(',')}`,
    proxyLine({
      DateTime: '2021-03-03T02:13:15.103Z',
      RequestId: 'a1b2',
      Protocol: 'Ecp',
      UrlHost: 'mail.corp.example',
      UrlStem: '/ecp/y.js',
      AuthenticationType: 'Anonymous',
      AnchorMailbox: 'ServerInfo~a]@exch01.corp.example:444/autodiscover/autodiscover.xml?#',
      UserAgent: 'ExchangeServicesClient/0.0.0.0',
      ClientIpAddress: '203.0.113.7',
      ServerHostName: 'EXCH01',
      HttpStatus: '200',
      BackEndStatus: '200',
      Method: 'POST',
      ProxyAction: 'Proxy',
      TargetServer: 'exch01.corp.example',
      RoutingType: 'ServerInfo',
      BackEndCookie: 'Server~exch01.corp.example~1942062522',
      TotalRequestTime: '312',
      GenericInfo: 'a,"b"',
    }),
    proxyLine({
      DateTime: '2021-03-04T08:00:00.500Z',
      RequestId: 'c3d4',
      Protocol: 'Owa',
      UrlStem: '/owa/',
      ServerHostName: 'EXCH01',
      HttpStatus: '302',
      Method: 'GET',
      UrlQuery: '?bO=1',
    }),
    proxyLine({ DateTime: '2021-13-01T00:00:00Z', Protocol: 'Owa', ServerHostName: 'EXCH01' }),
  ].join('\r\n') + '\r\n';

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-02 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];
function iisLine(i: number): string {
  const t = new Date(Date.UTC(2021, 2, 2) + i * 1000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)} 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject msExchEcpCanary=${i.toString(16).padStart(8, '0')}&ActivityCorrelationID=${i} 443 CORP\\admin 198.51.100.${i % 250} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 ${i % 97}`;
}

describe('normalizeUpload (end to end, real parsers)', () => {
  let tmp: string;
  let input: string;
  let root: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-e2e-'));
    root = path.join(tmp, 'root');
    const iisSmall = [...IIS_HEADER, iisLine(0), iisLine(1), 'this is not an IIS line', iisLine(2)].join('\r\n') + '\r\n';
    const bigIis = [...IIS_HEADER, ...Array.from({ length: 3000 }, (_, i) => iisLine(i))].join('\n') + '\n';
    const gzBig = zlib.gzipSync(bigIis, { level: 1 });
    const truncated = gzBig.subarray(0, Math.floor(gzBig.length * 0.6));
    const nested = buildZip([{ name: 'W3SVC2/u_ex210302.log', data: iisSmall }]);
    const tgz = gzip(
      buildTar([
        { name: 'EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG', data: PROXY_LOG },
        { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', data: iisSmall },
        { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log.gz', data: truncated },
        { name: 'EXCH02/old-logs.zip', data: nested },
        { name: 'notes/screenshot.png', data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
      ]),
    );
    input = path.join(tmp, 'agency-upload.tar.gz');
    fs.writeFileSync(input, tgz);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes HttpProxy and IIS rows with their values, hosts, times and source files', async () => {
    // Act
    const { manifest, written } = await normalizeUpload({
      inputs: [input],
      agency: 'treasury',
      uploadId: 'up-e2e',
      lakeRoot: root,
      tmpDir: tmp,
    });
    // Assess
    expect(written).toContain('lake/web_requests/agency=treasury/dt=2021-03-03/up-e2e-0.parquet');
    const proxy = await query(
      `SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S.%g') AS t, host, site, method, uri_stem, uri_query, status, anchor_mailbox, backend_cookie, routing_type, time_taken_ms::INT AS ms, generic_info, source_family, source_file, source_line::INT AS line, upload_id, dt FROM ${lakeScan(root, 'web_requests')} WHERE source_family = 'httpproxy' ORDER BY t`,
    );
    expect(proxy).toEqual([
      {
        t: '2021-03-03T02:13:15.103',
        host: 'EXCH01',
        site: 'Ecp',
        method: 'POST',
        uri_stem: '/ecp/y.js',
        uri_query: null,
        status: 200,
        anchor_mailbox: 'ServerInfo~a]@exch01.corp.example:444/autodiscover/autodiscover.xml?#',
        backend_cookie: 'Server~exch01.corp.example~1942062522',
        routing_type: 'ServerInfo',
        ms: 312,
        generic_info: 'a,"b"',
        source_family: 'httpproxy',
        source_file: `${input}!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG`,
        line: 7,
        upload_id: 'up-e2e',
        dt: '2021-03-03',
      },
      expect.objectContaining({
        t: '2021-03-04T08:00:00.500',
        uri_stem: '/owa/',
        uri_query: 'bO=1',
        status: 302,
        dt: '2021-03-04',
        line: 8,
      }),
    ]);
    const iis = await query(
      `SELECT host, count(*)::INT AS n, min(event_time)::VARCHAR AS first FROM ${lakeScan(root, 'web_requests')} WHERE source_family = 'iis' GROUP BY host ORDER BY host`,
    );
    expect(iis[0].host).toBe('EXCH01');
    expect(iis[1]).toEqual({ host: 'EXCH02', n: 3, first: '2021-03-02 00:00:00' });
    const ua = await query(`SELECT DISTINCT user_agent FROM ${lakeScan(root, 'web_requests')} WHERE source_family = 'iis'`);
    expect(ua).toEqual([{ user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }]);
    expect(manifest.rows_per_table.web_requests).toBe(
      Number((await query(`SELECT count(*)::INT AS n FROM ${lakeScan(root, 'web_requests')}`))[0].n),
    );
  });

  it('keeps the rows before the cut of a truncated gzip and names the problem', async () => {
    // Act
    const { manifest } = await normalizeUpload({ inputs: [input], agency: 'treasury', uploadId: 'up-e2e', lakeRoot: root, tmpDir: tmp });
    // Assess
    const cut = manifest.entries.find((e) => e.path.endsWith('u_ex210303.log.gz'))!;
    expect(cut.status).toBe('partial');
    expect(cut.error?.code).toBe('truncated-gzip');
    const kept = cut.rows.web_requests ?? 0;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(3000);
    expect(manifest.problems.filter((p) => p.code === 'truncated-gzip').map((p) => p.path)).toEqual([cut.path]);
    const inLake = await query(
      `SELECT count(*)::INT AS n FROM ${lakeScan(root, 'web_requests')} WHERE source_file = '${cut.path.replace(/'/g, "''")}'`,
    );
    expect(inLake[0].n).toBe(kept);
  });

  it('reports families, rejections, unrecognized files and coverage in the manifest', async () => {
    // Act
    const { manifest, manifestKey } = await normalizeUpload({
      inputs: [input],
      agency: 'treasury',
      uploadId: 'up-e2e',
      lakeRoot: root,
      tmpDir: tmp,
    });
    // Assess
    expect(manifestKey).toBe('manifests/agency=treasury/up-e2e.json');
    expect(JSON.parse(fs.readFileSync(path.join(root, manifestKey), 'utf8'))).toEqual(manifest);
    const proxy = manifest.entries.find((e) => e.family === 'httpproxy')!;
    expect(proxy.detection).toMatch(/HttpProxy/);
    expect(proxy.lines).toEqual({ read: 9, with_rows: 2, rejected: 1, skipped: 6 });
    expect(proxy.rejections.samples).toEqual([{ line: 9, reason: expect.stringMatching(/DateTime/) }]);
    const small = manifest.entries.find((e) => e.path.endsWith('W3SVC1/u_ex210302.log'))!;
    expect(small.lines).toEqual({ read: 8, with_rows: 3, rejected: 1, skipped: 4 });
    expect(manifest.entries.find((e) => e.path.includes('old-logs.zip!'))?.path).toBe(`${input}!EXCH02/old-logs.zip!W3SVC2/u_ex210302.log`);
    expect(manifest.unrecognized).toEqual([expect.objectContaining({ path: `${input}!notes/screenshot.png`, size: 16 })]);
    expect(manifest.coverage).toEqual([
      {
        host: 'EXCH01',
        family: 'httpproxy',
        first_event: '2021-03-03T02:13:15.103Z',
        last_event: '2021-03-04T08:00:00.500Z',
        files: 1,
        rows: 2,
      },
      expect.objectContaining({ host: 'EXCH01', family: 'iis', first_event: '2021-03-02T00:00:00.000Z', files: 2 }),
      { host: 'EXCH02', family: 'iis', first_event: '2021-03-02T00:00:00.000Z', last_event: '2021-03-02T00:00:02.000Z', files: 1, rows: 3 },
    ]);
  });

  it('re-ingests the same upload into the same keys with no duplicate rows and the same manifest', async () => {
    // Prepare
    const first = await normalizeUpload({
      inputs: [input],
      agency: 'treasury',
      lakeRoot: root,
      tmpDir: tmp,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const bytesBefore = first.written.map((k) => fs.readFileSync(path.join(root, k)));
    // Act
    const second = await normalizeUpload({
      inputs: [input],
      agency: 'treasury',
      lakeRoot: root,
      tmpDir: tmp,
      now: () => new Date('2026-02-02T00:00:00Z'),
    });
    // Assess
    expect(second.manifest.upload_id).toBe(first.manifest.upload_id);
    expect(second.written).toEqual(first.written);
    expect(second.removed).toEqual([]);
    second.written.forEach((k, i) => expect(fs.readFileSync(path.join(root, k)).equals(bytesBefore[i])).toBe(true));
    expect({ ...second.manifest, normalized_at: 'x' }).toEqual({ ...first.manifest, normalized_at: 'x' });
    const n = await query(
      `SELECT count(*)::INT AS n FROM ${lakeScan(root, 'web_requests')} WHERE upload_id = '${first.manifest.upload_id}'`,
    );
    expect(n[0].n).toBe(first.manifest.rows_per_table.web_requests);
  });
});
