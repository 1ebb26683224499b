/**
 * One EVTX record's fields, read from its resolved Binary XML tree: the
 * System block and the EventData/UserData as name -> value.
 */
import type { WindowsEvent } from '../windows/event-row';
import { textOf, type XContent, type XElement } from './binxml';

/** A record as read from an .evtx file. */
export interface EvtxRecord {
  /** 0-based chunk number in the file. */
  readonly chunk: number;
  /** Record number from the record header (usually equal to EventRecordID). */
  readonly recordNumber: number;
  /** Time the record was written, from the record header (epoch ms UTC). */
  readonly writtenMs: number;
  /** System/TimeCreated/@SystemTime as rendered (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), as python-evtx shows it. */
  readonly timeCreated: string | null;
  /** TimeCreated as epoch ms UTC (exact from the FILETIME), else the header time. */
  readonly timeMs: number | null;
  readonly provider: string | null;
  readonly providerGuid: string | null;
  /** EventID without qualifiers. */
  readonly eventId: number | null;
  /** EventID/@Qualifiers (classic event sources), null when absent or empty. */
  readonly qualifiers: number | null;
  readonly version: number | null;
  readonly level: number | null;
  readonly task: number | null;
  readonly opcode: number | null;
  readonly keywords: string | null;
  /** System/EventRecordID. */
  readonly recordId: number | null;
  readonly channel: string | null;
  readonly computer: string | null;
  /** System/Security/@UserID. */
  readonly userSid: string | null;
  readonly processId: number | null;
  readonly threadId: number | null;
  /** EventData/UserData values by name; unnamed `<Data>` items are param1, param2, ... */
  readonly data: Record<string, string>;
}

function isElement(c: XContent): c is XElement {
  return typeof c !== 'string' && !('items' in c);
}

function child(el: XElement | undefined, name: string): XElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (isElement(c) && c.name === name) return c;
  return undefined;
}

function attr(el: XElement | undefined, name: string): string | null {
  if (!el) return null;
  for (const a of el.attrs) if (a.name === name) return a.value;
  return null;
}

function nonEmpty(s: string | null | undefined): string | null {
  return s === null || s === undefined || s === '' ? null : s;
}

function int(s: string | null): number | null {
  if (s === null) return null;
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
  return null;
}

/** Adds `key` once; a repeated name gets `_2`, `_3`, ... (nothing is overwritten). */
function add(data: Record<string, string>, key: string, value: string): void {
  if (!(key in data)) {
    data[key] = value;
    return;
  }
  let n = 2;
  while (`${key}_${n}` in data) n++;
  data[`${key}_${n}`] = value;
}

/** EventData: `<Data Name="x">` -> x; unnamed `<Data>` -> paramN (an array value gives one param per item); other elements by tag. */
function eventData(ed: XElement, data: Record<string, string>): void {
  let unnamed = 0;
  for (const c of ed.children) {
    if (!isElement(c)) continue;
    if (c.name !== 'Data') {
      add(data, c.name, textOf(c));
      continue;
    }
    const name = attr(c, 'Name');
    const only = c.children.length === 1 ? c.children[0] : null;
    if (name !== null) {
      add(data, name, textOf(c));
    } else if (only !== null && typeof only !== 'string' && 'items' in only) {
      // Classic event sources store all insertion strings as one string array in one <Data>.
      for (const item of only.items) add(data, `param${++unnamed}`, item);
    } else {
      add(data, `param${++unnamed}`, textOf(c));
    }
  }
}

/** UserData: the child elements of its first element, by tag name. */
function userData(ud: XElement, data: Record<string, string>): void {
  const top = ud.children.find(isElement);
  if (!top) return;
  for (const c of top.children) if (isElement(c)) add(data, c.name, textOf(c));
}

/** Builds the record from its resolved tree. */
export function toRecord(nodes: XContent[], chunk: number, recordNumber: number, writtenMs: number): EvtxRecord {
  const event = nodes.find(isElement);
  const system = child(event, 'System');
  const providerEl = child(system, 'Provider');
  const eventIdEl = child(system, 'EventID');
  const timeEl = child(system, 'TimeCreated');
  const execution = child(system, 'Execution');
  const text = (name: string) => {
    const el = child(system, name);
    return el ? nonEmpty(textOf(el)) : null;
  };
  const timeAttr = timeEl?.attrs.find((a) => a.name === 'SystemTime');
  const data: Record<string, string> = Object.create(null) as Record<string, string>;
  const ed = child(event, 'EventData');
  if (ed) eventData(ed, data);
  const ud = child(event, 'UserData');
  if (ud) userData(ud, data);
  return {
    chunk,
    recordNumber,
    writtenMs,
    timeCreated: nonEmpty(timeAttr?.value),
    timeMs: timeAttr?.ms ?? parseTime(timeAttr?.value) ?? writtenMs,
    provider: nonEmpty(attr(providerEl, 'Name')) ?? nonEmpty(attr(providerEl, 'EventSourceName')),
    providerGuid: nonEmpty(attr(providerEl, 'Guid')),
    eventId: int(eventIdEl ? textOf(eventIdEl) : null),
    qualifiers: int(nonEmpty(attr(eventIdEl, 'Qualifiers'))),
    version: int(text('Version')),
    level: int(text('Level')),
    task: int(text('Task')),
    opcode: int(text('Opcode')),
    keywords: text('Keywords'),
    recordId: int(text('EventRecordID')),
    channel: text('Channel'),
    computer: text('Computer'),
    userSid: nonEmpty(attr(child(system, 'Security'), 'UserID')),
    processId: int(nonEmpty(attr(execution, 'ProcessID'))),
    threadId: int(nonEmpty(attr(execution, 'ThreadID'))),
    data,
  };
}

/** `YYYY-MM-DD[ T]HH:MM:SS[.fff...][Z]` (UTC) -> epoch ms; null when not a time. */
function parseTime(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/.exec(s.trim());
  if (!m) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
  return Number.isFinite(t) ? t : null;
}

/** The record as the Windows event every source produces (windowsEventRow turns it into a row). */
export function toWindowsEvent(r: EvtxRecord): WindowsEvent {
  return {
    timeMs: r.timeMs,
    channel: r.channel,
    provider: r.provider,
    eventId: r.eventId,
    level: r.level,
    recordId: r.recordId ?? r.recordNumber,
    computer: r.computer,
    userSid: r.userSid,
    message: null,
    data: r.data,
  };
}
