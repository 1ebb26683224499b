import { ecpHeader, ecpLine, OAB_EXTERNAL_URL_PAYLOAD } from '../../testkit/raw-generators';
import { parseEventData } from '../../src/formats/ecp-server';
import { iso, runParser } from './run-parser';

describe('parseEventData', () => {
  it('splits S:KEY=value items and keeps ";" and "=" inside quoted values', () => {
    // Prepare
    const data = `S:TIME=13;S:SID=S-1-5-21-1-2-3-500;S:CMD=${OAB_EXTERNAL_URL_PAYLOAD};S:REQID=abc;S:URL=/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&a=b`;
    // Act
    const m = parseEventData(data);
    // Assess
    expect(m.get('CMD')).toBe(OAB_EXTERNAL_URL_PAYLOAD);
    expect(m.get('URL')).toBe('/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&a=b');
    expect(m.get('SID')).toBe('S-1-5-21-1-2-3-500');
    expect(m.get('TIME')).toBe('13');
  });

  it('falls back to key boundaries when a stray apostrophe leaves quotes unbalanced', () => {
    // Act
    const m = parseEventData("S:CMD=Set-Mailbox -Identity 'O'Brien';S:EX=System.Exception: a;b;S:REQID=r1");
    // Assess
    expect(m.get('CMD')).toBe("Set-Mailbox -Identity 'O'Brien'");
    expect(m.get('EX')).toBe('System.Exception: a;b');
    expect(m.get('REQID')).toBe('r1');
  });
});

describe('ecpServerParser', () => {
  it('parses ECP Server log lines, fills cmd/url/sid/reqid/exception, keeps the whole EventData as message', () => {
    // Prepare
    const lines = [
      ...ecpHeader(),
      ecpLine('2023-01-11T00:02:33.966Z', 'EXCH01', 'ECP.Request', [
        ['TIME', '13'],
        ['SID', 'S-1-5-21-1-2-3-1104'],
        ['CMD', 'Get-InboxRule'],
        ['REQID', 'a1b2'],
        ['URL', '/ecp/RulesEditor/InboxRules.svc/GetList?msExchEcpCanary=Zz'],
      ]),
      ecpLine('2021-03-03T03:27:31.107Z', 'EXCH01', 'ECP.Request', [
        ['TIME', '420'],
        ['SID', 'S-1-5-18'],
        ['CMD', OAB_EXTERNAL_URL_PAYLOAD],
        ['REQID', 'c3d4'],
        ['URL', '/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory'],
        ['EX', 'System.Exception: bad, really'],
      ]),
    ];
    // Act
    const { rows, rejects } = runParser('ecp_server', lines, { hostHint: 'HINT' });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows).toHaveLength(2);
    expect(iso(rows[0].event_time)).toBe('2023-01-11T00:02:33.966Z');
    expect(rows[0]).toMatchObject({
      log_type: 'ECP Server Log',
      server_name: 'EXCH01',
      host: 'EXCH01',
      event_id: 'ECP.Request',
      cmd: 'Get-InboxRule',
      user_sid: 'S-1-5-21-1-2-3-1104',
      request_id: 'a1b2',
      exception: null,
      source_line: 6,
    });
    expect(rows[1].cmd).toBe(OAB_EXTERNAL_URL_PAYLOAD);
    expect(rows[1].exception).toBe('System.Exception: bad, really');
    expect(rows[1].message).toContain('S:CMD=Set-OabVirtualDirectory.ExternalUrl=\'http://f/<script language="JScript"');
  });

  it('keeps an unquoted EventData with commas and stray quotes whole (as printed in published traces)', () => {
    // Prepare
    const raw = `2021-03-03T03:27:31.107Z,EXCH01,ECP.Request,S:TIME=420;S:CMD=${OAB_EXTERNAL_URL_PAYLOAD};S:REQID=x`;
    // Act
    const { rows, rejects } = runParser('ecp_server', [...ecpHeader(), raw]);
    // Assess
    expect(rejects).toEqual([]);
    expect(rows[0].cmd).toBe(OAB_EXTERNAL_URL_PAYLOAD);
    expect(rows[0].request_id).toBe('x');
  });

  it('reads ECP Activity logs with their own #Log-type', () => {
    // Act
    const { rows } = runParser('ecp_server', [
      ...ecpHeader('ECP Activity Log'),
      ecpLine('2021-03-03T03:00:00.000Z', 'EXCH01', 'ECP.Activity', [
        ['ACTID', '1'],
        ['CMD', 'Get-OabVirtualDirectory'],
      ]),
    ]);
    // Assess
    expect(rows[0]).toMatchObject({ log_type: 'ECP Activity Log', cmd: 'Get-OabVirtualDirectory', event_id: 'ECP.Activity' });
  });

  it('rejects bad timestamps and short lines with reasons', () => {
    // Act
    const { rows, rejects } = runParser('ecp_server', [
      ...ecpHeader(),
      '2021-02-30T00:00:00.000Z,EXCH01,ECP.Request,S:CMD=x',
      'EXCH01,only',
    ]);
    // Assess
    expect(rows).toEqual([]);
    expect(rejects).toEqual([
      { lineNo: 6, reason: 'bad TimeStamp "2021-02-30T00:00:00.000Z"' },
      { lineNo: 7, reason: 'wrong column count: 2 fields, header has 4' },
    ]);
  });
});
