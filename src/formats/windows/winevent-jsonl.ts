/**
 * Windows events as JSON lines, one event per line, in the shapes shippers
 * write: NXLog `to_json()` (EventID, Channel, Hostname, SourceName, EventTime,
 * event data flattened at the top level), Winlogbeat 7/8 and Elastic Agent
 * (Elastic Common Schema: `winlog.*`, `event.code`, `@timestamp`, `process.*`,
 * `message`, `host.name`; nested objects or dotted keys), also wrapped in an
 * Elasticsearch hit (`{"_index": ..., "_source": {...}}`) as export tools write
 * them, and flat records of research datasets.
 *
 * Every time field a known exporter writes is read ({@link anyTime}): a record
 * that carries a time gets it, whichever shape detection chose.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import type { WindowsEvent } from './event-row';
import { windowsEventRow } from './event-row';
import { cleanLine } from '../text/csv-line';
import { Keys, levelValue, readPowerShellEvent, timeValue, valueText } from './powershell-event';
import type { LocalZone } from '../text/zone';
import { eventDataFrom } from './message-fields';

/** NXLog im_msvistalog fields that describe the record, not its event data. */
const NXLOG_META = new Set([
  'eventtime',
  'eventreceivedtime',
  'hostname',
  'keywords',
  'eventtype',
  'severityvalue',
  'severity',
  'eventid',
  'sourcename',
  'providerguid',
  'version',
  'task',
  'opcodevalue',
  'recordnumber',
  'activityid',
  'relatedactivityid',
  'executionprocessid',
  'executionthreadid',
  'channel',
  'domain',
  'accountname',
  'userid',
  'accounttype',
  'message',
  'opcode',
  'category',
  'sourcemodulename',
  'sourcemoduletype',
  'level',
  'levelvalue',
  'eventtimewritten',
  'qualifiers',
  'eventdata',
  'userdata',
]);

/** NXLog SeverityValue (1 debug .. 5 critical) back to the Windows level (5 verbose .. 1 critical). */
const NXLOG_SEVERITY_TO_LEVEL: Record<number, number> = { 1: 5, 2: 4, 3: 3, 4: 2, 5: 1 };
const NXLOG_EVENTTYPE_TO_LEVEL: Record<string, number> = {
  critical: 1,
  error: 2,
  warning: 3,
  info: 4,
  information: 4,
  verbose: 5,
  audit_success: 0,
  audit_failure: 0,
};

/** Reads `a.b.c` from nested objects or from a flattened "a.b.c" key. */
function path(obj: Record<string, unknown>, dotted: string): unknown {
  if (dotted in obj) return obj[dotted];
  let cur: unknown = obj;
  const parts = dotted.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (!cur || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    // A partly flattened document: {"winlog": {"event_data.Image": ...}}.
    const rest = parts.slice(i).join('.');
    if (rest in o) return o[rest];
    cur = o[parts[i]];
  }
  return cur;
}

function text(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' ? v : valueText(v);
}

function int(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

type Read = { ok: true; event: WindowsEvent } | { ok: false; reason: string };

/**
 * Time fields exporters write, in order of trust: the event's own time first (Windows' TimeCreated/SystemTime,
 * NXLog's EventTime, Sysmon's UtcTime), then the shipper's (`@timestamp` is the event time in Winlogbeat and the
 * ingest time in some pipelines), then reception times.
 */
const TIME_FIELDS = [
  'TimeCreated',
  'TimeCreated.SystemTime',
  'TimeCreated.#attributes.SystemTime',
  'SystemTime',
  'EventTime',
  'UtcTime',
  'TimeGenerated',
  'TimeWritten',
  '@timestamp',
  'timestamp',
  'event.created',
  'EventReceivedTime',
  'event.ingested',
];

/**
 * The first time a record carries, among {@link TIME_FIELDS} (case-insensitive, nested or dotted).
 * Returns null when it carries none, `{ bad }` when the first present one cannot be read.
 */
export function anyTime(obj: Record<string, unknown>, zone: LocalZone | null): number | null | { bad: string } {
  const k = new Keys(obj);
  for (const f of TIME_FIELDS) {
    const v = f.includes('.') ? (path(obj, f) ?? path(lowerKeys(obj), f.toLowerCase())) : k.get(f);
    if (v === undefined || v === null || v === '') continue;
    const t = timeValue(systemTimeOf(v), zone);
    if (t === 'bad') return { bad: `bad ${f} ${JSON.stringify(v).slice(0, 60)}` };
    if (t !== null) return t;
  }
  return null;
}

/** `{"SystemTime": x}` and `{"#attributes": {"SystemTime": x}}` (evtx-style TimeCreated) -> x; anything else as is. */
function systemTimeOf(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const attrs = o['#attributes'];
  if (attrs && typeof attrs === 'object' && 'SystemTime' in attrs) return (attrs as Record<string, unknown>).SystemTime;
  return 'SystemTime' in o ? o.SystemTime : v;
}

function lowerKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k.toLowerCase()] = v;
  return out;
}

