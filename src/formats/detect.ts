/**
 * Which log family a file holds, decided from its first bytes (header lines,
 * magic bytes, JSON keys, CSV header names). The path is only a hint, used
 * where content alone cannot decide (OABGeneratorLog has no known layout,
 * header-less fragments of IIS or HttpProxy logs).
 */
import type { Detection } from './types';
import { CsvLine } from './text/csv-line';
import { eventViewerHeader } from './windows/eventviewer-text';

const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

/** What a Splunk export's text shows when its events are Windows events (sourcetype, classic keys or event XML). */
const SPLUNK_WINDOWS_RAW = /(?:Xml)?WinEventLog|EventCode=|<Event xmlns=/;

/** Decodes the head of a file: UTF-8 (with or without BOM) or UTF-16 LE/BE (with or without BOM). */
export function decodeHead(head: Buffer): string {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return head.subarray(3).toString('utf8');
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe)
    return head.subarray(2, head.length - (head.length % 2)).toString('utf16le');
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return swap16(head.subarray(2)).toString('utf16le');
  // BOM-less UTF-16: ASCII text leaves every other byte zero.
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0)
    return head.subarray(0, head.length - (head.length % 2)).toString('utf16le');
  if (head.length >= 4 && head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0) return swap16(head).toString('utf16le');
  return head.toString('utf8');
}

function swap16(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length - (b.length % 2));
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1];
    out[i + 1] = b[i];
  }
  return out;
}

/** True when decoded text looks binary (NULs or many control characters). */
function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 4096);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 9 || (c > 13 && c < 32) || c === 0xfffd) control++;
  }
  return n > 0 && control / n > 0.1;
}

function lowerCsvHeader(line: string): Set<string> {
  const csv = new CsvLine();
  if (!csv.scan(line)) return new Set();
  return new Set(csv.all().map((s) => s.trim().toLowerCase()));
}

function hasAll(set: Set<string>, ...names: string[]): boolean {
  return names.every((n) => set.has(n));
}

/** Family from a `#Fields:` list. */
function fromFields(fields: string): Detection | null {
  const f = fields.trim();
  if (/(^|\s)(cs-method|cs-uri-stem|c-ip|sc-status)(\s|$)/.test(f))
    return { family: 'iis', reason: '#Fields: W3C extended field names (cs-method, cs-uri-stem, ...)' };
  const names = lowerCsvHeader(f);
  if (names.has('anchormailbox') || hasAll(names, 'datetime', 'requestid', 'urlstem'))
    return { family: 'httpproxy', reason: '#Fields: HttpProxy columns (DateTime, RequestId, AnchorMailbox, ...)' };
  if (hasAll(names, 'timestamp', 'eventdata')) return { family: 'ecp_server', reason: '#Fields: TimeStamp,ServerName,EventId,EventData' };
  return null;
}

/**
 * Detects the log family of a file from its first bytes (64 KiB is plenty) and its path (folder names such as
 * W3SVC1, HttpProxy or OABGeneratorLog are hints where content cannot decide; a bare name works too).
 * Returns null when the content matches no family; see {@link describeUnrecognized}.
 */
