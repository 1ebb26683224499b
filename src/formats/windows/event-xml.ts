/**
 * Windows events as event XML, the schema every Windows tool renders a record in:
 * - python-evtx `evtx_dump.py` (an `<Events>` root, one `<Event>` per record, times as `2021-03-03 02:13:15.103125`);
 * - `wevtutil qe <log> /f:xml` and `wevtutil qe <file.evtx> /lf:true /f:xml` (no root, events back to back);
 * - Event Viewer "Save All Events As... XML" (UTF-16, an `<Events>` root, `<RenderingInfo>` with the message);
 * - Rust `evtx_dump -o xml` (`Record <n>` lines, an XML declaration before each event).
 *
 * `<Event>` elements are cut out of the decoded byte stream one at a time (Event Viewer and wevtutil write events
 * back to back, a whole export may be one line: lines are not the unit here) and mapped by the EVTX parser's own
 * record mapping, so a record reads the same raw or exported. A damaged event is rejected alone; reading resumes at
 * the next `<Event`.
 */
import { TextDecoder } from 'node:util';
import type { BinaryFamilyParser, ParseContext } from '../types';
import { parseAnyTime } from '../text/time';
import { parseXmlElement } from '../text/xml-element';
import { textOf, type XContent, type XElement } from '../evtx/binxml';
import { toRecord, toWindowsEvent } from '../evtx/record';
import { windowsEventRow, type WindowsEvent } from './event-row';

const MAX_EVENT_CHARS = 64 * 1024 * 1024;
const EVENT_START = /<(?:[A-Za-z_][\w.-]*:)?Event[\s>/]/;
const EVENT_START_G = new RegExp(EVENT_START.source, 'g');
const EVENT_END_G = /<\/(?:[A-Za-z_][\w.-]*:)?Event>/g;

function isElement(c: XContent): c is XElement {
  return typeof c !== 'string' && !('items' in c);
}

function child(el: XElement | undefined, name: string): XElement | undefined {
  return el?.children.find((c): c is XElement => isElement(c) && c.name === name);
}

type Read = { ok: true; event: WindowsEvent } | { ok: false; reason: string };

/** Maps one parsed `<Event>` element as the EVTX parser maps a binary record (plus the rendered message). */
export function readEventElement(el: XElement): Read {
  if (el.name !== 'Event') return { ok: false, reason: `<${el.name}> is not an <Event>` };
  const system = child(el, 'System');
  if (!system) return { ok: false, reason: '<Event> without <System>' };
  const rec = toRecord([el], 0, 0, Number.NaN);
  let timeMs: number | null = rec.timeCreated === null ? null : rec.timeMs;
  if (rec.timeCreated !== null && (timeMs === null || Number.isNaN(timeMs))) {
    const t = parseAnyTime(rec.timeCreated);
    if (Number.isNaN(t)) return { ok: false, reason: `bad TimeCreated SystemTime ${JSON.stringify(rec.timeCreated).slice(0, 60)}` };
    timeMs = t;
  }
  const message = child(child(el, 'RenderingInfo'), 'Message');
  const text = message ? textOf(message) : '';
  // A record without EventRecordID has no number of its own: the parser sets the line instead.
  return { ok: true, event: { ...toWindowsEvent(rec), recordId: rec.recordId, timeMs, message: text === '' ? null : text } };
}

