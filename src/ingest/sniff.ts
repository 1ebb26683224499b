/**
 * Container recognition by magic bytes (the extension is only a hint for names).
 */

/** What a byte stream is, as far as the walker cares. */
export type ContainerKind = 'gzip' | 'zip' | 'tar' | 'leaf';

/** Bytes needed to recognize every container (the tar magic sits at offset 257). */
export const SNIFF_BYTES = 512;

/**
 * Recognizes gzip (1f 8b), zip (PK 03 04, or PK 05 06 for an empty zip) and POSIX/GNU
 * tar ("ustar" at offset 257 with a valid header checksum). Anything else is a leaf.
 */
export function sniff(head: Buffer): ContainerKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6)))
    return 'zip';
  if (head.length >= 512 && head.toString('latin1', 257, 262) === 'ustar' && tarChecksumOk(head.subarray(0, 512))) return 'tar';
  return 'leaf';
}

/** Verifies a tar header block's checksum (unsigned sum with the checksum field read as spaces). */
export function tarChecksumOk(block: Buffer): boolean {
  const field = block.toString('latin1', 148, 156).replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === want;
}

/** The name of the content of a gzip file: "x.log.gz" -> "x.log", "x.tgz" -> "x.tar". */
export function gunzippedName(name: string): string {
  if (/\.tgz$/i.test(name)) return name.slice(0, -4) + '.tar';
  if (/\.gz$/i.test(name)) return name.slice(0, -3);
  if (/\.gzip$/i.test(name)) return name.slice(0, -5);
  return name;
}

/**
 * Why an archive entry name is refused, or null when it is safe. Nothing is ever
 * written to disk under an entry's name, but such names mark a hostile archive and
 * would mislead anyone extracting it by hand.
 */
export function unsafeNameReason(name: string): { code: 'zip-slip' | 'bad-name'; reason: string } | null {
  if (name.length === 0) return { code: 'bad-name', reason: 'empty entry name' };
  if (name.includes('\0')) return { code: 'bad-name', reason: 'entry name contains a NUL byte' };
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/')) return { code: 'zip-slip', reason: `absolute path "${name}"` };
  if (/^[a-zA-Z]:/.test(n)) return { code: 'zip-slip', reason: `drive-letter path "${name}"` };
  if (n.split('/').includes('..')) return { code: 'zip-slip', reason: `path escapes the archive with ".." ("${name}")` };
  return null;
}

/** Base name of an entry path ("a/b/c.log" -> "c.log"). */
export function baseName(p: string): string {
  const n = p.replace(/\\/g, '/').replace(/\/+$/, '');
  const i = n.lastIndexOf('/');
  return i === -1 ? n : n.slice(i + 1);
}
