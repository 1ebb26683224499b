import * as fs from 'node:fs';
import * as path from 'node:path';
import { iisHeader, iisLine } from '../../testkit/raw-generators';
import { iisSiteFromPath } from '../../src/formats/iis';
import { protocolFolder } from '../../src/formats/httpproxy';
import { iso, runParser } from './run-parser';

const FIXTURE = path.resolve(__dirname, '../fixtures/raw/iis/W3SVC1/u_ex210302.log');

describe('iisParser', () => {
  it('parses a W3C file whose #Fields change mid-file, in UTC, with "+" decoded and "-" as null', () => {
    // Prepare
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n');
    // Act
    const { rows, rejects } = runParser('iis', lines, {
      sourceFile: 'up.zip!EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log',
      hostHint: 'EXCH01',
    });
    // Assess
    expect(rows).toHaveLength(4);
    const [logon, css, yjs, ecp] = rows;
    expect(iso(logon.event_time)).toBe('2021-03-02T00:00:01.000Z');
    expect(logon).toMatchObject({
      site: 'W3SVC1',
      method: 'GET',
      uri_stem: '/owa/auth/logon.aspx',
      uri_query: 'url=https%3a%2f%2fmail.corp.example.gov%2fowa%2f&reason=0',
      server_port: 443,
      username: null,
      client_ip: '198.51.100.23',
      referer: null,
      status: 200,
      substatus: 0,
      win32_status: 0,
      time_taken_ms: 15,
      user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
      server_ip: '203.0.113.5',
      host: 'EXCH01',
      source_line: 5,
    });
    expect(css).toMatchObject({
      method: 'POST',
      uri_stem: '/owa/auth/Current/themes/resources/logon.css',
      uri_query: null,
      user_agent: 'Mozilla/5.0 (compatible; Bingbot/2.0; +http://www.bing.com/bingbot.htm)',
      client_ip: '149.28.14.163',
    });
    expect(yjs).toMatchObject({ uri_stem: '/ecp/y.js', user_agent: 'python-requests/2.25.1', time_taken_ms: 1203 });
    // The second block adds s-sitename, s-computername and byte counts.
    expect(iso(ecp.event_time)).toBe('2021-03-02T05:10:02.000Z');
    expect(ecp).toMatchObject({
      site: 'W3SVC1',
      host: 'EXCH01',
      username: 'CORP\\admin',
      referer: 'https://mail.corp.example.gov/owa/',
      status: 302,
      response_bytes: 180,
      request_bytes: 512,
      time_taken_ms: 4,
    });
    expect(rejects).toEqual([
      { lineNo: 13, reason: 'wrong column count: 9 fields, #Fields has 19' },
      { lineNo: 14, reason: 'bad date/time "2021-03-02 25:10:03"' },
    ]);
  });

  it('takes the site from the path (W3SVC2 back end) and the host from s-computername over the hint', () => {
    // Prepare
    const fields = ['date', 'time', 's-computername', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 'c-ip', 'sc-status'];
    const lines = [
      ...iisHeader(fields, '2021-03-02 00:00:00'),
      iisLine(
        {
          date: '2021-03-02',
          time: '01:02:03.456',
          's-computername': 'exch02.corp.example.gov',
          'cs-method': 'POST',
          'cs-uri-stem': '/ecp/DDI/DDIService.svc/SetObject',
          'cs-uri-query': 'schema=ResetOABVirtualDirectory',
          'c-ip': '127.0.0.1',
          'sc-status': 200,
        },
        fields,
      ),
    ];
    // Act
    const { rows, rejects } = runParser('iis', lines, {
      sourceFile: 'x.zip!inetpub/logs/LogFiles/W3SVC2/u_ex210302.log',
      hostHint: 'OTHER',
    });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({
      site: 'W3SVC2',
      host: 'EXCH02',
      uri_query: 'schema=ResetOABVirtualDirectory',
      status: 200,
      user_agent: null,
      server_port: null,
    });
    expect(iso(rows[0].event_time)).toBe('2021-03-02T01:02:03.456Z');
  });

  it('uses the #Date day when the layout has time but no date', () => {
    // Prepare
    const fields = ['time', 'c-ip', 'cs-method', 'cs-uri-stem', 'sc-status'];
    const lines = [...iisHeader(fields, '2019-04-12 00:00:00'), '23:59:59 192.0.2.1 GET /owa/ 200'];
    // Act
    const { rows } = runParser('iis', lines);
    // Assess
    expect(iso(rows[0].event_time)).toBe('2019-04-12T23:59:59.000Z');
  });

  it('accepts a header-less fragment in the Exchange default layout and rejects other widths', () => {
    // Prepare
    const good = '2021-03-02 00:00:01 203.0.113.5 GET /owa/ - 443 - 198.51.100.23 Mozilla/5.0 - 200 0 0 15';
    // Act
    const { rows, rejects } = runParser('iis', [good, 'garbage without fields'], { hostHint: 'EXCH01' });
    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ uri_stem: '/owa/', host: 'EXCH01' });
    expect(rejects).toEqual([
      { lineNo: 2, reason: 'no #Fields header before data, and 3 fields do not match the Exchange default layout' },
    ]);
  });

  it('reads HTTPERR logs (cs-uri holds stem and query)', () => {
    // Prepare
    const lines = [
      '#Software: Microsoft HTTP API 2.0',
      '#Version: 1.0',
      '#Date: 2021-03-03 03:20:00',
      '#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename',
      '2021-03-03 03:20:01 149.28.14.163 50123 192.0.2.10 443 HTTP/1.1 POST /ecp/y.js?a=1 - 400 1 BadRequest MSExchangeECPAppPool',
    ];
    // Act
    const { rows, rejects } = runParser('iis', lines);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0]).toMatchObject({
      uri_stem: '/ecp/y.js',
      uri_query: 'a=1',
      method: 'POST',
      status: 400,
      client_ip: '149.28.14.163',
      server_port: 443,
    });
  });
});

describe('site and protocol folders from the path', () => {
  it('finds W3SVCn and the HttpProxy protocol folder, also through a single-file .gz level', () => {
    // Act / Assess
    expect(iisSiteFromPath('a.zip!EXCH01/inetpub/logs/LogFiles/W3SVC2/u_ex210302.log')).toBe('W3SVC2');
    expect(iisSiteFromPath('a.tgz!x/W3SVC1/u_ex210302.log.gz!u_ex210302.log')).toBe('W3SVC1');
    expect(iisSiteFromPath('a.zip!logs/u_ex210302.log')).toBeNull();
    expect(protocolFolder('a.zip!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG')).toBe('Ecp');
    expect(protocolFolder('a.zip!Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG.gz!HttpProxy_2021030210-1.LOG')).toBe('Owa');
    expect(protocolFolder('a.zip!HttpProxy_2021030210-1.LOG')).toBeNull();
  });
});
