/**
 * Raw fixture inputs -> normalized rows, through the real pipeline: content detection, the family parsers and the
 * Parquet lake writer (`normalizeUpload`), read back through the same DuckDB views the hunts use. A raw case thus
 * catches drift between parsers, writer and queries.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../pipeline';
import { TABLE_NAMES, type Row } from '../lake';
import type { TableRows } from '../hunt';
import { DuckDbQueryEngine } from './duckdb-query-engine';
import type { RawNormalizer, ResolvedRawInput } from './fixtures';

/** The normalizer the fixtures use: the real pipeline into a temporary lake. */
export function defaultRawNormalizer(): RawNormalizer {
  return async (inputs) => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'sweep-fixture-'));
    try {
      const lakeRoot = path.join(tmp, 'lake-root');
      let rejected = 0;
      // normalizeUpload takes one agency and one --host per upload: group the inputs by both.
      const groups = new Map<string, ResolvedRawInput[]>();
      for (const i of inputs) {
        const k = JSON.stringify([i.agency, i.host]);
        groups.set(k, [...(groups.get(k) ?? []), i]);
      }
      let g = 0;
      for (const group of groups.values()) {
        const dir = path.join(tmp, `in-${g++}`);
        await fsp.mkdir(dir, { recursive: true });
        const paths: string[] = [];
        for (const i of group) {
          if (i.file) paths.push(i.file);
          else {
            const p = path.join(dir, path.basename(i.name));
            await fsp.writeFile(p, i.text ?? '');
            paths.push(p);
          }
        }
        const { manifest } = await normalizeUpload({
          inputs: paths,
          agency: group[0].agency,
          uploadId: `fixture-${g}`,
          hostOverride: group[0].host,
          lakeRoot,
          tmpDir: tmp,
          // Fixed, so rows without event time land on a known day and results do not depend on the clock.
          uploadTime: new Date('2021-03-01T00:00:00Z'),
        });
        rejected += manifest.totals.rejections;
      }
      const engine = await DuckDbQueryEngine.open({ lakeRoot });
      try {
        const out: TableRows & { rejected?: number } = { rejected };
        for (const t of TABLE_NAMES) {
          const rows = await engine.run(`SELECT * FROM ${t}`, []);
          if (rows.length) out[t] = rows as Row[];
        }
        return out;
      } finally {
        await engine.close();
      }
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  };
}
