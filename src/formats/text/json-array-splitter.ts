/**
 * Cuts a JSON document made of one top-level array of objects (or one object)
 * into its elements, fed line by line, without ever holding the whole array:
 * string and nesting state carry across lines, and each top-level element's
 * text is handed over as soon as it closes. Memory is bounded by the largest
 * single element (capped).
 */

export interface JsonSplitterSink {
  /** One complete element (an object's JSON text) that began on `startLine`. */
  element(text: string, startLine: number): void;
  /** Something that is not part of a well-formed array of objects. */
  bad(lineNo: number, reason: string): void;
}

const MAX_ELEMENT_CHARS = 64 * 1024 * 1024;

export class JsonArraySplitter {
  /** 0 before the document, 1 inside the top-level array, 2 after its end. */
  private phase: 0 | 1 | 2 = 0;
  /** True when the document is a single object rather than an array. */
  private singleObject = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  private parts: string[] = [];
  private partsChars = 0;
  private startLine = 0;
  private capturing = false;
  private skipping = false;

  constructor(private readonly sink: JsonSplitterSink) {}

  line(text: string, lineNo: number): void {
    const len = text.length;
    let i = 0;
    // Where the current element's text starts on this line.
    let segStart = this.capturing ? 0 : -1;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        // Jump to the next quote or backslash.
        if (this.escape) {
          this.escape = false;
          i++;
          continue;
        }
        if (c === 92) {
          this.escape = true;
          i++;
          continue;
        }
        if (c === 34) {
          this.inString = false;
          i++;
          continue;
        }
        let j = i + 1;
        while (j < len) {
          const d = text.charCodeAt(j);
          if (d === 34 || d === 92) break;
          j++;
        }
        i = j;
        continue;
      }
      if (c === 32 || c === 9 || c === 13 || c === 10) {
        i++;
        continue;
      }
      if (this.phase === 0) {
        if (c === 91) {
          this.phase = 1;
          i++;
          continue;
        }
        if (c === 123) {
          // A single object document (ConvertTo-Json of one event).
          this.phase = 1;
          this.singleObject = true;
          this.begin(lineNo);
          segStart = i;
          this.depth = 1;
          i++;
          continue;
        }
        this.sink.bad(lineNo, `not a JSON array or object: starts with ${JSON.stringify(text.slice(i, i + 20))}`);
        return;
      }
      if (this.phase === 2) {
        this.sink.bad(lineNo, `text after the end of the JSON document: ${JSON.stringify(text.slice(i, i + 20))}`);
        return;
      }
      if (this.depth === 0) {
        // Between elements of the top-level array.
        if (c === 44) {
          i++;
          continue;
        }
        if (c === 93) {
          this.phase = 2;
          i++;
          continue;
        }
        if (c === 123) {
          this.begin(lineNo);
          segStart = i;
          this.depth = 1;
          i++;
          continue;
        }
        // A scalar or nested array element: reported once and skipped.
        this.sink.bad(lineNo, `array element is not an object: ${JSON.stringify(text.slice(i, i + 20))}`);
        if (c === 91) {
          this.begin(lineNo);
          this.skipping = true;
          segStart = i;
          this.depth = 1;
          i++;
          continue;
        }
        let j = i;
        if (c === 34) {
          // A string element: JSON strings never span lines.
          j++;
          while (j < len && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
          j++;
        }
        while (j < len && text.charCodeAt(j) !== 44 && text.charCodeAt(j) !== 93) j++;
        i = j;
        continue;
      }
      if (c === 34) {
        this.inString = true;
        i++;
        continue;
      }
      if (c === 123 || c === 91) {
        this.depth++;
        i++;
        continue;
      }
      if (c === 125 || c === 93) {
        this.depth--;
        i++;
        if (this.depth === 0) {
          this.parts.push(text.slice(segStart, i));
          this.finish();
          segStart = -1;
          if (this.singleObject) this.phase = 2;
        }
        continue;
      }
      i++;
    }
    if (this.capturing && segStart >= 0 && !this.skipping) {
      const piece = text.slice(segStart);
      this.parts.push(piece);
      this.partsChars += piece.length + 1;
      if (this.partsChars > MAX_ELEMENT_CHARS) {
        this.sink.bad(this.startLine, `JSON element starting on line ${this.startLine} exceeds ${MAX_ELEMENT_CHARS} characters: dropped`);
        this.skipping = true;
        this.parts = [];
        this.partsChars = 0;
      }
    }
  }

  /** Reports a document cut short (an element or the array left open). */
  end(lastLine: number): void {
    if (this.capturing) this.sink.bad(this.startLine, `truncated JSON: element starting on line ${this.startLine} never closed`);
    else if (this.phase === 1 && !this.singleObject) this.sink.bad(lastLine, 'truncated JSON: the top-level array is not closed');
    this.capturing = false;
    this.parts = [];
  }

  private begin(lineNo: number): void {
    this.capturing = true;
    this.startLine = lineNo;
    this.parts = [];
    this.partsChars = 0;
  }

  private finish(): void {
    const text = this.parts.join('\n');
    const skipped = this.skipping;
    this.capturing = false;
    this.skipping = false;
    this.parts = [];
    this.partsChars = 0;
    if (!skipped) this.sink.element(text, this.startLine);
  }
}
