/**
 * Renders Windows event records (as our EVTX parser reads them) in the shapes other tools export them, following
 * each tool's documented output: Rust evtx_dump JSON / JSONL (`#attributes`, `#text`, `Record <n>` lines), event
 * XML as python-evtx, wevtutil and Event Viewer write it, and Winlogbeat / Elastic ECS documents. Differential and
 * parser tests feed the renderings to the export readers and expect the rows of the raw records.
 */
import type { EvtxRecord } from '../src/formats/evtx';

const XMLNS = 'http://schemas.microsoft.com/win/2004/08/events/event';

function isUnnamed(k: string): boolean {
  return /^param\d+$/.test(k);
}

/** `{"Event": {...}}` as evtx_dump writes it (numbers where the crate writes numbers). */
export function evtxDumpObject(r: EvtxRecord): Record<string, unknown> {
  // Keys in document order; unnamed items gather under one "Data" key where the first of them stood.
  const eventData: Record<string, unknown> | null = Object.keys(r.data).length === 0 ? null : {};
  const unnamed: string[] = [];
  for (const [k, v] of Object.entries(r.data)) {
    if (!isUnnamed(k)) eventData![k] = v;
    else if (unnamed.push(v) === 1) eventData!.Data = null;
  }
  if (eventData && unnamed.length > 0) eventData.Data = unnamed.length === 1 ? unnamed[0] : { '#text': unnamed };
  const system: Record<string, unknown> = {
    Provider: { '#attributes': { Name: r.provider, ...(r.providerGuid ? { Guid: r.providerGuid } : {}) } },
    EventID: r.qualifiers !== null ? { '#attributes': { Qualifiers: r.qualifiers }, '#text': r.eventId } : r.eventId,
    Version: r.version,
    Level: r.level,
    Task: r.task,
    Opcode: r.opcode,
    Keywords: r.keywords,
    TimeCreated: { '#attributes': { SystemTime: r.timeMs === null ? null : isoMicros(r) } },
    EventRecordID: r.recordId,
    Correlation: null,
    Execution: { '#attributes': { ProcessID: r.processId, ThreadID: r.threadId } },
    Channel: r.channel,
    Computer: r.computer,
    Security: r.userSid ? { '#attributes': { UserID: r.userSid } } : null,
  };
  return { Event: { '#attributes': { xmlns: XMLNS }, System: system, ...(eventData ? { EventData: eventData } : {}) } };
}

/** `2021-03-03T02:13:15.103125Z`: the crate's SystemTime (microseconds from the FILETIME; ms are what we keep). */
function isoMicros(r: EvtxRecord): string {
  return new Date(r.timeMs!).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** evtx_dump -o json: `Record <n>` then the object, indented by two spaces. */
export function evtxDumpJson(records: readonly EvtxRecord[]): string {
  return records.map((r) => `Record ${r.recordId ?? r.recordNumber}\n${JSON.stringify(evtxDumpObject(r), null, 2)}\n`).join('');
}

/** evtx_dump -o jsonl: one object per line. */
export function evtxDumpJsonl(records: readonly EvtxRecord[]): string {
  return records.map((r) => JSON.stringify(evtxDumpObject(r)) + '\n').join('');
}

export function xmlEscape(s: string, quote: '"' | "'" = '"'): string {
  return s.replace(/[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === '"') return quote === '"' ? '&quot;' : c;
    if (c === "'") return quote === "'" ? '&apos;' : c;
    return `&#${c.charCodeAt(0)};`;
  });
}

export interface XmlStyle {
  /** Attribute quote: python-evtx and Event Viewer write `"`, wevtutil `'`. */
  readonly quote: '"' | "'";
  /** python-evtx writes SystemTime as `2021-03-03 02:13:15.103125`; Windows as `2021-03-03T02:13:15.1031250Z`. */
  readonly pythonTime: boolean;
  /** Event Viewer's "Save As XML" adds the rendered message. */
  readonly message?: (r: EvtxRecord) => string | null;
}

