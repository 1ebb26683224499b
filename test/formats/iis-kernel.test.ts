/**
 * The IIS kernel (WebAssembly) against the JS parser: for any input, reading it through the kernel (with the JS
 * parser taking the lines the kernel leaves) must emit exactly the rows and rejections of the JS parser alone.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { httpProxyLog, iisLog } from '../../testkit/gen/exchange-logs';
import { HTTPPROXY_FIELDS_2021 } from '../../src/formats/httpproxy';
import { parserFor } from '../../src/formats';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { WebLogKernel, readIisWithKernel } from '../../src/formats/iis-kernel';
import { LakeWriter } from '../../src/lake/lake-writer';
import type { ParseContext, TextFamilyParser } from '../../src/formats/types';
import type { Row } from '../../src/lake/schema';

interface Out {
  rows: Row[];
  rejects: { lineNo: number; reason: string }[];
}

function context(out: Out, sourceFile: string): ParseContext {
  return {
    sourceFile,
    hostHint: 'HINTHOST',
    emit: (_table, row) => out.rows.push(row),
    reject: (lineNo, reason) => out.rejects.push({ lineNo, reason }),
  };
}

/**
 * The JS parser alone, lines split as the ingest line reader (readLines) does: on \n, each line without one trailing
 * \r (the parser drops a further one: "x\r\r\n" reaches it as "x\r").
 */
function viaJs(text: string, sourceFile: string, family: 'iis' | 'httpproxy' = 'iis'): Out {
  const out: Out = { rows: [], rejects: [] };
  const p = (parserFor(family) as TextFamilyParser).create(context(out, sourceFile));
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => p.line(l.endsWith('\r') ? l.slice(0, -1) : l, i + 1));
  p.end();
  return out;
}

function viaKernel(text: string, sourceFile: string, capacity?: number, family: 'iis' | 'httpproxy' = 'iis'): Out {
  const out: Out = { rows: [], rejects: [] };
  const ctx = context(out, sourceFile);
  readIisWithKernel(
    Buffer.from(text, 'utf8'),
    ctx,
    (parserFor(family) as TextFamilyParser).create(ctx),
    new WebLogKernel(capacity, family),
  );
  return out;
}

/** How many lines the kernel left to the JS parser, reading `text`. */
function jsLinesOf(text: string, family: 'iis' | 'httpproxy', sourceFile: string): number {
  const out: Out = { rows: [], rejects: [] };
  const ctx = context(out, sourceFile);
  const js = (parserFor(family) as TextFamilyParser).create(ctx);
  let n = 0;
  const counting = { line: (t: string, no: number) => (n++, js.line(t, no)), end: () => js.end() };
  readIisWithKernel(Buffer.from(text, 'utf8'), ctx, counting, new WebLogKernel(undefined, family));
  return n;
}

/** Same rows (key order aside) and same rejections. */
function expectSame(
  text: string,
  sourceFile = 'upload.zip!EXCH01/W3SVC1/u_ex210302.log',
  capacity?: number,
  family: 'iis' | 'httpproxy' = 'iis',
): Out {
  const js = viaJs(text, sourceFile, family);
  const k = viaKernel(text, sourceFile, capacity, family);
  // Rows as sorted "key=value" lines, nulls dropped (the parsers leave absent columns out or null).
  const flat = (rows: Row[]) =>
    rows.map((r) =>
      Object.entries(r)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([key, v]) => `${key}=${JSON.stringify(v)}`)
        .sort()
        .join(' '),
    );
  expect(k.rejects).toEqual(js.rejects);
  expect(flat(k.rows)).toEqual(flat(js.rows));
  return k;
}

const FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

