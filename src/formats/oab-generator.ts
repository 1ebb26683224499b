/**
 * OABGeneratorLog: no public sample exists, so lines are kept whole in
 * `message` (the hunts match substrings such as "Download failed and temporary
 * file ... needs to be removed") and a leading timestamp is taken when one of
 * the plausible layouts is there. A line without a timestamp is still a row
 * (event_time null: the pipeline then uses the file's time); it is never rejected.
 */
import type { ParseContext, TextFamilyParser, TextParser } from './types';
import { cleanLine } from './text/csv-line';
import { parseIsoTime, parseLocalDateTime } from './text/time';

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,7})?(?:Z| ?[+-]\d{2}:?\d{2})?/;
const US_PREFIX = /^\d{1,2}\/\d{1,2}\/\d{4},? \d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?: ?[AaPp][Mm])?/;
const DOT_PREFIX = /^\d{1,2}\.\d{1,2}\.\d{4},? \d{1,2}:\d{2}(?::\d{2})?/;

/**
 * Epoch ms of the timestamp a line starts with (after an optional `[`), or null.
 * Layouts: ISO-8601 (`T` or space, optional fraction and offset), `M/d/yyyy h:mm:ss AM`, `d.M.yyyy H:mm:ss`.
 */
export function leadingTimestamp(line: string): number | null {
  let s = line;
  if (s.charCodeAt(0) === 91) s = s.slice(1);
  const c = s.charCodeAt(0);
  if (c < 48 || c > 57) return null;
  let m = ISO_PREFIX.exec(s);
  if (m) {
    const t = parseIsoTime(m[0].replace(',', '.'));
    return Number.isNaN(t) ? null : t;
  }
  m = US_PREFIX.exec(s) ?? DOT_PREFIX.exec(s);
  if (m) {
    const t = parseLocalDateTime(m[0].replace(',', ''));
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

class OabParser implements TextParser {
  private logType = 'OABGenerator Log';

  constructor(private readonly ctx: ParseContext) {}

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (text.trim().length === 0) return;
    // Exchange log-file headers describe the file; they are not events.
    if (text.charCodeAt(0) === 35) {
      if (text.startsWith('#Log-type:')) {
        this.logType = text.slice(10).trim() || this.logType;
        return;
      }
      if (/^#(Software|Version|Date|Fields):/.test(text)) return;
    }
    this.ctx.emit('exchange_logs', {
      event_time: leadingTimestamp(text),
      host: this.ctx.hostHint,
      source_line: lineNo,
      log_type: this.logType,
      server_name: null,
      event_id: null,
      cmd: null,
      url: null,
      user_sid: null,
      request_id: null,
      exception: null,
      message: text,
    });
  }

  end(): void {
    // Line oriented: nothing pending.
  }
}

/** OABGeneratorLog parser (`exchange_logs`). */
export const oabGeneratorParser: TextFamilyParser<'oab_generator'> = {
  family: 'oab_generator',
  kind: 'text',
  facts: {
    label: 'OABGenerator logs',
    tables: ['exchange_logs'],
    whereOnServer: '<Exchange install>\\Logging\\OABGeneratorLog\\',
    localTime: false,
    untimed: 'OABGenerator lines without a leading timestamp carry no time of their own',
  },
  create: (ctx) => new OabParser(ctx),
};
