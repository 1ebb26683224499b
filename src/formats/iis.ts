/**
 * IIS W3C extended logs: space-separated, described by `#Fields:` blocks that
 * may change mid-file (an IIS restart or a configuration change), UTC times,
 * `-` for "no value", `+` for spaces in cs(User-Agent).
 */
import { WebLogKernel } from './iis-kernel';
import type { ParseContext, TextFamilyParser, TextParser } from './types';
import { cleanLine } from './text/csv-line';
import { parseW3cDateTime } from './text/time';
import { col, headerIndex, intInRange } from './text/values';
import { shortHost } from './windows/event-row';
import { firstPublicAddress, normalizeIp, rawAddressText } from '../core';

/**
 * Custom logged fields that carry the client behind a load balancer or reverse proxy, by lower-case `#Fields` name
 * (IIS 8.5+ custom fields appear under their configured name; Advanced Logging and some admins use `cs(...)`), in
 * order of preference: the first present one becomes `forwarded_for`.
 */
export const FORWARDED_FIELDS = [
  'x-forwarded-for',
  'cs(x-forwarded-for)',
  'x-original-for',
  'cs(x-original-for)',
  'x-real-ip',
  'cs(x-real-ip)',
  'forwarded',
  'cs(forwarded)',
  'x-client-ip',
  'cs(x-client-ip)',
  'true-client-ip',
  'cs(true-client-ip)',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'x-originating-ip',
  'cs(x-originating-ip)',
  'clientip',
  'x-forwarded-for-ip',
] as const;

/** The Exchange default field line (used when a file has lost its header but the width matches). */
export const IIS_EXCHANGE_DEFAULT_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken'.split(
    ' ',
  );

interface Layout {
  readonly width: number;
  readonly date: number;
  readonly time: number;
  readonly siteName: number;
  readonly computer: number;
  readonly serverIp: number;
  readonly method: number;
  readonly stem: number;
  /** HTTPERR logs carry `cs-uri` (stem and query together) instead of cs-uri-stem/cs-uri-query. */
  readonly uri: number;
  readonly query: number;
  readonly port: number;
  readonly user: number;
  readonly clientIp: number;
  readonly userAgent: number;
  readonly referer: number;
  readonly status: number;
  readonly substatus: number;
  readonly win32: number;
  readonly timeTaken: number;
  readonly csBytes: number;
  readonly scBytes: number;
  /** A custom field naming the client behind a proxy (first of {@link FORWARDED_FIELDS} present), or -1. */
  readonly forwarded: number;
}

function layoutOf(names: readonly string[]): Layout {
  const ix = headerIndex(names);
  return {
    width: names.length,
    date: col(ix, 'date'),
    time: col(ix, 'time'),
    siteName: col(ix, 's-sitename'),
    computer: col(ix, 's-computername'),
    serverIp: col(ix, 's-ip'),
    method: col(ix, 'cs-method'),
    stem: col(ix, 'cs-uri-stem'),
    uri: col(ix, 'cs-uri'),
    query: col(ix, 'cs-uri-query'),
    port: col(ix, 's-port'),
    user: col(ix, 'cs-username'),
    clientIp: col(ix, 'c-ip'),
    userAgent: col(ix, 'cs(user-agent)'),
    referer: col(ix, 'cs(referer)'),
    status: col(ix, 'sc-status'),
    substatus: col(ix, 'sc-substatus'),
    win32: col(ix, 'sc-win32-status'),
    timeTaken: col(ix, 'time-taken'),
    csBytes: col(ix, 'cs-bytes'),
    scBytes: col(ix, 'sc-bytes'),
    forwarded: col(ix, ...FORWARDED_FIELDS),
  };
}

const DEFAULT_LAYOUT = layoutOf(IIS_EXCHANGE_DEFAULT_FIELDS);

/** The IIS site folder in the path (`.../LogFiles/W3SVC2/u_ex210302.log` -> `W3SVC2`). */
export function iisSiteFromPath(displayPath: string): string | null {
  // The last segment may carry a single-file container level ("u_ex210302.log.gz!u_ex210302.log").
  const m = /(?:^|[\\/!])(W3SVC\d+)[\\/][^\\/]*$/i.exec(displayPath);
  return m ? m[1].toUpperCase() : null;
}

const MAX_FIELDS = 64;

/** `forwarded_for` as logged and the real client it names. */
function forwardedColumns(chain: string | null): { forwarded_for: string | null; forwarded_client_ip: string | null } {
  return { forwarded_for: chain, forwarded_client_ip: firstPublicAddress(chain) };
}

class IisParser implements TextParser {
  private layout: Layout | null = null;
  /** `#Date:` of the current block: the day for layouts that have `time` but no `date`. */
  private headerDate: string | null = null;
  private readonly site: string | null;
  private readonly starts = new Int32Array(MAX_FIELDS + 1);
  private readonly ends = new Int32Array(MAX_FIELDS + 1);
  /** The line being parsed (fields are read in place). */
  private text = '';