describe('IIS kernel (WebAssembly) vs the JS parser', () => {
  it('is the build of its AssemblyScript source', () => {
    // The committed base64 module must be what scripts/build-wasm.js makes of assembly/kernel.ts.
    execFileSync(process.execPath, [path.resolve(__dirname, '../../scripts/build-wasm.js'), '--check'], { stdio: 'pipe' });
  });

  it('gives the same rows on generated Exchange IIS logs, across batches, days and chunk edges', () => {
    // Prepare: two days of a busy server (the day change ends a batch), read in small chunks.
    const text = [...iisLog({ seed: 7, host: 'EXCH01', start: Date.UTC(2021, 2, 1, 22), stepMs: 5000 }, 3_000_000)].join('');
    // Act
    const k = expectSame(text, 'upload.zip!EXCH01/W3SVC1/u_ex210302.log', 64 * 1024);
    // Assess
    expect(k.rows.length).toBeGreaterThan(10_000);
    expect(new Set(k.rows.map((r) => new Date(r.event_time as number).toISOString().slice(0, 10))).size).toBeGreaterThan(1);
  });

  it('splits 16 bytes at a time: separators, line ends and refused bytes at every offset of a block', () => {
    // Prepare: a URI stem of 1..40 characters moves every later separator across the 16-byte blocks the kernel
    // reads; each clean line is followed by a copy with one byte inserted at a moving offset, which the kernel must
    // leave to the JS parser (tab, non-ASCII, lone CR, NUL, or a space: one field too many); lines end in LF or CR LF.
    const lines = [`#Fields: ${FIELDS}`];
    let clean = 0;
    for (let n = 1; n <= 40; n++) {
      const line = `2021-03-02 10:00:${String(n % 60).padStart(2, '0')} 10.0.0.5 GET /${'o'.repeat(n)} q=${n} 443 - 203.0.113.${n} Agent/${n} - 200 0 0 ${n}`;
      lines.push(n % 2 ? line : `${line}\r`);
      clean++;
      const at = 19 + ((n * 7) % (line.length - 20));
      const bad = ['\t', 'é', '\r', '\u0000', ' '][n % 5];
      lines.push(line.slice(0, at) + bad + line.slice(at));
    }
    const text = `${lines.join('\n')}\n`;
    // Act
    const k = expectSame(text);
    const js = jsLinesOf(text, 'iis', 'upload.zip!EXCH01/W3SVC1/u_ex210302.log');
    // Assess: the kernel read every clean line itself, the JS parser got the directive and the damaged copies.
    expect(k.rows.length).toBeGreaterThanOrEqual(clean);
    expect(js).toBe(1 + 40);
  });

  it('gives the same rows and rejections on the nasty variants', () => {
    const text = [
      '\ufeff#Software: Microsoft Internet Information Services 10.0',
      '2021-03-02 00:00:01 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 15', // before any #Fields: default layout
      '2021-03-02 00:00:01 10.0.0.5 GET /owa/', // too few fields
      `#Fields: ${FIELDS}`,
      '2021-03-02 00:00:02.5 10.0.0.5 GET /owa/ a=1 443 CORP\\u 203.0.113.7:50123 Bingbot/2.0;++http://www.bing.com/bingbot.htm - 200 0 0 15\r',
      '2021-03-02 00:00:03,123456 10.0.0.5 POST /ecp/x.js - - - [2001:db8::1]:443 Mozilla/5.0+(Windows) http://x/ -1 -0 4294967295 99999999999999999',
      '2021-03-02 00:00:04 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 42\r\r', // two CRs: readLines drops one, the parser the other
      '2021-02-30 00:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15', // no 30 February
      '2021-03-02 24:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15',
      '2021-03-02 10:00:00. 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15',
      '2021-03-02 10:00:00Z 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15',
      '2021-03-02 10:00:00 10.0.0.5 GET /owa/café - 443 - 203.0.113.7 - - 200 0 0 15', // non-ASCII: the JS parser's
      '2021-03-02 10:00:00 10.0.0.5 GET /owa/\tx - 443 - 203.0.113.7 - - 200 0 0 15',
      '2021-03-02 10:00:01  10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15', // double space: 16 fields
      '2021-03-02 10:00:02 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 2x0 + 12345678901234567890 15',
      '',
      '#Date: 2021-03-03 00:00:00',
      '#Fields: time s-ip cs-method cs-uri-stem', // no date: the #Date day, read by the JS parser
      '10:00:00 10.0.0.6 GET /ecp/',
      '#Fields: date time s-computername s-sitename cs-uri c-ip sc-status', // cs-uri (HTTPERR): the JS parser's
      '2021-03-03 10:00:00 EXCH02.corp.example W3SVC2 /owa/?a=b 10.1.1.1 404',
      '#Fields: date time s-computername s-sitename cs-method cs-uri-stem c-ip sc-status cs-bytes sc-bytes s-computername',
      '2021-03-03 11:00:00 exch02.corp.example - GET /rpc/ 10.1.1.1 200 100 2000 OTHER',
      '2021-03-03 11:00:01 - W3SVC9 GET /rpc/ 10.1.1.1 200 - - OTHER',
      '2021-03-03 23:59:59.999 EXCH02 W3SVC1 GET /a 10.1.1.1 200 1 2 X',
      '2021-03-04 00:00:00 EXCH02 W3SVC1 GET /a 10.1.1.1 200 1 2 X',
      `#Fields: ${'x '.repeat(70).trim()}`, // too many fields: back to the default layout
      '2021-03-04 00:00:01 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 - - 200 0 0 15',
    ].join('\n');
    const k = expectSame(text);
    expect(k.rows.length).toBe(14);
    expect(k.rejects.length).toBe(7);
  });

  it('normalizes every address form as the JS parser does, keeping the logged text in client_ip_raw / server_ip_raw where it differs', () => {
    // Prepare: c-ip and s-ip as IIS may log them: mapped, bracketed with port, zone id, upper-case IPv6, garbage.
    const ips: [string, string | null][] = [
      ['203.0.113.7', '203.0.113.7'],
      ['2001:db8::2', '2001:db8::2'],
      ['::ffff:203.0.113.8', '203.0.113.8'],
      ['[2001:DB8:0::1]:443', '2001:db8::1'],
      ['fe80::1ff:fe23:4567:890a%12', 'fe80::1ff:fe23:4567:890a'],
      ['203.0.113.9:50123', '203.0.113.9'],
      ['999.1.1.1', null],
      ['unknown', null],
    ];
    const text = [
      `#Fields: ${FIELDS}`,
      ...ips.map(([ip], i) => `2021-03-02 10:00:0${i} ${i % 2 ? '::FFFF:10.0.0.5' : '10.0.0.5'} GET /owa/ - 443 - ${ip} - - 200 0 0 15`),
    ].join('\n');
    // Act
    const k = expectSame(text);
    // Assess
    expect(k.rows.map((r) => [r.client_ip_raw, r.client_ip])).toEqual(ips.map(([raw, ip]) => [raw === ip ? null : raw, ip]));
    expect(k.rows.map((r) => r.server_ip)).toEqual(ips.map(() => '10.0.0.5'));
    expect(k.rows.map((r) => r.server_ip_raw)).toEqual(ips.map((_, i) => (i % 2 ? '::FFFF:10.0.0.5' : null)));
  });

  it('writes byte-identical Parquet through column batches (LakeWriter.writeBatch) as row by row', async () => {
    // Prepare: a busy server over two days, nasty lines mixed in, small row groups (batches split across them).
    const gen = [...iisLog({ seed: 11, host: 'EXCH01', start: Date.UTC(2021, 2, 1, 20), stepMs: 3000 }, 2_000_000)].join('').split('\n');
    for (let i = 50; i < gen.length; i += 997) gen[i] = gen[i].replace(' GET ', ' GÉT ').replace(' 443 ', ' - ');
    // Statuses over INTEGER: NULL and counted as coerced, by both paths.
    for (let i = 70; i < gen.length; i += 1301) gen[i] = gen[i].replace(/ (\d{3}) 0 0 /, ' 99999999999 0 0 ');
    const text = gen.join('\n');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-kernel-'));
    const write = async (mode: 'rows' | 'batches') => {
      const writer = await LakeWriter.create({ workDir: path.join(tmp, mode), uploadId: 'up-1', rowGroupRows: 5000 });
      const day = (t: unknown) => new Date(t as number).toISOString().slice(0, 10);
      const ctx: ParseContext = {
        sourceFile: 'up.zip!EXCH01/W3SVC1/u_ex210301.log',
        hostHint: 'EXCH01',
        emit: (table, row) => {
          row.source_family = 'iis';
          row.source_file = 'up.zip!EXCH01/W3SVC1/u_ex210301.log';
          writer.write(table, row, day(row.event_time));
        },
        reject: () => undefined,
      };
      const js = (parserFor('iis') as TextFamilyParser).create(ctx);
      if (mode === 'rows') readIisWithKernel(Buffer.from(text), ctx, js);
      else {
        readIisWithKernel(Buffer.from(text), ctx, js, new WebLogKernel(), (k) => {
          const batch = k.takeColumns(ctx, 'iis');
          if (batch) writer.writeBatch('web_requests', batch, day((batch.cols.get('event_time') as { vals: Float64Array }).vals[0]));
          k.nextBatch();
        });
      }
      const out = await writer.finish();
      const files = out.files.map((f) => ({ key: `${f.table}/${f.dt}/${f.n}`, bytes: fs.readFileSync(f.localPath) }));
      await writer.close();
      return { files, rowsPerPartition: out.rowsPerPartition, coercions: out.coercions };
    };
    try {
      // Act
      const rows = await write('rows');
      const batches = await write('batches');
      // Assess
      expect(batches.rowsPerPartition).toEqual(rows.rowsPerPartition);
      expect(batches.coercions).toEqual(rows.coercions);
      expect(rows.coercions.web_requests?.status).toBeGreaterThan(5);
      expect(batches.files.map((f) => f.key)).toEqual(rows.files.map((f) => f.key));
      expect(rows.files.length).toBeGreaterThan(1);
      for (let i = 0; i < rows.files.length; i++) expect(batches.files[i].bytes.equals(rows.files[i].bytes)).toBe(true);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('gives the same rows and rejections on randomly damaged lines', () => {
    const base = [...iisLog({ seed: 3, host: 'EXCH01', start: Date.UTC(2021, 2, 2), stepMs: 1000 }, 40_000)].join('').split('\n');
    const junk = fc.constantFrom(
      ' ',
      '-',
      '+',
      ':',
      '.',
      ',',
      '#',
      '\r',
      '\t',
      'é',
      '9',
      '0',
      '2021-13-01',
      '23:59:60',
      '[::1]:80',
      '+http',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), junk, fc.boolean()), { maxLength: 30 }), (edits) => {
        // Prepare: insert or overwrite junk at random places of random lines.
        const lines = [...base];
        for (const [li, ci, s, insert] of edits) {
          const i = li % lines.length;
          const at = ci % (lines[i].length + 1);
          lines[i] = lines[i].slice(0, at) + s + lines[i].slice(insert ? at : at + s.length);
        }
        // Act + Assess
        expectSame(lines.join('\n'), 'x.zip!EXCH01/W3SVC1/u_ex210302.log', 4096);
      }),
      { numRuns: 25 },
    );
  });
});

