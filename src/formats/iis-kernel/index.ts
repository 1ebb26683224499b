/**
 * The web log kernel (assembly/kernel.ts, WebAssembly): the common data lines of an IIS log (`format: 'iis'`) or
 * an HttpProxy log (`'httpproxy'`, CSV) read into columns without making a string per field, for the lines it is
 * sure to read exactly as the JS parser (../iis.ts, ../httpproxy.ts) does. Every other line (directives, header rows,
 * blank lines, non-ASCII or control bytes, a wrong field count, a bad or unusual time, escaped quotes, a number over
 * 15 characters) stops the kernel and goes to the JS parser, so the rows are the same either way.
 *
 * The pipeline (src/pipeline/normalize.ts) hands it runs of complete lines ({@link readBlock}, readLines' `onBlock`)
 * and writes its batches as columns ({@link WebLogKernel.takeColumns} -> LakeWriter.writeBatch): the same Parquet bytes
 * as the JS parser's rows, tested on the samples and on damaged uploads. {@link readIisWithKernel} and
 * {@link WebLogKernel.takeRows} give rows, for the differential tests and for a batch whose day is out of range.
 */
import { CsvLine } from '../text/csv-line';
import { normalizeIp, rawAddressText } from '../../core';
import { protocolFolder } from '../httpproxy';
import type { ParseContext, TextParser } from '../types';
import { shortHost } from '../windows/event-row';
import { FORWARDED_FIELDS, IIS_EXCHANGE_DEFAULT_FIELDS, iisSiteFromPath } from '../iis';
import type { BatchColumn, RowBatch, Row } from '../../lake';
import { IIS_KERNEL_WASM } from './kernel-wasm';

const enum FieldKind {
  Skip = 0,
  Date = 1,
  Time = 2,
  Str = 3,
  Num = 4,
  IsoTime = 5,
}
const enum Stop {
  End = 0,
  Full = 1,
  Day = 2,
  Js = 3,
}

/** Fields the kernel reads, by lower-case W3C name. */
const KINDS: Record<string, FieldKind> = {
  date: FieldKind.Date,
  time: FieldKind.Time,
  's-sitename': FieldKind.Str,
  's-computername': FieldKind.Str,
  's-ip': FieldKind.Str,
  'cs-method': FieldKind.Str,
  'cs-uri-stem': FieldKind.Str,
  'cs-uri-query': FieldKind.Str,
  'cs-username': FieldKind.Str,
  'c-ip': FieldKind.Str,
  'cs(user-agent)': FieldKind.Str,
  'cs(referer)': FieldKind.Str,
  's-port': FieldKind.Num,
  'sc-status': FieldKind.Num,
  'sc-substatus': FieldKind.Num,
  'sc-win32-status': FieldKind.Num,
  'time-taken': FieldKind.Num,
  'cs-bytes': FieldKind.Num,
  'sc-bytes': FieldKind.Num,
};

/** HttpProxy fields the kernel reads, by lower-case name. */
const CSV_KINDS: Record<string, FieldKind> = {
  datetime: FieldKind.IsoTime,
  requestid: FieldKind.Str,
  protocol: FieldKind.Str,
  urlhost: FieldKind.Str,
  urlstem: FieldKind.Str,
  urlquery: FieldKind.Str,
  method: FieldKind.Str,
  clientipaddress: FieldKind.Str,
  authenticateduser: FieldKind.Str,
  authenticationtype: FieldKind.Str,
  useragent: FieldKind.Str,
  anchormailbox: FieldKind.Str,
  backendcookie: FieldKind.Str,
  routinghint: FieldKind.Str,
  routingtype: FieldKind.Str,
  targetserver: FieldKind.Str,
  targetserverversion: FieldKind.Str,
  serverhostname: FieldKind.Str,
  errorcode: FieldKind.Str,
  proxyaction: FieldKind.Str,
  genericinfo: FieldKind.Str,
  genericerrors: FieldKind.Str,
  httpstatus: FieldKind.Num,
  backendstatus: FieldKind.Num,
  requestbytes: FieldKind.Num,
  responsebytes: FieldKind.Num,
  totalrequesttime: FieldKind.Num,
};

