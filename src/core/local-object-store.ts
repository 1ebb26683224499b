/**
 * {@link ObjectStore} over a local folder: the CLI's storage, same key layout as S3.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './object-store';

let tmpCounter = 0;

/** A folder used as an object store: key `a/b/c` is the file `<rootDir>/a/b/c`. */
export class LocalObjectStore implements ObjectStore {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /** Absolute file path of a key. */
  pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  async put(key: string, body: Readable | Buffer | string): Promise<void> {
    const dest = this.pathOf(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    // Write beside the destination, then rename: readers never see half an object.
    const tmp = `${dest}.tmp-${process.pid}-${++tmpCounter}`;
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) await fsp.writeFile(tmp, body);
      else await pipeline(body, fs.createWriteStream(tmp));
      await fsp.rename(tmp, dest);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async putFile(key: string, filePath: string): Promise<void> {
    const dest = this.pathOf(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}-${++tmpCounter}`;
    try {
      // Copy (not rename): the source stays the caller's; copyFile uses reflinks where the disk has them.
      await fsp.copyFile(filePath, tmp);
      await fsp.rename(tmp, dest);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      const handle = await fsp.open(file, 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR')
        throw new ObjectNotFoundError(key, { cause: err });
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk only the deepest folder that the prefix names in full, then filter by the prefix.
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut >= 0 ? prefix.slice(0, cut) : '';
    const start = dirKey ? this.pathOf(dirKey) : this.rootDir;
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let items: fs.Dirent[];
      try {
        items = await fsp.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      for (const it of items) {
        const key = keyPrefix ? `${keyPrefix}/${it.name}` : it.name;
        if (it.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, it.name), key);
        } else if (it.isFile() && key.startsWith(prefix) && !/\.tmp-\d+-\d+$/.test(it.name)) {
          const st = await fsp.stat(path.join(dir, it.name));
          out.push({ key, size: st.size });
        }
      }
    };
    await walk(start, dirKey);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }
}
