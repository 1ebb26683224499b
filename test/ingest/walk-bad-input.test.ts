import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkInputs, readLines, IngestError } from '../../src/ingest';
import { buildTar, buildZip, deflatedZeros, gzip, gzippedZeros } from '../support/archive-builders';
import { streamSource, tempDir, walkAll, writeFiles } from './walk-helpers';

const GOOD = { name: 'good/u_ex210302.log', data: '2021-03-02 10:20:30 10.0.0.5 GET /owa/ - 443\n' };

describe('walkInputs on bad input', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const file = (name: string, data: Buffer | string): string => {
    writeFiles(tmp.dir, { [name]: data });
    return path.join(tmp.dir, name);
  };

  it('fails a truncated gzip stream with truncated-gzip after delivering the lines before the cut', async () => {
    // Prepare
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `2021-03-02T10:20:${String(i % 60).padStart(2, '0')}Z,req-${i},/ecp/DDI/DDIService.svc`,
    );
    const gz = gzip(lines.join('\n') + '\n');
    const p = file('HttpProxy_cut.log.gz', gz.subarray(0, Math.floor(gz.length * 0.7)));
    const problems: { code: string; path: string }[] = [];
    const got: string[] = [];
    let failure: unknown;
    // Act
    for await (const e of walkInputs([p], { onProblem: (x) => problems.push(x) })) {
      await readLines(
        e.open(),
        { maxLineBytes: 4096 },
        (t) => got.push(t),
        () => undefined,
      ).catch((err) => (failure = err));
    }
    // Assess
    expect(failure).toBeInstanceOf(IngestError);
    expect((failure as IngestError).code).toBe('truncated-gzip');
    expect(problems).toEqual([{ path: p, code: 'truncated-gzip', reason: expect.stringMatching(/truncated/) }]);
    // Everything zlib could inflate was delivered: all complete lines up to the cut, in order, and a partial last one.
    const complete = got.slice(0, -1);
    expect(complete.length).toBeGreaterThan(10_000);
    expect(complete).toEqual(lines.slice(0, complete.length));
    expect(lines[complete.length].startsWith(got[got.length - 1])).toBe(true);
  });

  it('lists random bytes and an empty file as leaf entries', async () => {
    // Prepare
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const zip = file('mixed.zip', buildZip([{ name: 'blob.bin', data: random }, { name: 'empty.log', data: '' }, GOOD]));
    // Act
    const { entries, problems } = await walkAll([zip, file('empty.txt', ''), file('random.dat', random)]);
    // Assess
    expect(problems).toEqual([]);
    expect(entries.map((e) => [path.relative(tmp.dir, e.path), e.size])).toEqual([
      ['mixed.zip!blob.bin', 4096],
      ['mixed.zip!empty.log', 0],
      ['mixed.zip!good/u_ex210302.log', GOOD.data.length],
      ['empty.txt', 0],
      ['random.dat', 4096],
    ]);
  });

  it('rejects zip-slip names (../, absolute, drive letter) and still yields the good entries', async () => {
    // Prepare
    const zip = file(
      'slip.zip',
      buildZip([
        { name: '../../etc/x.log', data: 'evil' },
        GOOD,
        { name: '/etc/passwd', data: 'evil' },
        { name: 'C:\\Windows\\x.log', data: 'evil' },
        { name: 'logs\\..\\..\\y.log', data: 'evil' },
      ]),
    );
    // Act
    const { entries, problems } = await walkAll([zip]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data]);
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      [`${zip}!../../etc/x.log`, 'zip-slip'],
      [`${zip}!/etc/passwd`, 'zip-slip'],
      [`${zip}!C:/Windows/x.log`, 'zip-slip'],
      [`${zip}!logs/../../y.log`, 'zip-slip'],
    ]);
    expect(problems[0].reason).toMatch(/escapes the archive/);
  });

  it('rejects zip-slip names in a tar too', async () => {
    // Prepare
    const tgz = file('slip.tgz', gzip(buildTar([{ name: '../../etc/x.log', data: 'evil\n' }, GOOD])));
    // Act
    const { entries, problems } = await walkAll([tgz]);
    // Assess
    expect(entries.map((e) => e.path)).toEqual([`${tgz}!${GOOD.name}`]);
    expect(problems.map((p) => [p.path, p.code])).toEqual([[`${tgz}!../../etc/x.log`, 'zip-slip']]);
  });

  it('reports an encrypted zip entry and reads the others', async () => {
    // Prepare
    const zip = file(
      'enc.zip',
      buildZip([{ name: 'secret.log', data: Buffer.alloc(40, 0x55), method: 'store', encrypted: true, declaredSize: 28 }, GOOD]),
    );
    // Act
    const { entries, problems } = await walkAll([zip]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data]);
    expect(problems).toEqual([{ path: `${zip}!secret.log`, code: 'encrypted', reason: expect.stringMatching(/encrypted/) }]);
  });

  it('reports a zip with a broken central directory and goes on with the next input', async () => {
    // Prepare
    const good = buildZip([GOOD]);
    const broken = Buffer.from(good);
    broken.writeUInt32LE(0xdeadbeef, broken.length - 22 + 16); // central directory offset points nowhere
    const truncated = good.subarray(0, good.length - 30); // end-of-central-directory record cut off
    const a = file('broken.zip', broken);
    const b = file('truncated.zip', truncated);
    const c = file('ok.log', 'ok\n');
    // Act
    const { entries, problems } = await walkAll([a, b, c]);
    // Assess
    expect(entries.map((e) => e.path)).toEqual([c]);
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      [a, 'corrupt-zip'],
      [b, 'corrupt-zip'],
    ]);
  });

  it('reports a zip entry with a bad local header and reads the others', async () => {
    // Prepare
    const zip = buildZip([GOOD, { name: 'bad.log', data: 'bad\n' }, { name: 'after.log', data: 'after\n' }]);
    zip.writeUInt32LE(0x12345678, zip.indexOf('PK\x03\x04', 4, 'latin1')); // second local header signature
    const p = file('badlocal.zip', zip);
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data, 'after\n']);
    expect(problems).toEqual([{ path: `${p}!bad.log`, code: 'corrupt-zip', reason: expect.stringMatching(/local file header/) }]);
  });

  it('fails the stream of an entry whose CRC does not match, and reads the others', async () => {
    // Prepare
    const p = file('crc.zip', buildZip([{ name: 'flipped.log', data: 'some data\n', crc: 0x1234 }, GOOD]));
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => [e.name, e.text, e.error])).toEqual([
      ['flipped.log', 'some data\n', 'crc-mismatch'],
      ['u_ex210302.log', GOOD.data, undefined],
    ]);
    expect(problems.map((x) => [x.path, x.code])).toEqual([[`${p}!flipped.log`, 'crc-mismatch']]);
  });

  it('stops a 1 GiB-of-zeros zip entry that lies about its size, fast and with little memory', async () => {
    // Prepare: ~1 MB of deflate that inflates to 1 GiB, declaring 10 KB.
    const bomb = deflatedZeros(1024);
    expect(bomb.length).toBeLessThan(1.2e6);
    const p = file('bomb.zip', buildZip([{ name: 'zeros.log', compressed: bomb, declaredSize: 10_000 }, GOOD]));
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess (no wall-clock bound: machines are noisy; a hang would hit the jest timeout)
    // Stopped in its first inflated chunk: the bytes it declared are handed out (nothing past them), with the problem.
    expect(entries.map((e) => [e.name, e.text.length, e.error])).toEqual([
      ['zeros.log', 10_000, 'size-mismatch'],
      ['u_ex210302.log', GOOD.data.length, undefined],
    ]);
    expect(problems.map((x) => [x.path, x.code])).toEqual([[`${p}!zeros.log`, 'size-mismatch']]);
  });

  it('refuses a zip entry declaring a bomb ratio before opening it', async () => {
    // Prepare
    const p = file(
      'honest-bomb.zip',
      buildZip([{ name: 'zeros.log', compressed: deflatedZeros(1024), declaredSize: 1024 ** 3, crc: 0 }, GOOD]),
    );
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.name)).toEqual(['u_ex210302.log']);
    expect(problems).toEqual([{ path: `${p}!zeros.log`, code: 'ratio-bomb', reason: expect.stringMatching(/ratio above 200/) }]);
  });

  it('stops a gzip ratio bomb (1 GiB of zeros in 1 MB) as it inflates, reading little', async () => {
    // Prepare
    const p = file('zeros.log.gz', gzippedZeros(1024));
    let delivered = 0;
    const problems: string[] = [];
    let failure: unknown;
    const heapBefore = process.memoryUsage().rss;
    // Act
    for await (const e of walkInputs([p], { onProblem: (x) => problems.push(x.code) })) {
      try {
        for await (const c of e.open()) delivered += (c as Buffer).length;
      } catch (err) {
        failure = err;
      }
    }
    // Assess: what was read, not how long it took (machines are noisy)
    expect((failure as IngestError).code).toBe('ratio-bomb');
    expect(problems).toEqual(['ratio-bomb']);
    // Stopped past 200x of what was read (64 KiB chunks), far from 1 GiB.
    expect(delivered).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('rejects overlapping zip entries (an overlapping-entry bomb) and reads the others', async () => {
    // Prepare: three central records point at the same local header, a fourth into its data.
    const p = file(
      'overlap.zip',
      buildZip([GOOD, { name: 'kernel.log', data: 'k'.repeat(5000) }], {
        central: (recs) => [
          recs[0],
          recs[1],
          { ...recs[1], name: Buffer.from('copy1.log') },
          { ...recs[1], name: Buffer.from('copy2.log'), offset: recs[1].offset + 10 },
        ],
      }),
    );
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.path)).toEqual([`${p}!${GOOD.name}`]);
    expect(problems.map((x) => [x.path, x.code])).toEqual([
      [`${p}!kernel.log`, 'overlapping-entries'],
      [`${p}!copy1.log`, 'overlapping-entries'],
      [`${p}!copy2.log`, 'overlapping-entries'],
    ]);
  });

  it('stops at the entry limit, yielding the first entries', async () => {
    // Prepare
    const entries5 = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.log`, data: `${i}\n` }));
    const zip = file('many.zip', buildZip(entries5));
    const tar = file('many.tar', buildTar(entries5));
    // Act
    const z = await walkAll([zip], { limits: { maxEntries: 3 } });
    const t = await walkAll([tar], { limits: { maxEntries: 3 } });
    // Assess
    expect(z.entries.map((e) => e.name)).toEqual(['f0.log', 'f1.log', 'f2.log']);
    expect(t.entries.map((e) => e.name)).toEqual(['f0.log', 'f1.log', 'f2.log']);
    expect(z.problems).toEqual([
      { path: zip, code: 'too-many-entries', reason: expect.stringMatching(/5 entries, more than the 3 allowed/) },
    ]);
    expect(t.problems).toEqual([{ path: tar, code: 'too-many-entries', reason: expect.stringMatching(/more than 3 entries/) }]);
  });

  it('does not open archives nested deeper than maxDepth, and reads the shallower entries', async () => {
    // Prepare: zip > zip > zip > log
    const level3 = buildZip([{ name: 'deep.log', data: 'deep\n' }]);
    const level2 = buildZip([
      { name: 'l3.zip', data: level3 },
      { name: 'mid.log', data: 'mid\n' },
    ]);
    const p = file(
      'l1.zip',
      buildZip([
        { name: 'l2.zip', data: level2 },
        { name: 'top.log', data: 'top\n' },
      ]),
    );
    // Act
    const { entries, problems } = await walkAll([p], { limits: { maxDepth: 2 } });
    // Assess
    expect(entries.map((e) => path.basename(e.path))).toEqual(['l1.zip!l2.zip!mid.log', 'l1.zip!top.log']);
    expect(problems).toEqual([{ path: `${p}!l2.zip!l3.zip`, code: 'too-deep', reason: expect.stringMatching(/limit of 2/) }]);
  });

  it('skips tar symlinks, hard links and devices with a problem each', async () => {
    // Prepare
    const p = file(
      'links.tar',
      buildTar([
        { name: 'evil-link', type: '2', linkName: '/etc/shadow' },
        { name: 'hard', type: '1', linkName: 'good/u_ex210302.log' },
        { name: 'dev/sda', type: '4' },
        { name: 'fifo', type: '6' },
        GOOD,
      ]),
    );
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data]);
    expect(problems.map((x) => [x.path, x.code])).toEqual([
      [`${p}!evil-link`, 'link-skipped'],
      [`${p}!hard`, 'link-skipped'],
      [`${p}!dev/sda`, 'special-file-skipped'],
      [`${p}!fifo`, 'special-file-skipped'],
    ]);
  });

  it('reports a tar header with a bad checksum and reads the members before and after it', async () => {
    // Prepare
    const tar = buildTar([GOOD, { name: 'second.log', data: 'two\n'.repeat(300) }, { name: 'third.log', data: 'three\n' }]);
    tar[1024 + 10] ^= 0xff; // second header's name byte: checksum no longer matches
    const p = file('corrupt.tar.gz', gzip(tar));
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data, 'three\n']);
    expect(problems).toEqual([
      { path: p, code: 'corrupt-tar', reason: 'bad tar header checksum at byte 1024: skipped to the next valid header' },
    ]);
  });

  it('fails a tar member cut short with truncated-tar', async () => {
    // Prepare
    const tar = buildTar([GOOD, { name: 'cut.log', data: 'c'.repeat(3000) }], { end: false });
    const p = file('cut.tar', tar.subarray(0, 1024 + 512 + 1000));
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => [e.name, e.error, e.text.length])).toEqual([
      ['u_ex210302.log', undefined, GOOD.data.length],
      ['cut.log', 'truncated-tar', 1000],
    ]);
    expect(problems.map((x) => x.code)).toEqual(['truncated-tar']);
  });

  it('refuses an entry declaring more than maxEntryBytes, and one pushing the total past maxTotalBytes', async () => {
    // Prepare
    const p = file(
      'sizes.tar',
      buildTar([
        { name: 'a.log', data: 'a'.repeat(600) },
        { name: 'huge.log', data: 'h'.repeat(2000) },
        { name: 'b.log', data: 'b'.repeat(600) },
        { name: 'c.log', data: 'c\n' },
      ]),
    );
    // Act
    const { entries, problems } = await walkAll([p], { limits: { maxEntryBytes: 1000, maxTotalBytes: 1100 } });
    // Assess
    expect(entries.map((e) => e.name)).toEqual(['a.log', 'c.log']);
    expect(problems.map((x) => [x.path, x.code])).toEqual([
      [`${p}!huge.log`, 'entry-too-large'],
      [`${p}!b.log`, 'total-too-large'],
    ]);
  });

  it('stops inflating a gzip past maxEntryBytes', async () => {
    // Prepare
    const p = file('big.log.gz', gzip('line of text\n'.repeat(100_000)));
    // Act
    const { entries, problems } = await walkAll([p], { limits: { maxEntryBytes: 300_000, maxRatio: 10_000 } });
    // Assess
    expect(entries.map((e) => e.error)).toEqual(['entry-too-large']);
    // Every byte up to the limit, none past it, whatever zlib's output chunk size.
    expect(entries[0].text.length).toBe(300_000);
    expect(problems.map((x) => x.code)).toEqual(['entry-too-large']);
  });

  it('deletes the spool file of a streamed zip even when it is corrupt', async () => {
    // Prepare
    const spool = tempDir();
    const bad = buildZip([GOOD]).subarray(0, 60);
    // Act
    const { problems } = await walkAll([streamSource('upload.zip', bad)], { tmpDir: spool.dir });
    // Assess
    expect(problems.map((x) => x.code)).toEqual(['corrupt-zip']);
    expect(fs.readdirSync(spool.dir)).toEqual([]);
    spool.cleanup();
  });

  it('stops when the inflated bytes of all entries pass maxTotalBytes', async () => {
    // Prepare: each member is small compressed, 2000 bytes inflated.
    const member = gzip('a'.repeat(1999) + '\n');
    const p = file(
      'total.tar',
      buildTar([
        { name: 'one.log.gz', data: member },
        { name: 'two.log.gz', data: member },
      ]),
    );
    // Act
    const { entries, problems } = await walkAll([p], { limits: { maxTotalBytes: 3000 } });
    // Assess
    // two.log stops where the total limit falls: its first 1000 bytes are handed out, with the problem.
    expect(entries.map((e) => [e.name, e.error, e.text.length])).toEqual([
      ['one.log', undefined, 2000],
      ['two.log', 'total-too-large', 1000],
    ]);
    expect(problems).toEqual([{ path: `${p}!two.log.gz`, code: 'total-too-large', reason: expect.stringMatching(/total limit of 3000/) }]);
  });

  it('refuses to spool a streamed zip larger than maxEntryBytes', async () => {
    // Prepare
    const spool = tempDir();
    const zip = buildZip([{ name: 'a.log', data: Buffer.alloc(50_000, 0x61), method: 'store' }]);
    // Act
    const { entries, problems } = await walkAll([streamSource('upload.zip', zip)], {
      tmpDir: spool.dir,
      limits: { maxEntryBytes: 20_000 },
    });
    // Assess
    expect(entries).toEqual([]);
    expect(problems).toEqual([{ path: 'upload.zip', code: 'entry-too-large', reason: expect.stringMatching(/per-entry limit of 20000/) }]);
    expect(fs.readdirSync(spool.dir)).toEqual([]);
    spool.cleanup();
  });

  it('goes on with the next zip entry when the consumer destroys a gzipped entry midway', async () => {
    // Prepare
    const p = file('d.zip', buildZip([{ name: 'big.log.gz', data: gzip('y'.repeat(2_000_000)), method: 'store' }, GOOD]));
    const seen: string[] = [];
    // Act
    for await (const e of walkInputs([p], { onProblem: (x) => seen.push(`problem ${x.code}`) })) {
      const s = e.open();
      if (e.name === 'big.log') {
        await new Promise((resolve) => s.once('data', resolve));
        s.destroy();
        seen.push('destroyed big.log');
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      seen.push(Buffer.concat(chunks).toString());
    }
    // Assess
    expect(seen).toEqual(['destroyed big.log', GOOD.data]);
  });

  it('hands out every gzip member before trailing garbage, then fails with corrupt-gzip', async () => {
    // Prepare
    const p = file('garbage.log.gz', Buffer.concat([gzip('first\n'), gzip('second\n'), Buffer.from('not gzip at all')]));
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => [e.text, e.error])).toEqual([['first\nsecond\n', 'corrupt-gzip']]);
    expect(problems).toEqual([
      { path: p, code: 'corrupt-gzip', reason: expect.stringMatching(/15 bytes of trailing garbage after gzip member 2/) },
    ]);
  });

  it('fails a gzip member whose CRC-32 trailer does not match', async () => {
    // Prepare
    const gz = gzip('payload\n');
    gz.writeUInt32LE(0xdeadbeef, gz.length - 8);
    const p = file('badcrc.log.gz', gz);
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => [e.text, e.error])).toEqual([['payload\n', 'corrupt-gzip']]);
    expect(problems).toEqual([{ path: p, code: 'corrupt-gzip', reason: expect.stringMatching(/member 1 fails its check \(CRC-32/) }]);
  });

  it('reads the entries listed before damage in the central directory', async () => {
    // Prepare: the third central record's signature is broken.
    const zip = buildZip([GOOD, { name: 'second.log', data: 'two\n' }, { name: 'third.log', data: 'three\n' }]);
    let at = -1;
    for (let i = 0; i < 3; i++) at = zip.indexOf('PK\x01\x02', at + 1, 'latin1');
    zip.writeUInt32LE(0x0badf00d, at);
    const p = file('cd.zip', zip);
    // Act
    const { entries, problems } = await walkAll([p]);
    // Assess
    expect(entries.map((e) => e.text)).toEqual([GOOD.data, 'two\n']);
    expect(problems).toEqual([{ path: p, code: 'corrupt-zip', reason: expect.stringMatching(/central directory after entry 2 of 3/) }]);
  });
});
