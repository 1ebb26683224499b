/**
 * Checksums of lake files: SHA-256, hex, as recorded in the manifest (`files[].sha256`) and checked by readers
 * (the hunt engine, `sweep verify`). Streamed: memory stays bounded whatever the file size.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';

/** SHA-256 (hex) and byte count of a stream. */
export async function sha256Stream(body: Readable): Promise<{ sha256: string; bytes: number }> {
  const h = crypto.createHash('sha256');
  let bytes = 0;
  for await (const c of body) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    bytes += b.length;
    h.update(b);
  }
  return { sha256: h.digest('hex'), bytes };
}

/** SHA-256 (hex) of a local file. */
export async function sha256File(file: string): Promise<string> {
  return (await sha256Stream(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }))).sha256;
}