/** One `<Event>` element. */
export function eventXml(r: EvtxRecord, style: XmlStyle): string {
  const q = style.quote;
  const a = (name: string, v: string | number | null | undefined): string =>
    v === null || v === undefined ? '' : ` ${name}=${q}${xmlEscape(String(v), q)}${q}`;
  const el = (name: string, v: string | number | null): string =>
    v === null ? `<${name}></${name}>` : `<${name}>${xmlEscape(String(v))}</${name}>`;
  const iso = new Date(r.timeMs!).toISOString();
  const time = style.pythonTime ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}000` : `${iso.slice(0, 23)}0000Z`;
  const data = Object.entries(r.data)
    .map(([k, v]) => (isUnnamed(k) ? `<Data>${xmlEscape(v)}</Data>` : `<Data Name=${q}${xmlEscape(k, q)}${q}>${xmlEscape(v)}</Data>`))
    .join('');
  const msg = style.message?.(r) ?? null;
  return (
    `<Event xmlns=${q}${XMLNS}${q}><System><Provider${a('Name', r.provider)}${a('Guid', r.providerGuid)}/>` +
    `<EventID${r.qualifiers !== null ? a('Qualifiers', r.qualifiers) : ''}>${r.eventId ?? ''}</EventID>` +
    el('Version', r.version) +
    el('Level', r.level) +
    el('Task', r.task) +
    el('Opcode', r.opcode) +
    el('Keywords', r.keywords) +
    `<TimeCreated${a('SystemTime', time)}/>` +
    el('EventRecordID', r.recordId) +
    '<Correlation/>' +
    `<Execution${a('ProcessID', r.processId)}${a('ThreadID', r.threadId)}/>` +
    el('Channel', r.channel) +
    el('Computer', r.computer) +
    `<Security${a('UserID', r.userSid)}/></System>` +
    (Object.keys(r.data).length ? `<EventData>${data}</EventData>` : '') +
    (msg !== null
      ? `<RenderingInfo Culture=${q}en-US${q}><Message>${xmlEscape(msg)}</Message><Level>Information</Level></RenderingInfo>`
      : '') +
    '</Event>'
  );
}

/** python-evtx evtx_dump.py: declaration, `<Events>` root, one event per line group. */
export function pythonEvtxXml(records: readonly EvtxRecord[]): string {
  const body = records
    .map((r) =>
      eventXml(r, { quote: '"', pythonTime: true }).replace(
        /><(System|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security|EventData|Data)\b/g,
        '>\n<$1',
      ),
    )
    .join('\n\n');
  return `<?xml version="1.1" encoding="utf-8" standalone="yes" ?>\n\n<Events>\n${body}\n\n</Events>\n`;
}

/** wevtutil qe /f:xml: events back to back, single-quoted attributes, no root. */
export function wevtutilXml(records: readonly EvtxRecord[]): string {
  return records.map((r) => eventXml(r, { quote: "'", pythonTime: false })).join('') + '\r\n';
}

/** Event Viewer "Save All Events As... XML": `<Events>` root, RenderingInfo, UTF-16 LE with BOM. */
export function eventViewerXml(records: readonly EvtxRecord[], message: (r: EvtxRecord) => string | null = () => null): Buffer {
  const text = `<?xml version="1.0" encoding="UTF-16"?>\r\n<Events>${records.map((r) => eventXml(r, { quote: "'", pythonTime: false, message })).join('')}</Events>`;
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** A Winlogbeat 8 / Elastic Agent ECS document for the record. */
export function ecsDocument(r: EvtxRecord): Record<string, unknown> {
  return {
    '@timestamp': new Date(r.timeMs!).toISOString(),
    event: {
      code: r.eventId === null ? undefined : String(r.eventId),
      kind: 'event',
      provider: r.provider,
      created: '2026-01-01T00:00:00.000Z',
    },
    host: { name: r.computer?.toLowerCase() },
    log: { level: 'information' },
    winlog: {
      channel: r.channel,
      provider_name: r.provider,
      provider_guid: r.providerGuid ?? undefined,
      computer_name: r.computer,
      event_id: r.eventId === null ? undefined : String(r.eventId),
      record_id: r.recordId === null ? undefined : String(r.recordId),
      level: 'information',
      process: { pid: r.processId, thread: { id: r.threadId } },
      ...(r.userSid ? { user: { identifier: r.userSid } } : {}),
      ...(Object.keys(r.data).length ? { event_data: { ...r.data } } : {}),
    },
    ecs: { version: '8.0.0' },
    agent: { type: 'winlogbeat', version: '8.11.0' },
  };
}

function csvQuote(s: string, sep = ','): string {
  return s.includes('"') || s.includes(sep) || /[\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `MM/DD/YYYY hh:mm:ss AM` in UTC: the classic WinEventLog time line and Event Viewer's en-US date. */
function usDateTime(ms: number, pad: boolean): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const date = pad ? `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}` : `${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
  return `${date}/${d.getUTCFullYear()} ${pad ? two(h) : h}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

/** Splunk's `_time`: ISO 8601 with milliseconds and the exporting user's offset (here +01:00). */
function splunkTime(ms: number): string {
  const local = new Date(ms + 3600_000).toISOString();
  return `${local.slice(0, 23)}+01:00`;
}

/** Audit keywords of Security records (Audit Success / Audit Failure bits). */
function auditKeyword(r: EvtxRecord): string | null {
  const k = r.keywords === null ? 0n : BigInt(r.keywords);
  if (k & 0x0020000000000000n) return 'Audit Success';
  if (k & 0x0010000000000000n) return 'Audit Failure';
  return null;
}

const LEVEL_NAMES: Record<number, string> = { 1: 'Critical', 2: 'Error', 3: 'Warning', 4: 'Information', 5: 'Verbose' };

/** Classic WinEventLog `_raw`: time line, key=value lines, Message (rendered messages are not in the records). */
export function winEventLogRaw(r: EvtxRecord): string {
  const source = r.provider === 'Microsoft-Windows-Security-Auditing' ? 'Microsoft Windows security auditing.' : r.provider;
  return [
    usDateTime(r.timeMs!, true),
    `LogName=${r.channel}`,
    `EventCode=${r.eventId}`,
    `EventType=${r.level ?? 0}`,
    `ComputerName=${r.computer}`,
    `SourceName=${source}`,
    `Type=${LEVEL_NAMES[r.level ?? 4] ?? 'Information'}`,
    `RecordNumber=${r.recordId}`,
    `Keywords=${auditKeyword(r) ?? 'Classic'}`,
    'TaskCategory=None',
    'OpCode=Info',
    `Message=Event ${r.eventId} of ${r.provider}.`,
  ].join('\n');
}

/** A Splunk search export (CSV): XmlWinEventLog events (`_raw` is wevtutil-style XML) or classic WinEventLog ones. */
export function splunkCsv(records: readonly EvtxRecord[], rendering: 'xml' | 'classic'): string {
  const header = '"_serial","_time",source,sourcetype,host,index,"splunk_server","_raw"';
  const rows = records.map((r, i) => {
    const raw = rendering === 'xml' ? eventXml(r, { quote: "'", pythonTime: false }) : winEventLogRaw(r);
    const sourcetype = rendering === 'xml' ? 'XmlWinEventLog' : `WinEventLog`;
    return [String(i), splunkTime(r.timeMs!), `${sourcetype}:${r.channel}`, sourcetype, r.computer ?? '', 'wineventlog', 'idx01', raw]
      .map((s) => csvQuote(s))
      .join(',');
  });
  return [header, ...rows].join('\n') + '\n';
}

/** A Splunk search export (JSON): one `{"preview":false,"result":{...}}` object per line. */
export function splunkJson(records: readonly EvtxRecord[], rendering: 'xml' | 'classic'): string {
  return records
    .map((r) => {
      const raw = rendering === 'xml' ? eventXml(r, { quote: "'", pythonTime: false }) : winEventLogRaw(r);
      const sourcetype = rendering === 'xml' ? 'XmlWinEventLog' : 'WinEventLog';
      return (
        JSON.stringify({
          preview: false,
          result: { _time: splunkTime(r.timeMs!), _raw: raw, host: r.computer, source: `${sourcetype}:${r.channel}`, sourcetype },
        }) + '\n'
      );
    })
    .join('');
}

/** Event Viewer "Save All Events As..." CSV (`sep` ','), or Text (`sep` tab, UTF-16 LE with BOM); dates en-US in UTC. */
export function eventViewerTable(records: readonly EvtxRecord[], sep: ',' | '\t'): Buffer {
  const rows = records.map((r) =>
    [
      auditKeyword(r) ?? LEVEL_NAMES[r.level ?? 4] ?? 'Information',
      usDateTime(r.timeMs!, false),
      r.provider ?? '',
      String(r.eventId),
      'None',
      `Event ${r.eventId}.`,
    ]
      .map((s) => csvQuote(s, sep))
      .join(sep),
  );
  const text = [['Level', 'Date and Time', 'Source', 'Event ID', 'Task Category'].join(sep), ...rows].join('\r\n') + '\r\n';
  return sep === ',' ? Buffer.from(text) : Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}
