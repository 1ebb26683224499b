/**
 * CRC-32 over a range of a buffer, as the EVTX header and chunk checksums use it
 * (IEEE 802.3, reflected: the same CRC as zip and gzip, shared in src/core/crc32).
 */
import { crc32 as crc32Of } from '../../core';

/** CRC-32 of `buf[start, end)`, continuing from `crc` (0 to start). Returns an unsigned 32-bit value. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  return crc32Of(buf.subarray(start, end), crc);
}