/** IIS `#Fields` lines of more fields than this are refused by the JS parser (the kernel follows it). */
const MAX_FIELDS = 64;
/** The kernel's own limit (HttpProxy has 73-74 columns). */
const KERNEL_MAX_FIELDS = 128;

interface Exports {
  memory: { buffer: ArrayBuffer };
  init(capacity: number): number;
  setLayout(n: number): void;
  setKind(field: number, kind: number): void;
  setMaxLine(n: number): void;
  setCsv(on: number): void;
  begin(firstLine: number): void;
  newBatch(): void;
  run(len: number): number;
  skipLine(len: number): void;
  batchRows(): number;
  position(): number;
  nextLine(): number;
  timesPtr(): number;
  linesPtr(): number;
  idsPtr(field: number): number;
  entryCount(field: number): number;
  entryStartsPtr(field: number): number;
  entryLensPtr(field: number): number;
  numsPtr(field: number): number;
  presentPtr(field: number): number;
}

/** The project's TypeScript lib (ES2022) has no WebAssembly types: the few used here. */
const WA = (
  globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } };
  }
).WebAssembly;

let compiled: object | null = null;

/** Where each W3C field goes, for one #Fields layout. */
interface Layout {
  readonly width: number;
  /** Field index per row column, -1 when the layout lacks it. */
  readonly at: Readonly<Record<string, number>>;
}

function layoutOf(names: readonly string[]): Layout {
  const at: Record<string, number> = {};
  names.forEach((n, i) => {
    const k = n.trim().toLowerCase();
    if (at[k] === undefined) at[k] = i;
  });
  return { width: names.length, at };
}

/** The Exchange default layout, made on first use: ../iis.ts declares this kernel, so its exports may not be ready at load. */
let defaultLayout: Layout | null = null;

/** One IIS or HttpProxy log read through the kernel (IIS W3C or HttpProxy CSV mode): a fresh instance per log, its memory dropped with it. */
export class WebLogKernel {
  private readonly x: Exports;
  private readonly input: number;
  private layout: Layout | null = null;

  private readonly csvLine = new CsvLine();

  /** `format`: IIS W3C lines (`iis`), or HttpProxy CSV (`httpproxy`). */
  constructor(
    readonly capacity = 1 << 20,
    readonly format: 'iis' | 'httpproxy' = 'iis',
  ) {
    compiled ??= new WA.Module(Buffer.from(IIS_KERNEL_WASM, 'base64'));
    this.x = new WA.Instance(compiled, {
      env: {
        abort: () => {
          throw new Error('IIS kernel aborted');
        },
      },
    }).exports as Exports;
    this.input = this.x.init(capacity);
    this.x.setCsv(format === 'httpproxy' ? 1 : 0);
  }

  /**
   * Sets the layout of the lines that follow, as the JS parser does. IIS: `null` means none seen yet (the Exchange
   * default applies to 15-field lines); the kernel does not read layouts without a date or time field, with
   * `cs-uri`, or of too many fields. HttpProxy: `null` (no header yet) and layouts without DateTime are left to the
   * JS parser. Returns whether the kernel reads the lines that follow.
   */
  configure(names: readonly string[] | null): boolean {
    let L: Layout | null;
    if (this.format === 'iis') {
      L = names === null ? (defaultLayout ??= layoutOf(IIS_EXCHANGE_DEFAULT_FIELDS)) : layoutOf(names);
      if (!(L.width <= MAX_FIELDS && L.at.date !== undefined && L.at.time !== undefined && L.at['cs-uri'] === undefined)) L = null;
      // A forwarded-client custom field (X-Forwarded-For, ...) is read by the JS parser: such files skip the kernel.
      else if (FORWARDED_FIELDS.some((f) => L!.at[f] !== undefined)) L = null;
    } else {
      L = names === null ? null : layoutOf(names);
      if (L && !(L.width <= KERNEL_MAX_FIELDS && L.at.datetime !== undefined)) L = null;
    }
    this.layout = L;
    this.x.setLayout(L ? L.width : 0);
    const kinds = this.format === 'iis' ? KINDS : CSV_KINDS;
    if (L) for (const [name, i] of Object.entries(L.at)) this.x.setKind(i, kinds[name] ?? FieldKind.Skip);
    return L !== null;
  }

