/**
 * Event Viewer "Save All Events As..." / "Save Selected Events..." in the CSV (Comma Separated) and Text (Tab
 * Delimited) types: a header `Level,Date and Time,Source,Event ID,Task Category` (tabs in the text type), then one
 * record per event with one more field than the header names, the rendered message, quoted over many lines.
 *
 * The date is the exporting machine's local time in its culture (`3/2/2021 10:15:30 AM`): the agency's zone rule
 * applies (`ParseContext.localZone`). The export names no log and no computer: the channel comes from the file name
 * when it is a log name (`Security.csv`, `Microsoft-Windows-Sysmon%4Operational.txt`), else from a Security auditing
 * source; the host from the path. Event data is recovered from the message for the layouts we know.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { CsvRecordJoiner, cleanLine } from '../text/csv-line';
import { parseLocalDateTime } from '../text/time';
import { windowsEventRow } from './event-row';
import { eventDataFrom } from './message-fields';

/** The header names Event Viewer writes (English UI). */
export const EVENT_VIEWER_COLUMNS = ['level', 'date and time', 'source', 'event id', 'task category'] as const;

/** Level column names; audit events show Audit Success / Failure instead of a level: most are level 0 (LogAlways). */
const LEVELS: Record<string, number> = {
  'audit success': 0,
  'audit failure': 0,
  information: 4,
  warning: 3,
  error: 2,
  critical: 1,
  verbose: 5,
};

const CLASSIC_LOGS = new Set([
  'security',
  'system',
  'application',
  'setup',
  'forwardedevents',
  'windows powershell',
  'msexchange management',
]);

/** The log an export was saved from, when its file name is the log's name. */
export function channelFromFileName(sourceFile: string): string | null {
  const base = sourceFile.split(/[\\/!]/).pop() ?? '';
  const name = base.replace(/\.(csv|txt)$/i, '').replace(/%4/g, '/');
  if (CLASSIC_LOGS.has(name.toLowerCase())) return name;
  return /^Microsoft-[\w.-]+\/\w+$/.test(name) ? name : null;
}

class EventViewerTextParser implements TextParser {
  private joiner: CsvRecordJoiner | null = null;
  private cols: Map<string, number> | null = null;
  private width = 0;
  private readonly fileChannel: string | null;

  constructor(private readonly ctx: ParseContext) {
    this.fileChannel = channelFromFileName(ctx.sourceFile);
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (this.joiner === null) {
      if (text.trim().length === 0) return;
      // The header decides the separator: the text type is tab-delimited.
      this.joiner = new CsvRecordJoiner((n, r) => this.ctx.reject(n, r), undefined, text.includes('\t') ? 9 : 44);
    }
    if (!this.joiner.isPending && text.length === 0) return;
    if (!this.joiner.push(text, lineNo)) return;
    const csv = this.joiner.csv;
    const at = this.joiner.startLine;
    if (this.cols === null) {
      const names = csv.all().map((s) => s.trim().toLowerCase());
      const missing = EVENT_VIEWER_COLUMNS.filter((c) => c !== 'task category' && !names.includes(c));
      if (missing.length) {
        this.ctx.reject(at, `not an Event Viewer export header (no ${missing.join(', ')} column)`);
        return;
      }
      this.cols = new Map(names.map((n, i) => [n, i]));
      this.width = names.length;
      return;
    }
    // Each record has the message after the named columns.
    if (csv.count !== this.width + 1 && csv.count !== this.width) {
      this.ctx.reject(at, `wrong column count: ${csv.count} fields, header has ${this.width} and the message`);
      return;
    }
    const get = (name: string): string => csv.field(this.cols!.get(name) ?? -1).trim();
    const idText = get('event id');
    if (!/^\d+$/.test(idText)) {
      this.ctx.reject(at, `bad Event ID ${JSON.stringify(idText.slice(0, 20))}`);
      return;
    }
    const dateText = get('date and time');
    const timeMs = parseLocalDateTime(dateText, this.ctx.localZone);
    if (Number.isNaN(timeMs)) {
      this.ctx.reject(at, `bad Date and Time ${JSON.stringify(dateText.slice(0, 40))}`);
      return;
    }
    const eventId = Number(idText);
    const provider = get('source') || null;
    const channel = this.fileChannel ?? (provider !== null && /security-auditing/i.test(provider) ? 'Security' : null);
    const message = csv.count > this.width ? csv.field(this.width).replace(/\s+$/, '') || null : null;
    const row = windowsEventRow(
      {
        timeMs,
        channel,
        provider,
        eventId,
        level: LEVELS[get('level').toLowerCase()] ?? null,
        recordId: null,
        computer: null,
        userSid: null,
        message,
        data: eventDataFrom([], null, eventId, provider, channel, message),
      },
      this.ctx.hostHint,
    );
    row.source_line = at;
    this.ctx.emit('windows_events', row);
  }

  end(): void {
    this.joiner?.end();
  }
}

/** Event Viewer "Save As... CSV / Text" parser (`windows_events`; local time). */
export const eventViewerTextParser: TextFamilyParser<'eventviewer_text'> = {
  family: 'eventviewer_text',
  kind: 'text',
  facts: {
    label: 'Windows events (Event Viewer CSV/Text)',
    tables: ['windows_events'],
    whereOnServer:
      'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: Event Viewer, right-click the log, Save All Events As..., ' +
      'type CSV or Text, file named after the log: Security.csv)',
    localTime: true,
  },
  create: (ctx) => new EventViewerTextParser(ctx),
};