  constructor(private readonly ctx: ParseContext) {
    this.site = iisSiteFromPath(ctx.sourceFile);
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (text.length === 0) return;
    if (text.charCodeAt(0) === 35) {
      if (text.startsWith('#Fields:')) {
        const names = text.slice(8).trim().split(/\s+/);
        if (names.length > MAX_FIELDS) {
          this.ctx.reject(lineNo, `#Fields line lists ${names.length} fields (at most ${MAX_FIELDS} supported)`);
          this.layout = null;
          return;
        }
        this.layout = layoutOf(names);
      } else if (text.startsWith('#Date:')) {
        const d = text.slice(6).trim();
        this.headerDate = d.length >= 10 ? d.slice(0, 10) : null;
      }
      return;
    }
    // Split on single spaces with indexOf: W3C fields never contain spaces.
    const starts = this.starts;
    const ends = this.ends;
    let n = 0;
    let pos = 0;
    const len = text.length;
    while (n <= MAX_FIELDS) {
      const sp = text.indexOf(' ', pos);
      starts[n] = pos;
      if (sp < 0) {
        ends[n++] = len;
        break;
      }
      ends[n++] = sp;
      pos = sp + 1;
    }
    let L = this.layout;
    if (L === null) {
      if (n === DEFAULT_LAYOUT.width) L = DEFAULT_LAYOUT;
      else {
        this.ctx.reject(lineNo, `no #Fields header before data, and ${n} fields do not match the Exchange default layout`);
        return;
      }
    }
    if (n !== L.width) {
      this.ctx.reject(lineNo, `wrong column count: ${n > MAX_FIELDS ? `more than ${MAX_FIELDS}` : n} fields, #Fields has ${L.width}`);
      return;
    }
    this.text = text;
    const timeText = this.str(L.time);
    let t: number;
    if (L.date >= 0) {
      const dateText = this.str(L.date) ?? '';
      t = parseW3cDateTime(dateText, timeText ?? '');
      if (Number.isNaN(t)) {
        this.ctx.reject(lineNo, `bad date/time "${dateText} ${timeText ?? ''}"`);
        return;
      }
    } else if (timeText !== null && this.headerDate !== null) {
      t = parseW3cDateTime(this.headerDate, timeText);
      if (Number.isNaN(t)) {
        this.ctx.reject(lineNo, `bad time "${timeText}" (day from #Date ${this.headerDate})`);
        return;
      }
    } else {
      this.ctx.reject(lineNo, 'no date/time: the #Fields layout has no date and no #Date header was seen');
      return;
    }
    let ua = this.str(L.userAgent);
    // "+" stands for a space, except the literal one of "(+http://...)" bot URLs:
    // "Bingbot/2.0;++http://" is "Bingbot/2.0; +http://". Either way replace(' ', '+') gives back the logged form.
    if (ua !== null && ua.indexOf('+') >= 0) ua = ua.indexOf('+http') < 0 ? ua.replaceAll('+', ' ') : ua.replace(/\+(?!http)/g, ' ');
    let stem = this.str(L.stem);
    let query = this.str(L.query);
    if (stem === null && L.uri >= 0) {
      const uri = this.str(L.uri);
      const q = uri === null ? -1 : uri.indexOf('?');
      stem = q < 0 ? uri : uri!.slice(0, q);
      if (q >= 0 && query === null) query = uri!.length > q + 1 ? uri!.slice(q + 1) : null;
    }
    const computer = this.str(L.computer);
    const clientIp = this.str(L.clientIp);
    const serverIp = this.str(L.serverIp);
    const client = normalizeIp(clientIp);
    const server = normalizeIp(serverIp);
    this.ctx.emit('web_requests', {
      event_time: t,
      host: computer === null ? this.ctx.hostHint : (shortHost(computer) ?? this.ctx.hostHint),
      source_line: lineNo,
      site: this.str(L.siteName) ?? this.site,
      method: this.str(L.method),
      uri_stem: stem,
      uri_query: query,
      status: this.num(L.status),
      substatus: this.num(L.substatus),
      win32_status: this.num(L.win32),
      client_ip: client,
      client_ip_raw: rawAddressText(clientIp, client),
      server_ip: server,
      server_ip_raw: rawAddressText(serverIp, server),
      server_port: this.num(L.port),
      username: this.str(L.user),
      user_agent: ua,
      referer: this.str(L.referer),
      time_taken_ms: this.num(L.timeTaken),
      request_bytes: this.num(L.csBytes),
      response_bytes: this.num(L.scBytes),
      ...(L.forwarded >= 0 ? forwardedColumns(this.str(L.forwarded)) : null),
    });
  }

  /** Field `i` of the current line; null for an absent column, empty or "-". */
  private str(i: number): string | null {
    if (i < 0) return null;
    const a = this.starts[i];
    const b = this.ends[i];
    const text = this.text;
    if (b === a || (b === a + 1 && text.charCodeAt(a) === 45)) return null;
    return text.slice(a, b);
  }

  /** Field `i` as an integer, read in place (no slice); null when absent, "-" or not a number. */
  private num(i: number): number | null {
    return i < 0 ? null : intInRange(this.text, this.starts[i], this.ends[i]);
  }

  end(): void {
    // Every W3C record is one line.
  }
}

/** IIS W3C extended log parser (`web_requests`). */
export const iisParser: TextFamilyParser<'iis'> = {
  family: 'iis',
  kind: 'text',
  facts: {
    label: 'IIS logs',
    tables: ['web_requests'],
    whereOnServer: 'C:\\inetpub\\logs\\LogFiles\\ (W3SVC1 and W3SVC2)',
    localTime: false,
  },
  create: (ctx) => new IisParser(ctx),
  kernel: () => new WebLogKernel(),
};