  /** Lines longer than `bytes` (without the line break) are left to the JS side (readLines reports them as long). */
  setMaxLine(bytes: number): void {
    this.x.setMaxLine(Math.min(bytes, 0x7fffffff));
  }

  /**
   * A line the JS parser read: a `#Fields:` line (or, in HttpProxy logs, a `DateTime,...` header row) sets the layout
   * of the lines after it, as in the JS parser.
   */
  observe(raw: string, lineNo: number): void {
    // The JS parsers' cleanLine: a BOM on the first line, a trailing CR.
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo <= 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (this.format === 'iis') {
      const names = fieldsOf(text);
      if (names) this.configure(names.length > MAX_FIELDS ? null : names);
      return;
    }
    if (text.startsWith('#Fields:')) {
      this.configure(
        text
          .slice(8)
          .split(',')
          .map((n) => n.trim()),
      );
      return;
    }
    const csv = this.csvLine;
    if (
      text.length > 0 &&
      text.charCodeAt(0) !== 35 &&
      csv.scan(text) &&
      csv.fieldLength(0) <= 10 &&
      csv.field(0).toLowerCase() === 'datetime'
    )
      this.configure(csv.all());
  }

  get active(): boolean {
    return this.layout !== null;
  }

  /** The layout the rows of the current batch were read with. */
  get currentLayout(): Layout | null {
    return this.layout;
  }

  /** Copies whole lines (at most `capacity` bytes) in; the first is line `firstLine`. */
  load(bytes: Uint8Array, firstLine: number): void {
    if (bytes.length > this.capacity) throw new RangeError(`IIS kernel chunk of ${bytes.length} bytes over its ${this.capacity}`);
    new Uint8Array(this.x.memory.buffer, this.input, bytes.length).set(bytes);
    this.x.begin(firstLine);
    this.x.newBatch();
  }

  run(len: number): Stop {
    return this.x.run(len) as Stop;
  }

  skipLine(len: number): void {
    this.x.skipLine(len);
  }

  get position(): number {
    return this.x.position();
  }

  get nextLine(): number {
    return this.x.nextLine();
  }

