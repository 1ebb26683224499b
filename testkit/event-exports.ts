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
