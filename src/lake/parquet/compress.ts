/**
 * Compression of Parquet pages (Snappy or GZIP) on a worker thread.
 *
 * Why a worker and not zlib's async API: zlib's async calls do compress in
 * libuv's thread pool, but every 16 KiB-1 MiB of output comes back to the JS
 * thread (a callback, a copy, a concat), which measured ~1.4 s of JS time per
 * 500 MB of logs, on the thread that parses. Here the JS thread posts a row
 * group's pages once (their memory is transferred, not copied) and gets the
 * compressed pages back in one message; all of zlib runs on the worker.
 *
 * The worker is plain JavaScript evaluated from a string (no file to find in a
 * bundle or a test run), created on first use, and does not keep the process
 * alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { SNAPPY_SOURCE } from './snappy';

/** Page compression: Parquet codec and, for GZIP, the zlib level. */
export type PageCodec = { readonly codec: 'snappy' } | { readonly codec: 'gzip'; readonly level: number };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
${SNAPPY_SOURCE}
parentPort.on('message', (job) => {
  try {
    const out = job.bodies.map((b) => {
      const z = job.codec === 'snappy' ? snappyCompress(b) : zlib.gzipSync(b, { level: job.level });
      // A fresh ArrayBuffer per page: small Buffers may share a pool, which must not be transferred.
      return Uint8Array.prototype.slice.call(z);
    });
    parentPort.postMessage({ id: job.id, out }, out.map((o) => o.buffer));
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: err && err.message ? err.message : String(err) });
  }
});
`;

interface Pending {
  resolve(out: Uint8Array[]): void;
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
  w.on('message', (msg: { id: number; out?: Uint8Array[]; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error !== undefined) p.reject(new Error(`compressing Parquet pages failed: ${msg.error}`));
    else p.resolve(msg.out!);
  });
  w.on('error', (err) => {
    worker = null;
    failAll(new Error(`the Parquet compression worker failed: ${err.message}`, { cause: err }));
  });
  w.on('exit', (code) => {
    if (worker === w) worker = null;
    failAll(new Error(`the Parquet compression worker exited (code ${code})`));
  });
  w.unref();
  worker = w;
  return w;
}

/**
 * Compresses `bodies` (each its own ArrayBuffer or a view of one: a view is copied first).
 * The bodies are transferred to the worker: do not use them afterwards.
 */
export function compressPages(bodies: readonly Uint8Array[], codec: PageCodec): Promise<Uint8Array[]> {
  const w = getWorker();
  const sendable = bodies.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : Uint8Array.prototype.slice.call(b)));
  const id = nextId++;
  return new Promise<Uint8Array[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, bodies: sendable, codec: codec.codec, level: codec.codec === 'gzip' ? codec.level : 0 }, sendable.map((b) => b.buffer as ArrayBuffer));
  });
}

/** Stops the worker (tests; a process exits without it). */
export async function stopCompressionWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
