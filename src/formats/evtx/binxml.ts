/**
 * Binary XML (MS-EVEN6 BinXml as stored in EVTX chunks): templates compiled
 * once per chunk into a small tree, then instantiated per record with that
 * record's substitution values. No XML text is built: the result is a light
 * element tree ({@link XElement}) that record.ts reads the fields from.
 *
 * All offsets are relative to the chunk buffer: names, templates and nested
 * fragments are addressed by chunk offset, and a structure whose offset lies
 * after the node that refers to it is stored inline right there (a "resident"
 * name or template), which is why the parser skips over it.
 */
import { EvtxFormatError } from './errors';
import { VT, arrayItems, filetimeMs, pythonWstringArray, scalarText, utf16 } from './values';

/** An array substitution kept as separate items (so unnamed `<Data>` arrays become param1, param2, ...). */
export interface XArray {
  readonly items: string[];
}
export interface XAttr {
  readonly name: string;
  readonly value: string;
  /** Epoch ms when the value was a FILETIME substitution (exact, for TimeCreated). */
  readonly ms?: number;
}
export interface XElement {
  readonly name: string;
  readonly attrs: XAttr[];
  readonly children: XContent[];
}
export type XContent = string | XElement | XArray;

/** Options of the Binary XML reader. */
export interface BinXmlOptions {
  /**
   * Render UTF-16 string arrays as one text, the way python-evtx does
   * (`<string>a</string>\n...`), instead of keeping the items. Only for the
   * record-for-record comparison with the reference.
   */
  readonly pythonArrays?: boolean;
}

// Compiled template nodes.
const T_TEXT = 0;
const T_SUB = 1;
const T_ELEM = 2;
interface TText {
  readonly k: typeof T_TEXT;
  readonly text: string;
}
interface TSub {
  readonly k: typeof T_SUB;
  readonly index: number;
}
interface TAttr {
  readonly name: string;
  readonly value: TNode | null;
}
interface TElem {
  readonly k: typeof T_ELEM;
  readonly name: string;
  readonly attrs: TAttr[];
  readonly children: TNode[];
}
type TNode = TText | TSub | TElem;

/** How deep BinXml values may nest inside each other (real logs use 1-2 levels). */
const MAX_DEPTH = 16;
/** How deep elements may nest inside one fragment. */
const MAX_ELEMENT_DEPTH = 64;

const hex = (n: number) => `0x${n.toString(16)}`;

/** Reads the Binary XML of one chunk; names and templates are cached for the chunk's records. */
export class ChunkBinXml {
  private readonly names = new Map<number, string>();
  private readonly templates = new Map<number, TNode[]>();

  /** `buf` holds the chunk, offset 0 = start of the chunk (it may be shorter than 64 KiB if truncated). */
  constructor(
    private readonly buf: Buffer,
    private readonly opts: BinXmlOptions = {},
  ) {}

  /** Resolves the fragment of one record (`[start, end)` in the chunk) to its top-level nodes. */
  record(start: number, end: number): XContent[] {
    return this.root(start, end, 0);
  }

  private u8(p: number): number {
    if (p >= this.buf.length) throw new EvtxFormatError(`Binary XML runs past the end of the chunk (offset ${hex(p)})`);
    return this.buf[p];
  }
  private u16(p: number): number {
    if (p + 2 > this.buf.length) throw new EvtxFormatError(`Binary XML runs past the end of the chunk (offset ${hex(p)})`);
    return this.buf.readUInt16LE(p);
  }
  private u32(p: number): number {
    if (p + 4 > this.buf.length) throw new EvtxFormatError(`Binary XML runs past the end of the chunk (offset ${hex(p)})`);
    return this.buf.readUInt32LE(p);
  }