  /** See {@link takeBatch}. */
  takeColumns(ctx: ParseContext, family: string): RowBatch | null {
    const x = this.x;
    const n = x.batchRows();
    const L = this.layout;
    if (n === 0 || L === null) {
      x.newBatch();
      return null;
    }
    const mem = x.memory.buffer;
    const bytes = Buffer.from(mem, this.input, this.capacity);
    const cols = new Map<string, BatchColumn>();
    const constant = (v: string | null): BatchColumn => ({ t: 'str', ids: ZEROS.subarray(0, n), entries: [v] });
    /** Field `name` as a string column; `rule` maps each distinct value, `ifNull` stands for absent values. */
    const strings = (column: string, name: string, rule?: (s: string) => string | null, ifNull: string | null = null): void => {
      const f = L.at[name];
      if (f === undefined) {
        if (ifNull !== null) cols.set(column, constant(ifNull));
        return;
      }
      const count = x.entryCount(f);
      const starts = new Int32Array(mem, x.entryStartsPtr(f), count);
      const lens = new Int32Array(mem, x.entryLensPtr(f), count);
      if (rule === undefined && ifNull === null) {
        // Values as they are: their bytes (printable ASCII, all the kernel reads), made strings only where needed.
        cols.set(column, { t: 'ascii', ids: new Int32Array(mem, x.idsPtr(f), n), count, bytes, starts, lens });
        return;
      }
      const entries: (string | null)[] = [];
      for (let e = 0; e < count; e++) {
        const s = bytes.toString('latin1', starts[e], starts[e] + lens[e]);
        entries.push((rule ? rule(s) : s) ?? ifNull);
      }
      let ids = new Int32Array(mem, x.idsPtr(f), n);
      if (ifNull !== null) {
        // Absent values ("-") take the stand-in: one more entry.
        const fill = entries.length;
        entries.push(ifNull);
        const own = new Int32Array(n);
        for (let r = 0; r < n; r++) own[r] = ids[r] < 0 ? fill : ids[r];
        ids = own;
      }
      cols.set(column, { t: 'str', ids, entries });
    };
    /**
     * Field `name` as an `ascii` column, each value cut by `rule` where `needs` (on its bytes) says the rule may change
     * it: the rule keeps a part of the value (its bytes then) or gives null. Should a rule give anything else, the
     * column is made of strings instead. A value the rule need not see keeps its bytes.
     */
    const cut = (
      column: string,
      name: string,
      needs: (b: Buffer, start: number, len: number) => boolean,
      rule: (s: string) => string | null,
    ): void => {
      const f = L.at[name];
      if (f === undefined) return;
      const count = x.entryCount(f);
      let starts = new Int32Array(mem, x.entryStartsPtr(f), count);
      let lens = new Int32Array(mem, x.entryLensPtr(f), count);
      let nulls: Uint8Array | null = null;
      let own = false;
      for (let e = 0; e < count; e++) {
        const at = starts[e];
        const len = lens[e];
        if (!needs(bytes, at, len)) continue;
        const value = bytes.toString('latin1', at, at + len);
        const out = rule(value);
        if (!own) {
          // The kernel's arrays stay as they are.
          starts = starts.slice();
          lens = lens.slice();
          own = true;
        }
        if (out === null) {
          (nulls ??= new Uint8Array(count))[e] = 1;
          continue;
        }
        // Any place of the same bytes will do.
        const part = value.indexOf(out);
        if (part < 0) return strings(column, name, rule);
        starts[e] = at + part;
        lens[e] = out.length;
      }
      let ids = new Int32Array(mem, x.idsPtr(f), n);
      if (nulls !== null) {
        const given = ids;
        ids = new Int32Array(n);
        for (let r = 0; r < n; r++) ids[r] = given[r] >= 0 && nulls[given[r]] === 1 ? -1 : given[r];
      }
      cols.set(column, { t: 'ascii', ids, count, bytes, starts, lens });
    };
    /**
     * Field `name` (a logged address) as two `ascii` columns in one pass: `column` its matching form (normalizeIp),
     * `rawColumn` the logged text where that differs (rawAddressText). Each distinct value is checked once for being
     * plain dotted IPv4, which keeps its bytes in `column` and is null in `rawColumn` without becoming a string;
     * any other value is made a string once and given to both rules. A rule that gives anything but a part of the
     * value makes its column one of strings instead.
     */
    const address = (column: string, rawColumn: string, name: string): void => {
      const f = L.at[name];
      if (f === undefined) return;
      const count = x.entryCount(f);
      const starts = new Int32Array(mem, x.entryStartsPtr(f), count);
      const lens = new Int32Array(mem, x.entryLensPtr(f), count);
      // Per column: its own starts and lengths once a value is cut (the kernel's arrays stay as they are), and nulls.
      let nStarts: Int32Array | null = null;
      let nLens: Int32Array | null = null;
      let nNulls: Uint8Array | null = null;
      let rStarts: Int32Array | null = null;
      let rLens: Int32Array | null = null;
      const rNulls = new Uint8Array(count);
      let nStrings = false;
      let rStrings = false;
      for (let e = 0; e < count; e++) {
        const at = starts[e];
        const len = lens[e];
        if (!notPlainIpv4(bytes, at, len)) {
          rNulls[e] = 1;
          continue;
        }
        const value = bytes.toString('latin1', at, at + len);
        const normal = normalizeIp(value);
        const raw = rawAddressText(value, normal);
        if (!nStrings) {
          nStarts ??= starts.slice();
          nLens ??= lens.slice();
          if (normal === null) (nNulls ??= new Uint8Array(count))[e] = 1;
          else {
            const part = value.indexOf(normal);
            if (part < 0) nStrings = true;
            else {
              nStarts[e] = at + part;
              nLens[e] = normal.length;
            }
          }
        }
        if (!rStrings) {
          rStarts ??= starts.slice();
          rLens ??= lens.slice();
          if (raw === null) rNulls[e] = 1;
          else {
            const part = value.indexOf(raw);
            if (part < 0) rStrings = true;
            else {
              rStarts[e] = at + part;
              rLens[e] = raw.length;
            }
          }
        }
      }
      const given = new Int32Array(mem, x.idsPtr(f), n);
      const withNulls = (nulls: Uint8Array | null): Int32Array => {
        if (nulls === null) return given;
        const ids = new Int32Array(n);
        for (let r = 0; r < n; r++) ids[r] = given[r] >= 0 && nulls[given[r]] === 1 ? -1 : given[r];
        return ids;
      };
      if (nStrings) strings(column, name, normalizeIp);
      else cols.set(column, { t: 'ascii', ids: withNulls(nNulls), count, bytes, starts: nStarts ?? starts, lens: nLens ?? lens });
      if (rStrings) strings(rawColumn, name, rawAddressText);
      else cols.set(rawColumn, { t: 'ascii', ids: withNulls(rNulls), count, bytes, starts: rStarts ?? starts, lens: rLens ?? lens });
    };
    const numbers = (column: string, name: string): void => {
      const f = L.at[name];
      if (f === undefined) return;
      cols.set(column, { t: 'num', vals: new Float64Array(mem, x.numsPtr(f), n), present: new Uint8Array(mem, x.presentPtr(f), n) });
    };
    const ones = new Uint8Array(n).fill(1);
    cols.set('event_time', { t: 'num', vals: new Float64Array(mem, x.timesPtr(), n), present: ones });
    cols.set('source_line', { t: 'num', vals: Float64Array.from(new Int32Array(mem, x.linesPtr(), n)), present: ones });
    cols.set('source_family', constant(family));
    cols.set('source_file', constant(ctx.sourceFile));
    // An empty short name is no name (the pipeline's emit rule for rows).
    if (this.format === 'iis') {
      strings('host', 's-computername', (s) => shortHost(s) || ctx.hostHint, ctx.hostHint);
      strings('site', 's-sitename', undefined, iisSiteFromPath(ctx.sourceFile));
      strings('method', 'cs-method');
      strings('uri_stem', 'cs-uri-stem');
      strings('uri_query', 'cs-uri-query');
      strings('username', 'cs-username');
      // Addresses in their matching form (each distinct value checked once); the logged text in the *_raw columns
      // where it differs (plain dotted IPv4, most addresses, gives null there without becoming a string).
      address('client_ip', 'client_ip_raw', 'c-ip');
      address('server_ip', 'server_ip_raw', 's-ip');
      strings('user_agent', 'cs(user-agent)', (s) =>
        s.indexOf('+') < 0 ? s : s.indexOf('+http') < 0 ? s.replaceAll('+', ' ') : s.replace(/\+(?!http)/g, ' '),
      );
      strings('referer', 'cs(referer)');
      numbers('status', 'sc-status');
      numbers('substatus', 'sc-substatus');
      numbers('win32_status', 'sc-win32-status');
      numbers('server_port', 's-port');
      numbers('time_taken_ms', 'time-taken');
      numbers('request_bytes', 'cs-bytes');
      numbers('response_bytes', 'sc-bytes');
    } else {
      // src/formats/httpproxy.ts's row, per distinct value.
      strings('host', 'serverhostname', (s) => shortHost(s) || ctx.hostHint, ctx.hostHint);
      const folder = protocolFolder(ctx.sourceFile);
      if (folder !== null) cols.set('site', constant(folder));
      else strings('site', 'protocol');
      strings('method', 'method');
      strings('uri_stem', 'urlstem');
      cut(
        'uri_query',
        'urlquery',
        (b, at) => b[at] === QUESTION,
        (s) => (s.length > 1 ? s.slice(1) : null),
      );
      address('client_ip', 'client_ip_raw', 'clientipaddress');
      strings('username', 'authenticateduser');
      strings('user_agent', 'useragent');
      strings('request_id', 'requestid');
      strings('protocol', 'protocol');
      strings('url_host', 'urlhost');
      strings('authentication_type', 'authenticationtype');
      strings('anchor_mailbox', 'anchormailbox');
      strings('backend_cookie', 'backendcookie');
      strings('routing_hint', 'routinghint');
      strings('routing_type', 'routingtype');
      strings('target_server', 'targetserver');
      strings('target_server_version', 'targetserverversion');
      strings('server_hostname', 'serverhostname');
      strings('error_code', 'errorcode');
      strings('proxy_action', 'proxyaction');
      strings('generic_info', 'genericinfo');
      strings('generic_errors', 'genericerrors');
      numbers('status', 'httpstatus');
      numbers('backend_status', 'backendstatus');
      numbers('time_taken_ms', 'totalrequesttime');
      numbers('request_bytes', 'requestbytes');
      numbers('response_bytes', 'responsebytes');
    }
    // Every string value is cut from the chunk's lines, or is one of the stand-ins; plain values add a 4-byte length.
    const standIns = family.length + ctx.sourceFile.length + (ctx.hostHint?.length ?? 0) + (iisSiteFromPath(ctx.sourceFile)?.length ?? 0);
    return { rows: n, cols, charsBound: this.capacity + n * (standIns + 4 * cols.size + 64) };
  }

