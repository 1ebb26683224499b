/**
 * ECP Server and ECP Activity logs: Exchange CSV logs with
 * `#Fields: TimeStamp,ServerName,EventId,EventData`, where EventData is a
 * `;`-separated list of `S:KEY=value` items whose values may hold `=`, quotes
 * and `;` (the CVE-2021-27065 `Set-OabVirtualDirectory.ExternalUrl='<script>...'` trace).
 */
import type { ParseContext, TextFamilyParser, TextParser } from './types';
import { CsvLine, cleanLine } from './text/csv-line';
import { parseIsoTime } from './text/time';
import { col, headerIndex, nullIfEmpty } from './text/values';
import { shortHost } from './windows/event-row';

const DEFAULT_FIELDS = ['TimeStamp', 'ServerName', 'EventId', 'EventData'];

/** True when `s[i..]` starts an item key such as `S:CMD=` or `I:TIME=`. */
function isItemStart(s: string, i: number): boolean {
  let j = i;
  // Type prefix: one or two letters and a colon.
  while (j < s.length && j - i < 2 && isLetter(s.charCodeAt(j))) j++;
  if (j === i || s.charCodeAt(j) !== 58) return false;
  j++;
  const keyStart = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45) j++;
    else break;
  }
  return j > keyStart && s.charCodeAt(j) === 61;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Splits EventData into KEY -> value (key without its type prefix, upper case).
 *
 * A `;` separates items only when the next text starts a new `X:KEY=` item and
 * no quote is open; when quotes never balance (a stray apostrophe), the split
 * falls back to the key test alone. The first occurrence of a key wins.
 */
export function parseEventData(data: string): Map<string, string> {
  const out = new Map<string, string>();
  const cuts = findCuts(data, true) ?? findCuts(data, false)!;
  let start = 0;
  for (const cut of [...cuts, data.length]) {
    const item = data.slice(start, cut);
    start = cut + 1;
    const colon = item.indexOf(':');
    const eq = item.indexOf('=');
    if (colon < 0 || eq < colon) continue;
    const key = item.slice(colon + 1, eq).toUpperCase();
    if (!out.has(key)) out.set(key, item.slice(eq + 1));
  }
  return out;
}

/** Positions of separating `;`; null when quote tracking is on and quotes do not balance. */
function findCuts(s: string, trackQuotes: boolean): number[] | null {
  const cuts: number[] = [];
  let single = false;
  let double = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (trackQuotes) {
      if (c === 39 && !double) {
        single = !single;
        continue;
      }
      if (c === 34 && !single) {
        double = !double;
        continue;
      }
    }
    if (c === 59 && !single && !double && isItemStart(s, i + 1)) cuts.push(i);
  }
  return trackQuotes && (single || double) ? null : cuts;
}

class EcpParser implements TextParser {
  private names: string[] | null = null;
  private ix = { time: 0, server: 1, eventId: 2, data: 3, width: 4 };
  private logType = 'ECP Server Log';
  private readonly csv = new CsvLine();

  constructor(private readonly ctx: ParseContext) {
    if (/[\\/]ECP[\\/]Activity[\\/]|ECPActivity/i.test(ctx.sourceFile)) this.logType = 'ECP Activity Log';
    this.setHeader(DEFAULT_FIELDS);
    this.names = null;
  }

  private setHeader(names: string[]): void {
    const h = headerIndex(names);
    this.names = names;
    this.ix = {
      time: col(h, 'timestamp', 'datetime', 'date-time'),
      server: col(h, 'servername', 'server'),
      eventId: col(h, 'eventid'),
      data: col(h, 'eventdata'),
      width: names.length,
    };
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (text.length === 0) return;
    if (text.charCodeAt(0) === 35) {
      if (text.startsWith('#Fields:'))
        this.setHeader(
          text
            .slice(8)
            .split(',')
            .map((s) => s.trim()),
        );
      else if (text.startsWith('#Log-type:')) this.logType = text.slice(10).trim() || this.logType;
      return;
    }
    const fields = this.split(text);
    if (fields === null) {
      this.ctx.reject(lineNo, this.csv.error ?? 'bad CSV line');
      return;
    }
    if (fields.length && fields[0].toLowerCase() === 'timestamp') {
      this.setHeader(fields);
      return;
    }
    const ix = this.ix;
    if (ix.time < 0) {
      this.ctx.reject(lineNo, `header ${JSON.stringify(this.names)} has no TimeStamp column`);
      return;
    }
    if (fields.length !== ix.width) {
      this.ctx.reject(lineNo, `wrong column count: ${fields.length} fields, header has ${ix.width}`);
      return;
    }
    const ts = fields[ix.time];
    const t = parseIsoTime(ts);
    if (Number.isNaN(t)) {
      this.ctx.reject(lineNo, `bad TimeStamp "${ts.slice(0, 40)}"`);
      return;
    }
    const data = ix.data >= 0 ? nullIfEmpty(fields[ix.data]) : null;
    const items = data ? parseEventData(data) : new Map<string, string>();
    const item = (k: string): string | null => {
      const v = items.get(k);
      return v === undefined ? null : nullIfEmpty(v);
    };
    const server = ix.server >= 0 ? nullIfEmpty(fields[ix.server]) : null;
    this.ctx.emit('exchange_logs', {
      event_time: t,
      host: shortHost(server) ?? this.ctx.hostHint,
      source_line: lineNo,
      log_type: this.logType,
      server_name: server,
      event_id: ix.eventId >= 0 ? nullIfEmpty(fields[ix.eventId]) : null,
      cmd: item('CMD'),
      url: item('URL'),
      user_sid: item('SID'),
      request_id: item('REQID'),
      exception: item('EX'),
      message: data,
    });
  }

  /**
   * CSV split; when EventData is the last column and the line is not clean CSV
   * (an unquoted EventData holding commas or stray quotes, as in published
   * exploitation traces), the leading columns are cut at commas and the rest of
   * the line is EventData as written, so the trace is never lost.
   */
  private split(text: string): string[] | null {
    const csv = this.csv;
    const width = this.ix.width;
    if (csv.scan(text) && (csv.count === width || this.ix.data !== width - 1 || csv.count < width)) return csv.all();
    if (this.ix.data !== width - 1) return csv.error === null ? csv.all() : null;
    const out: string[] = [];
    let pos = 0;
    for (let i = 0; i < width - 1; i++) {
      const comma = text.indexOf(',', pos);
      if (comma < 0) return csv.error === null ? csv.all() : null;
      out.push(text.slice(pos, comma));
      pos = comma + 1;
    }
    let rest = text.slice(pos);
    if (rest.length >= 2 && rest.charCodeAt(0) === 34 && rest.charCodeAt(rest.length - 1) === 34)
      rest = rest.slice(1, -1).replace(/""/g, '"');
    out.push(rest);
    return out;
  }

  end(): void {
    // Every record is one line.
  }
}

/** ECP Server / Activity log parser (`exchange_logs`). */
export const ecpServerParser: TextFamilyParser<'ecp_server'> = {
  family: 'ecp_server',
  kind: 'text',
  facts: {
    label: 'ECP Server logs',
    tables: ['exchange_logs'],
    whereOnServer: '<Exchange install>\\Logging\\ECP\\Server\\',
    localTime: false,
  },
  create: (ctx) => new EcpParser(ctx),
};
