import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkInputs } from '../../src/ingest';
import { buildTar, buildZip, gzip, gzipMembers, gzipNamed } from '../support/archive-builders';
import { streamSource, tempDir, walkAll, writeFiles } from './walk-helpers';

const IIS =
  '#Software: Microsoft Internet Information Services 10.0\r\n2021-03-02 10:20:30 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 15\r\n';
const PROXY =
  'DateTime,RequestId,AnchorMailbox\n2021-03-02T10:20:30.123Z,1f2e,ServerInfo~a]@ex01.contoso.local:444/autodiscover/autodiscover.xml?#\n';

describe('walkInputs', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('yields a plain file with its size and mtime', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'u_ex210302.log': IIS });
    const file = path.join(tmp.dir, 'u_ex210302.log');
    // Act
    const { entries, problems } = await walkAll([file]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { path: file, name: 'u_ex210302.log', size: Buffer.byteLength(IIS), mtime: fs.statSync(file).mtime, text: IIS },
    ]);
  });

  it('walks a folder recursively in name order', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'b/z.log': 'z\n', 'b/a.log': 'a\n', 'a.log': 'top\n', 'B.log': 'upper\n' });
    // Act
    const { entries } = await walkAll([tmp.dir]);
    // Assess
    expect(entries.map((e) => path.relative(tmp.dir, e.path))).toEqual([
      'B.log',
      'a.log',
      path.join('b', 'a.log'),
      path.join('b', 'z.log'),
    ]);
    expect(entries.map((e) => e.text)).toEqual(['upper\n', 'top\n', 'a\n', 'z\n']);
  });

  it('gunzips a .gz file and names the content without .gz', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'HttpProxy_2021030210-1.log.gz': gzip(PROXY) });
    const file = path.join(tmp.dir, 'HttpProxy_2021030210-1.log.gz');
    // Act
    const { entries, problems } = await walkAll([file]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ path: file, name: 'HttpProxy_2021030210-1.log', size: null, text: PROXY });
  });

  it('reads every member of a multi-member gzip', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'cat.log.gz': gzipMembers(['first line\n', 'second line\n', 'third line\n']) });
    // Act
    const { entries } = await walkAll([path.join(tmp.dir, 'cat.log.gz')]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual(['first line\nsecond line\nthird line\n']);
  });

  it('reads .tar, .tar.gz and .tgz members with entry paths, sizes and mtimes', async () => {
    // Prepare
    const tar = buildTar([
      { name: 'W3SVC1/', type: '5' },
      { name: 'W3SVC1/u_ex210302.log', data: IIS, mtime: new Date('2021-03-02T23:59:58Z') },
      { name: 'HttpProxy/Autodiscover/AutodiscoverProxy.log', data: PROXY },
    ]);
    writeFiles(tmp.dir, { 'a.tar': tar, 'b.tar.gz': gzip(tar), 'c.tgz': gzip(tar) });
    // Act
    const { entries, problems } = await walkAll(['a.tar', 'b.tar.gz', 'c.tgz'].map((f) => path.join(tmp.dir, f)));
    // Assess
    expect(problems).toEqual([]);
    for (const f of ['a.tar', 'b.tar.gz', 'c.tgz']) {
      const mine = entries.filter((e) => e.path.startsWith(path.join(tmp.dir, f) + '!'));
      expect(mine.map((e) => [e.path.slice(e.path.indexOf('!') + 1), e.name, e.size, e.text])).toEqual([
        ['W3SVC1/u_ex210302.log', 'u_ex210302.log', Buffer.byteLength(IIS), IIS],
        ['HttpProxy/Autodiscover/AutodiscoverProxy.log', 'AutodiscoverProxy.log', Buffer.byteLength(PROXY), PROXY],
      ]);
      expect(mine[0].mtime).toEqual(new Date('2021-03-02T23:59:58Z'));
    }
  });

  it('reads a tar member whose name needs a GNU long-name record', async () => {
    // Prepare
    const long = `${'Exchange Server/V15/Logging/'.repeat(5)}HttpProxy/Ecp/HttpProxy_2021030210-1.log`;
    writeFiles(tmp.dir, { 'l.tar': buildTar([{ name: long, data: 'x\n' }]) });
    // Act
    const { entries } = await walkAll([path.join(tmp.dir, 'l.tar')]);
    // Assess
    expect(entries.map((e) => [e.path.split('!')[1], e.name])).toEqual([[long, 'HttpProxy_2021030210-1.log']]);
  });

  it('reads stored and deflated zip entries, skipping directories', async () => {
    // Prepare
    const zip = buildZip([
      { name: 'logs/', method: 'store' },
      { name: 'logs/stored.log', data: 'stored\n', method: 'store', mtime: new Date(2021, 2, 3, 4, 5, 6) },
      { name: 'logs/deflated.log', data: IIS.repeat(50) },
    ]);
    writeFiles(tmp.dir, { 'up.zip': zip });
    // Act
    const { entries, problems } = await walkAll([path.join(tmp.dir, 'up.zip')]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.path.split('!')[1], e.name, e.size, e.text])).toEqual([
      ['logs/stored.log', 'stored.log', 7, 'stored\n'],
      ['logs/deflated.log', 'deflated.log', IIS.length * 50, IIS.repeat(50)],
    ]);
    expect(entries[0].mtime).toEqual(new Date(2021, 2, 3, 4, 5, 6));
  });

  it('opens archives nested two and three levels deep (zip > tar.gz > log.gz, tar.gz > zip > log)', async () => {
    // Prepare
    const inner = gzip(
      buildTar([
        { name: 'ex01/u_ex210302.log.gz', data: gzip(IIS) },
        { name: 'ex01/plain.log', data: 'plain\n' },
      ]),
    );
    const outerZip = buildZip([
      { name: 'agency/ex01.tar.gz', data: inner, method: 'store' },
      { name: 'readme.txt', data: 'hi\n' },
    ]);
    const tgzOfZip = gzip(buildTar([{ name: 'up.zip', data: buildZip([{ name: 'a/b.log', data: 'deep\n' }]) }]));
    writeFiles(tmp.dir, { 'outer.zip': outerZip, 'outer.tgz': tgzOfZip });
    const spool = tempDir();
    // Act
    const { entries, problems } = await walkAll([path.join(tmp.dir, 'outer.zip'), path.join(tmp.dir, 'outer.tgz')], { tmpDir: spool.dir });
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [path.relative(tmp.dir, e.path), e.name, e.text])).toEqual([
      ['outer.zip!agency/ex01.tar.gz!ex01/u_ex210302.log.gz', 'u_ex210302.log', IIS],
      ['outer.zip!agency/ex01.tar.gz!ex01/plain.log', 'plain.log', 'plain\n'],
      ['outer.zip!readme.txt', 'readme.txt', 'hi\n'],
      ['outer.tgz!up.zip!a/b.log', 'b.log', 'deep\n'],
    ]);
    // The nested zip was spooled and the spool file deleted.
    expect(fs.readdirSync(spool.dir)).toEqual([]);
    spool.cleanup();
  });

  it('reads a zip and a tar.gz that arrive as streams (InputSource)', async () => {
    // Prepare
    const zip = buildZip([
      { name: 'a.log', data: 'from zip\n' },
      { name: 'n/b.log.gz', data: gzip('gz in zip\n') },
    ]);
    const tgz = gzip(buildTar([{ name: 'c.log', data: 'from tgz\n'.repeat(3000) }]));
    const spool = tempDir();
    // Act
    const { entries, problems } = await walkAll([streamSource('s3://up/agency/x.zip', zip), streamSource('s3://up/agency/y.tgz', tgz)], {
      tmpDir: spool.dir,
    });
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.path, e.name, e.text])).toEqual([
      ['s3://up/agency/x.zip!a.log', 'a.log', 'from zip\n'],
      ['s3://up/agency/x.zip!n/b.log.gz', 'b.log', 'gz in zip\n'],
      ['s3://up/agency/y.tgz!c.log', 'c.log', 'from tgz\n'.repeat(3000)],
    ]);
    expect(fs.readdirSync(spool.dir)).toEqual([]);
    spool.cleanup();
  });

  it('recognizes containers by magic bytes, not by extension', async () => {
    // Prepare
    writeFiles(tmp.dir, {
      'looks-like.log': buildZip([{ name: 'real.log', data: 'zipped\n' }]),
      'fake.zip': 'just text\n',
      noext: gzip('gz\n'),
    });
    // Act
    const { entries, problems } = await walkAll([tmp.dir]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [path.relative(tmp.dir, e.path), e.text])).toEqual([
      ['fake.zip', 'just text\n'],
      ['looks-like.log!real.log', 'zipped\n'],
      ['noext', 'gz\n'],
    ]);
  });

  it('yields the same entries in the same order on every run', async () => {
    // Prepare
    const tar = buildTar(Array.from({ length: 30 }, (_, i) => ({ name: `d${i % 3}/f${i}.log`, data: `${i}\n` })));
    writeFiles(tmp.dir, {
      'x/1.tgz': gzip(tar),
      'x/0.zip': buildZip([
        { name: 'z.log', data: 'z' },
        { name: 'a.log', data: 'a' },
      ]),
      'y.log': 'y',
    });
    // Act
    const first = await walkAll([tmp.dir]);
    const second = await walkAll([tmp.dir]);
    // Assess
    expect(second.entries.map((e) => e.path)).toEqual(first.entries.map((e) => e.path));
    expect(first.entries.map((e) => path.relative(tmp.dir, e.path)).slice(0, 4)).toEqual([
      path.join('x', '0.zip') + '!z.log',
      path.join('x', '0.zip') + '!a.log',
      path.join('x', '1.tgz') + '!d0/f0.log',
      path.join('x', '1.tgz') + '!d1/f1.log',
    ]);
  });

  it('goes on with the next tar member when the consumer destroys a stream or never opens it', async () => {
    // Prepare
    const big = 'x'.repeat(300_000) + '\n';
    const tgz = gzip(
      buildTar([
        { name: 'big.log', data: big },
        { name: 'skipped.log', data: big },
        { name: 'after.log', data: 'after\n' },
      ]),
    );
    writeFiles(tmp.dir, { 't.tgz': tgz });
    const seen: [string, string][] = [];
    // Act
    for await (const e of walkInputs([path.join(tmp.dir, 't.tgz')], { onProblem: () => undefined })) {
      if (e.name === 'skipped.log') {
        seen.push([e.name, 'not opened']);
        continue;
      }
      const s = e.open();
      if (e.name === 'big.log') {
        const first = await new Promise<Buffer>((resolve) => s.once('data', resolve));
        s.destroy();
        seen.push([e.name, `read ${first.length > 0}`]);
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      seen.push([e.name, Buffer.concat(chunks).toString()]);
    }
    // Assess
    expect(seen).toEqual([
      ['big.log', 'read true'],
      ['skipped.log', 'not opened'],
      ['after.log', 'after\n'],
    ]);
  });

  it('reports a missing input and goes on with the others', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'ok.log': 'ok\n' });
    const missing = path.join(tmp.dir, 'missing.zip');
    // Act
    const { entries, problems } = await walkAll([missing, path.join(tmp.dir, 'ok.log')]);
    // Assess
    expect(problems).toEqual([{ path: missing, code: 'not-found', reason: 'no such file or folder' }]);
    expect(entries.map((e) => e.text)).toEqual(['ok\n']);
  });

  it('follows a symbolic link to a file and skips one to a folder', async () => {
    // Prepare
    writeFiles(tmp.dir, { 'real/a.log': 'a\n', 'in/b.log': 'b\n' });
    fs.symlinkSync(path.join(tmp.dir, 'real', 'a.log'), path.join(tmp.dir, 'in', 'link.log'));
    fs.symlinkSync(tmp.dir, path.join(tmp.dir, 'in', 'loop'));
    // Act
    const { entries, problems } = await walkAll([path.join(tmp.dir, 'in')]);
    // Assess
    expect(entries.map((e) => [path.basename(e.path), e.text])).toEqual([
      ['b.log', 'b\n'],
      ['link.log', 'a\n'],
    ]);
    expect(problems).toEqual([{ path: path.join(tmp.dir, 'in', 'loop'), code: 'link-skipped', reason: expect.stringMatching(/folder/) }]);
  });

  it('reads a gzip with name and comment header fields, followed by zero padding', async () => {
    // Prepare
    writeFiles(tmp.dir, {
      'named.log.gz': Buffer.concat([gzipNamed('one\n', 'u_ex210302.log'), gzipNamed('two\n', 'u_ex210303.log'), Buffer.alloc(512)]),
    });
    // Act
    const { entries, problems } = await walkAll([path.join(tmp.dir, 'named.log.gz')]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.name, e.text, e.error])).toEqual([['named.log', 'one\ntwo\n', undefined]]);
  });

  it('releases everything when the consumer stops walking midway', async () => {
    // Prepare
    const spool = tempDir();
    const zip = buildZip([
      { name: 'a.log', data: 'a\n'.repeat(100_000) },
      { name: 'b.log', data: 'b\n' },
    ]);
    const tgz = gzip(buildTar([{ name: 'inner.zip', data: zip }]));
    const walker = walkInputs([streamSource('up.tgz', tgz)], { onProblem: () => undefined, tmpDir: spool.dir });
    // Act
    let opened: NodeJS.ReadableStream | null = null;
    for await (const e of walker) {
      opened = e.open();
      await new Promise((resolve) => opened!.once('data', resolve));
      break;
    }
    // Assess: the open entry stream was destroyed and the spooled zip deleted.
    expect((opened as unknown as { destroyed: boolean }).destroyed).toBe(true);
    expect(fs.readdirSync(spool.dir)).toEqual([]);
    spool.cleanup();
  });
});