  /** Starts a new batch (after {@link takeColumns}: its arrays are views into the kernel's memory). */
  nextBatch(): void {
    this.x.newBatch();
  }

  /**
   * The rows of the current batch, as the JS parser emits them (tests, and a batch whose day is out of the lake's
   * range), then starts a new batch. Built from {@link takeColumns}.
   */
  takeRows(ctx: ParseContext): Row[] {
    const batch = this.takeColumns(ctx, this.format);
    const rows: Row[] = [];
    if (batch !== null) {
      const cols = [...batch.cols];
      const bytes = Buffer.from(this.x.memory.buffer, this.input, this.capacity);
      for (let r = 0; r < batch.rows; r++) {
        const row: Row = {};
        for (const [name, c] of cols) {
          if (name === 'source_family' || name === 'source_file') continue;
          if (c.t === 'str') row[name] = c.ids[r] < 0 ? null : c.entries[c.ids[r]];
          else if (c.t === 'ascii')
            row[name] = c.ids[r] < 0 ? null : bytes.toString('latin1', c.starts[c.ids[r]], c.starts[c.ids[r]] + c.lens[c.ids[r]]);
          else row[name] = c.present[r] ? c.vals[r] : null;
        }
        rows.push(row);
      }
    }
    this.x.newBatch();
    return rows;
  }
}

