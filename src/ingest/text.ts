/**
 * Text decoding for the push parsers: BOM and UTF-16 detection, CRLF/LF line
 * splitting with a hand-written Buffer splitter (indexOf 0x0a), bounded memory
 * for over-long lines. This is the hot path of the whole product: one
 * synchronous callback per line, no promise per line, no readline.
 */
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';

/** How the bytes were decoded. */
export type TextEncodingName = 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be';

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** Longest accepted line in bytes (as UTF-8, without the line break); longer lines are skipped and reported. */
  readonly maxLineBytes: number;
  /**
   * Takes runs of complete lines straight from a chunk, instead of `onLine` per line: the UTF-8 bytes
   * `buf[start, end)` (`end` just after a line feed) hold the lines numbered from `firstLineNo`. It must report every
   * one of them as `onLine`/`onLongLine` would have (the same rules: CR of CRLF dropped, lines over `maxLineBytes`
   * reported as long), and return how many lines the run held. Lines that span chunks still come through `onLine`.
   * @default - none: `onLine` per line
   */
  readonly onBlock?: (buf: Buffer, start: number, end: number, firstLineNo: number) => number;
}

/** What `readLines` read. */
export interface ReadLinesResult {
  /** Lines seen, including the over-long ones (each reported through `onLongLine`). */
  readonly lines: number;
  /** Raw bytes read from the stream (BOM included). */
  readonly bytes: number;
  readonly encoding: TextEncodingName;
}

/**
 * Reads the first `n` bytes of a stream (fewer if it is shorter) without losing them.
 *
 * @returns `head` and a stream that yields every byte from the start (head included). If the
 *   stream fails while peeking, `head` holds what was read and the returned stream fails after it.
 */
export async function peek(stream: Readable, n = 64 * 1024): Promise<{ head: Buffer; stream: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  let failure: unknown;
  while (length < n) {
    let r: IteratorResult<Buffer | string>;
    try {
      r = await it.next();
    } catch (err) {
      // Hand out what was read, then the error, from the returned stream.
      failure = err;
      ended = true;
      break;
    }
    if (r.done) {
      ended = true;
      break;
    }
    const c = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    chunks.push(c);
    length += c.length;
  }
  const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  const head = all.length > n ? all.subarray(0, n) : all;
  async function* replay(): AsyncGenerator<Buffer> {
    if (all.length) yield all;
    if (failure !== undefined) throw failure;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  }
  const out = Readable.from(replay(), { objectMode: false });
  // Destroying the replay stream releases the original.
  out.once('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return { head, stream: out };
}

/** Detects the encoding from the first bytes; `skip` is the BOM length. */
export function detectEncoding(head: Buffer): { encoding: TextEncodingName; skip: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8-bom', skip: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', skip: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', skip: 2 };
  // BOM-less UTF-16 of mostly ASCII text: every other byte is zero. UTF-8 text has no zero bytes.
  const pairs = Math.floor(Math.min(head.length, 4096) / 2);
  if (pairs >= 2) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < pairs * 2; i += 2) {
      if (head[i] === 0) evenZero++;
      if (head[i + 1] === 0) oddZero++;
    }
    if (oddZero >= pairs * 0.6 && evenZero <= pairs * 0.05) return { encoding: 'utf16le', skip: 0 };
    if (evenZero >= pairs * 0.6 && oddZero <= pairs * 0.05) return { encoding: 'utf16be', skip: 0 };
  }
  return { encoding: 'utf8', skip: 0 };
}

/**
 * Splits UTF-8 bytes into lines. Complete lines are decoded straight from the chunk;
 * only a line that spans chunks is copied, and never beyond `max` bytes.
 */
class LineSplitter {
  lineNo = 0;
  /** Pieces of a line that spans chunks. */
  private carry: Buffer[] = [];
  private carryLen = 0;
  /** True while skipping the rest of an over-long line. */
  private skipping = false;
  private skipped = 0;

  constructor(
    private readonly max: number,
    private readonly onLine: (text: string, lineNo: number) => void,
    private readonly onLongLine: (lineNo: number, bytes: number) => void,
    private readonly onBlock?: (buf: Buffer, start: number, end: number, firstLineNo: number) => number,
  ) {}

