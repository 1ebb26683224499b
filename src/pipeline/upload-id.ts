/**
 * Upload ids derived from what was uploaded, so that re-ingesting the same
 * files gives the same id, hence the same lake keys (idempotent re-ingest).
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** What identifies one input for the upload id. */
export interface InputFingerprint {
  /** Base name (file) or relative path inside a folder input. */
  readonly name: string;
  readonly size: number | null;
  /** Modification time, epoch ms, or null. */
  readonly mtimeMs: number | null;
}

/**
 * `up-` + 16 hex digits of SHA-256 over the sorted (name, size, mtime) list.
 * Paths are reduced to base names so `./logs.zip` and `/abs/logs.zip` agree.
 *
 * @example deriveUploadId([{ name: 'logs.zip', size: 10, mtimeMs: 0 }]) // 'up-…'
 */
export function deriveUploadId(inputs: readonly InputFingerprint[]): string {
  const lines = inputs.map((i) => `${i.name}\t${i.size ?? ''}\t${i.mtimeMs === null ? '' : Math.floor(i.mtimeMs)}`).sort();
  return 'up-' + createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/**
 * Fingerprints of local inputs: a file gives one (its base name); a folder gives
 * one per file inside, named `<folder base>/<relative path>`.
 */
export async function fingerprintPaths(paths: readonly string[]): Promise<InputFingerprint[]> {
  const out: InputFingerprint[] = [];
  const visit = async (abs: string, name: string): Promise<void> => {
    const st = await fsp.stat(abs);
    if (st.isDirectory()) {
      for (const child of (await fsp.readdir(abs)).sort()) await visit(path.join(abs, child), `${name}/${child}`);
    } else {
      out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    }
  };
  for (const p of paths) await visit(p, path.basename(path.resolve(p)));
  return out;
}