const ZEROS = new Int32Array(1 << 12);
const QUESTION = 0x3f;
const DOT = 0x2e;

/**
 * Whether `b[at, at + len)` may change under normalizeIp: anything but canonical dotted IPv4 (no leading zeros,
 * octets up to 255), which most logged addresses are; those keep their bytes without being made strings.
 */
function notPlainIpv4(b: Buffer, at: number, len: number): boolean {
  if (len < 7 || len > 15) return true;
  let dots = 0;
  let value = 0;
  let digits = 0;
  for (let k = at; k <= at + len; k++) {
    const c = k < at + len ? b[k] : DOT;
    if (c === DOT) {
      if (digits === 0 || value > 255) return true;
      if (k < at + len && ++dots > 3) return true;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return true;
      value = value * 10 + (c - 0x30);
      if (++digits > 3) return true;
    } else return true;
  }
  return dots !== 3;
}

/**
 * The current batch as lake columns (`web_requests`), then a new batch: what {@link WebLogKernel.takeRows} gives, with
 * each distinct value made and checked once. The arrays are views into the kernel's memory: use the batch before
 * the kernel reads on. `source_family` and `source_file` are given as constants of the entry.
 */
export function takeBatch(kernel: WebLogKernel, ctx: ParseContext, family: string): RowBatch | null {
  return kernel.takeColumns(ctx, family);
}

