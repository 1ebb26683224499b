/**
 * Both engines mean the same lake: the catalog's Athena view (lib/lake-catalog.ts: `<table>_files` joined with
 * `lake_commits` on `"$path"` and `agency`) run over every file of a lake, as Athena lists a prefix, returns exactly
 * the rows the local engine reads from the files committed manifests list. A half-published upload (files copied
 * under another upload id, no manifest, no commit record) is in `<table>_files` and in neither.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { committedViewSql } from '../../lib/lake-catalog';
import { LocalObjectStore, readText, type ObjectStore } from '../../src/core';
import { commitRecord } from '../../src/lake/publish';
import type { Manifest } from '../../src/lake/manifest';
import { TABLES, TABLE_NAMES } from '../../src/lake/schema';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { normalizeUpload } from '../../src/pipeline';
import { iisLog } from '../lake/faults/support';

describe('committed views, local engine and Athena layout', () => {
  let tmp: string;
  let root: string;
  let local: DuckDbQueryEngine;
  let athena: DuckDbQueryEngine;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'both-engines-'));
    root = path.join(tmp, 'root');
    const log = path.join(tmp, 'u_ex210301.log');
    fs.writeFileSync(log, iisLog(200, 11, 3).text);
    await normalizeUpload({ inputs: [log], agency: 'doj', uploadId: 'u1', hostOverride: 'EXCH01', lakeRoot: root, tmpDir: tmp });
    const store = new LocalObjectStore(root);
    const manifest = JSON.parse(await readText(store, 'manifests/agency=doj/u1.json')) as Manifest;
    // The half-published upload: u1's files again under u2's names, nothing else.
    for (const f of manifest.files) {
      const to = store.pathOf(f.key.replace('/u1-', '/u2-'));
      fs.copyFileSync(store.pathOf(f.key), to);
    }
    local = await DuckDbQueryEngine.open({ lakeRoot: root });
    athena = await DuckDbQueryEngine.open({ lakeRoot: root, readUncommitted: true, athenaFiles: { uriPrefix: 's3://lake/' } });
    // lake_commits as Athena reads it: the commit record the normalizer writes on S3 (paths as "$path" gives them).
    const s3Like = { uriOf: (k: string) => `s3://lake/${k}` } as unknown as ObjectStore;
    const lines = commitRecord(s3Like, 'u1', manifest.files)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { table_name: string; path: string });
    await athena.run('CREATE TABLE lake_commits (table_name VARCHAR, path VARCHAR, upload_id VARCHAR, sha256 VARCHAR, agency VARCHAR)', []);
    for (const l of lines) await athena.run(`INSERT INTO lake_commits VALUES (?, ?, 'u1', NULL, 'doj')`, [l.table_name, l.path]);
    for (const t of TABLE_NAMES) await athena.run(`CREATE VIEW "${t}" AS ${committedViewSql(TABLES[t])}`, []);
  });
  afterAll(async () => {
    await local?.close();
    await athena?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(TABLE_NAMES)('%s: the Athena view returns the rows the local engine reads, and no half-published row', async (table) => {
    // Act
    const sql = `SELECT * FROM "${table}" ORDER BY ALL`;
    const viaView = await athena.run(sql, []);
    const viaManifests = await local.run(sql, []);
    const everyFile = await athena.run(`SELECT count(*) AS n, count(DISTINCT "$path") AS files FROM "${table}_files"`, []);
    // Assess
    expect(viaView).toEqual(viaManifests);
    expect(Number(everyFile[0].n)).toBe(2 * viaManifests.length);
    expect(viaView.every((r) => r.upload_id !== 'u2')).toBe(true);
  });
});
