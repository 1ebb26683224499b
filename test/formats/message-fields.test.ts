import { eventDataFrom, fieldsFromMessage } from '../../src/formats/windows/message-fields';

const M4663 = [
  'An attempt was made to access an object.',
  '',
  'Subject:',
  '\tSecurity ID:\t\tS-1-5-18',
  '\tAccount Name:\t\tEXCH01$',
  '\tAccount Domain:\t\tCORP',
  '\tLogon ID:\t\t0x3E7',
  '',
  'Object:',
  '\tObject Server:\t\tSecurity',
  '\tObject Type:\t\tFile',
  '\tObject Name:\t\tC:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
  '\tHandle ID:\t\t0x1f4c',
  '\tResource Attributes:\tS:AI',
  '',
  'Process Information:',
  '\tProcess ID:\t\t0x1c90',
  '\tProcess Name:\t\tC:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe',
  '',
  'Access Request Information:',
  '\tAccesses:\t\tWriteData (or AddFile)',
  '\t\t\t\t',
  '\tAccess Mask:\t\t0x2',
].join('\r\n');

const M5145 = [
  'A network share object was checked to see whether client can be granted desired access.',
  '',
  'Subject:',
  '\tSecurity ID:\t\tS-1-5-21-1-2-3-1104',
  '\tAccount Name:\t\tadmin',
  '\tAccount Domain:\t\tCORP',
  '\tLogon ID:\t\t0x4A1B2',
  '',
  'Network Information:\t',
  '\tObject Type:\t\tFile',
  '\tSource Address:\t\t127.0.0.1',
  '\tSource Port:\t\t49789',
  '\t',
  'Share Information:',
  '\tShare Name:\t\t\\\\*\\C$',
  '\tShare Path:\t\t\\??\\C:\\',
  '\tRelative Target Name:\tinetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
  '',
  'Access Request Information:\t',
  '\tAccess Mask:\t\t0x2',
  '\tAccesses:\t\tWriteData (or AddFile)',
].join('\r\n');

describe('fieldsFromMessage', () => {
  it('names the Security 4663 values as in its EventData', () => {
    // Act
    const f = fieldsFromMessage(4663, 'Microsoft-Windows-Security-Auditing', 'Security', M4663);
    // Assess
    expect(f).toEqual({
      SubjectUserSid: 'S-1-5-18',
      SubjectUserName: 'EXCH01$',
      SubjectDomainName: 'CORP',
      SubjectLogonId: '0x3E7',
      ObjectServer: 'Security',
      ObjectType: 'File',
      ObjectName: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      HandleId: '0x1f4c',
      ResourceAttributes: 'S:AI',
      ProcessId: '0x1c90',
      ProcessName: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe',
      AccessList: 'WriteData (or AddFile)',
      AccessMask: '0x2',
    });
  });

  it('names the Security 5145 values as in its EventData', () => {
    // Act
    const f = fieldsFromMessage(5145, null, 'Security', M5145);
    // Assess
    expect(f).toMatchObject({
      SubjectUserName: 'admin',
      ObjectType: 'File',
      IpAddress: '127.0.0.1',
      IpPort: '49789',
      ShareName: '\\\\*\\C$',
      ShareLocalPath: '\\??\\C:\\',
      RelativeTargetName: 'inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
      AccessMask: '0x2',
    });
  });

  it('reads Sysmon 3 "Name: value" lines and ignores events of unknown layout', () => {
    // Prepare
    const sysmon3 =
      'Network connection detected:\r\nRuleName: -\r\nUtcTime: 2021-03-03 03:35:00.000\r\nImage: C:\\Windows\\System32\\rundll32.exe\r\nProtocol: tcp\r\nInitiated: true\r\nSourceIp: 192.0.2.10\r\nDestinationIp: 198.51.100.99\r\nDestinationPort: 443';
    // Act / Assess
    expect(fieldsFromMessage(3, 'Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', sysmon3)).toMatchObject({
      Initiated: 'true',
      DestinationIp: '198.51.100.99',
      DestinationPort: '443',
      Image: 'C:\\Windows\\System32\\rundll32.exe',
    });
    expect(fieldsFromMessage(1000, 'MSExchange Unified Messaging', 'Application', 'Key: value')).toBeNull();
    expect(fieldsFromMessage(4688, null, 'Security', null)).toBeNull();
  });
});

describe('eventDataFrom', () => {
  it('keeps named properties, recovers names for known events, else numbers them param1..N', () => {
    // Act / Assess
    expect(eventDataFrom(['a', 'b'], ['ShareName', null], 5145, null, 'Security', M5145)).toEqual({ ShareName: 'a', param2: 'b' });
    expect(eventDataFrom(['x'], null, 4663, null, 'Security', M4663).ObjectName).toBe('C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx');
    expect(eventDataFrom(['x', 'y'], null, 1000, 'MSExchange Unified Messaging', 'Application', 'm')).toEqual({ param1: 'x', param2: 'y' });
  });
});
