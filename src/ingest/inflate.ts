/**
 * Guarded decompression: inflates a compressed chunk source while counting the
 * inflated bytes per entry and per input, checking the inflation ratio as it
 * goes, and (for zip entries) the declared size and CRC-32.
 *
 * Why not `source.pipe(zlib)`: when zlib fails (truncated gzip) a piped stream is
 * destroyed with the bytes it had already inflated still in its buffer, and they
 * are lost. Here zlib is driven by hand, its output flows straight into a queue,
 * and the error is thrown only after every byte inflated before it was handed out.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '../core';
import { IngestError, IngestErrorCode, asIngestError } from './errors';

/**
 * zlib output chunk: 256 KiB was ~5x faster than the 16 KiB default; 1 MiB lets the next chunk inflate (in the thread
 * pool) while the parser works through this one (~0.6 s less waiting per 500 MB of logs).
 */
const OUTPUT_CHUNK = 1024 * 1024;
/** Largest compressed chunk given to zlib at once: one 1 MiB chunk of zeros can inflate to 1 GiB in a single call. */
export const MAX_INPUT_CHUNK = 64 * 1024;
/** The ratio is judged only past this many inflated bytes (tiny files compress oddly well). */
const RATIO_FLOOR = 1024 * 1024;

/** Inflated-byte budget shared by every entry and level of one input. */
export interface ByteBudget {
  inflated: number;
  readonly maxTotalBytes: number;
}

/** What the guard checks for one entry. */
export interface GuardSpec {
  /** Display path named in errors. */
  readonly path: string;
  readonly maxEntryBytes: number;
  readonly maxRatio: number;
  readonly budget: ByteBudget;
  /** Declared uncompressed size (zip), checked as bytes arrive and at the end. */
  readonly expectedSize?: number;
  /** Declared CRC-32 (zip), checked at the end. */
  readonly expectedCrc?: number;
}

type Mode = 'gzip' | 'deflate-raw' | 'stored';

/** Counts bytes against the limits; returns the error to stop with, if any. */
class Meter {
  inflated = 0;
  compressed = 0;
  crc = 0;
  constructor(
    private readonly spec: GuardSpec,
    private readonly mode: Mode,
  ) {}

  add(chunk: Buffer): IngestError | null {
    const s = this.spec;
    this.inflated += chunk.length;
    s.budget.inflated += chunk.length;
    if (s.expectedCrc !== undefined) this.crc = crc32(chunk, this.crc);
    if (this.inflated > s.maxEntryBytes) {
      return new IngestError(
        IngestErrorCode.EntryTooLarge,
        s.path,
        `inflates past the per-entry limit of ${s.maxEntryBytes} bytes; stopped`,
      );
    }
    if (s.budget.inflated > s.budget.maxTotalBytes) {
      return new IngestError(
        IngestErrorCode.TotalTooLarge,
        s.path,
        `the input inflates past the total limit of ${s.budget.maxTotalBytes} bytes; stopped`,
      );
    }
    if (s.expectedSize !== undefined && this.inflated > s.expectedSize) {
      return new IngestError(IngestErrorCode.SizeMismatch, s.path, `inflates past its declared size of ${s.expectedSize} bytes; stopped`);
    }
    if (this.mode !== 'stored' && this.inflated > RATIO_FLOOR && this.inflated > s.maxRatio * this.compressed) {
      return new IngestError(
        IngestErrorCode.RatioBomb,
        s.path,
        `inflation ratio above ${s.maxRatio} (${this.inflated} bytes from ${this.compressed} compressed); stopped`,
      );
    }
    return null;
  }

  /**
   * After {@link add} failed on a chunk of `length` bytes: how many of its first bytes were still within the size
   * limits (kept: every byte before a limit is handed out), the rest taken back from the counts. A ratio bomb keeps
   * nothing of the chunk that tripped it.
   */
  keepable(err: IngestError, length: number): number {
    const s = this.spec;
    let keep = 0;
    if (err.code === IngestErrorCode.EntryTooLarge)
      keep = Math.min(length - (this.inflated - s.maxEntryBytes), length - Math.max(0, s.budget.inflated - s.budget.maxTotalBytes));
    else if (err.code === IngestErrorCode.TotalTooLarge) keep = length - (s.budget.inflated - s.budget.maxTotalBytes);
    else if (err.code === IngestErrorCode.SizeMismatch && s.expectedSize !== undefined) keep = length - (this.inflated - s.expectedSize);
    keep = Math.max(0, Math.min(length, keep));
    this.inflated -= length - keep;
    s.budget.inflated -= length - keep;
    return keep;
  }

  finish(): IngestError | null {
    const s = this.spec;
    if (s.expectedSize !== undefined && this.inflated !== s.expectedSize) {
      return new IngestError(IngestErrorCode.SizeMismatch, s.path, `inflated to ${this.inflated} bytes but declares ${s.expectedSize}`);
    }
    if (s.expectedCrc !== undefined && this.crc >>> 0 !== s.expectedCrc >>> 0) {
      return new IngestError(
        IngestErrorCode.CrcMismatch,
        s.path,
        `CRC-32 mismatch (computed ${(this.crc >>> 0).toString(16)}, declared ${(s.expectedCrc >>> 0).toString(16)})`,
      );
    }
    return null;
  }
}

