import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INDICATORS_PARQUET_NAME, writeIndicatorsAsset, writeIndicatorsParquet } from '../../src/aws/indicators-parquet';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { stopPageWorker } from '../../src/lake/parquet/compress';
import { INDICATORS_TABLE } from '../../src/lake/schema';

const WINDOWS_PATH = 'c:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx';
const ROWS = [
  {
    type: 'filepath',
    value: WINDOWS_PATH,
    source: 'MSTIC',
    reference: 'https://example.org/a',
    first_seen: null,
    description: 'web shell, "China Chopper"\nsecond line',
  },
  {
    type: 'filepath',
    value: '\\\\server\\share\\x.ps1',
    source: 'ESET',
    reference: null,
    first_seen: '2021-03-02',
    description: 'UNC path, trailing \\',
  },
  { type: 'ip', value: '203.0.113.7', source: 'Volexity', reference: 'r', first_seen: '2021-01-06', description: undefined },
];

describe('writeIndicatorsParquet', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-parquet-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterAll(() => stopPageWorker());

  it('keeps Windows path indicators byte for byte, with quotes, commas, newlines and nulls, read back by DuckDB', async () => {
    // Prepare
    const file = path.join(tmp, 'indicators.parquet');
    // Act
    await writeIndicatorsParquet(ROWS, file);
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.setIndicatorsFromParquet(file);
      const got = await engine.run('SELECT * FROM indicators ORDER BY source', []);
      // Assess
      expect(got).toEqual([
        {
          type: 'filepath',
          value: '\\\\server\\share\\x.ps1',
          source: 'ESET',
          reference: null,
          first_seen: '2021-03-02',
          description: 'UNC path, trailing \\',
        },
        {
          type: 'filepath',
          value: WINDOWS_PATH,
          source: 'MSTIC',
          reference: 'https://example.org/a',
          first_seen: null,
          description: 'web shell, "China Chopper"\nsecond line',
        },
        { type: 'ip', value: '203.0.113.7', source: 'Volexity', reference: 'r', first_seen: '2021-01-06', description: null },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('writes the columns of INDICATORS_TABLE, in order and typed as the Glue table declares, read by hyparquet too', async () => {
    // Prepare
    const file = path.join(tmp, 'indicators.parquet');
    await writeIndicatorsParquet(ROWS, file);
    // Act: hyparquet is an ES module, so it runs in a child process.
    const script = `
      import { parquetReadObjects, parquetMetadataAsync, asyncBufferFromFile } from 'hyparquet';
      import { compressors } from 'hyparquet-compressors';
      const file = await asyncBufferFromFile(process.argv[1]);
      const meta = await parquetMetadataAsync(file);
      const rows = await parquetReadObjects({ file, compressors });
      process.stdout.write(JSON.stringify({ cols: meta.schema.slice(1).map((c) => c.name), rows }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    // Assess
    expect(run.stderr).toBe('');
    const got = JSON.parse(run.stdout) as { cols: string[]; rows: Record<string, unknown>[] };
    expect(got.cols).toEqual(INDICATORS_TABLE.columns.map((c) => c.name));
    expect(got.rows[0].value).toBe(WINDOWS_PATH);
  });

  it('makes a path hunt match on the indicators as deployed (defect: CSV lost the backslashes)', async () => {
    // Prepare: the deployed asset folder, and a file event at the indicator's path.
    const dir = await writeIndicatorsAsset(ROWS, path.join(tmp, 'asset'));
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.setIndicatorsFromParquet(path.join(dir, INDICATORS_PARQUET_NAME));
      // Act
      const hits = await engine.run("SELECT i.source FROM indicators i WHERE i.type = 'filepath' AND i.value = lower(?)", [
        'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx',
      ]);
      // Assess
      expect(hits).toEqual([{ source: 'MSTIC' }]);
      expect(fs.readdirSync(dir)).toEqual([INDICATORS_PARQUET_NAME]);
    } finally {
      await engine.close();
    }
  });

  it('writes the same bytes for the same rows (a redeploy with unchanged feeds changes no asset)', async () => {
    // Act
    await writeIndicatorsParquet(ROWS, path.join(tmp, 'a.parquet'));
    await writeIndicatorsParquet(ROWS, path.join(tmp, 'b.parquet'));
    // Assess
    expect(fs.readFileSync(path.join(tmp, 'a.parquet')).equals(fs.readFileSync(path.join(tmp, 'b.parquet')))).toBe(true);
  });

  it('writes an empty, readable table when there are no indicators', async () => {
    // Prepare
    const file = path.join(tmp, 'indicators.parquet');
    // Act
    await writeIndicatorsParquet([], file);
    const engine = await DuckDbQueryEngine.open();
    try {
      await engine.setIndicatorsFromParquet(file);
      // Assess
      expect(await engine.run('SELECT count(*) AS n FROM indicators', [])).toEqual([{ n: 0 }]);
    } finally {
      await engine.close();
    }
  });
});
