import { hostFromPath } from '../../src/formats';

describe('hostFromPath', () => {
  it.each([
    ['uploads/agency=a/u1/EXCH01-compromised.zip!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG', 'EXCH01'],
    ['u/EXCH01-compromised.zip!EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log.gz!u_ex210302.log', 'EXCH01'],
    ['u/exch01.corp.example.gov_logs.zip!Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG', 'EXCH01'],
    ['u/collect.zip!mail-02/C$/Program Files/Microsoft/Exchange Server/V15/Logging/ECP/Server/ECPServer20210303-1.LOG', 'MAIL-02'],
    ['\\\\EXCH03\\C$\\inetpub\\logs\\LogFiles\\W3SVC2\\u_ex210302.log', 'EXCH03'],
    ['u/EXCH02-clean.zip!EXCH02/eventlogs.zip!Application.json', 'EXCH02'],
    ['u/bundle.zip!EXCH04.corp.example.gov/Security.csv', 'EXCH04'],
    ['u/EXCH05.zip!Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG', 'EXCH05'],
  ])('finds the host in %s', (p, host) => {
    expect(hostFromPath(p)).toBe(host);
  });

  it.each([
    'u/logs.zip!Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG',
    'samples/agency-demo/Application.json',
    'u/export.zip!inetpub/logs/LogFiles/W3SVC1/u_ex210302.log',
    '/home/analyst/evidence/Security.csv',
    'u/a.zip!exports/2021/hashes.csv',
    'u/exchange-logs.zip!Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG',
  ])('returns null when no segment names a host: %s', (p) => {
    expect(hostFromPath(p)).toBeNull();
  });
});
