/**
 * A fast, allocation-light CSV line scanner (RFC 4180 quoting).
 *
 * `scan()` records where each field starts and ends; `field(i)` slices (and
 * unescapes `""`) only the fields a parser asks for, so a 74-column HttpProxy
 * line costs one pass of indexOf plus the slices actually used.
 */

import { intInRange } from './values';
const QUOTE = 34;

/** Field flags. */
const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPES = 2;

export class CsvLine {
  /** Number of fields found by the last successful scan. */
  count = 0;
  /** Why the last scan failed (null after a success). */
  error: string | null = null;
  /** True when the last scan failed only because a quoted field runs past the end of the text. */
  openQuote = false;
  private text = '';
  private starts = new Int32Array(128);
  private ends = new Int32Array(128);
  private flags = new Uint8Array(128);

  constructor(private readonly sep = 44) {}

  /** Scans one record; returns false (and sets `error`) on bad quoting. */
  scan(text: string): boolean {
    this.text = text;
    this.error = null;
    this.openQuote = false;
    const sep = this.sep;
    const sepChar = String.fromCharCode(sep);
    const len = text.length;
    let n = 0;
    let pos = 0;
    for (;;) {
      if (n === this.starts.length) this.grow();
      if (pos < len && text.charCodeAt(pos) === QUOTE) {
        // Quoted field: find the closing quote, skipping doubled quotes.
        let q = pos + 1;
        let flag = QUOTED;
        for (;;) {
          const close = text.indexOf('"', q);
          if (close < 0) {
            this.error = `unterminated quote in field ${n + 1}`;
            this.openQuote = true;
            return false;
          }
          if (close + 1 < len && text.charCodeAt(close + 1) === QUOTE) {
            flag = QUOTED_ESCAPES;
            q = close + 2;
            continue;
          }
          this.starts[n] = pos + 1;
          this.ends[n] = close;
          this.flags[n] = flag;
          n++;
          pos = close + 1;
          break;
        }
        if (pos === len) break;
        if (text.charCodeAt(pos) !== sep) {
          this.error = `unexpected character after closing quote in field ${n}`;
          return false;
        }
        pos++;
        continue;
      }
      const next = text.indexOf(sepChar, pos);
      this.starts[n] = pos;
      this.flags[n] = PLAIN;
      if (next < 0) {
        this.ends[n] = len;
        n++;
        break;
      }
      this.ends[n] = next;
      n++;
      pos = next + 1;
    }
    this.count = n;
    return true;
  }

  /** Text of field `i` (unquoted, `""` -> `"`); '' when out of range. */
  field(i: number): string {
    if (i < 0 || i >= this.count) return '';
    const s = this.text.slice(this.starts[i], this.ends[i]);
    return this.flags[i] === QUOTED_ESCAPES ? s.replace(/""/g, '"') : s;
  }

  /**
   * Field `i` as text, null when absent, empty or "-" (the "no value" markers).
   */
  str(i: number): string | null {
    if (i < 0 || i >= this.count) return null;
    const a = this.starts[i];
    const b = this.ends[i];
    if (b === a || (b === a + 1 && this.text.charCodeAt(a) === 45)) return null;
    const s = this.text.slice(a, b);
    return this.flags[i] === QUOTED_ESCAPES ? s.replace(/""/g, '"') : s;
  }

  /** Field `i` as a decimal integer read in place (no slice); null when absent, empty, "-" or not a number. */
  int(i: number): number | null {
    if (i < 0 || i >= this.count) return null;
    return intInRange(this.text, this.starts[i], this.ends[i]);
  }

  /** Length of field `i` without slicing (quoted length for quoted fields). */
  fieldLength(i: number): number {
    return i < 0 || i >= this.count ? 0 : this.ends[i] - this.starts[i];
  }

  /** All fields as strings (header rows, small files). */
  all(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.field(i);
    return out;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const s = new Int32Array(size);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(size);
    e.set(this.ends);
    this.ends = e;
    const f = new Uint8Array(size);
    f.set(this.flags);
    this.flags = f;
  }
}

/** Limits for records that span lines (a quoted Message with newlines). */
export interface MultiLineLimits {
  /** Most physical lines in one record. @default 20_000 */
  readonly maxLines: number;
  /** Most characters in one record. @default 16 MiB */
  readonly maxChars: number;
}