/**
 * Reads a run of complete lines (readLines' `onBlock`: `buf[start, end)`, lines numbered from `firstLineNo`) through
 * the kernel. Batches go to `take`; every other line goes to `onLine` or `onLongLine` exactly as readLines would
 * deliver it (CR of CRLF dropped, lines over `maxLineBytes` reported as long). `onLine` must pass each line to
 * {@link WebLogKernel.observe}. Returns the number of lines.
 */
export function readBlock(
  kernel: WebLogKernel,
  buf: Buffer,
  start: number,
  end: number,
  firstLineNo: number,
  maxLineBytes: number,
  onLine: (text: string, lineNo: number) => void,
  onLongLine: (lineNo: number, bytes: number) => void,
  take: (k: WebLogKernel) => void,
): number {
  let lineNo = firstLineNo;
  let off = start;
  const jsLine = (b: Buffer, at: number, no: number): number => {
    const nl = b.indexOf(0x0a, at);
    const stop = nl < 0 ? b.length : nl;
    const lineEnd = stop > at && b[stop - 1] === 0x0d ? stop - 1 : stop;
    if (lineEnd - at > maxLineBytes) onLongLine(no, lineEnd - at);
    else onLine(b.toString('utf8', at, lineEnd), no);
    return stop + 1;
  };
  while (off < end) {
    let stop = Math.min(end, off + kernel.capacity);
    if (stop < end) {
      const nl = buf.lastIndexOf(0x0a, stop - 1);
      stop = nl >= off ? nl + 1 : -1;
    }
    if (stop < 0) {
      // One line longer than the kernel's buffer.
      off = jsLine(buf, off, lineNo++);
      continue;
    }
    const chunk = buf.subarray(off, stop);
    kernel.load(chunk, lineNo);
    for (;;) {
      const s = kernel.active ? kernel.run(chunk.length) : Stop.Js;
      take(kernel);
      if (s === Stop.End) break;
      if (s === Stop.Js) {
        if (kernel.position >= chunk.length) break;
        jsLine(chunk, kernel.position, kernel.nextLine);
        kernel.skipLine(chunk.length);
      }
    }
    lineNo = kernel.nextLine;
    off = stop;
  }
  return lineNo - firstLineNo;
}

/** The names of a `#Fields:` line as the JS parser splits them, or null when it is not one. */
function fieldsOf(text: string): string[] | null {
  return text.startsWith('#Fields:') ? text.slice(8).trim().split(/\s+/) : null;
}

/**
 * Reads a whole IIS log (its bytes, UTF-8 without BOM) through the kernel and the JS parser `js` together: kernel
 * batches are emitted through `ctx.emit`, every other line goes to `js.line`, in file order. Lines are numbered
 * from 1 as the ingest line reader does.
 */
export function readIisWithKernel(
  data: Uint8Array,
  ctx: ParseContext,
  js: TextParser,
  kernel = new WebLogKernel(),
  /** Takes each batch (then must leave the kernel at a new batch); default: its rows through `ctx.emit`. */
  take: (k: WebLogKernel) => void = (k) => {
    for (const row of k.takeRows(ctx)) ctx.emit('web_requests', row);
  },
): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  kernel.configure(null);
  const onLine = (text: string, lineNo: number): void => {
    kernel.observe(text, lineNo);
    js.line(text, lineNo);
  };
  // The complete lines through readBlock (no line limit here), then a last line without a line feed.
  const last = buf.lastIndexOf(0x0a);
  const lines = last < 0 ? 0 : readBlock(kernel, buf, 0, last + 1, 1, Number.MAX_SAFE_INTEGER, onLine, () => undefined, take);
  // As readLines: without one trailing CR.
  if (last + 1 < buf.length) onLine(buf.toString('utf8', last + 1, buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length), lines + 1);
  js.end();
}
