/**
 * `npm run bench -- snappy [--mb=200] [--runs=7]`: Snappy page compression alone, the JS compressor (snappy.ts,
 * the reference) against the WebAssembly one the page worker uses (snappy-wasm-codec.ts), in one process.
 *
 * Realistic page bodies: generated IIS and HttpProxy logs (testkit/gen, half each, `--mb` raw) parsed, appended into
 * 65,536-row row groups (as the pipeline fills them: source columns, upload id) and encoded into pages by the page
 * encoder, as the page worker does. Then runs interleaved (JS, WASM, WASM, JS, ...), CPU time of each pass over all
 * pages, best of `--runs`; the outputs are checked to be byte-identical.
 */
import type { TextFamilyParser } from '../src/formats/types';
import { parserFor } from '../src/formats';
import { ColumnBuffer } from '../src/lake/column-buffer';
import { pageEncoder } from '../src/lake/parquet/page-encoder';
import { snappyCompress } from '../testkit/snappy-reference';
import { snappyCompressWasm } from '../src/lake/parquet/snappy-wasm-codec';
import { tableDef, type Row, type TableName } from '../src/lake/schema';
import { httpProxyLog, iisLog } from '../testkit/gen/exchange-logs';
import { benchArg } from '../testkit/gen/web-corpus';

const ROW_GROUP = 65_536;

/** The uncompressed page bodies of `rawBytes` of generated logs (half IIS, half HttpProxy). */
function pageBodies(rawBytes: number): Uint8Array[] {
  const encoder = pageEncoder();
  const bodies: Uint8Array[] = [];
  const buffers = new Map<TableName, ColumnBuffer>();
  const flush = (b: ColumnBuffer) => {
    for (const c of b.snapshot()) for (const p of encoder.encodeColumn(c).pages) bodies.push(p.body.slice());
    b.reset();
  };
  const start = Date.UTC(2021, 0, 3);
  const logs = [
    {
      family: 'iis' as const,
      text: iisLog({ seed: 1, host: 'EXCH01', start, stepMs: 250 }, rawBytes / 2),
      file: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex_0000.log',
    },
    {
      family: 'httpproxy' as const,
      text: httpProxyLog({ seed: 2, host: 'EXCH01', start, stepMs: 650 }, rawBytes / 2),
      file: 'EXCH01/Logging/HttpProxy/Owa/HttpProxy_0001.LOG',
    },
  ];
  for (const log of logs) {
    let lineNo = 0;
    const p = (parserFor(log.family) as TextFamilyParser).create({
      sourceFile: log.file,
      hostHint: 'EXCH01',
      emit(table: TableName, row: Row) {
        row.source_family = log.family;
        row.source_file = log.file;
        row.source_line ??= lineNo;
        row.host ??= 'EXCH01';
        let b = buffers.get(table);
        if (!b) buffers.set(table, (b = new ColumnBuffer(tableDef(table), { upload_id: 'bench-upload-0001' })));
        b.add(row);
        if (b.rows === ROW_GROUP) flush(b);
      },
      reject: () => undefined,
    });
    // The generators yield whole lines.
    for (const chunk of log.text) for (const line of chunk.split('\r\n')) if (line) p.line(line, ++lineNo);
    p.end();
  }
  for (const b of buffers.values()) if (b.rows > 0) flush(b);
  return bodies;
}

/** CPU milliseconds of one pass of `fn` over every page, and the compressed bytes. */
function pass(fn: (src: Uint8Array) => Uint8Array, pages: readonly Uint8Array[]): { ms: number; out: number } {
  const c0 = process.cpuUsage();
  let out = 0;
  for (const p of pages) out += fn(p).length;
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, out };
}

export async function run(args: string[]): Promise<void> {
  const mb = Number(benchArg(args, 'mb') ?? 200);
  const runs = Number(benchArg(args, 'runs') ?? 7);
  const pages = pageBodies(mb * 1e6);
  const bytes = pages.reduce((s, p) => s + p.length, 0);
  let largest = 0;
  for (const p of pages) largest = Math.max(largest, p.length);
  let differ = 0;
  for (const p of pages) if (!Buffer.from(snappyCompress(p)).equals(Buffer.from(snappyCompressWasm(p)))) differ++;
  process.stdout.write(
    `${pages.length} pages from ${mb} MB of generated IIS + HttpProxy logs: ${(bytes / 1e6).toFixed(1)} MB, largest ${(largest / 1e6).toFixed(2)} MB; WASM output differs from JS on ${differ} pages\n`,
  );
  let js = Infinity;
  let wasm = Infinity;
  let packed = 0;
  for (let r = 0; r < runs; r++) {
    // Alternate which goes first, so that neither always runs on a warmer (or a busier) moment.
    const order = r % 2 === 0 ? ['js', 'wasm'] : ['wasm', 'js'];
    for (const which of order) {
      const t = pass(which === 'js' ? snappyCompress : snappyCompressWasm, pages);
      if (which === 'js') js = Math.min(js, t.ms);
      else wasm = Math.min(wasm, t.ms);
      packed = t.out;
    }
  }
  const rate = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  process.stdout.write(
    `  JS   snappyCompress       ${rate(js)} MB/s  (${js.toFixed(0)} ms CPU, best of ${runs})\n` +
      `  WASM snappyCompressWasm   ${rate(wasm)} MB/s  (${wasm.toFixed(0)} ms CPU)  = ${(js / wasm).toFixed(2)}x JS\n` +
      `  output ${(packed / 1e6).toFixed(1)} MB = ${((100 * packed) / bytes).toFixed(1)}% of the pages\n`,
  );
}
