/**
 * A `Get-WinEvent` record as PowerShell serializes it (ConvertTo-Json in
 * Windows PowerShell 5.1 or PowerShell 7, or one Export-Csv row), turned into a
 * {@link WindowsEvent}.
 */
import type { WindowsEvent } from './event-row';
import { eventDataFrom } from './message-fields';
import { parseAnyTime } from '../text/time';
import type { LocalZone } from '../text/zone';

/** Case-insensitive view of one object's keys. */
export class Keys {
  private readonly lower = new Map<string, unknown>();
  constructor(obj: Record<string, unknown>) {
    for (const k of Object.keys(obj)) {
      const l = k.toLowerCase();
      if (!this.lower.has(l)) this.lower.set(l, obj[k]);
    }
  }
  has(name: string): boolean {
    return this.lower.has(name.toLowerCase());
  }
  get(...names: string[]): unknown {
    for (const n of names) {
      const v = this.lower.get(n.toLowerCase());
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  }
}

/** Type names ConvertTo-Json writes instead of objects deeper than -Depth. */
const TRUNCATED = /^System\.[A-Za-z0-9_.]+(\[\])?$|^Microsoft\.[A-Za-z0-9_.]+$/;

/** True when a value is a type name left by depth truncation (no information). */
export function isTruncated(v: unknown): boolean {
  return typeof v === 'string' && TRUNCATED.test(v);
}

/** `/Date(…)/` strings become ISO text so event data reads the same from every source. */
function dateText(s: string): string {
  if (s.startsWith('/Date(') && s.endsWith(')/')) {
    const t = parseAnyTime(s);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return s;
}

/** One property value as text: scalars as is, `{Value: x}` wrappers unwrapped, arrays joined. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return dateText(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') {
    const k = new Keys(v as Record<string, unknown>);
    const inner = k.get('Value', '#text', 'value__');
    if (inner !== undefined) return valueText(inner);
    return JSON.stringify(v);
  }
  return String(v);
}

/**
 * Time from a TimeCreated value: `/Date(ms)/`, ISO with offset, culture text, or `{value, DateTime}`. Text without
 * an offset is local time of the exporting machine: read in `zone` (UTC when none is given).
 */
export function timeValue(v: unknown, zone?: LocalZone | null): number | null | 'bad' {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = parseAnyTime(v, zone);
    return Number.isNaN(t) ? 'bad' : t;
  }
  if (typeof v === 'object') {
    const k = new Keys(v as Record<string, unknown>);
    return timeValue(k.get('value', 'DateTime', 'UtcDateTime'), zone);
  }
  return 'bad';
}

function intValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  if (v && typeof v === 'object') return intValue(new Keys(v as Record<string, unknown>).get('Value', 'value__'));
  return null;
}

const LEVEL_NAMES: Record<string, number> = { critical: 1, error: 2, warning: 3, information: 4, informational: 4, verbose: 5 };

/** Level number from a number, a numeric string or a display name. */
export function levelValue(v: unknown, displayName?: unknown): number | null {
  const n = intValue(v);
  if (n !== null) return n;
  const name = typeof v === 'string' ? v : typeof displayName === 'string' ? displayName : null;
  return name ? (LEVEL_NAMES[name.trim().toLowerCase()] ?? null) : null;
}

function str(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' || isTruncated(v) ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    const inner = new Keys(v as Record<string, unknown>).get('Value');
    return inner === undefined ? null : str(inner);
  }
  return null;
}

/** Result of reading one exported record. */
export type ReadResult = { ok: true; event: WindowsEvent } | { ok: false; reason: string };

/**
 * Reads a Get-WinEvent record (parsed JSON object, or a CSV row as name -> text).
 * Properties may be `[{Value: x}]`, `[{Name, Value}]`, plain values, or the
 * useless type-name strings of a shallow export (then names and values come from
 * the Message for the known events).
 */
export function readPowerShellEvent(obj: Record<string, unknown>, zone?: LocalZone | null): ReadResult {
  const k = new Keys(obj);
  const eventId = intValue(k.get('Id', 'EventID', 'EventId'));
  const provider = str(k.get('ProviderName', 'Source'));
  const channel = str(k.get('LogName', 'ContainerLog', 'Channel'));
  if (eventId === null && provider === null && channel === null) {
    return {
      ok: false,
      reason: `not a Windows event record (no Id, ProviderName or LogName; keys: ${Object.keys(obj).slice(0, 6).join(', ')})`,
    };
  }
  const time = timeValue(k.get('TimeCreated', 'TimeGenerated', 'TimeWritten'), zone);
  if (time === 'bad')
    return { ok: false, reason: `bad TimeCreated ${JSON.stringify(k.get('TimeCreated', 'TimeGenerated', 'TimeWritten')).slice(0, 60)}` };
  const message = str(k.get('Message'));

  const values: string[] = [];
  let names: (string | null)[] | null = null;
  const props = k.get('Properties');
  if (Array.isArray(props)) {
    for (const p of props) {
      if (isTruncated(p)) continue; // "System.Diagnostics.Eventing.Reader.EventProperty": no value survived
      if (p && typeof p === 'object' && !Array.isArray(p)) {
        const pk = new Keys(p as Record<string, unknown>);
        const name = pk.get('Name');
        if (typeof name === 'string') (names ??= values.map(() => null))[values.length] = name;
        else if (names) names[values.length] = null;
        values.push(valueText(pk.get('Value', '#text')));
      } else values.push(valueText(p));
    }
  }
  let data: Record<string, string>;
  const eventData = k.get('EventData');
  if (eventData && typeof eventData === 'object' && !Array.isArray(eventData) && values.length === 0) {
    data = {};
    for (const [n, v] of Object.entries(eventData as Record<string, unknown>)) data[n] = valueText(v);
  } else {
    data = eventDataFrom(values, names, eventId, provider, channel, message);
  }
  return {
    ok: true,
    event: {
      timeMs: time,
      channel,
      provider,
      eventId,
      level: levelValue(k.get('Level'), k.get('LevelDisplayName')),
      recordId: intValue(k.get('RecordId', 'RecordNumber')),
      computer: str(k.get('MachineName', 'Computer')),
      userSid: str(k.get('UserId', 'UserSid')),
      message,
      data,
    },
  };
}
