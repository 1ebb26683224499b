/**
 * `Get-WinEvent | Export-Csv` exports: an optional `#TYPE
 * System.Diagnostics.Eventing.Reader.EventLogRecord` line, a header row, then
 * one quoted record per event whose Message usually spans many lines.
 * TimeCreated is culture-formatted local text (`3/2/2021 10:15:30 AM`): read as
 * UTC unless it carries an offset (see text/time.ts). The Properties column
 * holds only type names, so data names and values come from the Message.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { CsvRecordJoiner, cleanLine } from '../text/csv-line';
import { windowsEventRow } from './event-row';
import { readPowerShellEvent } from './powershell-event';

class WinEventCsvParser implements TextParser {
  private header: string[] | null = null;
  private readonly joiner: CsvRecordJoiner;

  constructor(private readonly ctx: ParseContext) {
    this.joiner = new CsvRecordJoiner((n, r) => ctx.reject(n, r));
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (!this.joiner.isPending) {
      if (text.length === 0) return;
      if (text.startsWith('#TYPE ') || (this.header === null && text.charCodeAt(0) === 35)) return;
    }
    if (!this.joiner.push(text, lineNo)) return;
    const csv = this.joiner.csv;
    const at = this.joiner.startLine;
    if (this.header === null) {
      this.header = csv.all().map((s) => s.trim());
      return;
    }
    if (csv.count !== this.header.length) {
      this.ctx.reject(at, `wrong column count: ${csv.count} fields, header has ${this.header.length}`);
      return;
    }
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < csv.count; i++) obj[this.header[i]] = csv.field(i);
    const r = readPowerShellEvent(obj, this.ctx.localZone);
    if (!r.ok) {
      this.ctx.reject(at, r.reason);
      return;
    }
    const row = windowsEventRow(r.event, this.ctx.hostHint);
    row.source_line = at;
    this.ctx.emit('windows_events', row);
  }

  end(): void {
    this.joiner.end();
  }
}

/** Get-WinEvent | Export-Csv parser (`windows_events`). */
export const winEventCsvParser: TextFamilyParser<'winevent_csv'> = {
  family: 'winevent_csv',
  kind: 'text',
  facts: {
    label: 'Windows events (CSV export)',
    tables: ['windows_events'],
    whereOnServer: 'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: Get-WinEvent | Export-Csv)',
    localTime: true,
  },
  create: (ctx) => new WinEventCsvParser(ctx),
};
