/**
 * One 64 KiB chunk: header checks, then the record walk. Every record that can
 * be read is handed on; what cannot is reported with the chunk number, the
 * record number when known, and the reason, and the walk goes on at the next
 * record it can find.
 */
import { ChunkBinXml, type BinXmlOptions } from './binxml';
import { crc32 } from './crc32';
import { EvtxFormatError } from './errors';
import { toRecord, type EvtxRecord } from './record';
import { filetimeMs } from './values';

const CHUNK_SIZE_BYTES = 0x10000;
export const CHUNK_SIZE = CHUNK_SIZE_BYTES;
/** Records start after the chunk header (128 bytes) and its string and template tables. */
const FIRST_RECORD = 0x200;
const RECORD_MAGIC = 0x00002a2a;
const MAGIC_BYTES = Buffer.from([0x2a, 0x2a, 0, 0]);
const RECORD_HEADER = 24;
/** Smallest possible record: header, an empty fragment, trailing size. */
const MIN_RECORD = RECORD_HEADER + 4 + 1;

/** Something that could not be read, or that makes what was read doubtful. */
export interface EvtxProblem {
  /** error: data lost (a record or chunk not read); warning: read, but integrity in doubt; notice: for information. */
  readonly severity: 'error' | 'warning' | 'notice';
  /** 0-based chunk number, null for the file header. */
  readonly chunk: number | null;
  /** Record number (record header) when the problem is about one record. */
  readonly recordNumber: number | null;
  /** Byte offset in the file. */
  readonly offset: number;
  /** Human-readable reason; names the chunk. */
  readonly reason: string;
}

export type RecordSink = (record: EvtxRecord) => void;
export type ProblemSink = (problem: EvtxProblem) => void;

const ZEROS = Buffer.alloc(CHUNK_SIZE_BYTES);

/** True when `buf[start, end)` is all zero bytes (native compare: unused chunks are 64 KiB of zeros). */
function allZero(buf: Buffer, start: number, end: number): boolean {
  return end <= start || buf.compare(ZEROS, 0, end - start, start, end) === 0;
}

function u64(buf: Buffer, p: number): number {
  return buf.readUInt32LE(p + 4) * 4294967296 + buf.readUInt32LE(p);
}

/** A record header at `p` that looks sound: signature, sane size, both size fields equal. */
function plausibleRecord(buf: Buffer, p: number, limit: number): boolean {
  if (p + RECORD_HEADER > limit || buf.readUInt32LE(p) !== RECORD_MAGIC) return false;
  const size = buf.readUInt32LE(p + 4);
  return size >= MIN_RECORD && p + size <= limit && buf.readUInt32LE(p + size - 4) === size;
}

/** Next offset in [from, limit) where a sound record starts (any alignment); -1 if none. */
function nextRecord(buf: Buffer, from: number, limit: number): number {
  for (let p = buf.indexOf(MAGIC_BYTES, from); p >= 0 && p + RECORD_HEADER <= limit; p = buf.indexOf(MAGIC_BYTES, p + 1)) {
    if (plausibleRecord(buf, p, limit)) return p;
  }
  return -1;
}

/**
 * Reads the records of one chunk. `buf` is the chunk (shorter than 64 KiB when
 * the file is truncated); `fileOffset` is where it starts in the file.
 * Returns the number of records read.
 */
