/**
 * The IIS W3C kernel (assembly/kernel.ts, WebAssembly): the common data lines of an IIS log read into columns
 * without making a string per field, for the lines it is sure to read exactly as the JS parser (../iis.ts) does.
 * Every other line (directives, blank lines, non-ASCII or control bytes, a wrong field count, a bad date or time, a
 * number over 15 characters) stops the kernel and goes to the JS parser, so the rows are the same either way.
 *
 * The pipeline (src/pipeline/normalize.ts) hands it runs of complete lines ({@link readBlock}, readLines' `onBlock`)
 * and writes its batches as columns ({@link IisKernel.takeColumns} -> LakeWriter.writeBatch): the same Parquet bytes
 * as the JS parser's rows, tested on the samples and on damaged uploads. {@link readIisWithKernel} and
 * {@link IisKernel.takeRows} give rows, for the differential tests and for a batch whose day is out of range.
 */
import { ipWithoutPort } from '../text/values';
import type { ParseContext, TextParser } from '../types';
import { shortHost } from '../windows/event-row';
import { IIS_EXCHANGE_DEFAULT_FIELDS, iisSiteFromPath } from '../iis';
import type { BatchColumn, RowBatch } from '../../lake/column-buffer';
import type { Row } from '../../lake/schema';
import { IIS_KERNEL_WASM } from './kernel-wasm';

const enum Kind { Skip = 0, Date = 1, Time = 2, Str = 3, Num = 4 }
const enum Stop { End = 0, Full = 1, Day = 2, Js = 3 }

/** Fields the kernel reads, by lower-case W3C name. */
const KINDS: Record<string, Kind> = {
  date: Kind.Date,
  time: Kind.Time,
  's-sitename': Kind.Str,
  's-computername': Kind.Str,
  's-ip': Kind.Str,
  'cs-method': Kind.Str,
  'cs-uri-stem': Kind.Str,
  'cs-uri-query': Kind.Str,
  'cs-username': Kind.Str,
  'c-ip': Kind.Str,
  'cs(user-agent)': Kind.Str,
  'cs(referer)': Kind.Str,
  's-port': Kind.Num,
  'sc-status': Kind.Num,
  'sc-substatus': Kind.Num,
  'sc-win32-status': Kind.Num,
  'time-taken': Kind.Num,
  'cs-bytes': Kind.Num,
  'sc-bytes': Kind.Num,
};

const MAX_FIELDS = 64;

interface Exports {
  memory: { buffer: ArrayBuffer };
  init(capacity: number): number;
  setLayout(n: number): void;
  setKind(field: number, kind: number): void;
  setMaxLine(n: number): void;
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
const WA = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } };
}).WebAssembly;

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
    const k = n.toLowerCase();
    if (at[k] === undefined) at[k] = i;
  });
  return { width: names.length, at };
}

const DEFAULT_LAYOUT = layoutOf(IIS_EXCHANGE_DEFAULT_FIELDS);

/** One IIS log read through the kernel: a fresh instance (its memory is dropped with it). */
export class IisKernel {
  private readonly x: Exports;
  private readonly input: number;
  private layout: Layout | null = null;

  constructor(readonly capacity = 1 << 20) {
    compiled ??= new WA.Module(Buffer.from(IIS_KERNEL_WASM, 'base64'));
    this.x = new WA.Instance(compiled, { env: { abort: () => { throw new Error('IIS kernel aborted'); } } }).exports as Exports;
    this.input = this.x.init(capacity);
  }

  /**
   * Sets the layout of the lines that follow (`null`: none seen yet, the Exchange default applies to 15-field
   * lines, as in the JS parser). Returns false when the kernel does not read this layout (no date or no time
   * field, `cs-uri`, too many fields): every line then goes to the JS parser.
   */
  configure(names: readonly string[] | null): boolean {
    const L = names === null ? DEFAULT_LAYOUT : layoutOf(names);
    const ok = L.width <= MAX_FIELDS && L.at.date !== undefined && L.at.time !== undefined && L.at['cs-uri'] === undefined;
    this.layout = ok ? L : null;
    this.x.setLayout(ok ? L.width : 0);
    if (ok) for (const [name, i] of Object.entries(L.at)) this.x.setKind(i, KINDS[name] ?? Kind.Skip);
    return ok;
  }

  /** Lines longer than `bytes` (without the line break) are left to the JS side (readLines reports them as long). */
  setMaxLine(bytes: number): void {
    this.x.setMaxLine(Math.min(bytes, 0x7fffffff));
  }

