/**
 * Windows events exported from Splunk's search UI (Export > CSV or JSON), as the Splunk Add-on for Microsoft Windows
 * indexes them:
 * - `XmlWinEventLog` (renderXml = true): `_raw` is one event's XML, `<Event xmlns='...'><System>...</System>
 *   <EventData>...</EventData></Event>`, mapped by the event XML reader so it reads as the raw record;
 * - classic `WinEventLog`: `_raw` is a time line (`03/02/2021 10:15:30 AM`, the forwarder's local time; WMI inputs
 *   write `TimeGenerated=` as a CIM datetime instead) then
 *   `LogName=`, `SourceName=`, `EventCode=`, `EventType=`, `Type=`, `ComputerName=`, `RecordNumber=`, ... lines and
 *   `Message=` with the rendered message to the end of the event. Event data is recovered from the message for the
 *   layouts we know (Security 4688/4663/5145/..., Sysmon), as for Export-Csv.
 *
 * CSV export: a header row (`"_serial","_time","source","sourcetype","host",...,"_raw"`) and one record per event,
 * `_raw` quoted over many lines, columns found by name (their order and the internal ones, `_serial`, `_bkt`, `_cd`,
 * `_indextime`, `linecount`, `splunk_server`, vary with the search). JSON export (the search/jobs/export stream):
 * one `{"preview":false,"offset":n,"result":{...}}` object per line, the last with `"lastrow":true`, search messages
 * in `{"messages":[...]}` lines in between; a JSON array of results and the REST `{"results":[...]}` shape are read
 * too. `_time` (ISO 8601 with the offset of the user who
 * exported) dates a classic event; the XML's SystemTime dates an XML one. `host` names the server when the event
 * does not. A record that is no Windows event (another sourcetype) is rejected alone, with the reason.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { CsvRecordJoiner, cleanLine } from '../text/csv-line';
import { JsonObjectStream } from '../text/json-object-stream';
import { parseAnyTime, parseLocalDateTime } from '../text/time';
import { parseXmlElement } from '../text/xml-element';
import { readEventElement } from './event-xml';
import { windowsEventRow, shortHost, type WindowsEvent } from './event-row';
import { eventDataFrom } from './message-fields';

/** One exported result: Splunk's fields as text. */
interface SplunkResult {
  readonly raw: string | null;
  readonly time: string | null;
  readonly host: string | null;
}

/** Classic SourceName values that differ from the provider name the XML and .evtx carry. */
const SOURCE_ALIASES: Record<string, string> = {
  'microsoft windows security auditing.': 'Microsoft-Windows-Security-Auditing',
};

/** `Type=` of classic events. */
const TYPE_LEVELS: Record<string, number> = {
  'audit success': 0,
  'audit failure': 0,
  information: 4,
  informational: 4,
  warning: 3,
  error: 2,
  critical: 1,
  verbose: 5,
};

/** Level of a classic event: audit events (Keywords=Audit Success/Failure) are mostly level 0 (LogAlways), whatever `Type=` says. */
function levelOf(type: string | undefined, keywords: string | undefined): number | null {
  if (keywords !== undefined && /^audit (success|failure)$/i.test(keywords.trim())) return 0;
  return type === undefined ? null : (TYPE_LEVELS[type.trim().toLowerCase()] ?? null);
}

type Read = { ok: true; event: WindowsEvent } | { ok: false; reason: string };

/** `_time` as Splunk writes it (`2021-03-02T10:15:30.000+01:00`, `...+0100`) or epoch seconds. */
function splunkTime(t: string | null): number | null | 'bad' {
  if (t === null || t.trim() === '') return null;
  const s = t.trim();
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const ms = parseAnyTime(s);
  return Number.isNaN(ms) ? 'bad' : ms;
}

/** A CIM datetime (`20210303022001.482316-000`: UTC offset in minutes after the sign), or any export time text. */
function cimTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-])(\d{3})$/.exec(s.trim());
  if (!m) return parseAnyTime(s);
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], Math.floor(+m[7] / 1000));
  return wall - (m[8] === '+' ? 1 : -1) * Number(m[9]) * 60_000;
}