function zlibError(err: unknown, mode: Mode, path: string): IngestError {
  const e = err as NodeJS.ErrnoException;
  const truncated = e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '');
  if (mode === 'gzip') {
    return truncated
      ? new IngestError(
          IngestErrorCode.TruncatedGzip,
          path,
          'gzip data is truncated (unexpected end of file); the bytes before the cut were read',
          { cause: err },
        )
      : new IngestError(IngestErrorCode.CorruptGzip, path, `corrupt gzip data (${e?.message ?? String(err)})`, { cause: err });
  }
  return truncated
    ? new IngestError(IngestErrorCode.TruncatedData, path, 'compressed data is truncated', { cause: err })
    : new IngestError(IngestErrorCode.CorruptData, path, `corrupt compressed data (${e?.message ?? String(err)})`, { cause: err });
}

/**
 * Yields the decompressed bytes of `source`, enforcing `spec`.
 * Throws an `IngestError` (after yielding every byte inflated before the problem).
 */
export async function* guardedInflate(source: AsyncIterable<Buffer>, mode: Mode, spec: GuardSpec): AsyncGenerator<Buffer> {
  const meter = new Meter(spec, mode);
  if (mode === 'stored') {
    for await (const chunk of source) {
      meter.compressed += chunk.length;
      const err = meter.add(chunk);
      if (err) {
        const keep = meter.keepable(err, chunk.length);
        if (keep > 0) yield chunk.subarray(0, keep);
        throw err;
      }
      yield chunk;
    }
    const err = meter.finish();
    if (err) throw err;
    return;
  }

  if (mode === 'gzip') {
    yield* gunzipMembers(source, meter, spec);
    return;
  }
  const pump = new InflatePump(meter, mode, spec.path);
  const z = pump.create();
  try {
    for await (const big of source) {
      for (let off = 0; off < big.length; off += MAX_INPUT_CHUNK) {
        const chunk = off === 0 && big.length <= MAX_INPUT_CHUNK ? big : big.subarray(off, off + MAX_INPUT_CHUNK);
        meter.compressed += chunk.length;
        await pump.write(z, chunk);
        yield* pump.drain();
      }
    }
    const ended = await pump.finish(z);
    yield* pump.drain();
    if (!ended) throw new IngestError(IngestErrorCode.CorruptData, spec.path, 'decompressor closed before the end');
    const err = meter.finish();
    if (err) throw err;
  } catch (err) {
    throw asIngestError(err, spec.path);
  } finally {
    if (!z.destroyed) z.destroy();
  }
}

/**
 * Drives zlib inflaters by hand: output flows into a queue as it is produced (never
 * lost to a later error), every chunk is metered, and a meter failure destroys the
 * inflater at once (a bomb must not run on in the background).
 */
class InflatePump {
  private readonly out: Buffer[] = [];
  private failure: IngestError | null = null;
  private wake: (() => void) | null = null;
  private readonly ended = new WeakSet<zlib.InflateRaw>();
  /** Called for every output chunk of the current inflater (gzip member CRC). */
  onChunk: ((chunk: Buffer) => void) | null = null;

  constructor(
    private readonly meter: Meter,
    private readonly mode: Mode,
    private readonly path: string,
  ) {}

  private signal = (): void => {
    const w = this.wake;
    this.wake = null;
    w?.();
  };

  private nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  create(): zlib.InflateRaw {
    const z = zlib.createInflateRaw({ chunkSize: OUTPUT_CHUNK });
    z.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      const err = this.meter.add(chunk);
      if (err) {
        const keep = this.meter.keepable(err, chunk.length);
        if (keep > 0) this.out.push(chunk.subarray(0, keep));
        this.failure = err;
        z.destroy();
      } else {
        this.onChunk?.(chunk);
        this.out.push(chunk);
      }
      this.signal();
    });
    z.on('error', (err) => {
      this.failure ??= zlibError(err, this.mode, this.path);
      this.signal();
    });
    z.on('end', () => {
      this.ended.add(z);
      this.signal();
    });
    z.on('close', this.signal);
    return z;
  }

  /** Writes `chunk`; resolves with how many bytes zlib consumed (fewer when the deflate stream ended inside it). */
  async write(z: zlib.InflateRaw, chunk: Buffer): Promise<number> {
    const before = z.bytesWritten;
    let written = false;
    z.write(chunk, () => {
      written = true;
      this.signal();
    });
    while (!written && !this.failure && !z.destroyed) await this.nextEvent();
    return z.bytesWritten - before;
  }

  /** Ends the input; resolves true when the deflate stream was complete. */
  async finish(z: zlib.InflateRaw): Promise<boolean> {
    if (!this.ended.has(z) && !z.destroyed) z.end();
    while (!this.ended.has(z) && !this.failure && !z.destroyed) await this.nextEvent();
    return this.ended.has(z);
  }

  /** Yields the queued output, then throws the failure if there is one. */
  *drain(): Generator<Buffer> {
    while (this.out.length) yield this.out.shift()!;
    if (this.failure) throw this.failure;
  }
}

