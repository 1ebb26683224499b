/**
 * The Snappy compressor the page worker uses: assembly/snappy.ts (the JS compressor of snappy.ts ported to
 * AssemblyScript, the same output byte for byte) compiled to WebAssembly, `snappy-wasm.ts` being its base64 build.
 *
 * {@link snappyWasm} is ONE self-contained function (no import, no name from outside its body): the page worker,
 * evaluated from a string, runs its source text (compress.ts), and in-process callers (tests, the bench) call it here.
 * Per call, the input is copied into the module's memory and the output copied out into a fresh Uint8Array (its own
 * ArrayBuffer, which can be transferred). The module's memory grows to the largest input seen (~2.2x its size) and
 * stays there.
 */
import { SNAPPY_WASM } from './snappy-wasm';

/** One instance of the module. */
export interface SnappyWasm {
  /** Snappy-compresses `src` (any view), the same bytes as snappy.ts's `snappyCompress`. */
  compress(src: Uint8Array): Uint8Array;
  /** How many times this instance's WASM `compress` has run (counted inside the module). */
  calls(): number;
}

/** Instantiates the module from its base64 bytes (`SNAPPY_WASM`). Self-contained: see the file's comment. */
export function snappyWasm(base64: string): SnappyWasm {
  interface Exports {
    memory: { buffer: ArrayBuffer };
    reserve(n: number): number;
    compress(n: number): number;
    outputPtr(): number;
    compressCalls(): number;
  }
  // The project's TypeScript lib (ES2022) has no WebAssembly types.
  const WA = (
    globalThis as unknown as {
      WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } };
    }
  ).WebAssembly;
  const x = new WA.Instance(new WA.Module(Buffer.from(base64, 'base64')), {}).exports as Exports;
  let mem = new Uint8Array(x.memory.buffer);
  return {
    compress(src: Uint8Array): Uint8Array {
      const n = src.length;
      if (n > 0x7fff0000) throw new Error(`snappy: a ${n}-byte page is too large`);
      const at = x.reserve(n);
      if (at === 0) throw new Error(`snappy: cannot grow WebAssembly memory for a ${n}-byte page`);
      // reserve may have grown the memory, which detaches the old buffer.
      if (mem.buffer !== x.memory.buffer) mem = new Uint8Array(x.memory.buffer);
      mem.set(src, at);
      const len = x.compress(n);
      const out = x.outputPtr();
      return mem.slice(out, out + len);
    },
    calls(): number {
      return x.compressCalls();
    },
  };
}

let local: SnappyWasm | null = null;

/** Snappy-compresses `src` in-process with the WASM compressor (one instance per thread, made on first use). */
export function snappyCompressWasm(src: Uint8Array): Uint8Array {
  local ??= snappyWasm(SNAPPY_WASM);
  return local.compress(src);
}