/** Reads a classic WinEventLog `_raw` (key=value lines, then Message= to the end). */
export function readClassicEvent(raw: string, time: string | null, ctx: Pick<ParseContext, 'localZone'>): Read {
  const lines = raw.split(/\r?\n/);
  const f = new Map<string, string>();
  let stamp: string | null = null;
  let message: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const eq = line.indexOf('=');
    if (i === 0 && eq < 0) {
      stamp = line.trim();
      continue;
    }
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    if (key === 'message') {
      message = [line.slice(eq + 1), ...lines.slice(i + 1)].join('\n').replace(/\s+$/, '');
      break;
    }
    if (!f.has(key)) f.set(key, line.slice(eq + 1).trim());
  }
  const code = f.get('eventcode');
  if (code === undefined && !f.has('logname')) {
    return { ok: false, reason: `not a Windows event: _raw has no EventCode= or LogName= (starts ${JSON.stringify(raw.slice(0, 40))})` };
  }
  const eventId = code !== undefined && /^\d+$/.test(code) ? Number(code) : null;
  if (code !== undefined && eventId === null) return { ok: false, reason: `bad EventCode ${JSON.stringify(code.slice(0, 20))}` };
  let timeMs = splunkTime(time);
  if (timeMs === 'bad') return { ok: false, reason: `bad _time ${JSON.stringify(time!.slice(0, 40))}` };
  const generated = f.get('timegenerated');
  if (timeMs === null && generated) {
    // WMI:WinEventLog inputs write TimeGenerated as a CIM datetime with its offset.
    const t = cimTime(generated);
    if (Number.isNaN(t)) return { ok: false, reason: `bad TimeGenerated ${JSON.stringify(generated.slice(0, 40))}` };
    timeMs = t;
  }
  if (timeMs === null && stamp) {
    // The time line is the forwarder's local time: the agency's zone applies.
    const t = parseLocalDateTime(stamp, ctx.localZone);
    if (Number.isNaN(t)) return { ok: false, reason: `bad event time line ${JSON.stringify(stamp.slice(0, 40))}` };
    timeMs = t;
  }
  const source = f.get('sourcename') || null;
  const provider = source === null ? null : (SOURCE_ALIASES[source.toLowerCase()] ?? source);
  const channel = f.get('logname') || null;
  const record = f.get('recordnumber');
  const type = f.get('type');
  const sid = f.get('sid');
  const msg = message === '' ? null : message;
  return {
    ok: true,
    event: {
      timeMs,
      channel,
      provider,
      eventId,
      level: levelOf(type, f.get('keywords')),
      recordId: record !== undefined && /^\d+$/.test(record) ? Number(record) : null,
      computer: f.get('computername') || null,
      userSid: sid && /^S-\d/.test(sid) ? sid : null,
      message: msg,
      data: eventDataFrom([], null, eventId, provider, channel, msg),
    },
  };
}

/** Reads one exported result (XML or classic `_raw`) into a row, or rejects it with the reason. */
function emitResult(ctx: ParseContext, r: SplunkResult, lineNo: number): void {
  if (r.raw === null || r.raw.trim() === '') {
    ctx.reject(lineNo, 'no _raw field: export the events with _raw (not a table of fields)');
    return;
  }
  const raw = r.raw.trim();
  let read: Read;
  try {
    if (raw.startsWith('<')) {
      read = readEventElement(parseXmlElement(raw));
      if (read.ok && read.event.timeMs === null) {
        const t = splunkTime(r.time);
        if (typeof t === 'number') read = { ok: true, event: { ...read.event, timeMs: t } };
      }
    } else read = readClassicEvent(raw, r.time, ctx);
  } catch (e) {
    ctx.reject(lineNo, `unreadable event XML in _raw: ${(e as Error).message}`);
    return;
  }
  if (!read.ok) {
    ctx.reject(lineNo, read.reason);
    return;
  }
  const row = windowsEventRow(read.event, shortHost(r.host) ?? ctx.hostHint);
  row.source_line = lineNo;
  ctx.emit('windows_events', row);
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // A multi-valued field: Splunk writes an array; the first value is the event's own.
  if (Array.isArray(v) && v.length > 0) return text(v[0]);
  return null;
}

