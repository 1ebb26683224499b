/**
 * Streaming EVTX reader: the 4 KiB file header, then one 64 KiB chunk at a
 * time. Memory stays at about one chunk plus what the stream buffers, whatever
 * the file size. Templates and names are per chunk, so nothing outlives it.
 */
import type { BinXmlOptions } from './binxml';
import { CHUNK_SIZE, readChunk, type EvtxProblem, type ProblemSink, type RecordSink } from './chunk';
import { crc32 } from './crc32';

const FILE_HEADER = 0x1000;

/** What the file header says. */
export interface EvtxFileHeader {
  readonly majorVersion: number;
  readonly minorVersion: number;
  /** Chunks the header counts (may lag behind in a file copied while in use). */
  readonly chunkCount: number;
  readonly nextRecordNumber: number;
  /** The log was open and changed: copied from a live system without a clean close. */
  readonly dirty: boolean;
  /** The log reached its maximum size. */
  readonly full: boolean;
  readonly checksumOk: boolean;
}

/** Counts for one file. */
export interface EvtxSummary {
  /** Null when the file is shorter than a file header. */
  readonly header: EvtxFileHeader | null;
  /** Chunks present in the file (including unused all-zero ones). */
  readonly chunks: number;
  readonly records: number;
  /** Problems reported, by severity. */
  readonly errors: number;
  readonly warnings: number;
}

/**
 * Push decoder for one .evtx byte stream: `push()` the bytes as they come,
 * then `end()`. Records and problems are reported synchronously through the
 * callbacks. A decoder never throws on bad input; it throws only what a callback throws.
 */
export class EvtxDecoder {
  private pending: Buffer[] = [];
  private scratch: Buffer = Buffer.alloc(0);
  private pendingLength = 0;
  private offset = 0;
  private header: EvtxFileHeader | null = null;
  private headerSeen = false;
  private notEvtx = false;
  private chunkNo = 0;
  private records = 0;
  private errors = 0;
  private warnings = 0;
  private readonly problem: ProblemSink;

  constructor(
    private readonly onRecord: RecordSink,
    onProblem: ProblemSink = () => undefined,
    private readonly opts: BinXmlOptions = {},
  ) {
    this.problem = (p: EvtxProblem) => {
      if (p.severity === 'error') this.errors++;
      else if (p.severity === 'warning') this.warnings++;
      onProblem(p);
    };
  }

  /** Feeds the next bytes of the file. */
  push(data: Buffer): void {
    if (this.notEvtx || data.length === 0) return;
    this.pending.push(data);
    this.pendingLength += data.length;
    for (;;) {
      const need = this.headerSeen ? CHUNK_SIZE : FILE_HEADER;
      if (this.pendingLength < need || this.notEvtx) return;
      this.consume(this.take(need));
    }
  }

  /** Signals the end of the file; reads what is left (a truncated last chunk) and returns the counts. */
  end(): EvtxSummary {
    if (!this.notEvtx && this.pendingLength > 0) this.consume(this.take(this.pendingLength), true);
    else if (!this.headerSeen && !this.notEvtx) this.fileProblem('empty file: no EVTX file header');
    if (this.header && !this.notEvtx && this.chunkNo < this.header.chunkCount) {
      this.fileProblem(`file truncated: the header counts ${this.header.chunkCount} chunks, ${this.chunkNo} present`, 'error');
    }
    this.pending = [];
    this.pendingLength = 0;
    return { header: this.header, chunks: this.chunkNo, records: this.records, errors: this.errors, warnings: this.warnings };
  }

  /** Takes the next `n` bytes (copying only when they straddle pieces the stream gave). */
  private take(n: number): Buffer {
    const first = this.pending[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length > n) this.pending[0] = first.subarray(n);
      else this.pending.shift();
    } else {
      // Chunks are read synchronously and nothing keeps a view on them (records hold strings), so one
      // scratch buffer serves every chunk that straddles two stream pieces: no 64 KiB allocation per chunk.
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(n);
      out = this.scratch.subarray(0, n);
      let filled = 0;
      let i = 0;
      while (filled < n) {
        const piece = this.pending[i];
        const k = Math.min(piece.length, n - filled);
        piece.copy(out, filled, 0, k);
        filled += k;
        if (k === piece.length) i++;
        else this.pending[i] = piece.subarray(k);
      }
      this.pending = this.pending.slice(i); // one slice, not a shift per piece (tiny pieces stay linear)
    }
    this.pendingLength -= n;
    return out;
  }

  private fileProblem(reason: string, severity: EvtxProblem['severity'] = 'error'): void {
    this.problem({ severity, chunk: null, recordNumber: null, offset: 0, reason });
  }

  private consume(buf: Buffer, last = false): void {
    if (!this.headerSeen) {
      this.readHeader(buf, last);
      return;
    }
    if (last) {
      this.problem({
        severity: 'error',
        chunk: this.chunkNo,
        recordNumber: null,
        offset: this.offset,
        reason: `chunk ${this.chunkNo}: file truncated, only ${buf.length} of ${CHUNK_SIZE} bytes present; the records that are complete are read`,
      });
    }
    this.records += readChunk(buf, this.chunkNo, this.offset, this.opts, this.onRecord, this.problem);
    this.chunkNo++;
    this.offset += buf.length;
  }

  private readHeader(buf: Buffer, last: boolean): void {
    this.headerSeen = true;
    this.offset = buf.length;
    if (buf.length < 8 || buf.toString('latin1', 0, 8) !== 'ElfFile\0') {
      this.notEvtx = true;
      this.fileProblem('not an EVTX file: no ElfFile signature');
      return;
    }
    if (last && buf.length < FILE_HEADER) {
      this.fileProblem(`file truncated inside the file header (${buf.length} bytes): no records`);
      return;
    }
    const flags = buf.readUInt32LE(0x78);
    this.header = {
      minorVersion: buf.readUInt16LE(0x24),
      majorVersion: buf.readUInt16LE(0x26),
      chunkCount: buf.readUInt16LE(0x2a),
      nextRecordNumber: buf.readUInt32LE(0x1c) * 4294967296 + buf.readUInt32LE(0x18),
      dirty: (flags & 1) !== 0,
      full: (flags & 2) !== 0,
      checksumOk: crc32(buf, 0, 0x78) === buf.readUInt32LE(0x7c),
    };
    if (this.header.majorVersion !== 3)
      this.fileProblem(`unexpected format version ${this.header.majorVersion}.${this.header.minorVersion}; read as 3.x`, 'warning');
    if (!this.header.checksumOk) this.fileProblem('file header checksum mismatch; chunks read anyway', 'notice');
    if (this.header.dirty)
      this.fileProblem(
        'dirty flag set: the log was copied while in use; every chunk is read, including those the header does not count yet',
        'notice',
      );
  }
}

/**
 * Reads a whole .evtx stream. Resolves with the counts once the stream ends;
 * rejects only if the stream itself fails (or a callback throws).
 */
export async function readEvtx(
  stream: AsyncIterable<Buffer | string>,
  onRecord: RecordSink,
  onProblem?: ProblemSink,
  opts: BinXmlOptions = {},
): Promise<EvtxSummary> {
  const dec = new EvtxDecoder(onRecord, onProblem, opts);
  for await (const piece of stream) dec.push(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
  return dec.end();
}