export function detectFamily(head: Buffer, name: string): Detection | null {
  if (head.length >= 8 && head.subarray(0, 8).equals(EVTX_MAGIC)) return { family: 'evtx', reason: 'ElfFile magic (raw .evtx)' };
  const text = decodeHead(head);
  if (text.length === 0 || looksBinary(text)) return null;
  const lines = text.split(/\r?\n/, 64);
  // The last line of a head may be cut: only full lines are trusted for JSON parsing.
  const lower = name.toLowerCase();

  // 1. Exchange / IIS / Export-Csv comment headers.
  for (const line of lines.slice(0, 24)) {
    if (line.charCodeAt(0) !== 35) continue;
    if (line.startsWith('#Log-type:')) {
      const t = line.slice(10).trim().toLowerCase();
      if (t.includes('httpproxy')) return { family: 'httpproxy', reason: '#Log-type: HttpProxy Logs header' };
      if (t.includes('ecp')) return { family: 'ecp_server', reason: `#Log-type: ${line.slice(10).trim()} header` };
      if (t.includes('oab')) return { family: 'oab_generator', reason: `#Log-type: ${line.slice(10).trim()} header` };
    }
    if (line.startsWith('#Software: Microsoft Internet Information Services'))
      return { family: 'iis', reason: '#Software: Microsoft Internet Information Services header' };
    if (line.startsWith('#Fields:')) {
      const d = fromFields(line.slice(8));
      if (d) return d;
    }
    if (line.startsWith('#TYPE ')) {
      const type = line.slice(6).trim();
      if (type.startsWith('System.Diagnostics.Eventing.Reader.EventLogRecord'))
        return { family: 'winevent_csv', reason: '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord (Export-Csv of Get-WinEvent)' };
      if (type.startsWith('Microsoft.PowerShell.Commands.FileHashInfo'))
        return { family: 'file_inventory', reason: '#TYPE Microsoft.PowerShell.Commands.FileHashInfo (Export-Csv of Get-FileHash)' };
    }
  }

  const firstIdx = lines.findIndex((l) => l.trim().length > 0 && !l.startsWith('#'));
  const first = firstIdx >= 0 ? lines[firstIdx].trim() : '';

  // 2. Rust evtx_dump output (`Record <n>` lines, JSON or XML records) and event XML exports.
  const evtxDump = /^Record \d+\s*$/.test(first);
  const body = evtxDump
    ? (lines
        .slice(firstIdx + 1)
        .find((l) => l.trim().length > 0)
        ?.trim() ?? '')
    : first;
  if (body.startsWith('<')) {
    if (/<(?:\w+:)?Event[\s>]/.test(text) && /<(?:\w+:)?System>/.test(text)) {
      return {
        family: 'event_xml',
        reason: evtxDump
          ? 'evtx_dump -o xml: Record lines and <Event> XML'
          : 'event XML: <Event> elements with <System> (wevtutil /f:xml, python-evtx, Event Viewer)',
      };
    }
    // An export of zero events is still an export: read (no rows), not listed as unrecognized.
    if (/^(<\?xml[^>]*\?>\s*)?<Events\s*(\/>|>\s*<\/Events>)\s*$/.test(text.trim()))
      return { family: 'event_xml', reason: 'event XML: an empty <Events> root (zero events)' };
    return null;
  }
  if (
    (body.startsWith('{') || body.startsWith('[')) &&
    /^[\s[]*\{\s*"Event"\s*:\s*\{/.test(text.slice(text.indexOf(body))) &&
    /"System"\s*:\s*\{/.test(text)
  ) {
    return {
      family: 'evtx_dump_json',
      reason: evtxDump
        ? 'evtx_dump -o json: Record lines and {"Event": {"System": ...}} objects'
        : 'JSON of {"Event": {"System": ...}} records (evtx_dump -o json/jsonl)',
    };
  }

  // 3. JSON: an array or object of Get-WinEvent records, or JSON lines from a shipper.
  if (first.startsWith('{') || first.startsWith('[')) {
    // Splunk search export: {"preview":false,"result":{"_raw": ...}} per line, an array of results, or REST results.
    if (/"_raw"\s*:\s*"/.test(text) && SPLUNK_WINDOWS_RAW.test(text)) {
      return { family: 'splunk_export', reason: 'Splunk JSON export of Windows events (_raw with XmlWinEventLog / WinEventLog)' };
    }
    if (first.startsWith('{') && first.endsWith('}') && firstIdx < lines.length - 1) {
      try {
        const doc = JSON.parse(first) as Record<string, unknown>;
        // Elasticsearch hits as export tools write them: the document is _source.
        const src = doc._source;
        const obj = src && typeof src === 'object' && !Array.isArray(src) ? (src as Record<string, unknown>) : doc;
        const keys = Object.keys(obj);
        if ('winlog' in obj || keys.some((k) => k.startsWith('winlog.')))
          return { family: 'winevent_jsonl', reason: 'JSON lines with winlog.* keys (Winlogbeat/ECS)' };
        if (keys.some((k) => /^(EventID|SourceName)$/i.test(k)))
          return { family: 'winevent_jsonl', reason: 'JSON lines with EventID/SourceName/Channel keys (NXLog)' };
        if (keys.some((k) => /^(TimeCreated|ProviderName)$/i.test(k)))
          return { family: 'winevent_jsonl', reason: 'JSON lines of Get-WinEvent records' };
      } catch {
        // Not a one-line object: fall through to the pretty-printed checks.
      }
    }
    if (/"(ProviderName|TimeCreated|LogName|MachineName)"\s*:/.test(text) && /"(Id|RecordId|TimeCreated)"\s*:/.test(text)) {
      return { family: 'winevent_json', reason: 'JSON with Get-WinEvent keys (Id, ProviderName, TimeCreated, ...): ConvertTo-Json export' };
    }
    return null;
  }

  // 4. CSV header rows.
  // Event Viewer "Save As... Text" is tab-delimited; its CSV type has the same names.
  // French, Dutch and German Windows write the header in their language (Niveau, Date et heure, ...).
  const evHeader = eventViewerHeader(first.includes('\t') ? first.split('\t') : [...lowerCsvHeader(first)]);
  if (evHeader !== null) {
    return {
      family: 'eventviewer_text',
      reason: `Event Viewer Save As ${first.includes('\t') ? 'Text' : 'CSV'} header (Level, Date and Time, Source, Event ID, ...; ${evHeader.language})`,
    };
  }
  if (first.includes(',')) {
    const h = lowerCsvHeader(first);
    if (
      h.has('_raw') &&
      (h.has('_time') || h.has('sourcetype')) &&
      (SPLUNK_WINDOWS_RAW.test(text) || !text.slice(text.indexOf(first) + first.length).trim())
    ) {
      return { family: 'splunk_export', reason: 'Splunk CSV export (_time, _raw, ...) of Windows events' };
    }
    if (hasAll(h, 'datetime', 'requestid') && (h.has('anchormailbox') || h.has('urlstem')))
      return { family: 'httpproxy', reason: 'CSV header row with HttpProxy columns (DateTime, RequestId, AnchorMailbox, ...)' };
    if (hasAll(h, 'hash', 'path') && (h.has('algorithm') || h.has('length')))
      return { family: 'file_inventory', reason: 'CSV header "Algorithm","Hash","Path" (Get-FileHash export)' };
    if (
      (h.has('id') || h.has('eventid')) &&
      (h.has('timecreated') || h.has('timegenerated')) &&
      (h.has('providername') || h.has('logname') || h.has('message'))
    ) {
      return { family: 'winevent_csv', reason: 'CSV header with Get-WinEvent columns (Id, TimeCreated, ProviderName, ...)' };
    }
    if (hasAll(h, 'timestamp', 'eventdata')) return { family: 'ecp_server', reason: 'CSV header TimeStamp,ServerName,EventId,EventData' };
  }

  // 5. Path hints where content cannot decide.
  if (/oabgenerator/i.test(lower) || /OABGenerator|Download failed and temporary file/i.test(text)) {
    return {
      family: 'oab_generator',
      reason: /oabgenerator/i.test(lower) ? 'path under OABGeneratorLog (no fixed line layout)' : 'OABGenerator messages in the text',
    };
  }
  const dataLine = first;
  if (/(^|[\\/!])u_ex\d{6,8}(_x)?\.log$/i.test(lower) && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /.test(dataLine)) {
    return { family: 'iis', reason: 'IIS log name (u_exYYMMDD.log) and W3C date-time lines without a header' };
  }
  // A renamed or rotated fragment still sits in its site folder (W3SVC<n>).
  if (/(^|[\\/!])w3svc\d+[\\/]/i.test(lower) && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+ \S+ \S+/.test(dataLine)) {
    return { family: 'iis', reason: 'path under a W3SVC<n> site folder and W3C date-time lines without a header' };
  }
  if (
    /httpproxy_\d{8,10}(-\d+)?\.log$/i.test(lower) &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(dataLine) &&
    dataLine.split(',').length >= 60
  ) {
    return { family: 'httpproxy', reason: 'HttpProxy log name and ISO-timestamped CSV lines without a header' };
  }
  if (
    /(^|[\\/!])httpproxy[\\/]/i.test(lower) &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(dataLine) &&
    dataLine.split(',').length >= 60
  ) {
    return { family: 'httpproxy', reason: 'path under a HttpProxy log folder and ISO-timestamped CSV lines without a header' };
  }
  return null;
}

/** Known magic numbers, for the manifest hint of files that are not logs. */
const MAGICS: [string, string][] = [
  ['504b0304', 'zip archive'],
  ['1f8b', 'gzip data'],
  ['377abcaf271c', '7z archive'],
  ['526172211a07', 'rar archive'],
  ['4d5a', 'Windows executable (MZ)'],
  ['25504446', 'PDF document'],
  ['7f454c46', 'ELF executable'],
  ['d0cf11e0', 'OLE2 (Office) document'],
  ['456c6643686e6b', 'EVTX chunk without a file header'],
  ['89504e47', 'PNG image'],
  ['ffd8ff', 'JPEG image'],
];

/**
 * The path hint to give {@link detectFamily} for an archive entry: its display path (so folder names such as
 * `W3SVC1`, `HttpProxy` or `OABGeneratorLog` count), with the last part replaced by the entry's own name (a gzip
 * layer's display path still ends in `.gz`, its name does not).
 */
export function detectionHint(displayPath: string, name: string): string {
  if (displayPath.endsWith(name)) return displayPath;
  const cut = Math.max(displayPath.lastIndexOf('/'), displayPath.lastIndexOf('\\'), displayPath.lastIndexOf('!'));
  return displayPath.slice(0, cut + 1) + name;
}

/**
 * A short hint for a file that matched no family: "empty", "binary: gzip data
 * (1f 8b 08 00)", or "text: first line \"...\"".
 */
export function describeUnrecognized(head: Buffer, name: string, size: number | null): string {
  if (size === 0 || head.length === 0) return 'empty';
  const hex = head.subarray(0, 8).toString('hex');
  for (const [magic, label] of MAGICS) if (hex.startsWith(magic)) return `binary: ${label} (${spaced(hex)})`;
  if (/\.evtx$/i.test(name)) return `named .evtx but no ElfFile magic (${spaced(hex)})`;
  const text = decodeHead(head);
  if (looksBinary(text)) return `binary (${spaced(hex)})`;
  const first = text.split(/\r?\n/).find((l) => l.trim().length > 0) ?? '';
  const printable = first.replace(/[^\x20-\x7e]/g, '.').slice(0, 80);
  return `text: first line "${printable}${first.length > 80 ? '...' : ''}"`;
}

function spaced(hex: string): string {
  return hex.replace(/(..)(?=.)/g, '$1 ');
}
