/** Writes generated text to a .gz file, streaming (bounded memory), with the compression level of Windows tools. */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Gzips the chunks of `text` into `file`; resolves with the raw (uncompressed) byte count. */
export async function writeGz(file: string, text: Iterable<string>): Promise<number> {
  let raw = 0;
  const src = Readable.from(
    (function* () {
      for (const chunk of text) {
        const b = Buffer.from(chunk, 'latin1');
        raw += b.length;
        yield b;
      }
    })(),
  );
  await pipeline(src, zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
  return raw;
}

/** Packs files into one uncompressed ustar archive (an "upload"), streaming. */
export async function writeTar(file: string, members: readonly { name: string; path: string }[]): Promise<void> {
  const out = fs.createWriteStream(file);
  let failed: Error | null = null;
  out.on('error', (err) => (failed = err));
  const write = (b: Buffer) =>
    new Promise<void>((res, rej) => {
      if (failed) return rej(failed);
      if (out.write(b)) res();
      else out.once('drain', res);
    });
  for (const m of members) {
    const size = fs.statSync(m.path).size;
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 8, 'latin1');
    h.write('0000000\0', 108, 8, 'latin1');
    h.write('0000000\0', 116, 8, 'latin1');
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
    h.write(
      Math.floor(Date.UTC(2021, 2, 10) / 1000)
        .toString(8)
        .padStart(11, '0') + '\0',
      136,
      12,
      'latin1',
    );
    h.write('        ', 148, 8, 'latin1');
    h.write('0', 156, 1, 'latin1');
    h.write('ustar\0', 257, 6, 'latin1');
    h.write('00', 263, 2, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    await write(h);
    for await (const chunk of fs.createReadStream(m.path, { highWaterMark: 1 << 20 })) await write(chunk as Buffer);
    const pad = (512 - (size % 512)) % 512;
    if (pad) await write(Buffer.alloc(pad));
  }
  await write(Buffer.alloc(1024));
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}
