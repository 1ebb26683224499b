/**
 * Event-data names recovered from the rendered Message, for exports whose
 * Properties carry values without names (Get-WinEvent | ConvertTo-Json or
 * Export-Csv). Without this the promoted columns (image, command_line,
 * target_filename, ...) of Sysmon and Security events would stay empty.
 *
 * Sysmon messages are `Name: value` lines using the event-data names
 * themselves. Security messages use labels inside sections ("Creator Subject:",
 * "Process Information:"), mapped here to the event-data names for 4688, 4663
 * and 5145 (and the common Subject block of other Security events).
 */

/** Section-independent labels, for the Security events handled here. */
const SECURITY_LABELS: Record<string, string> = {
  'new process id': 'NewProcessId',
  'new process name': 'NewProcessName',
  'token elevation type': 'TokenElevationType',
  'mandatory label': 'MandatoryLabel',
  'creator process id': 'ProcessId',
  'creator process name': 'ParentProcessName',
  'process command line': 'CommandLine',
  'object server': 'ObjectServer',
  'object type': 'ObjectType',
  'object name': 'ObjectName',
  'handle id': 'HandleId',
  'resource attributes': 'ResourceAttributes',
  'process id': 'ProcessId',
  'process name': 'ProcessName',
  accesses: 'AccessList',
  'access mask': 'AccessMask',
  'source address': 'IpAddress',
  'source port': 'IpPort',
  'share name': 'ShareName',
  'share path': 'ShareLocalPath',
  'relative target name': 'RelativeTargetName',
  'logon type': 'LogonType',
  'network address': 'IpAddress',
  'workstation name': 'WorkstationName',
  'service name': 'ServiceName',
  'service file name': 'ImagePath',
};

/** Subject-block labels; the section decides the prefix (Subject / Target). */
const ACCOUNT_LABELS: Record<string, string> = {
  'security id': 'UserSid',
  'account name': 'UserName',
  'account domain': 'DomainName',
  'logon id': 'LogonId',
};

function isSysmon(provider: string | null, channel: string | null): boolean {
  return (provider !== null && /sysmon/i.test(provider)) || (channel !== null && /sysmon/i.test(channel));
}

/** `Name: value` lines of a Sysmon message (names are identifiers). */
function sysmonFields(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of message.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z0-9]*): ?(.*)$/.exec(line);
    if (m && !(m[1] in out)) out[m[1]] = m[2];
  }
  return out;
}

/** Labelled values of a Security message, named as in its EventData. */
function securityFields(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  let prefix = 'Subject';
  for (const raw of message.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const label = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value === '') {
      // A section header: "Subject:", "Creator Subject:", "Target Subject:", "New Logon:", "Account For Which Logon Failed:".
      if (/^target|^new logon|^account for which|^account whose/.test(label)) prefix = 'Target';
      else if (/subject$/.test(label)) prefix = 'Subject';
      continue;
    }
    const acct = ACCOUNT_LABELS[label];
    const name = acct ? `${prefix}${acct}` : SECURITY_LABELS[label];
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}

/** Event ids whose names are recovered: Sysmon 1, 3, 11 and others of the same shape; Security 4688, 4663, 5145. */
const SECURITY_IDS = new Set([4688, 4663, 5145, 5140, 4624, 4625, 4697]);

/**
 * Named event data recovered from the rendered message, or null when the
 * event is not one whose message layout is known.
 */
export function fieldsFromMessage(
  eventId: number | null,
  provider: string | null,
  channel: string | null,
  message: string | null,
): Record<string, string> | null {
  if (!message || eventId === null) return null;
  if (isSysmon(provider, channel)) {
    const f = sysmonFields(message);
    return Object.keys(f).length ? f : null;
  }
  const security = (channel !== null && channel.toLowerCase() === 'security') || (provider !== null && /security-auditing/i.test(provider));
  if (security && SECURITY_IDS.has(eventId)) {
    const f = securityFields(message);
    return Object.keys(f).length ? f : null;
  }
  return null;
}

/**
 * The event data to store: named Properties as they are; unnamed ones get their
 * names from the message when it is a known layout, else `param1..N`.
 */
export function eventDataFrom(
  values: readonly string[],
  names: readonly (string | null)[] | null,
  eventId: number | null,
  provider: string | null,
  channel: string | null,
  message: string | null,
): Record<string, string> {
  if (names && names.some((n) => n)) {
    const out: Record<string, string> = {};
    values.forEach((v, i) => {
      out[names[i] || `param${i + 1}`] = v;
    });
    return out;
  }
  const recovered = fieldsFromMessage(eventId, provider, channel, message);
  if (recovered) return recovered;
  const out: Record<string, string> = {};
  values.forEach((v, i) => {
    out[`param${i + 1}`] = v;
  });
  return out;
}
