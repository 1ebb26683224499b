import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeForCli } from '../../../src/cli/commands/normalize';
import { DuckDbQueryEngine } from '../../../src/local-engine/duckdb-query-engine';
import { resolveLimits } from '../../../src/ingest';
import { assertLakeWhole, iisLog, lakeFiles, manifests } from './support';

const WRITERS = 8;
const UPLOADS = 20;

describe('many writers, one lake', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-writers-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('8 writers x 20 uploads (some delivered twice at once) end as if serialized, while a hunt loop sees only whole uploads', async () => {
    // Prepare
    const root = path.join(dir, 'lake-root');
    const expected = new Map<string, { lines: number; rows: number; rejected: number }>();
    const inputs: string[][] = [];
    for (let w = 0; w < WRITERS; w++) {
      inputs.push([]);
      for (let u = 0; u < UPLOADS; u++) {
        const f = path.join(dir, 'in', `w${w}`, `u_ex${String(u).padStart(2, '0')}.log`);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        const log = iisLog(3 + ((w * UPLOADS + u) % 7), w * 100 + u, 1 + (u % 3));
        fs.writeFileSync(f, log.text);
        expected.set(`w${w}-u${u}`, log);
        inputs[w].push(f);
      }
    }
    const limits = resolveLimits({});
    const normalize = (w: number, u: number) =>
      normalizeForCli({
        paths: [inputs[w][u]],
        agency: `ag${w % 3}`,
        uploadId: `w${w}-u${u}`,
        host: `EX${w}`,
        limits,
        lakeRoot: root,
        scratchParent: root,
        quiet: true,
      });

    // Act
    let writing = true;
    const huntRounds: { uploads: number }[] = [];
    const huntLoop = (async () => {
      while (writing) {
        if (!fs.existsSync(path.join(root, 'manifests'))) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        // A reader at any moment: every upload it sees has exactly its manifest's rows (whole or not at all).
        const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
        try {
          const rows = await engine.run('SELECT upload_id, count(*) AS n FROM web_requests GROUP BY upload_id', []);
          for (const r of rows)
            expect({ upload: r.upload_id, rows: Number(r.n) }).toEqual({
              upload: r.upload_id,
              rows: expected.get(String(r.upload_id))!.rows,
            });
          expect(engine.lakeCheck!.gaps).toEqual([]);
          huntRounds.push({ uploads: rows.length });
        } finally {
          await engine.close();
        }
      }
    })();
    const t0 = Date.now();
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let u = 0; u < UPLOADS; u++) {
            // Every fifth upload of the next writer is delivered here too, at the same time as its own run (at-least-once).
            await Promise.all([normalize(w, u), ...(u % 5 === 0 ? [normalize((w + 1) % WRITERS, u)] : [])]);
          }
        }),
      );
    } finally {
      writing = false;
      await huntLoop;
    }
    const seconds = (Date.now() - t0) / 1000;

    // Assess
    const { lake, seen } = await assertLakeWhole(root);
    expect(lake.manifests).toBe(WRITERS * UPLOADS);
    expect(lake.unlisted).toEqual([]);
    for (const m of manifests(root).values()) {
      const e = expected.get(m.upload_id)!;
      // Nothing lost: lines in = rows + rejected + header lines, per upload.
      expect({ id: m.upload_id, read: m.totals.lines_read, rows: m.totals.rows, rejected: m.totals.lines_rejected }).toEqual({
        id: m.upload_id,
        read: e.lines,
        rows: e.rows,
        rejected: e.rejected,
      });
      expect(seen.get(m.upload_id)).toBe(e.rows);
    }
    // Staging and locks are gone: no run left anything behind.
    expect(fs.existsSync(path.join(root, '.tmp'))).toBe(false);
    expect(fs.readdirSync(path.join(root, '.locks'), { recursive: true }).filter((f) => String(f).endsWith('.lock'))).toEqual([]);
    expect(huntRounds.length).toBeGreaterThan(0);
    // The same uploads normalized one at a time into a fresh lake: byte-identical lake files.
    const serial = path.join(dir, 'serial');
    for (const [w, u] of [
      [0, 0],
      [3, 7],
      [7, 19],
    ]) {
      await normalizeForCli({
        paths: [inputs[w][u]],
        agency: `ag${w % 3}`,
        uploadId: `w${w}-u${u}`,
        host: `EX${w}`,
        limits,
        lakeRoot: serial,
        scratchParent: serial,
        quiet: true,
      });
    }
    const shared = lakeFiles(root);
    const alone = lakeFiles(serial);
    expect(alone.size).toBeGreaterThan(3);
    for (const [k, b] of alone) expect({ k, same: shared.get(k)?.equals(b) }).toEqual({ k, same: true });
    process.stdout.write(
      `concurrent writers: ${WRITERS * UPLOADS} uploads (+${WRITERS * 4} duplicate deliveries) in ${seconds.toFixed(1)} s; ${huntRounds.length} hunt rounds read whole uploads all along\n`,
    );
  }, 300_000);
});