class SplunkExportParser implements TextParser {
  private mode: 'csv' | 'json' | null = null;
  private header: string[] | null = null;
  private rawCol = -1;
  private timeCol = -1;
  private hostCol = -1;
  private readonly joiner: CsvRecordJoiner;
  private readonly json: JsonObjectStream;
  private lastLine = 0;

  constructor(private readonly ctx: ParseContext) {
    this.joiner = new CsvRecordJoiner((n, r) => ctx.reject(n, r));
    this.json = new JsonObjectStream({ object: (t, n) => this.jsonObject(t, n), bad: (n, r) => ctx.reject(n, r) });
  }

  line(rawLine: string, lineNo: number): void {
    const t = cleanLine(rawLine, lineNo);
    this.lastLine = lineNo;
    if (this.mode === null) {
      const s = t.trimStart();
      if (s.length === 0) return;
      this.mode = s.startsWith('{') || s.startsWith('[') ? 'json' : 'csv';
    }
    if (this.mode === 'json') this.json.line(t, lineNo);
    else this.csvLine(t, lineNo);
  }

  end(): void {
    if (this.mode === 'json') this.json.end(this.lastLine);
    else this.joiner.end();
  }

  private csvLine(t: string, lineNo: number): void {
    if (!this.joiner.isPending && t.length === 0) return;
    if (!this.joiner.push(t, lineNo)) return;
    const csv = this.joiner.csv;
    const at = this.joiner.startLine;
    if (this.header === null) {
      this.header = csv.all().map((s) => s.trim().toLowerCase());
      this.rawCol = this.header.indexOf('_raw');
      this.timeCol = this.header.indexOf('_time');
      this.hostCol = this.header.indexOf('host');
      return;
    }
    if (csv.count !== this.header.length) {
      this.ctx.reject(at, `wrong column count: ${csv.count} fields, header has ${this.header.length}`);
      return;
    }
    const field = (i: number): string | null => (i < 0 ? null : csv.field(i));
    emitResult(this.ctx, { raw: field(this.rawCol), time: field(this.timeCol), host: field(this.hostCol) }, at);
  }

  private jsonObject(json: string, lineNo: number): void {
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch (e) {
      this.ctx.reject(lineNo, `bad JSON: ${(e as Error).message}`);
      return;
    }
    const obj = doc as Record<string, unknown>;
    // The REST shape: one object holding every result.
    if (Array.isArray(obj.results)) {
      for (const r of obj.results) this.result(r, lineNo);
      return;
    }
    // Results still being computed (preview) come again in the final ones: only final results are read.
    if (obj.preview === true) return;
    if ('result' in obj || 'lastrow' in obj) {
      if (obj.result !== undefined) this.result(obj.result, lineNo);
      return;
    }
    // The export stream interleaves search messages (`{"preview":false,"messages":[{"type":"INFO","text":...}]}`, as
    // splunklib's JSONResultsReader reads them): no event, nothing lost.
    if (Array.isArray(obj.messages) && !('_raw' in obj)) return;
    this.result(obj, lineNo);
  }

  private result(r: unknown, lineNo: number): void {
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      this.ctx.reject(lineNo, 'not a Splunk result object');
      return;
    }
    const o = r as Record<string, unknown>;
    emitResult(this.ctx, { raw: text(o._raw), time: text(o._time), host: text(o.host) }, lineNo);
  }
}

/** Splunk search exports of Windows events (CSV or JSON; XmlWinEventLog or WinEventLog `_raw`; `windows_events`). */
export const splunkExportParser: TextFamilyParser<'splunk_export'> = {
  family: 'splunk_export',
  kind: 'text',
  facts: {
    label: 'Windows events (Splunk export)',
    tables: ['windows_events'],
    whereOnServer:
      'Splunk search (index=wineventlog or sourcetype=XmlWinEventLog / WinEventLog:*), then Export > CSV or JSON, or ' +
      'C:\\Windows\\System32\\winevt\\Logs\\ on the server',
    localTime: false,
  },
  create: (ctx) => new SplunkExportParser(ctx),
};