const GZIP_MAX_HEADER = 1024 * 1024;

/** Length of the gzip member header at the start of `b`, 'more' if incomplete, 'bad' if it is not one. */
function gzipHeaderLength(b: Buffer): number | 'more' | 'bad' {
  if ((b.length >= 1 && b[0] !== 0x1f) || (b.length >= 2 && b[1] !== 0x8b) || (b.length >= 3 && b[2] !== 8)) return 'bad';
  if (b.length < 10) return 'more';
  const flags = b[3];
  if (flags & 0xe0) return 'bad';
  let pos = 10;
  if (flags & 0x04) {
    if (b.length < pos + 2) return 'more';
    pos += 2 + b.readUInt16LE(pos);
  }
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      if (pos >= b.length) return 'more';
      const nul = b.indexOf(0, pos);
      if (nul === -1) return b.length > GZIP_MAX_HEADER ? 'bad' : 'more';
      pos = nul + 1;
    }
  }
  if (flags & 0x02) pos += 2;
  return pos <= b.length ? pos : 'more';
}

/**
 * gunzip with the member framing read here (header, raw deflate, CRC-32 + size trailer):
 * multi-member files, trailing zero padding, and trailing garbage after the last member
 * (reported after every member's bytes were handed out, where zlib's gunzip loses them).
 */
async function* gunzipMembers(source: AsyncIterable<Buffer>, meter: Meter, spec: GuardSpec): AsyncGenerator<Buffer> {
  const pump = new InflatePump(meter, 'gzip', spec.path);
  let z: zlib.InflateRaw | null = null;
  let state: 'header' | 'body' | 'trailer' = 'header';
  let pending: Buffer = Buffer.alloc(0);
  let members = 0;
  let crc = 0;
  let size = 0;
  pump.onChunk = (c) => {
    crc = crc32(c, crc);
    size += c.length;
  };
  const truncated = (what: string): IngestError =>
    new IngestError(IngestErrorCode.TruncatedGzip, spec.path, `gzip data is truncated (${what}); the bytes before the cut were read`);
  const garbage = (): IngestError =>
    new IngestError(
      IngestErrorCode.CorruptGzip,
      spec.path,
      `${pending.length} bytes of trailing garbage after gzip member ${members}; every member before it was read`,
    );
  try {
    for await (const big of source) {
      for (let off = 0; off < big.length; off += MAX_INPUT_CHUNK) {
        const sub = off === 0 && big.length <= MAX_INPUT_CHUNK ? big : big.subarray(off, off + MAX_INPUT_CHUNK);
        meter.compressed += sub.length;
        pending = pending.length ? Buffer.concat([pending, sub]) : sub;
        while (pending.length) {
          if (state === 'header') {
            const h = gzipHeaderLength(pending);
            if (h === 'more') break;
            if (h === 'bad') {
              if (members === 0) throw new IngestError(IngestErrorCode.CorruptGzip, spec.path, 'not a valid gzip header');
              // Zero padding after the last member is common and harmless.
              if (pending.every((b) => b === 0)) {
                pending = Buffer.alloc(0);
                break;
              }
              throw garbage();
            }
            pending = pending.subarray(h);
            z = pump.create();
            crc = 0;
            size = 0;
            state = 'body';
          } else if (state === 'body') {
            const used = await pump.write(z!, pending);
            yield* pump.drain();
            if (used >= pending.length) {
              pending = Buffer.alloc(0);
              break;
            }
            // The deflate stream ended inside this chunk: the trailer follows.
            pending = pending.subarray(used);
            z!.destroy();
            state = 'trailer';
          } else {
            if (pending.length < 8) break;
            const wantCrc = pending.readUInt32LE(0);
            const wantSize = pending.readUInt32LE(4);
            if (wantCrc !== crc >>> 0 || wantSize !== size >>> 0) {
              throw new IngestError(
                IngestErrorCode.CorruptGzip,
                spec.path,
                `gzip member ${members + 1} fails its check (CRC-32 ${(crc >>> 0).toString(16)} vs ${wantCrc.toString(16)}, size ${size >>> 0} vs ${wantSize})`,
              );
            }
            pending = pending.subarray(8);
            members++;
            state = 'header';
          }
        }
      }
    }
    if (state === 'body') {
      const ended = await pump.finish(z!);
      yield* pump.drain();
      if (!ended) throw truncated('unexpected end of file');
      state = 'trailer';
    }
    if (state === 'trailer') throw truncated('the member trailer is missing');
    if (pending.length && !pending.every((b) => b === 0)) {
      if (members === 0 || gzipHeaderLength(pending) === 'more') throw truncated('the data ends inside a member header');
      throw garbage();
    }
    if (members === 0) throw truncated('no complete member');
  } catch (err) {
    throw asIngestError(err, spec.path);
  } finally {
    if (z && !z.destroyed) z.destroy();
  }
}