/** Text encoding of the stream from its first bytes (BOM, or UTF-16 without one), as the line decoder judges it. */
function encodingOf(head: Buffer): { label: string; skip: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { label: 'utf-8', skip: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { label: 'utf-16le', skip: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { label: 'utf-16be', skip: 2 };
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0) return { label: 'utf-16le', skip: 0 };
  if (head.length >= 4 && head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0) return { label: 'utf-16be', skip: 0 };
  return { label: 'utf-8', skip: 0 };
}

/** Text between events held while no tag closes it (a declaration, a Record line). */
const MAX_OUTSIDE_CHARS = 4096;

/** Characters kept after the last event when no new one starts yet: enough for a start tag cut between chunks. */
const TAIL_CHARS = 64;

/**
 * Cuts `<Event>` elements out of decoded text pushed in pieces of any size. Event Viewer and wevtutil write events
 * back to back, often with no line break in a whole file, so this works on the text stream, not on lines: memory
 * holds one event (capped) and one piece. Events are numbered by the line they start on.
 */
export class EventXmlSplitter {
  /** Text outside events not yet judged (small: a cut start tag at most, or one piece). */
  private buf = '';
  /** Line number (1-based) at the start of buf, or of the open event. */
  private line = 1;
  /** The open event's text so far, in pieces (joined once, when it closes: no copy per piece). */
  private parts: string[] | null = null;
  private partsLen = 0;
  /** Lines in the open event's pieces so far. */
  private partsLines = 0;
  private startLine = 0;
  /** Skipping an event over the size cap, up to its end tag. */
  private oversized = false;

  constructor(private readonly sink: { event(xml: string, startLine: number): void; bad(lineNo: number, reason: string): void }) {}

  push(text: string): void {
    let rest: string | null = text;
    while (rest !== null) rest = this.parts === null ? this.outsideText(rest, false) : this.insideText(rest);
  }

  end(): void {
    if (this.parts === null) this.outsideText('', true);
    else this.sink.bad(this.startLine, `event cut short: the file ends at line ${this.startLine + this.partsLines} before </Event>`);
    this.buf = '';
    this.parts = null;
  }

  /** Outside an event: finds the next start tag; returns the text from it on (handled as inside), or null. */
  private outsideText(text: string, final: boolean): string | null {
    const s = this.buf + text;
    const m = EVENT_START.exec(s);
    // Judged only up to the last complete tag (a declaration may be cut between pieces); junk without tags is
    // judged once it is longer than any start tag.
    const lastTag = s.lastIndexOf('>') + 1;
    const cut = m ? m.index : final ? s.length : s.length - lastTag > MAX_OUTSIDE_CHARS ? s.length - TAIL_CHARS : lastTag;
    this.outside(s.slice(0, cut));
    this.line += count(s, 0, cut);
    if (!m) {
      this.buf = s.slice(cut);
      return null;
    }
    this.buf = '';
    this.parts = [];
    this.partsLen = 0;
    this.partsLines = 0;
    this.startLine = this.line;
    return s.slice(cut);
  }

  /** Inside an event: searches only the new text and the end of the old; returns text after the event, or null. */
  private insideText(text: string): string | null {
    const parts = this.parts!;
    const tail = tailOf(parts, TAIL_CHARS);
    const win = tail + text;
    const base = this.partsLen - tail.length;
    EVENT_END_G.lastIndex = 0;
    const end = EVENT_END_G.exec(win);
    // A new event opening before this one closed (never the event's own start tag, at 0): this one was cut short.
    EVENT_START_G.lastIndex = Math.max(0, 1 - base);
    const restart = EVENT_START_G.exec(win);
    if (restart && (!end || restart.index < end.index)) {
      if (!this.oversized) this.sink.bad(this.startLine, 'event cut short: a new <Event> starts before this one closes');
      const used = restart.index - tail.length;
      this.closeEvent(text.slice(0, Math.max(0, used)));
      return text.slice(Math.max(0, used));
    }
    if (!end) {
      this.add(text);
      if (this.partsLen > MAX_EVENT_CHARS && !this.oversized) {
        this.sink.bad(this.startLine, `event longer than ${MAX_EVENT_CHARS} characters`);
        this.oversized = true;
      }
      // An event over the cap keeps only its end, where the end tag will be found.
      if (this.oversized && parts.length > 1) {
        const keep = tailOf(parts, TAIL_CHARS);
        parts.length = 0;
        parts.push(keep);
      }
      return null;
    }
    const used = end.index + end[0].length - tail.length;
    this.add(text.slice(0, used));
    const xml = this.oversized ? null : parts.join('');
    const startLine = this.startLine;
    this.closeEvent('');
    if (xml !== null) this.sink.event(xml, startLine);
    return text.slice(used);
  }

  private add(piece: string): void {
    if (piece.length === 0) return;
    this.parts!.push(piece);
    this.partsLen += piece.length;
    this.partsLines += count(piece, 0, piece.length);
  }

  /** Ends the open event (after adding `piece`): line numbers move past it. */
  private closeEvent(piece: string): void {
    this.add(piece);
    this.line = this.startLine + this.partsLines;
    this.parts = null;
    this.partsLen = 0;
    this.partsLines = 0;
    this.oversized = false;
  }

  /** Text between events: declarations, the root, comments and Record lines are fine; anything else is reported. */
  private outside(text: string): void {
    if (text.length === 0) return;
    const first = text.replace(BETWEEN_MULTILINE, '').trim();
    if (first !== '') this.sink.bad(this.line, `text outside any <Event> element: ${JSON.stringify(first.slice(0, 40))}`);
  }
}

/** The last `n` characters of the pieces. */
function tailOf(parts: readonly string[], n: number): string {
  let out = '';
  for (let i = parts.length - 1; i >= 0 && out.length < n; i--) out = parts[i] + out;
  return out.length > n ? out.slice(out.length - n) : out;
}

const BETWEEN_MULTILINE = /<\?[^>]*\?>|<\/?(?:[A-Za-z_][\w.-]*:)?Events\b[^>]*>|<!--[\s\S]*?-->|^\s*Record \d+\s*$/gm;

function count(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Maps one event's XML to a row, or rejects it with the reason. */
function emitEvent(ctx: ParseContext, xml: string, startLine: number): void {
  let row;
  try {
    const r = readEventElement(parseXmlElement(xml));
    if (!r.ok) {
      ctx.reject(startLine, r.reason);
      return;
    }
    row = windowsEventRow(r.event, ctx.hostHint);
  } catch (e) {
    ctx.reject(startLine, `unreadable event XML: ${(e as Error).message}`);
    return;
  }
  row.source_line = startLine;
  ctx.emit('windows_events', row);
}

/** Event XML parser (python-evtx, wevtutil /f:xml, Event Viewer XML; `windows_events`). Reads the byte stream. */
export const eventXmlParser: BinaryFamilyParser<'event_xml'> = {
  family: 'event_xml',
  kind: 'binary',
  facts: {
    label: 'Windows events (event XML)',
    tables: ['windows_events'],
    whereOnServer: 'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: wevtutil qe Security /f:xml > Security.xml)',
    localTime: false,
  },
  async parse(stream, ctx) {
    const splitter = new EventXmlSplitter({ event: (xml, n) => emitEvent(ctx, xml, n), bad: (n, reason) => ctx.reject(n, reason) });
    let decoder: TextDecoder | null = null;
    let pending: Buffer = Buffer.alloc(0);
    for await (const piece of stream as AsyncIterable<Buffer>) {
      let chunk: Buffer = piece;
      if (decoder === null) {
        // The encoding is judged on at least four bytes.
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 4) continue;
        const enc = encodingOf(pending);
        decoder = new TextDecoder(enc.label);
        chunk = pending.subarray(enc.skip);
      }
      splitter.push(decoder.decode(chunk, { stream: true }));
    }
    if (decoder === null && pending.length > 0) {
      const enc = encodingOf(pending);
      decoder = new TextDecoder(enc.label);
      splitter.push(decoder.decode(pending.subarray(enc.skip), { stream: true }));
    }
    if (decoder !== null) splitter.push(decoder.decode());
    splitter.end();
  },
};
