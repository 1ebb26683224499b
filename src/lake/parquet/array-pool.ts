/**
 * Typed arrays handed to the page worker come back here and are reused for the next row groups: a row group's
 * columns are ~17 MB, and allocating (or copying) that much per row group cost the JS thread as much as encoding.
 */
type Ctor<T> = { new (n: number): T; readonly name: string };

/** Buffers kept per (type, length): a few row groups in flight and their replacements. */
const MAX_PER_KEY = 64;
const free = new Map<string, ArrayBuffer[]>();

/** A typed array of `length` elements: recycled memory when some came back, else new (contents undefined). */
export function recycled<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T> & { readonly BYTES_PER_ELEMENT: number }, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  const list = free.get(String(bytes));
  const buf = list?.pop();
  return buf ? (new (ctor as unknown as new (b: ArrayBuffer) => T)(buf)) : new ctor(length);
}

/** Gives memory back for reuse (buffers the worker returned). */
export function giveBack(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) {
    if (b.byteLength === 0) continue;
    const key = String(b.byteLength);
    let list = free.get(key);
    if (!list) free.set(key, (list = []));
    if (list.length < MAX_PER_KEY) list.push(b);
  }
}
