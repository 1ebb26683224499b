/**
 * JSON written by the Rust `evtx` crate's `evtx_dump` (`-o json`: a `Record <n>` line and a pretty-printed object
 * per record; `-o jsonl`: one object per line), the shape many triage tools also emit:
 *
 *   {"Event": {"#attributes": {"xmlns": ...},
 *              "System": {"Provider": {"#attributes": {"Name": ..., "Guid": ...}}, "EventID": 4624,
 *                         "TimeCreated": {"#attributes": {"SystemTime": "2021-03-03T02:13:15.103125Z"}}, ...},
 *              "EventData": {"SubjectUserSid": ..., ...}}}
 *
 * XML attributes are `#attributes` objects (or, with `--separate-json-attributes`, `<Element>_attributes`
 * siblings); an element with attributes and text is `{"#attributes": ..., "#text": ...}` (EventID with
 * Qualifiers); unnamed `<Data>` items are `{"Data": {"#text": [...]}}` (or one string); UserData is one element
 * whose children are the values. The record is mapped the way the EVTX parser maps the binary record (names,
 * `param<n>` for unnamed data, `_2` for repeated names), so both give the same row.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { JsonObjectStream } from '../text/json-object-stream';
import { cleanLine } from '../text/csv-line';
import { parseAnyTime } from '../text/time';
import { windowsEventRow, type WindowsEvent } from './event-row';
import { isTruncated, valueText } from './powershell-event';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The attributes of element `name` in `parent`: `#attributes` inside it, or a `<name>_attributes` sibling. */
function attrs(parent: Obj | undefined, name: string): Obj {
  if (!parent) return {};
  const el = parent[name];
  if (isObj(el) && isObj(el['#attributes'])) return el['#attributes'];
  const sep = parent[`${name}_attributes`];
  return isObj(sep) ? sep : {};
}

/** The text of an element: a scalar, or `#text` of an object (arrays joined by newlines, as the EVTX parser does). */
function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (isObj(v)) return '#text' in v ? text(v['#text']) : null;
  if (Array.isArray(v)) return v.map((x) => text(x) ?? '').join('\n');
  const s = typeof v === 'string' ? v : String(v);
  return s === '' ? null : s;
}

function int(v: unknown): number | null {
  const s = text(v);
  if (s === null) return null;
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
  return null;
}

/** Adds `key` once; a repeated name gets `_2`, `_3`, ... as the EVTX parser does. */
function add(data: Record<string, string>, key: string, value: string): void {
  if (!(key in data)) {
    data[key] = value;
    return;
  }
  let n = 2;
  while (`${key}_${n}` in data) n++;
  data[`${key}_${n}`] = value;
}

/** One value of event data as text: what the EVTX parser writes for the same item. */
function dataText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (isObj(v)) {
    if ('#text' in v) return dataText(v['#text']);
    // An element with children only (rare in EventData): its values, as the binary record's text would be.
    return Object.keys(v)
      .filter((k) => k !== '#attributes')
      .map((k) => `${dataText(v[k])}\n`)
      .join('');
  }
  if (Array.isArray(v)) return v.map(dataText).join('\n');
  return valueText(v);
}

function eventData(ed: Obj, data: Record<string, string>): void {
  let unnamed = 0;
  for (const [k, v] of Object.entries(ed)) {
    if (k === '#attributes' || k.endsWith('_attributes')) continue;
    if (k === 'Data') {
      // Unnamed items: one string, {"#text": [..]} or {"#text": ".."}.
      const inner = isObj(v) ? v['#text'] : v;
      const items = Array.isArray(inner) ? inner : [inner];
      for (const item of items) add(data, `param${++unnamed}`, dataText(item));
      continue;
    }
    add(data, k, dataText(v));
  }
}

function userData(ud: Obj, data: Record<string, string>): void {
  const top = Object.entries(ud).find(([k, v]) => k !== '#attributes' && !k.endsWith('_attributes') && isObj(v));
  if (!top) return;
  for (const [k, v] of Object.entries(top[1] as Obj)) if (k !== '#attributes' && !k.endsWith('_attributes')) add(data, k, dataText(v));
}

type Read = { ok: true; event: WindowsEvent } | { ok: false; reason: string };

/** Reads one evtx_dump record (`{"Event": {...}}`, or the Event object itself). */
export function readEvtxDumpEvent(obj: Obj): Read {
  const event = isObj(obj.Event) ? obj.Event : obj;
  const system = isObj(event.System) ? event.System : null;
  if (!system) return { ok: false, reason: `not an evtx_dump record (no Event.System; keys: ${Object.keys(obj).slice(0, 6).join(', ')})` };
  const systemTime = text(attrs(system, 'TimeCreated').SystemTime);
  let timeMs: number | null = null;
  if (systemTime !== null) {
    const t = parseAnyTime(systemTime);
    if (Number.isNaN(t)) return { ok: false, reason: `bad TimeCreated SystemTime ${JSON.stringify(systemTime).slice(0, 60)}` };
    timeMs = t;
  }
  const data: Record<string, string> = Object.create(null) as Record<string, string>;
  if (isObj(event.EventData)) eventData(event.EventData, data);
  else if (typeof event.EventData === 'string' && event.EventData !== '') add(data, 'param1', event.EventData);
  if (isObj(event.UserData)) userData(event.UserData, data);
  const provider = attrs(system, 'Provider');
  const computer = text(system.Computer);
  return {
    ok: true,
    event: {
      timeMs,
      channel: text(system.Channel),
      provider: text(provider.Name) ?? text(provider.EventSourceName),
      eventId: int(system.EventID),
      level: int(system.Level),
      recordId: int(system.EventRecordID),
      computer: computer !== null && isTruncated(computer) ? null : computer,
      userSid: text(attrs(system, 'Security').UserID),
      message: null,
      data,
    },
  };
}

class EvtxDumpJsonParser implements TextParser {
  private readonly objects: JsonObjectStream;
  private lastLine = 0;

  constructor(private readonly ctx: ParseContext) {
    this.objects = new JsonObjectStream({ object: (t, n) => this.object(t, n), bad: (n, reason) => ctx.reject(n, reason) });
  }

  line(raw: string, lineNo: number): void {
    this.lastLine = lineNo;
    this.objects.line(cleanLine(raw, lineNo), lineNo);
  }

  private object(json: string, startLine: number): void {
    let row;
    try {
      const r = readEvtxDumpEvent(JSON.parse(json) as Obj);
      if (!r.ok) {
        this.ctx.reject(startLine, r.reason);
        return;
      }
      row = windowsEventRow(r.event, this.ctx.hostHint);
    } catch (e) {
      // Bad JSON, or a hostile record (arrays nested thousands deep): it costs this record, not the file.
      this.ctx.reject(startLine, `unreadable record: ${(e as Error).message}`);
      return;
    }
    row.source_line = startLine;
    this.ctx.emit('windows_events', row);
  }

  end(): void {
    this.objects.end(this.lastLine);
  }
}

/** evtx_dump (Rust `evtx` crate) JSON and JSON-lines parser (`windows_events`). */
export const evtxDumpJsonParser: TextFamilyParser<'evtx_dump_json'> = {
  family: 'evtx_dump_json',
  kind: 'text',
  facts: {
    label: 'Windows events (evtx_dump JSON)',
    tables: ['windows_events'],
    whereOnServer: 'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: evtx_dump -o jsonl -f Security.jsonl Security.evtx)',
    localTime: false,
  },
  create: (ctx) => new EvtxDumpJsonParser(ctx),
};
