/**
 * Page encoding and compression (Snappy or GZIP) of row groups on a worker
 * thread. The JS thread parses and appends rows; for each full row group it
 * posts the column arrays once (shared memory from array-pool.ts, not copied),
 * gets the compressed pages back in one message, and the arrays come back too,
 * for the next row groups.
 *
 * Measured per 500 MB of logs, off the thread that parses: page encoding
 * ~0.8 s; and zlib's async API ~1.4 s (it compresses in libuv's thread pool,
 * but every output chunk comes back to the JS thread as a callback, a copy and
 * a concat).
 *
 * The worker is evaluated from a string (no file to find in a bundle or a test
 * run): the page encoder's own source text (page-encoder.ts is one
 * self-contained function for that reason), and the Snappy compressor as
 * WebAssembly (snappy-wasm-codec.ts, also self-contained; the module's bytes
 * are in the source as base64), the same bytes as the JS reference (testkit/snappy-reference.ts) at
 * 1.6x its speed (~970 against ~610 MB/s on log pages, `npm run bench -- snappy`).
 * Each reply says how many pages the module compressed
 * ({@link snappyPagesCompressedByWasm}). It is created on first use and does
 * not keep the process alive while idle.
 */
import * as zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { giveBack } from './array-pool';
import { pageEncoder, type ColumnSnapshot } from './page-encoder';
import { SNAPPY_WASM } from './snappy-wasm';
import { snappyWasm } from './snappy-wasm-codec';

/** Page compression: Parquet codec and, for GZIP, the zlib level. */
export type PageCodec = { readonly codec: 'snappy' } | { readonly codec: 'gzip' | 'zstd'; readonly level: number };

/** Whether this Node has ZSTD in node:zlib (Node >= 22.15 / 23.8; the Lambdas' Node 24 has it, Node 20 not). */
export function zstdAvailable(): boolean {
  return typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
const snappy = (${snappyWasm.toString()})(${JSON.stringify(SNAPPY_WASM)});
const encoder = (${pageEncoder.toString()})();
// Shared memory goes back by posting it; only an ArrayBuffer can (and must, to come back) be transferred.
const owned = (buffers) => buffers.filter((b) => b instanceof ArrayBuffer);
parentPort.on('message', (job) => {
  // The column arrays go back to the JS thread whatever happens, for reuse.
  const returned = [];
  for (const c of job.cols) {
    if (c.t === 'num') returned.push(c.vals.buffer, c.present.buffer);
    else if (c.t === 'dict') returned.push(c.ids.buffer);
    else if (c.t === 'plain') returned.push(c.present.buffer, c.ends.buffer, c.bytes.buffer);
  }
  try {
    const calls = snappy.calls();
    const transfer = [];
    const cols = job.cols.map((c) => {
      const e = encoder.encodeColumn(c);
      const pages = e.pages.map((p) => {
        // A fresh ArrayBuffer per page (the WASM compressor's output is one; small Buffers may share a pool, which
        // must not be transferred).
        const body =
          job.codec === 'snappy'
            ? snappy.compress(p.body)
            : job.codec === 'zstd'
              ? Uint8Array.prototype.slice.call(zlib.zstdCompressSync(p.body, { params: { [zlib.constants.ZSTD_c_compressionLevel]: job.level } }))
              : Uint8Array.prototype.slice.call(zlib.gzipSync(p.body, { level: job.level }));
        transfer.push(body.buffer);
        return { type: p.type, numValues: p.numValues, encoding: p.encoding, rawSize: p.body.length, body };
      });
      return { pages, numValues: e.numValues, nullCount: e.nullCount, min: e.min, max: e.max, minExact: e.minExact, maxExact: e.maxExact };
    });
    parentPort.postMessage({ id: job.id, cols, returned, wasmPages: snappy.calls() - calls }, transfer.concat(owned(returned)));
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: err && err.message ? err.message : String(err), returned }, owned(returned));
  }
});
`;

/** One page, compressed, with what its header needs. */
export interface CompressedPage {
  readonly type: number;
  readonly numValues: number;
  readonly encoding: number;
  /** Size before compression. */
  readonly rawSize: number;
  readonly body: Uint8Array;
}

/** One column of a row group, encoded and compressed. */
export interface CompressedColumn {
  readonly pages: readonly CompressedPage[];
  readonly numValues: number;
  readonly nullCount: number;
  readonly min: Uint8Array | null;
  readonly max: Uint8Array | null;
  readonly minExact: boolean;
  readonly maxExact: boolean;
}

interface Pending {
  resolve(out: CompressedColumn[]): void;
  reject(err: Error): void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();
/** Pages the worker Snappy-compressed, as its WASM module counted them (its `compress` calls). */
let wasmSnappyPages = 0;

/** How many pages the page worker has Snappy-compressed with the WASM module, counted by the module itself. */
export function snappyPagesCompressedByWasm(): number {
  return wasmSnappyPages;
}

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, name: 'parquet-gzip' });
  w.on('message', (msg: { id: number; cols?: CompressedColumn[]; returned: ArrayBufferLike[]; error?: string; wasmPages?: number }) => {
    giveBack(msg.returned);
    wasmSnappyPages += msg.wasmPages ?? 0;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error !== undefined) p.reject(new Error(`encoding Parquet pages failed: ${msg.error}`));
    else p.resolve(msg.cols!);
  });
  w.on('error', (err) => {
    worker = null;
    failAll(new Error(`the Parquet page worker failed: ${err.message}`, { cause: err }));
  });
  w.on('exit', (code) => {
    if (worker === w) worker = null;
    failAll(new Error(`the Parquet page worker exited (code ${code})`));
  });
  w.unref();
  worker = w;
  return w;
}

/**
 * Encodes and compresses one row group's columns on the worker. The snapshot's arrays are shared with it (an array
 * not over shared memory is transferred) and come back to the array pool: do not use them afterwards.
 */
export function encodeRowGroup(cols: readonly ColumnSnapshot[], codec: PageCodec): Promise<CompressedColumn[]> {
  const w = getWorker();
  // Shared memory (the column buffer's arrays) is shared by posting it; any other is transferred.
  const transfer: ArrayBuffer[] = [];
  const give = (b: ArrayBufferLike): void => {
    if (b instanceof ArrayBuffer) transfer.push(b);
  };
  for (const c of cols) {
    if (c.t === 'num') {
      give(c.vals.buffer);
      give(c.present.buffer);
    } else if (c.t === 'dict') give(c.ids.buffer);
    else if (c.t === 'plain') {
      give(c.present.buffer);
      give(c.ends.buffer);
      give(c.bytes.buffer);
    }
  }
  const id = nextId++;
  return new Promise<CompressedColumn[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, cols, codec: codec.codec, level: codec.codec === 'snappy' ? 0 : codec.level }, transfer);
  });
}

/**
 * Stops the page worker if one is running (it is unref'd, so a process exits without this; test runners that reuse
 * a process for many test files call it so that no worker thread outlives its file). Pending encodes are rejected.
 */
export async function stopPageWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
