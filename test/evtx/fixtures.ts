/**
 * Shared fixtures for the EVTX tests: templates and records built with the
 * test EVTX builder, shaped like the real events the hunts read.
 */
import { EvtxDecoder, type EvtxProblem, type EvtxRecord, type EvtxSummary } from '../../src/formats/evtx';
import type { BinXmlOptions } from '../../src/formats/evtx/binxml';
import {
  T,
  eventTemplate,
  systemValues,
  userDataTemplate,
  v,
  type RecordSpec,
  type SystemFields,
  type Value,
} from '../support/evtx-builder';

export const TIME = new Date(Date.UTC(2021, 2, 3, 4, 5, 6, 789));

export const SYSMON_1 = eventTemplate([
  'RuleName',
  'UtcTime',
  'ProcessGuid',
  'ProcessId',
  'Image',
  'CommandLine',
  'User',
  'Hashes',
  'ParentProcessId',
  'ParentImage',
  'ParentCommandLine',
]);
export const SECURITY_4688 = eventTemplate(
  [
    'SubjectUserSid',
    'SubjectUserName',
    'SubjectDomainName',
    'SubjectLogonId',
    'NewProcessId',
    'NewProcessName',
    'TokenElevationType',
    'ProcessId',
    'CommandLine',
  ],
  [T.SID, T.WSTRING, T.WSTRING, T.HEX64, T.HEX64, T.WSTRING, T.WSTRING, T.HEX64, T.WSTRING],
);
export const SECURITY_5145 = eventTemplate(
  ['SubjectUserName', 'ShareName', 'ShareLocalPath', 'RelativeTargetName', 'AccessMask', 'IpAddress'],
  [T.WSTRING, T.WSTRING, T.WSTRING, T.WSTRING, T.HEX32, T.WSTRING],
);
/** Classic (non-manifest) source: all insertion strings in one string array in one unnamed <Data>. */
export const CLASSIC = eventTemplate([null]);
export const LOG_CLEARED = userDataTemplate('LogFileCleared', ['SubjectUserSid', 'SubjectUserName', 'SubjectDomainName']);

export function sys(over: Partial<SystemFields> = {}): Value[] {
  return systemValues({
    provider: 'Microsoft-Windows-Sysmon',
    eventId: 1,
    time: TIME,
    recordId: 100,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    computer: 'EXCH01.corp.example',
    userSid: 'S-1-5-18',
    pid: 1912,
    tid: 996,
    ...over,
  });
}

export function sysmon1(recordId: number, image = 'C:\\Windows\\System32\\cmd.exe'): RecordSpec {
  return {
    template: SYSMON_1,
    values: [
      ...sys({ recordId }),
      v.wstr('-'),
      v.wstr('2021-03-03 04:05:06.789'),
      v.wstr('{365abb72-7acc-5cc4-0000-0010b2470300}'),
      v.wstr('4242'),
      v.wstr(image),
      v.wstr(`${image} /c whoami`),
      v.wstr('NT AUTHORITY\\SYSTEM'),
      v.wstr(`SHA1=00,MD5=11,SHA256=${'AB'.repeat(32)}`),
      v.wstr('3784'),
      v.wstr('c:\\windows\\system32\\inetsrv\\w3wp.exe'),
      v.wstr('c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"'),
    ],
  };
}

export function cmdlet(recordId: number, cmdletName: string, params: string): RecordSpec {
  return {
    template: CLASSIC,
    values: [
      ...sys({
        provider: 'MSExchange CmdletLogs',
        eventId: 1,
        qualifiers: 16384,
        channel: 'MSExchange Management',
        recordId,
        userSid: undefined,
      }),
      v.wstrArray([cmdletName, params, 'EXCH01\\admin', 'S-1-5-21-1-2-3-500']),
    ],
  };
}

/** Decodes a whole buffer, fed in pieces of `piece` bytes. */
export function decode(
  buf: Buffer,
  piece = 65536,
  opts: BinXmlOptions = {},
): { records: EvtxRecord[]; problems: EvtxProblem[]; summary: EvtxSummary } {
  const records: EvtxRecord[] = [];
  const problems: EvtxProblem[] = [];
  const dec = new EvtxDecoder(
    (r) => records.push(r),
    (p) => problems.push(p),
    opts,
  );
  for (let i = 0; i < buf.length; i += piece) dec.push(buf.subarray(i, i + piece));
  return { records, problems, summary: dec.end() };
}