  /** A line the JS parser read: a `#Fields:` line sets the layout of the lines after it, as in the JS parser. */
  observe(text: string): void {
    const names = fieldsOf(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (names) this.configure(names.length > MAX_FIELDS ? null : names);
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
    strings('host', 's-computername', (s) => shortHost(s) || ctx.hostHint, ctx.hostHint);
    strings('site', 's-sitename', undefined, iisSiteFromPath(ctx.sourceFile));
    strings('method', 'cs-method');
    strings('uri_stem', 'cs-uri-stem');
    strings('uri_query', 'cs-uri-query');
    strings('username', 'cs-username');
    strings('client_ip', 'c-ip', (s) => (s.indexOf(':') >= 0 ? ipWithoutPort(s) : s));
    strings('server_ip', 's-ip');
    strings('user_agent', 'cs(user-agent)', (s) => (s.indexOf('+') < 0 ? s : s.indexOf('+http') < 0 ? s.replaceAll('+', ' ') : s.replace(/\+(?!http)/g, ' ')));
    strings('referer', 'cs(referer)');
    numbers('status', 'sc-status');
    numbers('substatus', 'sc-substatus');
    numbers('win32_status', 'sc-win32-status');
    numbers('server_port', 's-port');
    numbers('time_taken_ms', 'time-taken');
    numbers('request_bytes', 'cs-bytes');
    numbers('response_bytes', 'sc-bytes');
    // Every string value is cut from the chunk's lines, or is one of the stand-ins; plain values add a 4-byte length.
    const standIns = family.length + ctx.sourceFile.length + (ctx.hostHint?.length ?? 0) + (iisSiteFromPath(ctx.sourceFile)?.length ?? 0);
    return { rows: n, cols, charsBound: this.capacity + n * (standIns + 4 * cols.size + 64) };
  }

  /** Starts a new batch (after {@link takeColumns}: its arrays are views into the kernel's memory). */
  nextBatch(): void {
    this.x.newBatch();
  }

  /**
   * The rows of the current batch, as the JS parser emits them (a test and `sweep dump` view; the lake path will
   * take the columns), then starts a new batch. Each distinct string is made once per batch, and the per-value rules
   * (`+` in user agents, client address ports, short host names) run once per distinct value.
   */
  takeRows(ctx: ParseContext): Row[] {
    const x = this.x;
    const n = x.batchRows();
    const L = this.layout;
    if (n === 0 || L === null) {
      x.newBatch();
      return [];
    }
    const mem = x.memory.buffer;
    const bytes = Buffer.from(mem, this.input, this.capacity);
    const strings = (name: string, rule?: (s: string) => string | null): (string | null)[] | null => {
      const f = L.at[name];
      if (f === undefined) return null;
      const ids = new Int32Array(mem, x.idsPtr(f), n);
      const count = x.entryCount(f);
      const starts = new Int32Array(mem, x.entryStartsPtr(f), count);
      const lens = new Int32Array(mem, x.entryLensPtr(f), count);
      const entries: (string | null)[] = [];
      for (let e = 0; e < count; e++) {
        const s = bytes.toString('latin1', starts[e], starts[e] + lens[e]);
        entries.push(rule ? rule(s) : s);
      }
      const out: (string | null)[] = new Array(n);
      for (let r = 0; r < n; r++) out[r] = ids[r] < 0 ? null : entries[ids[r]];
      return out;
    };
    const numbers = (name: string): (number | null)[] | null => {
      const f = L.at[name];
      if (f === undefined) return null;
      const vals = new Float64Array(mem, x.numsPtr(f), n);
      const present = new Uint8Array(mem, x.presentPtr(f), n);
      const out: (number | null)[] = new Array(n);
      for (let r = 0; r < n; r++) out[r] = present[r] ? vals[r] : null;
      return out;
    };
    const hostHint = ctx.hostHint;
    const site = iisSiteFromPath(ctx.sourceFile);
    const computer = strings('s-computername', (s) => shortHost(s) ?? hostHint);
    const siteName = strings('s-sitename');
    const method = strings('cs-method');
    const stem = strings('cs-uri-stem');
    const query = strings('cs-uri-query');
    const user = strings('cs-username');
    const clientIp = strings('c-ip', (s) => (s.indexOf(':') >= 0 ? ipWithoutPort(s) : s));
    const serverIp = strings('s-ip');
    const ua = strings('cs(user-agent)', (s) => (s.indexOf('+') < 0 ? s : s.indexOf('+http') < 0 ? s.replaceAll('+', ' ') : s.replace(/\+(?!http)/g, ' ')));
    const referer = strings('cs(referer)');
    const status = numbers('sc-status');
    const substatus = numbers('sc-substatus');
    const win32 = numbers('sc-win32-status');
    const port = numbers('s-port');
    const timeTaken = numbers('time-taken');
    const csBytes = numbers('cs-bytes');
    const scBytes = numbers('sc-bytes');
    const times = new Float64Array(mem, x.timesPtr(), n);
    const lines = new Int32Array(mem, x.linesPtr(), n);
    const rows: Row[] = new Array(n);
    for (let r = 0; r < n; r++) {
      rows[r] = {
        event_time: times[r],
        host: computer ? computer[r] ?? hostHint : hostHint,
        source_line: lines[r],
        site: (siteName ? siteName[r] : null) ?? site,
        method: method ? method[r] : null,
        uri_stem: stem ? stem[r] : null,
        uri_query: query ? query[r] : null,
        status: status ? status[r] : null,
        substatus: substatus ? substatus[r] : null,
        win32_status: win32 ? win32[r] : null,
        client_ip: clientIp ? clientIp[r] : null,
        server_ip: serverIp ? serverIp[r] : null,
        server_port: port ? port[r] : null,
        username: user ? user[r] : null,
        user_agent: ua ? ua[r] : null,
        referer: referer ? referer[r] : null,
        time_taken_ms: timeTaken ? timeTaken[r] : null,
        request_bytes: csBytes ? csBytes[r] : null,
        response_bytes: scBytes ? scBytes[r] : null,
      };
    }
    x.newBatch();
    return rows;
  }
}

const ZEROS = new Int32Array(1 << 12);

/**
 * The current batch as lake columns (`web_requests`), then a new batch: what {@link IisKernel.takeRows} gives, with
 * each distinct value made and checked once. The arrays are views into the kernel's memory: use the batch before
 * the kernel reads on. `source_family` and `source_file` are given as constants of the entry.
 */
export function takeBatch(kernel: IisKernel, ctx: ParseContext, family: string): RowBatch | null {
  return kernel.takeColumns(ctx, family);
}

/**
 * Reads a run of complete lines (readLines' `onBlock`: `buf[start, end)`, lines numbered from `firstLineNo`) through
 * the kernel. Batches go to `take`; every other line goes to `onLine` or `onLongLine` exactly as readLines would
 * deliver it (CR of CRLF dropped, lines over `maxLineBytes` reported as long). `onLine` must pass each line to
 * {@link IisKernel.observe}. Returns the number of lines.
 */
export function readBlock(
  kernel: IisKernel,
  buf: Buffer,
  start: number,
  end: number,
  firstLineNo: number,
  maxLineBytes: number,
  onLine: (text: string, lineNo: number) => void,
  onLongLine: (lineNo: number, bytes: number) => void,
  take: (k: IisKernel) => void,
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
  kernel = new IisKernel(),
  /** Takes each batch (then must leave the kernel at a new batch); default: its rows through `ctx.emit`. */
  take: (k: IisKernel) => void = (k) => {
    for (const row of k.takeRows(ctx)) ctx.emit('web_requests', row);
  },
): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  kernel.configure(null);
  let offset = 0;
  let lineNo = 1;
  const flush = () => take(kernel);
  while (offset < buf.length) {
    // A chunk of whole lines (a line longer than the kernel's buffer goes to JS alone).
    let end = Math.min(buf.length, offset + kernel.capacity);
    if (end < buf.length) {
      const nl = buf.lastIndexOf(10, end - 1);
      end = nl >= offset ? nl + 1 : -1;
    }
    if (end < 0) {
      const nl = buf.indexOf(10, offset);
      const stop = nl < 0 ? buf.length : nl + 1;
      js.line(buf.toString('utf8', offset, nl < 0 ? buf.length : nl), lineNo++);
      offset = stop;
      continue;
    }
    const chunk = buf.subarray(offset, end);
    kernel.load(chunk, lineNo);
    for (;;) {
      const stop = kernel.active ? kernel.run(chunk.length) : Stop.Js;
      flush();
      if (stop === Stop.End) break;
      if (stop === Stop.Js) {
        const at = kernel.position;
        if (at >= chunk.length) break;
        const nl = chunk.indexOf(10, at);
        const text = chunk.toString('utf8', at, nl < 0 ? chunk.length : nl);
        js.line(text, kernel.nextLine);
        const names = fieldsOf(text.endsWith('\r') ? text.slice(0, -1) : text);
        if (names) kernel.configure(names.length > MAX_FIELDS ? null : names);
        kernel.skipLine(chunk.length);
      }
    }
    lineNo = kernel.nextLine;
    offset = end;
  }
  js.end();
}