const DEFAULT_LIMITS: MultiLineLimits = { maxLines: 20_000, maxChars: 16 * 1024 * 1024 };

/**
 * Joins physical lines into CSV records when a quoted field contains newlines
 * (Export-Csv writes multi-line Message values that way).
 *
 * `push()` returns true when `csv` holds a complete record, false while a
 * record is pending; bad records are reported through `onBad` with the line
 * the record started on. Memory is bounded by the limits.
 */
export class CsvRecordJoiner {
  readonly csv: CsvLine;
  /** First physical line of the record now in `csv`. */
  startLine = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private pendingStart = 0;

  constructor(
    private readonly onBad: (lineNo: number, reason: string) => void,
    private readonly limits: MultiLineLimits = DEFAULT_LIMITS,
    private readonly sep = 44,
  ) {
    this.csv = new CsvLine(sep);
  }

  /** True when a record is waiting for more lines. */
  get isPending(): boolean {
    return this.pending.length > 0;
  }

  push(text: string, lineNo: number): boolean {
    if (this.pending.length === 0) {
      if (this.csv.scan(text)) {
        this.startLine = lineNo;
        return true;
      }
      if (!this.csv.openQuote) {
        this.onBad(lineNo, this.csv.error ?? 'bad CSV record');
        return false;
      }
      this.pending.push(text);
      this.pendingChars = text.length;
      this.pendingStart = lineNo;
      return false;
    }
    this.pending.push(text);
    this.pendingChars += text.length + 1;
    if (this.pending.length > this.limits.maxLines || this.pendingChars > this.limits.maxChars) {
      this.onBad(
        this.pendingStart,
        `quoted field opened on line ${this.pendingStart} still open after ${this.pending.length} lines (${this.pendingChars} characters): record dropped`,
      );
      this.reset();
      return false;
    }
    // Each continuation line starts inside the open quoted field: follow the quoting on this
    // line only, and scan the whole record once when it closes (linear in the record's size).
    if (text.indexOf('"') < 0 || endsInsideQuotes(text, this.sep)) return false;
    const joined = this.pending.join('\n');
    if (this.csv.scan(joined)) {
      this.startLine = this.pendingStart;
      this.reset();
      return true;
    }
    if (this.csv.openQuote) return false;
    this.onBad(this.pendingStart, this.csv.error ?? 'bad CSV record');
    this.reset();
    return false;
  }

  /** Reports a record left open at the end of the file. */
  end(): void {
    if (this.pending.length) {
      this.onBad(this.pendingStart, `unterminated quote: record starting on line ${this.pendingStart} never closed (file truncated?)`);
      this.reset();
    }
  }

  private reset(): void {
    this.pending = [];
    this.pendingChars = 0;
  }
}

/**
 * Whether a line that starts inside a quoted field ends inside one (the record goes on),
 * following the same rules as {@link CsvLine.scan}. Text after a closing quote that is not
 * a separator ends the record: the full scan then reports it.
 */
function endsInsideQuotes(text: string, sep: number): boolean {
  const sepChar = String.fromCharCode(sep);
  const len = text.length;
  let pos = 0;
  let inQuotes = true;
  for (;;) {
    if (inQuotes) {
      const close = text.indexOf('"', pos);
      if (close < 0) return true;
      if (close + 1 < len && text.charCodeAt(close + 1) === QUOTE) {
        pos = close + 2;
        continue;
      }
      inQuotes = false;
      pos = close + 1;
      if (pos >= len || text.charCodeAt(pos) !== sep) return false;
      pos++;
      continue;
    }
    // At the start of a field.
    if (pos < len && text.charCodeAt(pos) === QUOTE) {
      inQuotes = true;
      pos++;
      continue;
    }
    const next = text.indexOf(sepChar, pos);
    if (next < 0) return false;
    pos = next + 1;
  }
}

/** Trailing carriage return and a leading BOM are tolerated whatever the decoder did. */
export function cleanLine(text: string, lineNo: number): string {
  let s = text;
  if (lineNo <= 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  if (s.length && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
  return s;
}
