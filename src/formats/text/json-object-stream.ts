/**
 * Cuts a stream of JSON objects written one after another (pretty-printed over many lines, or one per line) into
 * the objects' texts, fed line by line, never holding more than one object (capped).
 *
 * It is the shape of the Rust `evtx_dump -o json` (a `Record <n>` line, then an indented object) and `-o jsonl`
 * (one object per line), and of tools that wrap such objects in a top-level array. Between objects, `Record <n>`
 * lines, blank lines and the array's `[`, `,` and `]` are skipped; any other text is reported. An object cut short
 * (a truncated export, or a record damaged mid-way) is reported once and reading resumes at the next object: a
 * line starting with `{` in its first column, or a `Record <n>` line, while an object is open starts a new one
 * (evtx_dump indents every nested line). JSON strings never span lines, so a string still open at a line's end
 * is damage too: the lines up to the next record are skipped.
 */

export interface JsonObjectSink {
  /** One complete top-level object's JSON text, which began on `startLine`. */
  object(text: string, startLine: number): void;
  /** A line or object that is not part of the stream of objects, with the reason. */
  bad(lineNo: number, reason: string): void;
}

const MAX_OBJECT_CHARS = 64 * 1024 * 1024;
const RECORD_LINE = /^Record \d+\s*$/;

export class JsonObjectStream {
  private depth = 0;
  private inString = false;
  private escape = false;
  private parts: string[] = [];
  private chars = 0;
  private startLine = 0;
  private tooLong = false;
  /** After damage: lines are skipped until the next record starts. */
  private broken = false;

  constructor(private readonly sink: JsonObjectSink) {}

  line(text: string, lineNo: number): void {
    const starts = text.charCodeAt(0) === 123 || RECORD_LINE.test(text);
    if (this.broken) {
      if (!starts) return;
      this.broken = false;
    }
    if (this.depth > 0 && !this.inString && starts) {
      this.sink.bad(this.startLine, 'record cut short: a new record starts before this one closes');
      this.reset();
    }
    if (this.depth === 0 && RECORD_LINE.test(text)) return;
    const len = text.length;
    let segStart = this.depth > 0 ? 0 : -1;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) this.inString = false;
        i++;
        continue;
      }
      if (this.depth === 0) {
        if (c === 32 || c === 9 || c === 13 || c === 44 || c === 91 || c === 93) {
          i++;
          continue;
        }
        if (c !== 123) {
          this.sink.bad(lineNo, `not a JSON object: ${JSON.stringify(text.slice(i, i + 40))}`);
          return;
        }
        this.startLine = lineNo;
        segStart = i;
        this.depth = 1;
        i++;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          this.take(text.slice(segStart, i + 1));
          this.emit();
          segStart = -1;
        }
      }
      i++;
    }
    if (this.inString) {
      // JSON strings never span lines: the record was cut inside a string.
      this.sink.bad(this.startLine, 'record cut short: a string runs past the end of its line');
      this.reset();
      this.broken = true;
      return;
    }
    if (segStart >= 0 && this.depth > 0) this.take(text.slice(segStart) + '\n');
  }

  /** Call after the last line: an object still open was cut short. */
  end(lastLine: number): void {
    if (this.depth > 0) this.sink.bad(this.startLine, `record cut short: the file ends at line ${lastLine} before it closes`);
    this.reset();
  }

  private take(s: string): void {
    if (this.tooLong) return;
    this.chars += s.length;
    if (this.chars > MAX_OBJECT_CHARS) {
      this.tooLong = true;
      this.parts = [];
      return;
    }
    this.parts.push(s);
  }

  private emit(): void {
    if (this.tooLong) this.sink.bad(this.startLine, `record longer than ${MAX_OBJECT_CHARS} characters`);
    else this.sink.object(this.parts.length === 1 ? this.parts[0] : this.parts.join(''), this.startLine);
    this.reset();
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.parts = [];
    this.chars = 0;
    this.tooLong = false;
  }
}
