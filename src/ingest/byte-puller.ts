/**
 * Pull-based byte reading over an async iterator of chunks: exact reads for
 * headers (tar), bounded sub-ranges as chunk iterators (tar entries), skips.
 * One consumer at a time; the walker waits for an entry's stream to close
 * before it reads the next header.
 */

/** Reads an async chunk iterator with exact-length reads and bounded sub-ranges. */
export class BytePuller {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  /** Total bytes taken out of the source so far. */
  position = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Fetches one more chunk into the buffer; false at end of source. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Reads exactly `n` bytes; returns what was left (shorter, maybe empty) at end of source. */
  async readExact(n: number): Promise<Buffer> {
    while (this.buf.length < n) if (!(await this.fill())) break;
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.position += out.length;
    return out;
  }

  /**
   * Yields the next `n` bytes as chunks (never more than `n`), counting progress in
   * `progress.taken`. Ends early at end of source (the caller compares `taken` with `n`).
   */
  async *take(n: number, progress: { taken: number }): AsyncGenerator<Buffer> {
    while (progress.taken < n) {
      if (this.buf.length === 0 && !(await this.fill())) return;
      const want = n - progress.taken;
      const out = this.buf.length <= want ? this.buf : this.buf.subarray(0, want);
      this.buf = this.buf.length <= want ? Buffer.alloc(0) : this.buf.subarray(want);
      progress.taken += out.length;
      this.position += out.length;
      yield out;
    }
  }

  /** Skips `n` bytes; returns how many could be skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) break;
      const k = Math.min(left, this.buf.length);
      this.buf = this.buf.subarray(k);
      left -= k;
      this.position += k;
    }
    return n - left;
  }

  /** Releases the source (e.g. stops a decompressor below). */
  async close(): Promise<void> {
    this.done = true;
    this.buf = Buffer.alloc(0);
    await this.source.return?.();
  }
}

/**
 * Reads chunks from `it` until at least `n` bytes (or the end); returns them and the
 * iterator, which continues after them. `prepend(head, rest)` rebuilds the full sequence.
 */
export async function peekChunks(
  it: AsyncIterator<Buffer>,
  n: number,
): Promise<{ head: Buffer[]; length: number; ended: boolean; error?: unknown }> {
  const head: Buffer[] = [];
  let length = 0;
  while (length < n) {
    let r: IteratorResult<Buffer>;
    try {
      r = await it.next();
    } catch (error) {
      // Keep what was read: the caller hands it out before the error.
      return { head, length, ended: true, error };
    }
    if (r.done) return { head, length, ended: true };
    head.push(r.value);
    length += r.value.length;
  }
  return { head, length, ended: false };
}

/** Yields `head` then the rest of `rest`, and releases `rest` when stopped early. */
export async function* prepend(
  head: readonly Buffer[],
  rest: AsyncIterator<Buffer>,
  restEnded = false,
  restError?: unknown,
): AsyncGenerator<Buffer> {
  for (const c of head) yield c;
  if (restError !== undefined) throw restError;
  if (restEnded) return;
  let finished = false;
  try {
    for (;;) {
      const r = await rest.next();
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await rest.return?.();
  }
}
