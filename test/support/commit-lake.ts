/**
 * Commits a lake made by hand in a test (Parquet files written with DuckDB under `lake/`): writes, per agency and
 * upload id (`<upload-id>-<n>.parquet`), the manifest listing its files with their sizes and SHA-256, as
 * `sweep normalize` would. Readers only read files that a committed manifest lists.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function commitHandMadeLake(root: string): void {
  const uploads = new Map<string, { key: string; table: string; dt: string; bytes: number; sha256: string }[]>();
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.name.endsWith('.parquet')) {
        const m = /^lake\/([^/]+)\/agency=([^/]+)\/dt=([^/]+)\/(.+)-\d+\.parquet$/.exec(r);
        if (!m) throw new Error(`not a lake file key: ${r}`);
        const bytes = fs.readFileSync(path.join(dir, e.name));
        const k = `${m[2]}/${m[4]}`;
        uploads.set(k, [
          ...(uploads.get(k) ?? []),
          { key: r, table: m[1], dt: m[3], bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
        ]);
      }
    }
  };
  walk(path.join(root, 'lake'), 'lake');
  for (const [k, files] of uploads) {
    const [agency, uploadId] = k.split('/');
    const file = path.join(root, 'manifests', `agency=${agency}`, `${uploadId}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({ manifest_version: 1, agency, upload_id: uploadId, entries: [], coverage: [], files }, null, 2) + '\n',
    );
  }
}