export function readChunk(
  buf: Buffer,
  chunkNo: number,
  fileOffset: number,
  opts: BinXmlOptions,
  onRecord: RecordSink,
  onProblem: ProblemSink,
): number {
  const problem = (severity: EvtxProblem['severity'], at: number, reason: string, recordNumber: number | null = null) =>
    onProblem({ severity, chunk: chunkNo, recordNumber, offset: fileOffset + at, reason: `chunk ${chunkNo}: ${reason}` });

  if (buf.length < FIRST_RECORD || buf.toString('latin1', 0, 8) !== 'ElfChnk\0') {
    // Pre-allocated, never used chunks are all zeros: nothing to read, nothing lost.
    if (allZero(buf, 0, buf.length)) return 0;
    if (buf.length < FIRST_RECORD) problem('error', 0, `file ends inside the chunk header (${buf.length} bytes)`);
    else problem('error', 0, 'no ElfChnk signature: not a chunk, its 64 KiB were skipped');
    return 0;
  }

  const headerCrc = crc32(buf, 0x80, 0x200, crc32(buf, 0, 0x78));
  if (headerCrc !== buf.readUInt32LE(0x7c)) problem('warning', 0, 'chunk header checksum mismatch (records read anyway; check them)');

  const freeOffset = buf.readUInt32LE(0x30);
  const freeValid = freeOffset >= FIRST_RECORD && freeOffset <= CHUNK_SIZE;
  if (!freeValid) problem('warning', 0x30, `implausible end-of-data offset 0x${freeOffset.toString(16)}; records read up to the first gap`);
  else if (freeOffset <= buf.length && crc32(buf, FIRST_RECORD, freeOffset) !== buf.readUInt32LE(0x34)) {
    problem('warning', 0x34, 'record data checksum mismatch (records read anyway; check them)');
  }

  const binxml = new ChunkBinXml(buf, opts);
  let end = freeValid ? Math.min(freeOffset, buf.length) : buf.length;
  let p = FIRST_RECORD;
  let count = 0;
  let lastNumber = -1;
  let beyond = false;
  for (;;) {
    if (p + RECORD_HEADER > end) {
      if (p < end && !(freeValid && allZero(buf, p, end))) {
        problem(
          'error',
          p,
          buf.length < CHUNK_SIZE && end === buf.length
            ? 'file ends inside a record header'
            : `${end - p} stray bytes at the end of the record data`,
        );
      }
      // A chunk copied while being written can hold sound records past its recorded end of data.
      if (
        !beyond &&
        freeValid &&
        p >= freeOffset &&
        lastNumber >= 0 &&
        plausibleRecord(buf, p, buf.length) &&
        u64(buf, p + 8) === lastNumber + 1
      ) {
        beyond = true;
        problem('notice', p, 'records found past the recorded end of data (chunk being written when the file was copied); read them too');
        end = buf.length;
        continue;
      }
      break;
    }
    const magic = buf.readUInt32LE(p);
    const size = buf.readUInt32LE(p + 4);
    if (magic !== RECORD_MAGIC || size < MIN_RECORD || size > CHUNK_SIZE - FIRST_RECORD) {
      if ((!freeValid || beyond) && allZero(buf, p, Math.min(p + 64, end))) break; // unused space after the last record
      const q = nextRecord(buf, p + 8, end);
      const what = magic !== RECORD_MAGIC ? 'no record signature' : `bad record size ${size}`;
      problem(
        'error',
        p,
        q < 0
          ? `${what} at offset 0x${p.toString(16)}; ${end - p} bytes up to the end of the record data skipped`
          : `${what} at offset 0x${p.toString(16)}; ${q - p} bytes skipped up to the next record`,
      );
      if (q < 0) break;
      p = q;
      continue;
    }
    const recNo = u64(buf, p + 8);
    if (p + size > buf.length) {
      problem('error', p, `record ${recNo}: file ends inside the record (${buf.length - p} of ${size} bytes present)`, recNo);
      break;
    }
    if (buf.readUInt32LE(p + size - 4) !== size) {
      const q = nextRecord(buf, p + 8, end);
      problem(
        'error',
        p,
        `record ${recNo}: its two size fields disagree (damaged); ${q < 0 ? 'rest of the chunk' : `${q - p} bytes`} skipped`,
        recNo,
      );
      if (q < 0) break;
      p = q;
      continue;
    }
    let record: EvtxRecord | null = null;
    try {
      const nodes = binxml.record(p + RECORD_HEADER, p + size - 4);
      record = toRecord(nodes, chunkNo, recNo, filetimeMs(buf.readUInt32LE(p + 16), buf.readUInt32LE(p + 20)));
    } catch (err) {
      // Only parsing is inside this try (onRecord is called below), so whatever went wrong, went wrong reading this record.
      const why = err instanceof EvtxFormatError ? err.message : `unreadable (${err instanceof Error ? err.message : String(err)})`;
      problem('error', p, `record ${recNo}: ${why}`, recNo);
    }
    if (record) {
      count++;
      onRecord(record);
    }
    lastNumber = recNo;
    p += size;
  }
  return count;
}
