/**
 * Sizes as people type and read them, one rule everywhere (flags, upload links, summaries, plans):
 * KB, MB, GB, TB are decimal (10^3 ...), KiB, MiB, GiB, TiB binary (2^10 ...); a bare K, M, G or T is binary,
 * as `ls -h` reads it. Printed sizes are always binary with IEC names ("1.5 GiB"), so what is printed can be
 * typed back unchanged.
 */

/** Thrown for a size that is not a number with an optional unit. */
export class SizeFormatError extends Error {
  constructor(readonly value: string) {
    super(`a size is a number with an optional unit (512MB, 20GiB, 1.5G, 65536), got ${JSON.stringify(value)}`);
    this.name = 'SizeFormatError';
  }
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/**
 * Parses a size into whole bytes (rounded down).
 *
 * @example parseSize('512MB') // 512_000_000
 * @example parseSize('20GiB') // 21_474_836_480
 * @throws SizeFormatError when the text is not a size
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new SizeFormatError(text);
  const n = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n)) throw new SizeFormatError(text);
  return n;
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Bytes as a short human string in binary units: `999 B`, `1.5 KiB`, `12.0 MiB`, `312 MiB`
 * (one decimal below 100 of a unit, none from 100 up).
 */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  return `${v.toFixed(Math.abs(v) >= 100 ? 0 : 1)} ${IEC[i]}`;
}
