/**
 * A streaming tar reader (POSIX ustar, pax and GNU long names): one 512-byte
 * header at a time, entry data handed out as a bounded chunk iterator. Never
 * holds more than a header and one source chunk in memory.
 */
import { type BytePuller } from './byte-puller';
import { IngestError, IngestErrorCode } from './errors';
import { tarChecksumOk } from './sniff';

/** One tar member. `data()` yields its bytes; call it at most once, before resuming the reader. */
export interface TarMember {
  readonly kind: 'file' | 'directory' | 'link' | 'special' | 'unsupported';
  /** Type flag, for messages. */
  readonly type: string;
  readonly name: string;
  readonly size: number;
  readonly mtime: Date | null;
  data(): AsyncGenerator<Buffer>;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return (nul === -1 ? slice : slice.subarray(0, nul)).toString('utf8');
}

/** Parses an octal number field, or a GNU base-256 one (high bit set). */
function numberField(buf: Buffer, start: number, len: number): number {
  if (buf[start] & 0x80) {
    let v = buf[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i];
    return v;
  }
  const s = buf
    .toString('latin1', start, start + len)
    .replace(/\0.*$/s, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

/** Parses pax extended-header records ("<len> key=value\n"). */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = parseInt(data.toString('latin1', pos, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

function kindOf(type: string): TarMember['kind'] {
  if (type === '0' || type === '\0' || type === '' || type === '7') return 'file';
  if (type === '5') return 'directory';
  if (type === '1' || type === '2') return 'link';
  if (type === '3' || type === '4' || type === '6') return 'special';
  return 'unsupported';
}

async function* takeAll(
  puller: BytePuller,
  size: number,
  progress: { taken: number; failed?: boolean },
  path: string,
  name: string,
): AsyncGenerator<Buffer> {
  try {
    yield* puller.take(size, progress);
  } catch (err) {
    progress.failed = true;
    throw err;
  }
  if (progress.taken < size) progress.failed = true;
  if (progress.taken < size)
    throw new IngestError(IngestErrorCode.TruncatedTar, path, `tar ends inside member "${name}" (${progress.taken} of ${size} bytes)`);
}

/** Extended headers are read into memory: cap them (a real one is a few hundred bytes). */
const MAX_META_BYTES = 1024 * 1024;

/**
 * Yields the members of the tar read by `puller`. After each member the reader skips
 * whatever of its data was not read, and its padding.
 *
 * A header with a bad checksum is passed to `onCorrupt` and the reader skips to the next valid
 * ustar header (the members after the damage are still read).
 *
 * @throws IngestError `corrupt-tar` (bad size field), `truncated-tar` (the data ends mid-header or
 *   mid-member), or whatever the source throws (e.g. `truncated-gzip`).
 */
export async function* readTar(puller: BytePuller, path: string, onCorrupt: (err: IngestError) => void): AsyncGenerator<TarMember> {
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let resyncing = false;
  for (;;) {
    const header = await puller.readExact(BLOCK);
    if (header.length === 0) return; // no end-of-archive blocks: tolerated
    if (header.length < BLOCK) {
      if (resyncing) return;
      throw new IngestError(IngestErrorCode.TruncatedTar, path, `tar ends inside a header at byte ${puller.position}`);
    }
    if (resyncing) {
      // Like GNU tar: skip blocks until one is a valid ustar header.
      if (header.toString('latin1', 257, 262) !== 'ustar' || !tarChecksumOk(header)) continue;
      resyncing = false;
    } else if (header.every((b) => b === 0)) {
      return; // end-of-archive marker
    } else if (!tarChecksumOk(header)) {
      onCorrupt(
        new IngestError(
          IngestErrorCode.CorruptTar,
          path,
          `bad tar header checksum at byte ${puller.position - BLOCK}: skipped to the next valid header`,
        ),
      );
      longName = null;
      pax = {};
      resyncing = true;
      continue;
    }
    const type = String.fromCharCode(header[156] || 0x30);
    let size = numberField(header, 124, 12);
    if (!Number.isFinite(size) || size < 0)
      throw new IngestError(IngestErrorCode.CorruptTar, path, `bad size field in tar header at byte ${puller.position - BLOCK}`);
    const padded = Math.ceil(size / BLOCK) * BLOCK;

    // Metadata members that describe the next member.
    if (type === 'L' || type === 'x' || type === 'g' || type === 'K') {
      if (size > MAX_META_BYTES)
        throw new IngestError(IngestErrorCode.CorruptTar, path, `tar extended header of ${size} bytes is implausibly large`);
      const data = await puller.readExact(padded);
      if (data.length < padded) throw new IngestError(IngestErrorCode.TruncatedTar, path, 'tar ends inside an extended header');
      if (type === 'L') longName = cString(data, 0, size);
      else if (type === 'x') pax = parsePax(data.subarray(0, size));
      continue;
    }

    const magic = header.toString('latin1', 257, 262);
    let name = cString(header, 0, 100);
    const prefix = magic === 'ustar' ? cString(header, 345, 155) : '';
    if (prefix && header.toString('latin1', 257, 263) === 'ustar\0') name = `${prefix}/${name}`;
    if (longName !== null) name = longName;
    if (pax.path !== undefined) name = pax.path;
    if (pax.size !== undefined && /^\d+$/.test(pax.size)) size = parseInt(pax.size, 10);
    const mtimeSec = pax.mtime !== undefined ? parseFloat(pax.mtime) : numberField(header, 136, 12);
    longName = null;
    pax = {};
    const dataPadded = Math.ceil(size / BLOCK) * BLOCK;

    const progress: { taken: number; failed?: boolean } = { taken: 0 };
    let started = false;
    const member: TarMember = {
      kind: kindOf(type),
      type,
      name,
      size,
      mtime: Number.isFinite(mtimeSec) ? new Date(mtimeSec * 1000) : null,
      data: () => {
        if (started) throw new Error('tar member data already read');
        started = true;
        return takeAll(puller, size, progress, path, name);
      },
    };
    // Links, devices and directories carry no data (size 0) unless the archive lies; skipping handles both.
    yield member;
    const rest = dataPadded - progress.taken;
    if (rest > 0) {
      const skipped = await puller.skip(rest);
      if (skipped < rest) {
        // Short padding after the last member is tolerated when the data itself was complete.
        // Already failed (and reported) through the member's data: do not report it twice.
        if (progress.failed) return;
        if (progress.taken + skipped < size) throw new IngestError(IngestErrorCode.TruncatedTar, path, `tar ends inside member "${name}"`);
        return;
      }
    }
  }
}