describe('HttpProxy kernel (WebAssembly, CSV) vs the JS parser', () => {
  const PROXY = 'upload.zip!EXCH01/Logging/HttpProxy/Owa/HttpProxy_2021030200-1.LOG';
  const H = HTTPPROXY_FIELDS_2021;
  const row = (v: Record<string, string>) => H.map((f) => v[f] ?? '').join(',');

  it('gives the same rows on generated HttpProxy logs (header row, #Fields, quoted fields), in small chunks', () => {
    const text = [...httpProxyLog({ seed: 5, host: 'EXCH01', start: Date.UTC(2021, 2, 1, 23), stepMs: 4000 }, 2_000_000)].join('');
    const k = expectSame(text, PROXY, 64 * 1024, 'httpproxy');
    expect(k.rows.length).toBeGreaterThan(3000);
  });

  it('gives the same rows and rejections on the nasty variants', () => {
    const t = '2021-03-02T10:15:30.103Z';
    const text = [
      row({ DateTime: t, ServerHostName: 'EXCH01', HttpStatus: '200' }), // before any header: width only, the JS parser's
      H.join(','),
      `#Fields: ${H.join(',')}`,
      row({
        DateTime: t,
        RequestId: 'a1',
        Protocol: 'Ecp',
        UrlStem: '/ecp/y.js',
        UrlQuery: '?a=1',
        ClientIpAddress: '203.0.113.7:4433',
        ServerHostName: 'exch01.corp.example',
        HttpStatus: '200',
        TotalRequestTime: '31',
        GenericInfo: '"a,b"',
      }),
      row({
        DateTime: t,
        UrlQuery: '?',
        ClientIpAddress: ' 10.0.0.1',
        AnchorMailbox: 'ServerInfo~a]@exch01:444/autodiscover/autodiscover.xml?#',
        HttpStatus: '-',
        BackEndStatus: '',
        GenericErrors: '"x""y"',
      }),
      row({
        DateTime: '2021-03-02T10:15:30Z',
        Method: 'POST',
        UrlStem: '/owa/auth/x.js',
        HttpStatus: '-1',
        RequestBytes: '99999999999',
        ResponseBytes: '1234567890123456',
      }),
      row({ DateTime: '2021-03-02 10:15:30.5', Method: 'GET' }), // no Z: the JS parser's
      row({ DateTime: '2021-03-02T10:15:30+01:00', Method: 'GET' }),
      row({ DateTime: '2021-13-02T10:15:30Z', Method: 'GET' }),
      row({ DateTime: t, UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gécko' }),
      row({ DateTime: t, GenericInfo: '"unterminated' }),
      row({ DateTime: t, GenericInfo: '"quoted"x' }),
      `${row({ DateTime: t })},extra`,
      '',
      'datetime,protocol,urlstem,httpstatus,serverhostname', // a plain header row with another layout
      `${t},Owa,/owa/,200,EXCH02`,
      `${t},"Ecp",/ecp/,302,`,
      '#Fields: RequestId,HttpStatus', // no DateTime: all the JS parser's
      'r1,200',
    ].join('\r\n');
    const k = expectSame(text, PROXY, undefined, 'httpproxy');
    expect({ rows: k.rows.length, rejects: k.rejects.length }).toEqual({ rows: 9, rejects: 5 });
  });

  it('splits 16 bytes at a time: commas, quoted fields and line ends at every offset of a block', () => {
    // Prepare: fields of growing length move commas and quotes across the kernel's 16-byte blocks; quoted fields
    // (empty, with commas, last on the line) and refused variants (an escaped quote, text after a closing quote, an
    // unterminated quote, a non-ASCII byte inside quotes) at moving offsets.
    const t = (n: number) => `2021-03-02T10:15:${String(n % 60).padStart(2, '0')}.103Z`;
    const lines = [`#Fields: ${H.join(',')}`];
    let clean = 0;
    let refused = 0;
    for (let n = 0; n < 34; n++) {
      const pad = 'x'.repeat(n);
      const good = [
        // Client addresses with a leading space or a port, queries with and without "?" (a lone "?" is null).
        row({
          DateTime: t(n),
          RequestId: `r${pad}`,
          UrlStem: `/owa/${pad}`,
          GenericInfo: `"a,${pad}"`,
          HttpStatus: '200',
          ClientIpAddress: n % 2 ? ` 10.0.${n}.9` : `203.0.113.${n}:44${n}`,
          UrlQuery: `?a=${pad}`,
        }),
        row({
          DateTime: t(n),
          RequestId: pad,
          UrlQuery: '""',
          GenericErrors: `"${pad}"`,
          HttpStatus: '302',
          ClientIpAddress: `[2001:db8::${n}]:443`,
        }),
        `${row({ DateTime: t(n), UserAgent: `A${pad}`, UrlQuery: n % 3 ? '?' : `b=${n}` }).replace(/,$/, '')},"${pad},last"`,
      ];
      for (const g of good) lines.push(n % 2 ? g : `${g}\r`);
      clean += good.length;
      const bad = [
        row({ DateTime: t(n), RequestId: pad, GenericInfo: `"${pad}""q"` }),
        row({ DateTime: t(n), RequestId: pad, GenericInfo: `"${pad}"q` }),
        row({ DateTime: t(n), UrlStem: `/${pad}`, GenericInfo: `"${pad}é"` }),
        `${row({ DateTime: t(n), RequestId: pad }).replace(/,$/, '')},"${pad}`,
      ];
      lines.push(...bad);
      refused += bad.length;
    }
    const text = `${lines.join('\n')}\n`;
    // Act
    const k = expectSame(text, PROXY, undefined, 'httpproxy');
    const js = jsLinesOf(text, 'httpproxy', PROXY);
    // Assess
    expect(k.rows.length).toBeGreaterThanOrEqual(clean);
    expect(js).toBe(1 + refused);
  });

  it('gives the same rows and rejections on randomly damaged lines', () => {
    const base = [...httpProxyLog({ seed: 9, host: 'EXCH02', start: Date.UTC(2021, 2, 2), stepMs: 1000 }, 60_000)].join('').split('\n');
    const junk = fc.constantFrom(',', '"', '""', '-', '?', ':', ' ', '#', '\r', 'é', 'Z', 'T', '2021-13-01', '9');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), junk, fc.boolean()), { maxLength: 30 }), (edits) => {
        const lines = [...base];
        for (const [li, ci, j, insert] of edits) {
          const i = li % lines.length;
          const at = ci % (lines[i].length + 1);
          lines[i] = lines[i].slice(0, at) + j + lines[i].slice(insert ? at : at + j.length);
        }
        expectSame(lines.join('\n'), PROXY, 8192, 'httpproxy');
      }),
      { numRuns: 25 },
    );
  });
});
