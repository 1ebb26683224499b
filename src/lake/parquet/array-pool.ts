/**
 * The memory of the column arrays (column-buffer.ts): shared (SharedArrayBuffer), so that posting a row group to the
 * page worker shares it instead of transferring it, and pooled: every array a column buffer takes comes from here
 * (`recycled`) and goes back here when the worker returns it or the buffer replaces or releases it (`giveBack`), to
 * be reused for the next row groups (a row group's columns are ~17 MB: allocating or copying that much per row group
 * cost the JS thread as much as encoding). Shared memory stays out of V8's accounting of ArrayBuffer memory, which
 * with these arrays started a full garbage collection of the JS heap every row group or so; the other side of it is
 * that the GC frees shared memory only when a full collection finds its handles unreachable, so none should be
 * dropped. The pool keeps at most {@link MAX_POOLED_BYTES}: what a few row groups in flight need, not every size seen.
 */
type Ctor<T> = { new (n: number): T; new (b: ArrayBufferLike): T; readonly BYTES_PER_ELEMENT: number };

const MAX_POOLED_BYTES = 64 * 1024 * 1024;
const free = new Map<number, ArrayBufferLike[]>();
let pooled = 0;

/** A new typed array of `length` elements (zeros) over shared memory. */
function sharedArray<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}

/** A typed array of `length` elements over shared memory: recycled when some came back, else new (contents undefined). */
export function recycled<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T>, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  const buf = free.get(bytes)?.pop();
  if (!buf) return sharedArray(ctor, length);
  pooled -= bytes;
  return new ctor(buf);
}

/** {@link recycled} as a Buffer of `bytes` bytes. */
export function recycledBuffer(bytes: number): Buffer {
  return Buffer.from(recycled(Uint8Array, bytes).buffer);
}

/** Gives shared memory back for reuse (arrays the worker returned, or a column buffer replaced); beyond the cap it is left to the GC. */
export function giveBack(buffers: readonly ArrayBufferLike[]): void {
  for (const b of buffers) {
    if (!(b instanceof SharedArrayBuffer) || b.byteLength === 0 || pooled + b.byteLength > MAX_POOLED_BYTES) continue;
    let list = free.get(b.byteLength);
    if (!list) free.set(b.byteLength, (list = []));
    list.push(b);
    pooled += b.byteLength;
  }
}