/** ECS fields Winlogbeat's Sysmon and Security modules move out of `winlog.event_data`, back to their Windows names. */
const ECS_TO_EVENT_DATA: [string, string][] = [
  ['process.executable', 'Image'],
  ['process.command_line', 'CommandLine'],
  ['process.pid', 'ProcessId'],
  ['process.parent.executable', 'ParentImage'],
  ['process.parent.command_line', 'ParentCommandLine'],
  ['process.parent.pid', 'ParentProcessId'],
  ['process.pe.original_file_name', 'OriginalFileName'],
  ['file.path', 'TargetFilename'],
  ['source.ip', 'SourceIp'],
  ['destination.ip', 'DestinationIp'],
];

function readWinlogbeat(obj: Record<string, unknown>, zone: LocalZone | null): Read {
  const found = anyTime({ '@timestamp': path(obj, '@timestamp'), 'event.created': path(obj, 'event.created') }, zone);
  if (found !== null && typeof found === 'object') return { ok: false, reason: found.bad };
  const ts = found;
  const eventId = int(path(obj, 'winlog.event_id') ?? path(obj, 'event.code'));
  const provider = text(path(obj, 'winlog.provider_name') ?? path(obj, 'event.provider'));
  const channel = text(path(obj, 'winlog.channel'));
  const message = text(path(obj, 'message'));
  const data: Record<string, string> = {};
  for (const key of ['winlog.event_data', 'winlog.user_data']) {
    const d = path(obj, key);
    if (d && typeof d === 'object' && !Array.isArray(d))
      for (const [n, v] of Object.entries(d as Record<string, unknown>)) data[n] = valueText(v);
  }
  // Flattened "winlog.event_data.X" keys.
  for (const k of Object.keys(obj)) if (k.startsWith('winlog.event_data.')) data[k.slice(18)] = valueText(obj[k]);
  // Sysmon / Security module documents: process and file fields moved to ECS names.
  if (path(obj, 'winlog.event_data') !== undefined || Object.keys(data).length > 0) {
    for (const [ecs, name] of ECS_TO_EVENT_DATA) {
      const v = path(obj, ecs);
      if (v !== undefined && v !== null && v !== '' && !(name in data)) data[name] = valueText(v);
    }
    const user = text(path(obj, 'user.name'));
    const domain = text(path(obj, 'user.domain'));
    if (user && !('User' in data) && path(obj, 'winlog.channel') === 'Microsoft-Windows-Sysmon/Operational')
      data.User = domain ? `${domain}\\${user}` : user;
    const sha256 = text(path(obj, 'process.hash.sha256') ?? path(obj, 'hash.sha256'));
    if (sha256 && !('Hashes' in data)) data.Hashes = `SHA256=${sha256.toUpperCase()}`;
  }
  const recovered = Object.keys(data).length ? data : eventDataFrom([], null, eventId, provider, channel, message);
  return {
    ok: true,
    event: {
      timeMs: ts,
      channel,
      provider,
      eventId,
      level: levelValue(path(obj, 'winlog.level') ?? path(obj, 'log.level')),
      recordId: int(path(obj, 'winlog.record_id')),
      computer: text(path(obj, 'winlog.computer_name') ?? path(obj, 'host.name') ?? path(obj, 'host.hostname')),
      userSid: text(path(obj, 'winlog.user.identifier')),
      message,
      data: recovered,
    },
  };
}

