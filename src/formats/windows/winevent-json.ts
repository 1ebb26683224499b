/**
 * `Get-WinEvent ... | ConvertTo-Json` exports: one JSON array (or one object),
 * usually pretty-printed, possibly gigabytes. Elements are cut out one at a
 * time by {@link JsonArraySplitter} and parsed on their own.
 */
import type { ParseContext, TextFamilyParser, TextParser } from '../types';
import { JsonArraySplitter } from '../text/json-array-splitter';
import { cleanLine } from '../text/csv-line';
import { windowsEventRow } from './event-row';
import { readPowerShellEvent } from './powershell-event';

class WinEventJsonParser implements TextParser {
  private readonly splitter: JsonArraySplitter;
  private lastLine = 0;

  constructor(private readonly ctx: ParseContext) {
    this.splitter = new JsonArraySplitter({
      element: (text, startLine) => this.element(text, startLine),
      bad: (lineNo, reason) => ctx.reject(lineNo, reason),
    });
  }

  line(raw: string, lineNo: number): void {
    this.lastLine = lineNo;
    this.splitter.line(cleanLine(raw, lineNo), lineNo);
  }

  private element(text: string, startLine: number): void {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      this.ctx.reject(startLine, `bad JSON in the element starting here: ${(e as Error).message}`);
      return;
    }
    let row;
    try {
      // A hostile element (say, arrays nested thousands deep) must cost one record, not the file.
      const r = readPowerShellEvent(obj as Record<string, unknown>, this.ctx.localZone);
      if (!r.ok) {
        this.ctx.reject(startLine, r.reason);
        return;
      }
      row = windowsEventRow(r.event, this.ctx.hostHint);
    } catch (e) {
      this.ctx.reject(startLine, `unreadable event: ${(e as Error).message}`);
      return;
    }
    row.source_line = startLine;
    this.ctx.emit('windows_events', row);
  }

  end(): void {
    this.splitter.end(this.lastLine);
  }
}

/** Get-WinEvent | ConvertTo-Json parser (`windows_events`). */
export const winEventJsonParser: TextFamilyParser<'winevent_json'> = {
  family: 'winevent_json',
  kind: 'text',
  facts: {
    label: 'Windows events (Get-WinEvent JSON)',
    tables: ['windows_events'],
    whereOnServer: 'C:\\Windows\\System32\\winevt\\Logs\\ (or an export: Get-WinEvent | ConvertTo-Json)',
    localTime: true,
  },
  create: (ctx) => new WinEventJsonParser(ctx),
};
