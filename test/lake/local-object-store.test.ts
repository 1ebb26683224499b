import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { InvalidKeyError, LocalObjectStore, ObjectNotFoundError, readText } from '../../src/core';

describe('LocalObjectStore', () => {
  let root: string;
  let store: LocalObjectStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    store = new LocalObjectStore(root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('puts strings, buffers, streams and files, and reads them back', async () => {
    // Prepare
    const src = path.join(root, 'src.bin');
    fs.writeFileSync(src, 'from a file');
    // Act
    await store.put('a/b/one.txt', 'one');
    await store.put('a/b/two.txt', Buffer.from('two'));
    await store.put('a/c/three.txt', Readable.from([Buffer.from('thr'), Buffer.from('ee')]));
    await store.putFile('a/d/four.txt', src);
    // Assess
    expect(await readText(store, 'a/b/one.txt')).toBe('one');
    expect(await readText(store, 'a/b/two.txt')).toBe('two');
    expect(await readText(store, 'a/c/three.txt')).toBe('three');
    expect(await readText(store, 'a/d/four.txt')).toBe('from a file');
    expect(fs.existsSync(src)).toBe(true);
  });

  it('lists by key prefix (not only folder prefix), sorted, with sizes', async () => {
    // Prepare
    await store.put('lake/t/agency=a/dt=2021-03-01/up-1-0.parquet', '12345');
    await store.put('lake/t/agency=a/dt=2021-03-02/up-1-0.parquet', '1');
    await store.put('lake/t/agency=ab/dt=2021-03-02/up-1-0.parquet', '1');
    // Act
    const all = await store.list('lake/t/agency=a/');
    const partial = await store.list('lake/t/agency=a');
    const none = await store.list('nothing/here/');
    // Assess
    expect(all).toEqual([
      { key: 'lake/t/agency=a/dt=2021-03-01/up-1-0.parquet', size: 5 },
      { key: 'lake/t/agency=a/dt=2021-03-02/up-1-0.parquet', size: 1 },
    ]);
    expect(partial.map((o) => o.key)).toHaveLength(3);
    expect(none).toEqual([]);
  });

  it('deletes (idempotently) and answers exists', async () => {
    // Prepare
    await store.put('x/y.txt', 'y');
    // Act
    await store.delete('x/y.txt');
    await store.delete('x/y.txt');
    // Assess
    expect(await store.exists('x/y.txt')).toBe(false);
  });

  it('rejects a missing key with ObjectNotFoundError', async () => {
    await expect(store.get('no/such.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('throws for keys that climb out of the root or are absolute', async () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '']) {
      await expect(store.put(bad, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    }
  });
});
