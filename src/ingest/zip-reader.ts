/**
 * Zip central-directory reading on top of yauzl (random access, lazy entries,
 * raw data: the walker inflates with its own guarded zlib), plus the checks
 * yauzl does not make: overlapping local-header ranges (overlapping-entry bombs)
 * and encrypted entries. Entry names are decoded here (not by yauzl) so that one
 * hostile name does not abort the whole directory.
 */
import * as yauzl from 'yauzl';
import type { Readable } from 'node:stream';

/** A zip entry as listed in the central directory. */
export interface ZipEntryInfo {
  readonly index: number;
  readonly name: string;
  readonly isDirectory: boolean;
  readonly encrypted: boolean;
  readonly compressionMethod: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly mtime: Date | null;
  /** Set when the entry's data range overlaps another entry's (or shares its local header). */
  overlaps: boolean;
  /** The yauzl entry, for opening. */
  readonly raw: yauzl.Entry;
}

/** Decodes names as yauzl would (CP437 or UTF-8 flag, Info-ZIP Unicode path), without validating them. */
const yauzlLow = yauzl as unknown as {
  getFileNameLowLevel(flags: number, name: Buffer, extraFields: { id: number; data: Buffer }[], strict: boolean): string;
};

/** Opens a zip file for lazy, raw reading. Rejects on a missing or corrupt end-of-central-directory record. */
export function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false }, (err, zf) => {
      if (err || !zf) reject(err ?? new Error('zip could not be opened'));
      else resolve(zf);
    });
  });
}

/**
 * Reads up to `max` entries of the central directory. `truncated` tells that more were declared;
 * `error` that the directory is damaged after the entries returned.
 */
export async function listZipEntries(
  zf: yauzl.ZipFile,
  max: number,
): Promise<{ entries: ZipEntryInfo[]; truncated: boolean; error?: Error }> {
  const entries: ZipEntryInfo[] = [];
  const wanted = Math.min(zf.entryCount, max);
  let error: Error | undefined;
  while (entries.length < wanted) {
    let raw: yauzl.Entry | null;
    try {
      raw = await nextEntry(zf);
    } catch (err) {
      // Keep the entries listed before the damage.
      error = err as Error;
      break;
    }
    if (!raw) break;
    const nameBuf = raw.fileName as unknown as Buffer;
    const name = yauzlLow.getFileNameLowLevel(raw.generalPurposeBitFlag, nameBuf, raw.extraFields as { id: number; data: Buffer }[], false);
    let mtime: Date | null;
    try {
      mtime = raw.getLastModDate();
    } catch {
      mtime = null;
    }
    entries.push({
      index: entries.length,
      name,
      isDirectory: name.endsWith('/'),
      encrypted: (raw.generalPurposeBitFlag & 0x1) !== 0,
      compressionMethod: raw.compressionMethod,
      compressedSize: raw.compressedSize,
      uncompressedSize: raw.uncompressedSize,
      crc32: raw.crc32,
      localHeaderOffset: raw.relativeOffsetOfLocalHeader,
      mtime: mtime && !Number.isNaN(mtime.getTime()) ? mtime : null,
      overlaps: false,
      raw,
    });
  }
  markOverlaps(entries);
  return { entries, truncated: !error && zf.entryCount > entries.length, ...(error ? { error } : {}) };
}

function nextEntry(zf: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise<yauzl.Entry | null>((resolve, reject) => {
    const onEntry = (e: yauzl.Entry): void => {
      cleanup();
      resolve(e);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      zf.off('entry', onEntry);
      zf.off('end', onEnd);
      zf.off('error', onError);
    };
    zf.on('entry', onEntry);
    zf.on('end', onEnd);
    zf.on('error', onError);
    zf.readEntry();
  });
}

/**
 * Marks entries whose local header + data ranges overlap (or coincide). The end of a
 * range is estimated from the central directory (30-byte header + name + compressed
 * data): a lower bound of the real end, so honest archives are never flagged.
 */
export function markOverlaps(entries: ZipEntryInfo[]): void {
  const byStart = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let holder: ZipEntryInfo | null = null;
  let holderEnd = -1;
  for (const e of byStart) {
    const start = e.localHeaderOffset;
    const end = start + 30 + Buffer.byteLength(e.raw.fileName as unknown as Buffer) + e.compressedSize;
    if (holder && start < holderEnd) {
      e.overlaps = true;
      holder.overlaps = true;
    }
    if (end > holderEnd) {
      holder = e;
      holderEnd = end;
    }
  }
}

/** Opens the raw (still compressed) data of an entry. Rejects on a bad local header. */
export function openRawEntry(zf: yauzl.ZipFile, entry: ZipEntryInfo): Promise<Readable> {
  return new Promise((resolve, reject) => {
    try {
      zf.openReadStream(entry.raw, { decodeFileData: false } as unknown as yauzl.ZipFileOptions, (err, stream) => {
        if (err || !stream) reject(err ?? new Error('entry could not be opened'));
        else resolve(stream);
      });
    } catch (err) {
      reject(err);
    }
  });
}
