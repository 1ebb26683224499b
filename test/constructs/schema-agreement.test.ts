/**
 * One schema, two engines: the Glue tables Athena reads (from the synthesized
 * template) and the tables/views the local DuckDB engine exposes must have the
 * same columns, in the same order, with corresponding types.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { normalizeUpload } from '../../src/pipeline';
import { TABLE_NAMES } from '../../src/lake/schema';
import { render, testStacks } from './support';

/** Athena (Hive DDL) type -> the DuckDB type the same column has locally. */
const ATHENA_TO_DUCKDB: Record<string, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

describe('lake schema on Glue and on DuckDB', () => {
  const { data } = testStacks();
  const json = Template.fromStack(data).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const glue = new Map(
    Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Glue::Table')
      .map((r) => {
        const t = render(r.Properties.TableInput) as {
          Name: string;
          StorageDescriptor: { Columns: { Name: string; Type: string }[] };
          PartitionKeys?: { Name: string; Type: string }[];
        };
        return [
          t.Name,
          [...t.StorageDescriptor.Columns, ...(t.PartitionKeys ?? [])].map((c) => [c.Name, ATHENA_TO_DUCKDB[c.Type] ?? `?${c.Type}`]),
        ] as const;
      }),
  );
  let tmp: string;
  let empty: DuckDbQueryEngine;
  let lake: DuckDbQueryEngine;
  beforeAll(async () => {
    // A real lake with one IIS row: web_requests has Parquet files, the other tables none.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-agree-'));
    const log = path.join(tmp, 'u_ex210302.log');
    fs.writeFileSync(
      log,
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n2021-03-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 198.51.100.1 Mozilla/5.0 - 200 0 0 5\r\n',
    );
    const root = path.join(tmp, 'root');
    await normalizeUpload({ inputs: [log], agency: 'doj', uploadId: 'u1', hostOverride: 'EXCH01', lakeRoot: root, tmpDir: tmp });
    empty = await DuckDbQueryEngine.open();
    lake = await DuckDbQueryEngine.open({ lakeRoot: root });
  });
  afterAll(async () => {
    await empty?.close();
    await lake?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const describeTable = async (e: DuckDbQueryEngine, table: string) =>
    (await e.run(`DESCRIBE ${table}`, [])).map((r) => [r.column_name, String(r.column_type)]);

  it.each(TABLE_NAMES)('agrees for %s, for an empty lake and for a lake the pipeline wrote', async (table) => {
    // Act
    const local = await describeTable(empty, table);
    const written = await describeTable(lake, table);

    // Assess
    expect(local).toEqual(glue.get(table));
    expect(written).toEqual(glue.get(table));
  });

  it('agrees for the indicators table', async () => {
    expect(await describeTable(empty, 'indicators')).toEqual(glue.get('indicators'));
  });
});
