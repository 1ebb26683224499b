/**
 * One Windows event, whatever it was read from (raw .evtx, Get-WinEvent JSON or
 * CSV, NXLog or Winlogbeat JSON lines), turned into a `windows_events` row.
 *
 * Every Windows source goes through {@link windowsEventRow}, so the promoted
 * process and file columns are filled the same way for every source.
 */
import type { Row } from '../../lake';
import { normalizeIp, rawAddressText } from '../../core';

/** A Windows event as the source parsers see it. */
export interface WindowsEvent {
  /** Event time, epoch ms UTC (null when absent or unreadable). */
  readonly timeMs: number | null;
  readonly channel: string | null;
  readonly provider: string | null;
  readonly eventId: number | null;
  readonly level: number | null;
  readonly recordId: number | null;
  readonly computer: string | null;
  readonly userSid: string | null;
  /** Rendered message, when the export has one. */
  readonly message: string | null;
  /** EventData / UserData, name -> value as text. Unnamed items are param1, param2, ... */
  readonly data: Readonly<Record<string, string>>;
}

/** Case-insensitive lookup of the first present key. */
function pick(data: Readonly<Record<string, string>>, lowerIndex: Map<string, string>, ...names: string[]): string | null {
  for (const n of names) {
    const v = data[n] ?? (lowerIndex.has(n.toLowerCase()) ? data[lowerIndex.get(n.toLowerCase())!] : undefined);
    if (v !== undefined && v !== null && v !== '' && v !== '-') return v;
  }
  return null;
}

function toNumber(v: string | null): number | null {
  if (v === null) return null;
  const s = v.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s, 16);
  if (/^-?\d+$/.test(s)) return Number(s);
  return null;
}

/** Extracts the SHA256= part of a Sysmon Hashes value, lower case. */
export function sha256FromHashes(hashes: string | null): string | null {
  if (!hashes) return null;
  const m = /(?:^|[,;\s])SHA256=([0-9a-fA-F]{64})/.exec(hashes);
  if (m) return m[1].toLowerCase();
  return /^[0-9a-fA-F]{64}$/.test(hashes.trim()) ? hashes.trim().toLowerCase() : null;
}

/**
 * Short upper-case host name from a computer name (`exch01.corp.example` -> `EXCH01`).
 * Returns null for empty or placeholder values.
 */
export function shortHost(name: string | null | undefined): string | null {
  if (!name) return null;
  // Logs repeat one server name on every line: a one-entry memo also hands the lake writer the same string object
  // row after row (a pointer comparison instead of a dictionary lookup).
  if (name === memoName) return memoHost;
  memoHost = shortHostOf(name);
  memoName = name;
  return memoHost;
}

let memoName = '';
let memoHost: string | null = null;

function shortHostOf(name: string): string | null {
  const s = name.trim();
  if (!s || s === '-' || s === '::1' || s.toLowerCase() === 'localhost') return null;
  // An IP address is not a host name: keep it whole.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s;
  const first = s.split('.')[0].replace(/\\$/, '');
  return first ? first.toUpperCase() : null;
}

/**
 * Builds the `windows_events` row for one event: the System fields, the event
 * data as JSON and as searchable text, and the promoted process/file columns.
 */
export function windowsEventRow(ev: WindowsEvent, hostHint: string | null): Row {
  const d = ev.data;
  const lowerIndex = new Map<string, string>();
  for (const k of Object.keys(d)) lowerIndex.set(k.toLowerCase(), k);
  const p = (...names: string[]) => pick(d, lowerIndex, ...names);

  const channel = ev.channel ?? null;
  const isSecurity = channel !== null && channel.toLowerCase() === 'security';
  const id = ev.eventId;

  let image = p('Image', 'NewProcessName');
  let parentImage = p('ParentImage', 'ParentProcessName');
  let targetFilename = p('TargetFilename', 'TargetFileName');
  const objectName = p('ObjectName', 'ObjectDN');
  const shareName = p('ShareName');
  const relativeTarget = p('RelativeTargetName');

  if (isSecurity && id === 4663) {
    // Object access: ProcessName is the actor; ObjectName a file when ObjectType is File.
    image = image ?? p('ProcessName');
    const objectType = p('ObjectType');
    if (!targetFilename && objectName && (objectType === null || objectType.toLowerCase() === 'file')) targetFilename = objectName;
  }
  if (isSecurity && (id === 5145 || id === 5140) && !targetFilename && shareName) {
    // \\*\C$ + inetpub\wwwroot\aspnet_client\x.aspx -> \\*\C$\inetpub\...: keeps the share visible in the path.
    const share = p('ShareLocalPath') ?? shareName;
    targetFilename = relativeTarget ? `${share.replace(/\\+$/, '')}\\${relativeTarget.replace(/^\\+/, '')}` : share;
  }
  if (isSecurity && id === 4688 && !parentImage) parentImage = p('ParentProcessName');

  let processUser = p('User');
  if (!processUser) {
    const dom = p('SubjectDomainName');
    const user = p('SubjectUserName');
    if (user) processUser = dom ? `${dom}\\${user}` : user;
  }

  const hashes = p('Hashes', 'Hash');

  // Sysmon 3 (network connection): the remote side is the destination of an outbound connection.
  let ipAddress = p('IpAddress', 'SourceAddress', 'ClientAddress');
  if (!ipAddress) {
    const initiated = p('Initiated');
    ipAddress = initiated !== null && initiated.toLowerCase() === 'true' ? p('DestinationIp', 'SourceIp') : p('SourceIp', 'DestinationIp');
  }
  const address = normalizeIp(ipAddress);
  const values = Object.keys(d)
    .map((k) => d[k])
    .filter((v) => v !== null && v !== undefined && v !== '');

  return {
    event_time: ev.timeMs,
    host: shortHost(ev.computer) ?? hostHint,
    // Raw .evtx: the record number; text exports overwrite it with the line the record starts on.
    source_line: ev.recordId,
    channel,
    provider: ev.provider,
    event_id: ev.eventId,
    level: ev.level,
    record_id: ev.recordId,
    computer: ev.computer,
    user_sid: ev.userSid,
    message: ev.message,
    event_data: JSON.stringify(d),
    data_text: values.length ? values.join('\n') : null,
    image,
    command_line: p('CommandLine', 'ProcessCommandLine'),
    parent_image: parentImage,
    parent_command_line: p('ParentCommandLine'),
    original_file_name: p('OriginalFileName'),
    process_user: processUser,
    // 4688: NewProcessId is the new process and ProcessId its creator; Sysmon: ProcessId / ParentProcessId.
    process_id: toNumber(p('NewProcessId') ?? p('ProcessId')),
    parent_process_id: toNumber(p('NewProcessId') ? p('ProcessId') : p('ParentProcessId')),
    hashes,
    sha256: sha256FromHashes(hashes),
    target_filename: targetFilename,
    object_name: objectName,
    object_class: p('ObjectClass'),
    access_mask: p('AccessMask'),
    share_name: shareName,
    relative_target_name: relativeTarget,
    attribute_ldap_name: p('AttributeLDAPDisplayName'),
    attribute_value: p('AttributeValue'),
    ip_address: address,
    ip_address_raw: rawAddressText(ipAddress, address),
    target_user_name: p('TargetUserName'),
    subject_user_name: p('SubjectUserName'),
    logon_type: toNumber(p('LogonType')),
    script_block_text: p('ScriptBlockText'),
    service_name: p('ServiceName'),
  };
}
