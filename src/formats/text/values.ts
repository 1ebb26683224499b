/**
 * Small value helpers shared by the text parsers: null markers, integers
 * without regex, and client addresses without their port.
 */

/** `''` and `-` (the W3C "no value" marker) become null. */
export function nullIfEmpty(s: string): string | null {
  return s.length === 0 || (s.length === 1 && s.charCodeAt(0) === 45) ? null : s;
}

/** A decimal integer (optionally signed); null for empty, `-` or anything else. */
export function toInt(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 18) return len > 18 ? safeNumber(s) : null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (len === 1) return null;
    neg = true;
    i = 1;
  }
  let v = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

function safeNumber(s: string): number | null {
  const n = Number(s);
  return Number.isFinite(n) && Number.isInteger(n) ? n : null;
}

/** Case-insensitive header name -> column index (first occurrence wins). */
export function headerIndex(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const k = names[i].trim().toLowerCase();
    if (!m.has(k)) m.set(k, i);
  }
  return m;
}

/** Index of the first of `names` (lower case) present in the header, else -1. */
export function col(index: Map<string, number>, ...names: string[]): number {
  for (const n of names) {
    const i = index.get(n);
    if (i !== undefined) return i;
  }
  return -1;
}

/**
 * `text[a, b)` as a decimal integer, read in place without slicing (the hot path of the web parsers); null when
 * empty, "-" or not a whole number. Fields longer than 15 characters go through {@link toInt} (no precision loss).
 */
export function intInRange(text: string, a: number, b: number): number | null {
  if (b === a) return null;
  if (b - a > 15) return toInt(text.slice(a, b));
  let j = a;
  let neg = false;
  if (text.charCodeAt(j) === 45) {
    if (b === a + 1) return null;
    neg = true;
    j++;
  }
  let v = 0;
  for (; j < b; j++) {
    const c = text.charCodeAt(j) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}