  push(buf: Buffer): void {
    const max = this.max;
    let start = 0;
    let nl = buf.indexOf(0x0a, 0);
    if (this.skipping || this.carryLen > 0) {
      if (nl === -1) {
        this.grow(buf, 0, buf.length);
        return;
      }
      this.grow(buf, 0, nl);
      this.finishCarried();
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    // The hot loop: complete lines inside this chunk (handed over whole to a block reader when there is one).
    if (this.onBlock && nl !== -1) {
      const last = buf.lastIndexOf(0x0a);
      this.lineNo += this.onBlock(buf, start, last + 1, this.lineNo + 1);
      start = last + 1;
      nl = -1;
    }
    while (nl !== -1) {
      const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      const no = ++this.lineNo;
      if (end - start > max) this.onLongLine(no, end - start);
      else this.onLine(buf.toString('utf8', start, end), no);
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) this.grow(buf, start, buf.length);
  }

  /** Adds bytes of the current unfinished line. */
  private grow(buf: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    if (this.skipping) {
      this.skipped += n;
      this.skippedEndsWithCr = buf[to - 1] === 0x0d;
      return;
    }
    // +1: a trailing CR may still be dropped when the LF arrives.
    if (this.carryLen + n > max1(this.max)) {
      this.skipping = true;
      this.skipped = this.carryLen + n;
      this.skippedEndsWithCr = buf[to - 1] === 0x0d;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    // Copy: the chunk may be reused by the producer.
    this.carry.push(Buffer.from(buf.subarray(from, to)));
    this.carryLen += n;
  }

  /** Ends the carried line at a line feed (or at the end of the stream). */
  private finishCarried(): void {
    const no = ++this.lineNo;
    if (this.skipping) {
      const crlf = this.skippedEndsWithCr;
      this.onLongLine(no, this.skipped - (crlf ? 1 : 0));
      this.skipping = false;
      this.skipped = 0;
      this.skippedEndsWithCr = false;
      return;
    }
    let line = this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry, this.carryLen);
    this.carry = [];
    this.carryLen = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length > this.max) this.onLongLine(no, line.length);
    else this.onLine(line.toString('utf8'), no);
  }

  /** Whether the skipped long line ended with a CR (kept only for the byte count). */
  private skippedEndsWithCr = false;

  /** Call at the end of the stream: emits a last line that has no line break. */
  end(): void {
    if (this.skipping || this.carryLen > 0) this.finishCarried();
  }
}

function max1(n: number): number {
  return n + 1;
}

/**
 * Reads a text stream line by line, calling `onLine` synchronously for each line.
 *
 * Handles UTF-8 with or without BOM, UTF-16 LE/BE with BOM (PowerShell `Out-File`), BOM-less
 * UTF-16 LE/BE (detected by zero bytes), CRLF or LF, and a last line without a line break.
 * The BOM and the CR of CRLF are stripped. A line longer than `maxLineBytes` is never buffered
 * whole: it is skipped and reported through `onLongLine(lineNo, bytes)`; the next lines are read.
 * If the stream fails (e.g. an `IngestError` for a truncated gzip), every line read before is
 * delivered (a partial last line is delivered too) and the promise rejects with that error.
 *
 * @example
 * const { lines } = await readLines(entry.open(), { maxLineBytes }, (t, n) => parser.line(t, n), (n, b) => reject(n, b));
 */
export async function readLines(
  stream: Readable,
  opts: ReadLinesOptions,
  onLine: (text: string, lineNo: number) => void,
  onLongLine: (lineNo: number, bytes: number) => void,
): Promise<ReadLinesResult> {
  const splitter = new LineSplitter(opts.maxLineBytes, onLine, onLongLine, opts.onBlock);
  let bytes = 0;
  let encoding: TextEncodingName = 'utf8';
  let decoder: TextDecoder | null = null;
  let pending: Buffer | null = Buffer.alloc(0);
  const feed = (chunk: Buffer): void => {
    if (decoder) splitter.push(Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8'));
    else splitter.push(chunk);
  };
  const start = (head: Buffer): void => {
    const det = detectEncoding(head);
    encoding = det.encoding;
    if (encoding === 'utf16le' || encoding === 'utf16be') decoder = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be');
    pending = null;
    feed(det.skip ? head.subarray(det.skip) : head);
  };
  try {
    for await (const c of stream) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      bytes += chunk.length;
      if (pending !== null) {
        // Gather a few bytes before judging the encoding (a BOM can be split across tiny chunks).
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        if (pending.length >= 512) start(pending);
        continue;
      }
      feed(chunk);
    }
    if (pending !== null) start(pending);
  } catch (err) {
    // Deliver what was read before the failure, then fail.
    if (pending !== null) start(pending);
    if (decoder) splitter.push(Buffer.from((decoder as TextDecoder).decode(), 'utf8'));
    splitter.end();
    throw err;
  }
  if (decoder) splitter.push(Buffer.from((decoder as TextDecoder).decode(), 'utf8'));
  splitter.end();
  return { lines: splitter.lineNo, bytes, encoding };
}
