/**
 * Spike (not part of the product): how fast could the IIS hot path be in WebAssembly?
 *
 *   node bin/run-ts.js bench/spikes/wasm-iis/run.ts [FILE.log.gz]
 *
 * Runs, on the same inflated IIS log and in this process: `zcat FILE | wc -l` (the reference of #2's speed goal), the
 * product's pipeline on that file (parse + Parquet), and the same line -> columns kernel (split, times, numbers,
 * per-row-group byte dictionaries: no strings, no row objects) in plain JS (js-kernel.ts) and in AssemblyScript
 * compiled to WebAssembly (assembly/index.ts). Prints nanoseconds per line and ratios to zcat.
 *
 * The AssemblyScript compiler is fetched by npx the first time (network); the .wasm goes to .cache/spikes/.
 */
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { normalizeUpload } from '../../../src/pipeline';
import { FieldKind, JsKernel } from './js-kernel';

const ASC = 'assemblyscript@0.27.37';
const NUMERIC = new Set(['s-port', 'sc-status', 'sc-substatus', 'sc-win32-status', 'time-taken', 'sc-bytes', 'cs-bytes']);

function findLog(): string {
  const given = process.argv[2];
  if (given) return given;
  const root = path.resolve('.cache/bench-ingest');
  const found = fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /u_ex_\d+\.log\.gz$/.test(f)).sort() : [];
  if (!found.length) throw new Error('no IIS log given and none in .cache/bench-ingest: run `npm run bench -- ingest` once, or pass a .log.gz');
  return path.join(root, found[0]);
}

function buildWasm(): string {
  const src = path.join(__dirname, 'assembly', 'index.ts');
  const srcAbs = fs.existsSync(src) ? src : path.resolve('bench/spikes/wasm-iis/assembly/index.ts');
  const out = path.resolve('.cache/spikes/wasm-iis.wasm');
  if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(srcAbs).mtimeMs) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    execFileSync('npx', ['--yes', '-p', ASC, 'asc', srcAbs, '-O3', '--runtime', 'stub', '--noAssert', '-o', out], { stdio: 'inherit' });
  }
  return out;
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const file = findLog();
  const raw = zlib.gunzipSync(fs.readFileSync(file));
  const fieldsLine = raw.subarray(0, 64 * 1024).toString('latin1').split('\n').find((l) => l.startsWith('#Fields:'));
  if (!fieldsLine) throw new Error(`${file}: no #Fields line in its first 64 KiB`);
  const names = fieldsLine.trim().slice('#Fields:'.length).trim().split(' ');
  const kinds = names.map((n) => (n === 'date' ? FieldKind.Date : n === 'time' ? FieldKind.Time : NUMERIC.has(n) ? FieldKind.Number : FieldKind.String));
  const zcat = time(() => Number(execSync(`zcat '${file.replace(/'/g, "'\\''")}' | wc -l`, { encoding: 'utf8' }).trim()));
  const lines = zcat.value;
  const perLine = (ms: number) => `${((ms * 1e6) / lines).toFixed(0)} ns/line = ${(ms / zcat.ms).toFixed(2)}x zcat`;
  console.log(`${path.basename(file)}: ${(raw.length / 1e6).toFixed(1)} MB, ${lines} lines, ${names.length} fields; zcat | wc -l ${zcat.ms.toFixed(0)} ms`);

  const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'spike-wasm-'));
  try {
    const t0 = performance.now();
    await normalizeUpload({ inputs: [file], lakeRoot: lake, agency: 'spike', uploadId: 'up-spike' });
    console.log(`product pipeline (inflate, parse, Parquet): ${perLine(performance.now() - t0)}`);
  } finally {
    fs.rmSync(lake, { recursive: true, force: true });
  }

  const CHUNK = 1 << 20;
  const chunks: Buffer[] = [];
  for (let p = 0; p < raw.length; ) {
    let e = Math.min(raw.length, p + CHUNK);
    if (e < raw.length) e = raw.lastIndexOf(10, e - 1) + 1;
    chunks.push(raw.subarray(p, e));
    p = e;
  }
  // The project's TypeScript lib (ES2022) has no WebAssembly types: the few used here.
  const WA = (globalThis as unknown as { WebAssembly: { instantiate(b: Buffer, imports: object): Promise<{ instance: { exports: unknown } }> } }).WebAssembly;
  const { instance } = await WA.instantiate(fs.readFileSync(buildWasm()), { env: { abort: () => { throw new Error('wasm abort'); } } });
  const wasm = instance.exports as { memory: { buffer: ArrayBuffer }; init(n: number, cap: number): number; setKind(f: number, k: number): void; parse(n: number): number };
  const ptr = wasm.init(kinds.length, CHUNK + 64 * 1024);
  kinds.forEach((k, i) => wasm.setKind(i, k));
  for (let rep = 1; rep <= 3; rep++) {
    const js = new JsKernel(kinds);
    const a = time(() => chunks.reduce((n, c) => n + js.parse(c), 0));
    const b = time(() => chunks.reduce((n, c) => {
      new Uint8Array(wasm.memory.buffer, ptr, c.length).set(c);
      return n + wasm.parse(c.length);
    }, 0));
    if (a.value !== b.value) throw new Error(`kernels disagree: ${a.value} vs ${b.value} rows`);
    console.log(`run ${rep}: kernel in JS ${perLine(a.ms)}; in WebAssembly ${perLine(b.ms)} (copying the bytes in included); WebAssembly/JS ${(b.ms / a.ms).toFixed(2)} (${a.value} rows)`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
