/**
 * The memory of the column arrays handed to the page worker: shared (SharedArrayBuffer), so that posting a row group
 * to the worker shares it instead of transferring it, and it comes back here to be reused for the next row groups (a
 * row group's columns are ~17 MB: allocating or copying that much per row group cost the JS thread as much as
 * encoding). Shared memory also stays out of V8's external-memory accounting, which starts a full garbage collection
 * of the JS heap every few megabytes of ArrayBuffers allocated: the column arrays alone started one per row group.
 * The pool keeps at most {@link MAX_POOLED_BYTES}: what a few row groups in flight need, not every size ever seen.
 */
type Ctor<T> = { new (n: number): T; new (b: ArrayBufferLike): T; readonly BYTES_PER_ELEMENT: number };

const MAX_POOLED_BYTES = 64 * 1024 * 1024;
const free = new Map<number, ArrayBufferLike[]>();
let pooled = 0;

/** A new typed array of `length` elements (zeros) over shared memory. */
export function sharedArray<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}

/** A new Buffer of `bytes` bytes (zeros) over shared memory. */
export function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/** A typed array of `length` elements over shared memory: recycled when some came back, else new (contents undefined). */
export function recycled<T extends Int32Array | Float64Array | Uint8Array>(ctor: Ctor<T>, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  const buf = free.get(bytes)?.pop();
  if (!buf) return sharedArray(ctor, length);
  pooled -= bytes;
  return new ctor(buf);
}

/** Gives memory back for reuse (buffers the worker returned); beyond the cap it is left to the GC. */
export function giveBack(buffers: readonly ArrayBufferLike[]): void {
  for (const b of buffers) {
    if (b.byteLength === 0 || pooled + b.byteLength > MAX_POOLED_BYTES) continue;
    let list = free.get(b.byteLength);
    if (!list) free.set(b.byteLength, (list = []));
    list.push(b);
    pooled += b.byteLength;
  }
}
