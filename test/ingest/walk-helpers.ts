/** Test helpers: run the walker over inputs and read every entry fully. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { walkInputs, type IngestLimits, type IngestProblem, type InputSource } from '../../src/ingest';

export interface WalkedEntry {
  path: string;
  name: string;
  size: number | null;
  mtime: Date | null;
  text: string;
  /** Code of the error the entry's stream failed with, if any. */
  error?: string;
}

/** Walks `inputs`, reading each entry's stream to its end (or its error). */
export async function walkAll(
  inputs: (string | InputSource)[],
  opts: { limits?: Partial<IngestLimits>; tmpDir?: string } = {},
): Promise<{ entries: WalkedEntry[]; problems: IngestProblem[] }> {
  const problems: IngestProblem[] = [];
  const entries: WalkedEntry[] = [];
  for await (const e of walkInputs(inputs, { ...opts, onProblem: (p) => problems.push(p) })) {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    try {
      for await (const c of e.open()) chunks.push(c as Buffer);
    } catch (err) {
      error = (err as { code?: string }).code ?? String(err);
    }
    entries.push({
      path: e.path,
      name: e.name,
      size: e.size,
      mtime: e.mtime,
      text: Buffer.concat(chunks).toString('utf8'),
      ...(error ? { error } : {}),
    });
  }
  return { entries, problems };
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-test-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files (relative path -> bytes) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  }
}

/** An InputSource over bytes, delivered in small chunks like a network stream. */
export function streamSource(displayPath: string, data: Buffer, chunk = 7000): InputSource {
  return {
    path: displayPath,
    size: data.length,
    open: () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
        })(),
        { objectMode: false },
      ),
  };
}