  /** The name string at chunk offset `off`: next(4) hash(2) length(2) UTF-16 chars, then a NUL. */
  private name(off: number): string {
    let s = this.names.get(off);
    if (s === undefined) {
      const len = this.u16(off + 6);
      if (off + 8 + len * 2 > this.buf.length) throw new EvtxFormatError(`name at ${hex(off)} runs past the end of the chunk`);
      s = this.buf.toString('utf16le', off + 8, off + 8 + len * 2);
      this.names.set(off, s);
    }
    return s;
  }

  /** Bytes taken by a name stored inline at `off`. */
  private inlineNameLength(off: number): number {
    return 8 + this.u16(off + 6) * 2 + 2;
  }

  /** A fragment root: [stream start] template instance [resident template], substitution array, values. */
  private root(start: number, end: number, depth: number): XContent[] {
    if (depth > MAX_DEPTH) throw new EvtxFormatError(`Binary XML nested more than ${MAX_DEPTH} levels deep`);
    let p = start;
    if ((this.u8(p) & 0x0f) === 0x0f) p += 4;
    if ((this.u8(p) & 0x0f) !== 0x0c) {
      // A fragment without a template (rare): plain nodes, no substitutions.
      const nodes: TNode[] = [];
      this.content(p, end, nodes, 0, true);
      return this.resolveAll(nodes, [], [], [], depth);
    }
    const instOff = p;
    const tOff = this.u32(p + 6);
    p += 10;
    if (tOff > instOff) p += 0x18 + this.u32(tOff + 0x14); // resident template definition follows
    const template = this.template(tOff);
    const count = this.u32(p);
    p += 4;
    if (count > (end - p) / 4) throw new EvtxFormatError(`substitution count ${count} does not fit the record (offset ${hex(instOff)})`);
    const sizes: number[] = new Array(count);
    const types: number[] = new Array(count);
    const offs: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      sizes[i] = this.buf.readUInt16LE(p);
      types[i] = this.buf[p + 2];
      p += 4;
    }
    for (let i = 0; i < count; i++) {
      offs[i] = p;
      p += sizes[i];
    }
    if (p > end) throw new EvtxFormatError(`substitution values run past the end of the record (offset ${hex(instOff)})`);
    return this.resolveAll(template, sizes, types, offs, depth);
  }

  /** The template at chunk offset `off`: next(4) guid(16) data size(4), then its fragment. */
  private template(off: number): TNode[] {
    let t = this.templates.get(off);
    if (!t) {
      const size = this.u32(off + 0x14);
      const start = off + 0x18;
      const end = start + size;
      if (end > this.buf.length) throw new EvtxFormatError(`template at ${hex(off)} runs past the end of the chunk`);
      t = [];
      let p = start;
      if ((this.u8(p) & 0x0f) === 0x0f) p += 4;
      this.content(p, end, t, 0, true);
      this.templates.set(off, t);
    }
    return t;
  }

  /**
   * Parses nodes from `p` into `out` until an end-of-fragment token (top level)
   * or a close-element token (inside an element). Returns the offset after the closing token.
   */
  private content(p: number, end: number, out: TNode[], depth: number, topLevel: boolean): number {
    for (;;) {
      if (p >= end) throw new EvtxFormatError(`Binary XML fragment ends without a closing token (offset ${hex(p)})`);
      const tok = this.buf[p] & 0x0f;
      switch (tok) {
        case 0x00: // end of fragment
          if (!topLevel) throw new EvtxFormatError(`end of fragment inside an element (offset ${hex(p)})`);
          return p + 1;
        case 0x01:
          p = this.element(p, end, out, depth);
          break;
        case 0x03:
        case 0x04: // close (empty) element
          if (topLevel) throw new EvtxFormatError(`close-element token outside an element (offset ${hex(p)})`);
          return p + 1;
        case 0x02: // close start element: attributes done, content follows
          p += 1;
          break;
        case 0x0f: // stream start inside a fragment: ignored, as python-evtx does
          p += 4;
          break;
        default:
          p = this.leaf(p, out);
      }
    }
  }

  /** Value, substitution, CDATA, character/entity reference, processing instruction. */
  private leaf(p: number, out: TNode[]): number {
    const tok = this.buf[p] & 0x0f;
    switch (tok) {
      case 0x05: {
        const r = this.inlineValue(p + 2, this.u8(p + 1));
        out.push({ k: T_TEXT, text: r.text });
        return r.next;
      }
      case 0x0d:
      case 0x0e:
        out.push({ k: T_SUB, index: this.u16(p + 1) });
        return p + 4;
      case 0x07: {
        const n = this.u16(p + 1);
        if (p + 3 + n * 2 > this.buf.length) throw new EvtxFormatError(`CDATA at ${hex(p)} runs past the end of the chunk`);
        out.push({ k: T_TEXT, text: utf16(this.buf, p + 3, p + 3 + n * 2).replace(/\0+$/, '') });
        return p + 3 + n * 2;
      }
      case 0x08:
        out.push({ k: T_TEXT, text: String.fromCharCode(this.u16(p + 1)) });
        return p + 3;
      case 0x09: {
        const nOff = this.u32(p + 1);
        const ent = this.name(nOff);
        const known: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
        out.push({ k: T_TEXT, text: known[ent] ?? `&${ent};` });
        return p + 5 + (nOff > p ? this.inlineNameLength(nOff) : 0);
      }
      case 0x0a: {
        const nOff = this.u32(p + 1);
        this.name(nOff); // processing instructions carry no event data
        return p + 5 + (nOff > p ? this.inlineNameLength(nOff) : 0);
      }
      case 0x0b:
        return p + 3 + this.u16(p + 1) * 2;
      default:
        throw new EvtxFormatError(`unexpected Binary XML token ${hex(this.buf[p])} at ${hex(p)}`);
    }
  }

  /** An element: header, inline name, attributes, then content up to its close token. */
  private element(p: number, end: number, out: TNode[], depth: number): number {
    if (depth > MAX_ELEMENT_DEPTH) throw new EvtxFormatError(`elements nested more than ${MAX_ELEMENT_DEPTH} levels deep`);
    const nodeOff = p;
    const flags = this.u8(p);
    const nameOff = this.u32(p + 7);
    p += flags & 0x40 ? 15 : 11;
    if (nameOff > nodeOff) p += this.inlineNameLength(nameOff);
    const el: TElem = { k: T_ELEM, name: this.name(nameOff), attrs: [], children: [] };
    out.push(el);
    // Attributes come first (python-evtx accepts them anywhere among the children; so do we).
    for (;;) {
      if (p >= end) throw new EvtxFormatError(`element at ${hex(nodeOff)} runs past the end of its fragment`);
      if ((this.buf[p] & 0x0f) !== 0x06) break;
      const aOff = p;
      const aName = this.u32(p + 1);
      p += 5;
      if (aName > aOff) p += this.inlineNameLength(aName);
      const vals: TNode[] = [];
      const t = this.u8(p) & 0x0f;
      if (t === 0x01 || t === 0x00 || t === 0x02 || t === 0x03 || t === 0x04 || t === 0x06) {
        throw new EvtxFormatError(`attribute at ${hex(aOff)} has no value`);
      }
      p = t === 0x0f ? p + 4 : this.leaf(p, vals);
      el.attrs.push({ name: this.name(aName), value: vals[0] ?? null });
    }
    return this.content(p, end, el.children, depth + 1, false);
  }

  /** A value node's data: type-specific, with its own length prefix where the type has no fixed size. */
  private inlineValue(p: number, type: number): { text: string; next: number } {
    switch (type) {
      case VT.WSTRING: {
        const n = this.u16(p);
        return { text: scalarText(this.buf, p + 2, n * 2, type), next: p + 2 + n * 2 };
      }
      case VT.STRING: {
        const n = this.u16(p);
        return { text: scalarText(this.buf, p + 2, n, type), next: p + 2 + n };
      }
      case VT.BINARY: {
        const n = this.u32(p);
        return { text: scalarText(this.buf, p + 4, n, type), next: p + 4 + n };
      }
      case VT.NULL:
        return { text: '', next: p };
      case VT.SID: {
        const n = 8 + 4 * this.u8(p + 1);
        return { text: scalarText(this.buf, p, n, type), next: p + n };
      }
      default: {
        const sizes: Record<number, number> = {
          3: 1,
          4: 1,
          5: 2,
          6: 2,
          7: 4,
          8: 4,
          9: 8,
          10: 8,
          11: 4,
          12: 8,
          13: 4,
          15: 16,
          16: 8,
          17: 8,
          18: 16,
          20: 4,
          21: 8,
        };
        const n = sizes[type];
        if (n === undefined) throw new EvtxFormatError(`unsupported value type ${hex(type)} in a value node at ${hex(p - 2)}`);
        return { text: scalarText(this.buf, p, n, type), next: p + n };
      }
    }
  }

  /** Instantiates template nodes with one record's substitution values. */
  private resolveAll(nodes: TNode[], sizes: number[], types: number[], offs: number[], depth: number): XContent[] {
    const out: XContent[] = [];
    for (const n of nodes) this.resolve(n, sizes, types, offs, depth, out);
    return out;
  }

  private resolve(n: TNode, sizes: number[], types: number[], offs: number[], depth: number, out: XContent[]): void {
    if (n.k === T_TEXT) {
      out.push(n.text);
    } else if (n.k === T_SUB) {
      const i = n.index;
      // A missing or NULL value renders empty (python-evtx keeps the element, with no text).
      if (i >= types.length || types[i] === VT.NULL) return;
      const type = types[i];
      if (type === VT.BINXML) {
        for (const c of this.root(offs[i], offs[i] + sizes[i], depth + 1)) out.push(c);
      } else if (type & VT.ARRAY) {
        if (this.opts.pythonArrays && type === (VT.ARRAY | VT.WSTRING)) out.push(pythonWstringArray(this.buf, offs[i], sizes[i]));
        else out.push({ items: arrayItems(this.buf, offs[i], sizes[i], type) });
      } else {
        out.push(scalarText(this.buf, offs[i], sizes[i], type));
      }
    } else {
      const attrs: XAttr[] = [];
      for (const a of n.attrs) {
        const v = a.value;
        if (v === null || v.k === T_TEXT) {
          attrs.push({ name: a.name, value: v ? v.text : '' });
          continue;
        }
        if (v.k === T_SUB && v.index < types.length && types[v.index] === VT.FILETIME && sizes[v.index] >= 8) {
          const o = offs[v.index];
          const lo = this.buf.readUInt32LE(o);
          const hi = this.buf.readUInt32LE(o + 4);
          attrs.push({ name: a.name, value: scalarText(this.buf, o, 8, VT.FILETIME), ms: filetimeMs(lo, hi) });
          continue;
        }
        const parts: XContent[] = [];
        this.resolve(v, sizes, types, offs, depth, parts);
        attrs.push({ name: a.name, value: parts.map(textOf).join('') });
      }
      const children: XContent[] = [];
      for (const c of n.children) this.resolve(c, sizes, types, offs, depth, children);
      out.push({ name: n.name, attrs, children });
    }
  }
}

/**
 * Text content of a node, as python-evtx's XML reads back (ElementTree
 * `itertext()`): child elements contribute their text followed by the newline
 * the reference writes after every closing tag.
 */
export function textOf(c: XContent): string {
  if (typeof c === 'string') return c;
  if ('items' in c) return c.items.join('\n');
  let s = '';
  for (const ch of c.children) s += typeof ch === 'string' ? ch : 'items' in ch ? ch.items.join('\n') : `${textOf(ch)}\n`;
  return s;
}
