/**
 * Page encoding and compression (Snappy or GZIP) of row groups on a worker
 * thread. The JS thread parses and appends rows; for each full row group it
 * posts the column arrays once (their memory transferred, not copied), gets the
 * compressed pages back in one message, and the arrays come back too, for the
 * next row groups (array-pool.ts).
 *
 * Measured per 500 MB of logs, off the thread that parses: page encoding
 * ~0.8 s; and zlib's async API ~1.4 s (it compresses in libuv's thread pool,
 * but every output chunk comes back to the JS thread as a callback, a copy and
 * a concat).
 *
 * The worker is evaluated from a string (no file to find in a bundle or a test
 * run): the Snappy source and the page encoder's own source text
 * (page-encoder.ts is one self-contained function for that reason). It is
 * created on first use and does not keep the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { giveBack } from './array-pool';
import { pageEncoder, type ColumnSnapshot } from './page-encoder';
import { SNAPPY_SOURCE } from './snappy';

/** Page compression: Parquet codec and, for GZIP, the zlib level. */
export type PageCodec = { readonly codec: 'snappy' } | { readonly codec: 'gzip'; readonly level: number };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
${SNAPPY_SOURCE}
const encoder = (${pageEncoder.toString()})();
parentPort.on('message', (job) => {
  // The column arrays go back to the JS thread whatever happens, for reuse.
  const returned = [];
  for (const c of job.cols) {
    if (c.t === 'num') returned.push(c.vals.buffer, c.present.buffer);
    else if (c.t === 'dict') returned.push(c.ids.buffer);
    else if (c.t === 'plain') returned.push(c.present.buffer, c.ends.buffer, c.bytes.buffer);
  }
  try {
    const transfer = [];
    const cols = job.cols.map((c) => {
      const e = encoder.encodeColumn(c);
      const pages = e.pages.map((p) => {
        const z = job.codec === 'snappy' ? snappyCompress(p.body) : zlib.gzipSync(p.body, { level: job.level });
        // A fresh ArrayBuffer per page: small Buffers may share a pool, which must not be transferred.
        const body = Uint8Array.prototype.slice.call(z);
        transfer.push(body.buffer);
        return { type: p.type, numValues: p.numValues, encoding: p.encoding, rawSize: p.body.length, body };
      });
      return { pages, numValues: e.numValues, nullCount: e.nullCount, min: e.min, max: e.max };
    });
    parentPort.postMessage({ id: job.id, cols, returned }, transfer.concat(returned));
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: err && err.message ? err.message : String(err), returned }, returned);
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
}

interface Pending {
  resolve(out: CompressedColumn[]): void;
  reject(err: Error): void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, name: 'parquet-gzip' });
  w.on('message', (msg: { id: number; cols?: CompressedColumn[]; returned: ArrayBuffer[]; error?: string }) => {
    giveBack(msg.returned);
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
 * Encodes and compresses one row group's columns on the worker. The snapshot's arrays are transferred (and come
 * back to the array pool): do not use them afterwards.
 */
export function encodeRowGroup(cols: readonly ColumnSnapshot[], codec: PageCodec): Promise<CompressedColumn[]> {
  const w = getWorker();
  const transfer: ArrayBuffer[] = [];
  for (const c of cols) {
    if (c.t === 'num') transfer.push(c.vals.buffer as ArrayBuffer, c.present.buffer as ArrayBuffer);
    else if (c.t === 'dict') transfer.push(c.ids.buffer as ArrayBuffer);
    else if (c.t === 'plain') transfer.push(c.present.buffer as ArrayBuffer, c.ends.buffer as ArrayBuffer, c.bytes.buffer as ArrayBuffer);
  }
  const id = nextId++;
  return new Promise<CompressedColumn[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, cols, codec: codec.codec, level: codec.codec === 'gzip' ? codec.level : 0 }, transfer);
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
