/**
 * IIS behind a load balancer: a custom logged field (X-Forwarded-For) becomes `forwarded_for` (the chain as
 * logged) and `forwarded_client_ip` (its first public address); `client_ip` stays what IIS logged. Such files are
 * read by the JS parser (the WebAssembly kernel leaves layouts with forwarded fields to it): normalizing with and
 * without the kernel writes the same bytes, and a file without the field keeps going through the kernel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../../src/pipeline';
import { buildZip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

/** IIS 10 with the Exchange default fields plus a custom field, as IIS writes it (spaces in values as "+"). */
const LB_LOG =
  [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    '#Date: 2021-03-03 02:00:00',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken X-Forwarded-For',
    '2021-03-03 02:13:15 10.0.0.5 POST /ecp/y.js &CorrelationID=<empty>;&cafeReqId=1; 443 - 10.0.0.250 ExchangeServicesClient/0.0.0.0 - 200 0 0 31 203.0.113.7,+10.0.0.250',
    '2021-03-03 02:13:16 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 10.0.0.250 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15 ::ffff:198.51.100.23:50221',
    '2021-03-03 02:13:17 10.0.0.5 GET /owa/ - 443 - 10.0.0.250 Mozilla/5.0 - 302 0 0 4 -',
    '2021-03-03 02:13:18 10.0.0.5 GET /owa/ - 443 - 10.0.0.250 Mozilla/5.0 - 302 0 0 4 192.168.7.7,+10.0.0.250',
  ].join('\r\n') + '\r\n';

const PLAIN_LOG =
  [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    '2021-03-03 03:00:00 10.0.0.5 GET /owa/ - 443 - 198.51.100.8 Mozilla/5.0 - 200 0 0 4',
  ].join('\r\n') + '\r\n';

describe('normalizeUpload of IIS logs behind a load balancer', () => {
  let tmp: string;
  let input: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-xff-'));
    input = path.join(tmp, 'EXCH01.zip');
    fs.writeFileSync(
      input,
      buildZip([
        { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', data: LB_LOG },
        { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210304.log', data: PLAIN_LOG },
      ]),
    );
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes the chain as logged and its first public address, the same with and without the kernel', async () => {
    // Act
    const roots = { js: path.join(tmp, 'js'), kernel: path.join(tmp, 'kernel') };
    const js = await normalizeUpload({
      inputs: [input],
      agency: 'doj',
      uploadId: 'up-x',
      lakeRoot: roots.js,
      tmpDir: tmp,
      iisKernel: false,
      now: () => new Date(0),
    });
    const kernel = await normalizeUpload({
      inputs: [input],
      agency: 'doj',
      uploadId: 'up-x',
      lakeRoot: roots.kernel,
      tmpDir: tmp,
      iisKernel: true,
      now: () => new Date(0),
    });
    // Assess
    const rows = await query(
      `SELECT source_line::INT AS line, client_ip, forwarded_for, forwarded_client_ip FROM ${lakeScan(roots.kernel, 'web_requests')} ORDER BY event_time`,
    );
    expect(rows).toEqual([
      { line: 5, client_ip: '10.0.0.250', forwarded_for: '203.0.113.7,+10.0.0.250', forwarded_client_ip: '203.0.113.7' },
      { line: 6, client_ip: '10.0.0.250', forwarded_for: '::ffff:198.51.100.23:50221', forwarded_client_ip: '198.51.100.23' },
      { line: 7, client_ip: '10.0.0.250', forwarded_for: null, forwarded_client_ip: null },
      { line: 8, client_ip: '10.0.0.250', forwarded_for: '192.168.7.7,+10.0.0.250', forwarded_client_ip: null },
      { line: 3, client_ip: '198.51.100.8', forwarded_for: null, forwarded_client_ip: null },
    ]);
    expect(kernel.manifest).toEqual(js.manifest);
    expect(kernel.written).toEqual(js.written);
    for (const key of js.written) {
      expect(
        fs.readFileSync(path.join(roots.kernel, ...key.split('/'))).equals(fs.readFileSync(path.join(roots.js, ...key.split('/')))),
      ).toBe(true);
    }
  });
});
