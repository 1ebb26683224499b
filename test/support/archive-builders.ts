/**
 * Builders of zip, tar and gzip archives for tests, written by hand (zlib for
 * deflate/gzip, headers byte by byte) so that hostile layouts can be made too:
 * lying sizes, bad CRCs, encrypted flags, zip-slip names, overlapping entries,
 * symlinks and devices in tar, truncated data, ratio bombs.
 *
 * @example
 * const zip = buildZip([{ name: 'logs/a.log', data: 'x\n' }, { name: '../../etc/x.log', data: 'y' }]);
 * const tgz = gzip(buildTar([{ name: 'a.log', data: 'line\n' }]));
 */
import * as zlib from 'node:zlib';
import { crc32 } from '../../src/core/crc32';

/** One zip entry to build. Every field after `data` exists to build broken or hostile archives. */
export interface ZipEntrySpec {
  /** Entry name (a Buffer for raw, non-UTF-8 bytes). A name ending in "/" is a directory. */
  readonly name: string | Buffer;
  readonly data?: string | Buffer;
  /** @default 'deflate' */
  readonly method?: 'store' | 'deflate' | number;
  /** Sets general purpose bit 0 (traditional encryption); the data is written as given. */
  readonly encrypted?: boolean;
  /** Declared uncompressed size (a lie when it differs from the data). */
  readonly declaredSize?: number;
  /** Declared CRC-32 (a lie when it differs). */
  readonly crc?: number;
  /** Compressed bytes to write instead of compressing `data` (e.g. a pre-built bomb stream). */
  readonly compressed?: Buffer;
  /** Modification time. @default 2021-03-02T10:20:30 (DOS time, local) */
  readonly mtime?: Date;
}

/** A central-directory record, as written; `buildZip`'s `central` hook may rewrite or duplicate them. */
export interface CentralRecord {
  name: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  dosTime: number;
  dosDate: number;
}

function toBuf(x: string | Buffer | undefined): Buffer {
  return x === undefined ? Buffer.alloc(0) : Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8');
}

function dos(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/**
 * Builds a zip in memory. `opts.central` can rewrite the central-directory records before
 * they are written (duplicate offsets, point into another entry's data...).
 */
export function buildZip(entries: readonly ZipEntrySpec[], opts: { central?: (records: CentralRecord[]) => CentralRecord[] } = {}): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  let records: CentralRecord[] = [];
  for (const e of entries) {
    const name = toBuf(e.name);
    const data = toBuf(e.data);
    const method = e.method === undefined || e.method === 'deflate' ? 8 : e.method === 'store' ? 0 : e.method;
    const compressed = e.compressed ?? (method === 8 ? zlib.deflateRawSync(data) : data);
    const crc = e.crc ?? crc32(data);
    const size = e.declaredSize ?? data.length;
    const flags = (e.encrypted ? 0x1 : 0) | (typeof e.name === 'string' ? 0x800 : 0);
    const { time, date } = dos(e.mtime ?? new Date(2021, 2, 2, 10, 20, 30));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    records.push({ name, flags, method, crc, compressedSize: compressed.length, size, offset, dosTime: time, dosDate: date });
    parts.push(local, name, compressed);
    offset += 30 + name.length + compressed.length;
  }
  if (opts.central) records = opts.central(records);
  const cdStart = offset;
  for (const r of records) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x031e, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(r.flags, 8);
    c.writeUInt16LE(r.method, 10);
    c.writeUInt16LE(r.dosTime, 12);
    c.writeUInt16LE(r.dosDate, 14);
    c.writeUInt32LE(r.crc >>> 0, 16);
    c.writeUInt32LE(r.compressedSize >>> 0, 20);
    c.writeUInt32LE(r.size >>> 0, 24);
    c.writeUInt16LE(r.name.length, 28);
    c.writeUInt32LE(r.name.toString('latin1').endsWith('/') ? 0x10 : 0, 38);
    c.writeUInt32LE(r.offset >>> 0, 42);
    parts.push(c, r.name);
    offset += 46 + r.name.length;
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(records.length, 8);
  eocd.writeUInt16LE(records.length, 10);
  eocd.writeUInt32LE(offset - cdStart, 12);
  eocd.writeUInt32LE(cdStart, 16);
  parts.push(eocd);
  return Buffer.concat(parts);
}

/** One tar member to build. */
export interface TarEntrySpec {
  readonly name: string;
  readonly data?: string | Buffer;
  /** Type flag: '0' file (default), '2' symlink, '1' hard link, '3'/'4' devices, '5' directory, '6' fifo. */
  readonly type?: string;
  readonly linkName?: string;
  /** Declared size (a lie when it differs from the data). */
  readonly declaredSize?: number;
  /** @default 2021-03-02T10:20:30Z */
  readonly mtime?: Date;
}

function octal(buf: Buffer, value: number, start: number, len: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', start, len, 'latin1');
}

function tarHeader(name: string, size: number, type: string, linkName = '', mtime = new Date('2021-03-02T10:20:30Z')): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  octal(h, 0o644, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, Math.floor(mtime.getTime() / 1000), 136, 12);
  h.write('        ', 148, 8, 'latin1');
  h.write(type, 156, 1, 'latin1');
  h.write(linkName, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

/** Builds a ustar archive; names over 100 bytes get a GNU long-name record. `end: false` omits the end blocks. */
export function buildTar(entries: readonly TarEntrySpec[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = toBuf(e.data);
    if (Buffer.byteLength(e.name) > 100) {
      const long = Buffer.from(e.name + '\0', 'utf8');
      parts.push(tarHeader('././@LongLink', long.length, 'L'), long, pad(long.length));
    }
    parts.push(tarHeader(e.name.slice(0, 100), e.declaredSize ?? data.length, e.type ?? '0', e.linkName, e.mtime), data, pad(data.length));
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** gzip with a fixed mtime (deterministic bytes). */
export function gzip(data: string | Buffer): Buffer {
  return zlib.gzipSync(toBuf(data));
}

/** A multi-member gzip: each part compressed as its own member, concatenated (as `cat a.gz b.gz`). */
export function gzipMembers(parts: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => zlib.gzipSync(toBuf(p))));
}

/**
 * A raw deflate stream of `mib` MiB of zeros, built from one deflated MiB repeated
 * (sync-flushed segments are byte-aligned and self-contained): 1 GiB of zeros in ~1 MB,
 * made in milliseconds.
 */
export function deflatedZeros(mib: number): Buffer {
  const segment = zlib.deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const last = zlib.deflateRawSync(Buffer.alloc(0)); // final empty block
  return Buffer.concat([...Array.from({ length: mib }, () => segment), last]);
}

/** A gzip member of `mib` MiB of zeros (trailer CRC left 0: a bomb is stopped long before it). */
export function gzippedZeros(mib: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(0, 0);
  trailer.writeUInt32LE((mib * 1024 * 1024) >>> 0, 4);
  return Buffer.concat([header, deflatedZeros(mib), trailer]);
}

/** A gzip member whose header carries the original file name (FNAME, as `gzip` writes it) and a comment. */
export function gzipNamed(data: string | Buffer, fileName: string, comment = 'exported by test'): Buffer {
  const plain = zlib.gzipSync(toBuf(data));
  const header = Buffer.from(plain.subarray(0, 10));
  header[3] |= 0x08 | 0x10;
  return Buffer.concat([header, Buffer.from(fileName + '\0', 'latin1'), Buffer.from(comment + '\0', 'latin1'), plain.subarray(10)]);
}