function readNxlog(obj: Record<string, unknown>, zone: LocalZone | null): Read {
  const k = new Keys(obj);
  // NXLog writes EventTime in the collecting machine's local time, without an offset; flat research datasets carry
  // TimeCreated, @timestamp or UtcTime instead.
  const found = anyTime(obj, zone);
  if (found !== null && typeof found === 'object') return { ok: false, reason: found.bad };
  const ts = found;
  const eventId = int(k.get('EventID'));
  const provider = text(k.get('SourceName', 'ProviderName'));
  const channel = text(k.get('Channel'));
  const message = text(k.get('Message'));
  const data: Record<string, string> = {};
  for (const key of Object.keys(obj)) {
    if (NXLOG_META.has(key.toLowerCase())) continue;
    data[key] = valueText(obj[key]);
  }
  const nested = k.get('EventData');
  if (nested && typeof nested === 'object' && !Array.isArray(nested))
    for (const [n, v] of Object.entries(nested as Record<string, unknown>)) data[n] = valueText(v);
  let level = levelValue(k.get('Level', 'LevelValue'));
  if (level === null) {
    const et = k.get('EventType');
    const sv = int(k.get('SeverityValue'));
    level = typeof et === 'string' ? (NXLOG_EVENTTYPE_TO_LEVEL[et.toLowerCase()] ?? null) : null;
    if (level === null && sv !== null) level = NXLOG_SEVERITY_TO_LEVEL[sv] ?? null;
  }
  return {
    ok: true,
    event: {
      timeMs: ts,
      channel,
      provider,
      eventId,
      level,
      recordId: int(k.get('RecordNumber')),
      computer: text(k.get('Hostname')),
      userSid: text(k.get('UserID')),
      message,
      data: Object.keys(data).length ? data : eventDataFrom([], null, eventId, provider, channel, message),
    },
  };
}

/** Reads one JSON-lines event of either shape; times without an offset are in `zone` (UTC when none is given). */
export function readJsonLineEvent(doc: Record<string, unknown>, zone: LocalZone | null = null): Read {
  // An Elasticsearch hit: the document is its _source.
  const src = doc._source;
  const obj = src && typeof src === 'object' && !Array.isArray(src) ? (src as Record<string, unknown>) : doc;
  if ('winlog' in obj || Object.keys(obj).some((k) => k.startsWith('winlog.'))) return readWinlogbeat(obj, zone);
  const k = new Keys(obj);
  if (k.has('EventID') || k.has('SourceName') || (k.has('Channel') && k.has('EventTime'))) return readNxlog(obj, zone);
  // One Get-WinEvent record per line (`ConvertTo-Json -Compress` in a loop).
  if (k.has('TimeCreated') || k.has('ProviderName')) {
    const r = readPowerShellEvent(obj, zone);
    if (!r.ok || r.event.timeMs !== null) return r;
    // No TimeCreated in a form Get-WinEvent writes: any other time field the record carries.
    const found = anyTime(obj, zone);
    if (found !== null && typeof found === 'object') return { ok: false, reason: found.bad };
    return { ok: true, event: { ...r.event, timeMs: found } };
  }
  return { ok: false, reason: `neither an NXLog, Winlogbeat nor Get-WinEvent record (keys: ${Object.keys(obj).slice(0, 6).join(', ')})` };
}

class WinEventJsonlParser implements TextParser {
  constructor(private readonly ctx: ParseContext) {}

  line(raw: string, lineNo: number): void {
    const s = cleanLine(raw, lineNo).trim();
    if (s.length === 0) return;
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (e) {
      this.ctx.reject(lineNo, `bad JSON: ${(e as Error).message}`);
      return;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      this.ctx.reject(lineNo, 'line is not a JSON object');
      return;
    }
    let row;
    try {
      const r = readJsonLineEvent(obj as Record<string, unknown>, this.ctx.localZone ?? null);
      if (!r.ok) {
        this.ctx.reject(lineNo, r.reason);
        return;
      }
      row = windowsEventRow(r.event, this.ctx.hostHint);
    } catch (e) {
      // One hostile line (say, arrays nested thousands deep) costs that line, not the file.
      this.ctx.reject(lineNo, `unreadable event: ${(e as Error).message}`);
      return;
    }
    row.source_line = lineNo;
    this.ctx.emit('windows_events', row);
  }

  end(): void {
    // One event per line: nothing pending.
  }
}

/** NXLog / Winlogbeat JSON-lines parser (`windows_events`). */
export const winEventJsonlParser: TextFamilyParser<'winevent_jsonl'> = {
  family: 'winevent_jsonl',
  kind: 'text',
  facts: {
    label: 'Windows events (JSON lines)',
    tables: ['windows_events'],
    whereOnServer: 'C:\\Windows\\System32\\winevt\\Logs\\ (or a Winlogbeat / NXLog export)',
    localTime: true,
  },
  create: (ctx) => new WinEventJsonlParser(ctx),
};
