/**
 * The IIS kernel in the pipeline: normalizing with it and without it (`iisKernel: false`, the JS parser alone) must
 * give byte-identical lake files and the same manifest, on the bundled samples and on a nasty upload (CRLF, BOMs,
 * UTF-16, long lines, lines across read chunks, damaged and non-ASCII lines, #Fields changes, a truncated gzip).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { httpProxyLog, iisLog } from '../../testkit/gen/exchange-logs';
import { normalizeUpload, type NormalizeOptions } from '../../src/pipeline';
import { buildTar, gzip } from '../support/archive-builders';

const SAMPLES = path.resolve(__dirname, '..', '..', 'samples', 'agency-demo');

async function both(inputs: string[], extra: Partial<NormalizeOptions> = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-kernel-pipe-'));
  try {
    const run = async (iisKernel: boolean) => {
      const root = path.join(tmp, iisKernel ? 'kernel' : 'js');
      const r = await normalizeUpload({
        inputs,
        agency: 'doj',
        uploadId: 'up-k',
        lakeRoot: root,
        tmpDir: tmp,
        now: () => new Date('2026-11-28T00:00:00Z'),
        iisKernel,
        ...extra,
      });
      const files = r.written.map((k) => ({ key: k, bytes: fs.readFileSync(path.join(root, ...k.split('/'))) }));
      return { manifest: r.manifest, files };
    };
    return { js: await run(false), kernel: await run(true) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function expectIdentical(r: Awaited<ReturnType<typeof both>>): void {
  expect(r.kernel.manifest).toEqual(r.js.manifest);
  expect(r.kernel.files.map((f) => f.key)).toEqual(r.js.files.map((f) => f.key));
  for (let i = 0; i < r.js.files.length; i++)
    expect({ key: r.kernel.files[i].key, same: r.kernel.files[i].bytes.equals(r.js.files[i].bytes) }).toEqual({
      key: r.js.files[i].key,
      same: true,
    });
}

describe('normalizeUpload with the IIS kernel', () => {
  it('writes the same lake and manifest as the JS parser on the bundled samples', async () => {
    // Prepare
    const inputs = fs
      .readdirSync(SAMPLES)
      .filter((f) => /\.(zip|tar\.gz|tgz|gz)$/.test(f))
      .map((f) => path.join(SAMPLES, f));
    expect(inputs.length).toBeGreaterThan(0);
    // Act
    const r = await both(inputs);
    // Assess
    expectIdentical(r);
    expect(r.js.manifest.entries.filter((e) => e.family === 'iis').length).toBeGreaterThan(0);
  });

  it('writes the same lake and manifest on a nasty IIS upload', async () => {
    // Prepare
    const big = [...iisLog({ seed: 21, host: 'EXCH01', start: Date.UTC(2021, 2, 1, 12), stepMs: 2000 }, 3_500_000)].join('').split('\r\n');
    for (let i = 30; i < big.length; i += 777) big[i] = big[i].replace(' GET ', ' GÉT ');
    for (let i = 45; i < big.length; i += 1013) big[i] = big[i].replace(' 443 ', '  443 ');
    for (let i = 60; i < big.length; i += 2003) big[i] = `${big[i]} ${'x'.repeat(3000)}`; // over the line limit below
    big.splice(
      5000,
      0,
      '#Fields: date time s-computername s-sitename cs-method cs-uri-stem c-ip sc-status cs-bytes sc-bytes',
      '2021-03-01 20:00:00 exch01.corp.example W3SVC1 GET /owa/ 10.0.0.1:5555 200 10 20',
    );
    big.splice(9000, 0, '#Fields: time s-ip cs-method cs-uri-stem', '20:00:01 10.0.0.5 GET /ecp/');
    big.splice(
      9100,
      0,
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    );
    const crlf = big.join('\r\n');
    const lf = big.join('\n');
    const head = big.slice(0, 400).join('\r\n');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(head, 'utf16le')]);
    const bomUtf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(head)]);
    const gz = zlib.gzipSync(lf);
    const proxy = [...httpProxyLog({ seed: 22, host: 'EXCH01', start: Date.UTC(2021, 2, 1, 12), stepMs: 3000 }, 2_500_000)]
      .join('')
      .split('\r\n');
    for (let i = 40; i < proxy.length; i += 701) proxy[i] = proxy[i].replace(',Owa,', ',"Owa",');
    for (let i = 55; i < proxy.length; i += 907) proxy[i] = proxy[i].replace(',200,', ',"2""00",');
    for (let i = 70; i < proxy.length; i += 1201) proxy[i] = `${proxy[i]},${'y'.repeat(3000)}`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-nasty-'));
    const input = path.join(tmp, 'upload.tar');
    fs.writeFileSync(
      input,
      buildTar([
        { name: 'EXCH01/W3SVC1/u_ex210301.log', data: crlf },
        { name: 'EXCH01/W3SVC1/u_ex210302.log.gz', data: gzip(lf) },
        { name: 'EXCH01/W3SVC1/u_ex210303.log.gz', data: gz.subarray(0, Math.floor(gz.length * 0.7)) },
        { name: 'EXCH02/W3SVC2/u_ex210301.log', data: utf16 },
        { name: 'EXCH02/W3SVC2/u_ex210302.log', data: bomUtf8 },
        { name: 'EXCH01/Logging/HttpProxy/Owa/HttpProxy_2021030112-1.LOG', data: proxy.join('\r\n') },
        { name: 'EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030112-1.LOG.gz', data: gzip(proxy.slice(0, 3000).join('\n')) },
      ]),
    );
    try {
      // Act: a 2 KiB line limit (the padded lines are over it).
      const r = await both([input], { limits: { maxLineBytes: 2048 } });
      // Assess
      expectIdentical(r);
      const t = r.js.manifest.totals;
      expect(t.rows).toBeGreaterThan(30_000);
      expect(r.js.manifest.entries.filter((e) => e.family === 'httpproxy').length).toBe(2);
      expect(t.lines_rejected).toBeGreaterThan(20);
      expect(r.js.manifest.entries.find((e) => e.path.endsWith('u_ex210303.log.gz'))?.status).toBe('partial');
      expect(r.js.manifest.entries.find((e) => e.path.endsWith('EXCH02/W3SVC2/u_ex210301.log'))?.encoding).toBe('utf16le');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
