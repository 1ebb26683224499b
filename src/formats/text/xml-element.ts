/**
 * A small, strict-enough XML reader for one element's text (an `<Event>` of an export): elements, attributes in
 * single or double quotes, text, the five named entities and numeric character references, CDATA, comments and
 * processing instructions. Namespace prefixes are dropped (`<e:Event>` is `Event`). No DTDs, no external entities:
 * nothing is fetched or expanded beyond the predefined entities.
 *
 * It builds the same tree type as the EVTX Binary XML reader, so an exported event goes through the same mapping
 * as a raw record.
 */
import type { XAttr, XContent, XElement } from '../evtx/binxml';

export class XmlSyntaxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XmlSyntaxError';
  }
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces entity and character references. */
export function unescapeXml(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[ref] ?? m;
  });
}

const localName = (q: string): string => {
  const i = q.indexOf(':');
  return i < 0 ? q : q.slice(i + 1);
};

const ATTR = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Parses the first element of `xml` (leading prolog, comments and whitespace are skipped). */
export function parseXmlElement(xml: string): XElement {
  const stack: { name: string; el: XElement }[] = [];
  let root: XElement | null = null;
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i && stack.length > 0) stack[stack.length - 1].el.children.push(unescapeXml(xml.slice(i, textEnd)));
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const e = xml.indexOf('-->', lt + 4);
      if (e < 0) throw new XmlSyntaxError('unclosed comment');
      i = e + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const e = xml.indexOf(']]>', lt + 9);
      if (e < 0) throw new XmlSyntaxError('unclosed CDATA section');
      if (stack.length > 0) stack[stack.length - 1].el.children.push(xml.slice(lt + 9, e));
      i = e + 3;
      continue;
    }
    if (xml.startsWith('<?', lt) || xml.startsWith('<!', lt)) {
      const e = xml.indexOf('>', lt + 2);
      if (e < 0) throw new XmlSyntaxError('unclosed declaration');
      i = e + 1;
      continue;
    }
    const gt = findTagEnd(xml, lt + 1);
    if (gt < 0) throw new XmlSyntaxError('unclosed tag');
    if (xml.charCodeAt(lt + 1) === 47) {
      const name = xml.slice(lt + 2, gt).trim();
      const top = stack.pop();
      if (!top || top.name !== name) throw new XmlSyntaxError(`</${name}> does not close <${top?.name ?? '(nothing)'}>`);
      if (stack.length === 0) return finish(top.el);
      i = gt + 1;
      continue;
    }
    const selfClosing = xml.charCodeAt(gt - 1) === 47;
    const body = xml.slice(lt + 1, selfClosing ? gt - 1 : gt);
    const m = /^[^\s/>]+/.exec(body);
    if (!m) throw new XmlSyntaxError('tag without a name');
    const attrs: XAttr[] = [];
    ATTR.lastIndex = m[0].length;
    for (let a = ATTR.exec(body); a; a = ATTR.exec(body)) {
      if (a[1] === 'xmlns' || a[1].startsWith('xmlns:')) continue;
      attrs.push({ name: localName(a[1]), value: unescapeXml(a[3] ?? a[4] ?? '') });
    }
    const el: XElement = { name: localName(m[0]), attrs, children: [] };
    if (stack.length > 0) stack[stack.length - 1].el.children.push(el);
    else if (root === null) root = el;
    if (selfClosing) {
      if (stack.length === 0) return finish(el);
    } else stack.push({ name: m[0], el });
    i = gt + 1;
  }
  throw new XmlSyntaxError(root ? `<${root.name}> is not closed` : 'no element');
}

/** Index of the `>` ending the tag that starts at `from`, outside quoted attribute values; -1 when none. */
function findTagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let j = from; j < xml.length; j++) {
    const c = xml.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return j;
  }
  return -1;
}

/** Drops whitespace-only text between child elements (pretty-printing), recursively. */
function finish(el: XElement): XElement {
  const hasElements = el.children.some((c) => typeof c !== 'string');
  const children: XContent[] = [];
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (!hasElements || c.trim() !== '') children.push(c);
    } else children.push('items' in c ? c : finish(c));
  }
  return { name: el.name, attrs: el.attrs, children };
}
