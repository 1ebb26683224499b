/**
 * Typed arrays handed to the page worker come back here and are reused for the next row groups: a row group's
 * columns are ~17 MB, and allocating (or copying) that much per row group cost the JS thread as much as encoding.
 * The pool keeps at most {@link MAX_POOLED_BYTES}: what a few row groups in flight need, not every size ever seen.
 */
type Ctor<T> = { new (n: number): T; readonly BYTES_PER_ELEMENT: number };

const MAX_POOLED_BYTES = 48 * 1024 * 1024;
const free = new Map<number, ArrayBuffer[]>();
let pooled = 0;

/** A typed array of `length` elements: recycled memory when some came back, else new (contents undefined). */
export function recycled<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T>, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  const buf = free.get(bytes)?.pop();
  if (!buf) return new ctor(length);
  pooled -= bytes;
  return new (ctor as unknown as new (b: ArrayBuffer) => T)(buf);
}

/** Gives memory back for reuse (buffers the worker returned); beyond the cap it is left to the GC. */
export function giveBack(buffers: readonly ArrayBuffer[]): void {
  for (const b of buffers) {
    if (b.byteLength === 0 || pooled + b.byteLength > MAX_POOLED_BYTES) continue;
    let list = free.get(b.byteLength);
    if (!list) free.set(b.byteLength, (list = []));
    list.push(b);
    pooled += b.byteLength;
  }
}
