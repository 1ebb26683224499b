/**
 * The Glue database and tables of the lake, generated from src/lake/schema.ts
 * (the same definition the local DuckDB views use), with partition projection:
 * no crawlers, no MSCK REPAIR, partitions pruned by `agency` and `dt`.
 *
 * Hunts read committed files only, as the local engine does. Athena reads every object under a partition's prefix,
 * so each lake table is two catalog entries:
 * - `<table>_files`: the Parquet table over `lake/<table>/` (every object, committed or not);
 * - `<table>`: a view (what hunts and analysts name) keeping the rows whose file `"$path"` a committed upload lists in
 *   `lake_commits` (JSON lines under `commits/agency=<id>/<upload-id>.json`, written by the normalizer just before
 *   the manifest, src/lake/publish.ts).
 * A half-published upload (files there, commit record not yet) and a file dropped from its record are invisible.
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { athenaType, INDICATORS_TABLE, PARTITION_COLUMNS, TABLES, type ColumnDef, type TableDef } from '../src/lake';

/** Suffix of the physical Parquet tables the committed views read. */
export const FILES_TABLE_SUFFIX = '_files';
/** The table of committed lake files (one row per file of every committed upload). */
export const COMMITS_TABLE = 'lake_commits';

/** Presto/Trino type of a schema column type (Athena view definitions are written in Trino types). */
function trinoType(t: ColumnDef['type']): string {
  return { string: 'varchar', timestamp: 'timestamp(3)', int: 'integer', bigint: 'bigint', double: 'double', boolean: 'boolean' }[t];
}

/**
 * The SQL of the committed view of one lake table (names resolve in the view's own database). A join on the file's
 * `"$path"` and on `agency`: a hunt's `agency = ?` then also restricts `lake_commits` (Trino infers the predicate
 * across the join's equality), whose partition projection reads only that agency's commit records.
 */
export function committedViewSql(t: TableDef): string {
  const cols = [...t.columns, ...PARTITION_COLUMNS].map((c) => `f."${c.name}"`).join(', ');
  return (
    `SELECT ${cols} FROM "${t.name}${FILES_TABLE_SUFFIX}" f ` +
    `JOIN (SELECT DISTINCT "path", "agency" FROM "${COMMITS_TABLE}" WHERE "table_name" = '${t.name}') c ` +
    `ON f."$path" = c."path" AND f."agency" = c."agency"`
  );
}

/**
 * Athena's encoding of a view in the Glue catalog, what `CREATE VIEW` stores: `/* Presto View: <base64 JSON> *\/`.
 * The JSON has the fields of Trino's ConnectorViewDefinition: originalSql, catalog and schema (unqualified names in
 * the SQL resolve there), columns with Trino type ids, owner, runAsInvoker.
 */
export function prestoViewText(databaseName: string, t: TableDef): string {
  const json = {
    originalSql: committedViewSql(t),
    catalog: 'awsdatacatalog',
    schema: databaseName,
    columns: [...t.columns, ...PARTITION_COLUMNS].map((c) => ({ name: c.name, type: trinoType(c.type) })),
    owner: 'sweep',
    runAsInvoker: false,
  };
  return `/* Presto View: ${Buffer.from(JSON.stringify(json), 'utf8').toString('base64')} */`;
}

export interface LakeCatalogProps {
  /** Glue database name (lower case, letters, digits, `_`). */
  readonly databaseName: string;
  readonly lakeBucket: s3.IBucket;
  /** Agency ids: the `agency` projection enum. */
  readonly agencies: readonly string[];
  /** First day of the `dt` projection range. @default '2019-01-01' */
  readonly firstDay?: string;
  /** Lake tables. @default - every table of src/lake/schema.ts */
  readonly tables?: readonly TableDef[];
}

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

/** Glue catalog of the lake: one table per normalized table plus `indicators`. */
export class LakeCatalog extends Construct {
  readonly databaseName: string;
  readonly tableNames: readonly string[];
  private readonly database: glue.CfnDatabase;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9_]{0,254}$/.test(props.databaseName))
      throw new Error(`databaseName must be lower case letters, digits and "_", got "${props.databaseName}"`);
    if (props.agencies.length === 0) throw new Error('agencies must list at least one agency id for the agency projection, got []');
    for (const a of props.agencies) if (a.includes(',')) throw new Error(`agency ids cannot contain "," (projection enum), got "${a}"`);
    const firstDay = props.firstDay ?? '2019-01-01';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(firstDay)) throw new Error(`firstDay must be YYYY-MM-DD, got "${firstDay}"`);
    this.databaseName = props.databaseName;
    const catalogId = Stack.of(this).account;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId,
      databaseInput: { name: props.databaseName, description: 'Normalized Exchange/IIS/Windows logs (indicator sweep lake).' },
    });
    const bucket = props.lakeBucket.bucketName;
    const names: string[] = [];
    const projection = {
      'projection.enabled': 'true',
      'projection.agency.type': 'enum',
      'projection.agency.values': props.agencies.join(','),
    };
    for (const t of props.tables ?? Object.values(TABLES)) {
      const files = new glue.CfnTable(this, `Table-${t.name}`, {
        catalogId,
        databaseName: props.databaseName,
        tableInput: {
          name: `${t.name}${FILES_TABLE_SUFFIX}`,
          description: `Every object under lake/${t.name}/, committed or not: read it through the view ${t.name}.`,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: PARTITION_COLUMNS.map(glueColumn),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            ...projection,
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${firstDay},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `s3://${bucket}/lake/${t.name}/agency=\${agency}/dt=\${dt}`,
          },
          storageDescriptor: { columns: t.columns.map(glueColumn), location: `s3://${bucket}/lake/${t.name}/`, ...PARQUET },
        },
      });
      files.addResourceDependency(this.database);
      const view = new glue.CfnTable(this, `View-${t.name}`, {
        catalogId,
        databaseName: props.databaseName,
        tableInput: {
          name: t.name,
          description: `${t.description} Committed uploads only (files listed in ${COMMITS_TABLE}).`,
          tableType: 'VIRTUAL_VIEW',
          parameters: { presto_view: 'true', comment: 'Presto View' },
          viewOriginalText: prestoViewText(props.databaseName, t),
          viewExpandedText: '/* Presto View */',
          storageDescriptor: { columns: [...t.columns, ...PARTITION_COLUMNS].map(glueColumn), serdeInfo: {} },
        },
      });
      view.addResourceDependency(files);
      names.push(t.name);
    }
    const commits = new glue.CfnTable(this, 'Table-lake-commits', {
      catalogId,
      databaseName: props.databaseName,
      tableInput: {
        name: COMMITS_TABLE,
        description: 'One row per file of every committed upload (JSON lines written by the normalizer before the manifest).',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [glueColumn(PARTITION_COLUMNS[0])],
        parameters: {
          classification: 'json',
          EXTERNAL: 'TRUE',
          ...projection,
          'storage.location.template': `s3://${bucket}/commits/agency=\${agency}`,
        },
        storageDescriptor: {
          columns: COMMITS_COLUMNS.map(glueColumn),
          location: `s3://${bucket}/commits/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
    commits.addResourceDependency(this.database);
    names.push(COMMITS_TABLE);
    const indicators = new glue.CfnTable(this, 'Table-indicators', {
      catalogId,
      databaseName: props.databaseName,
      tableInput: {
        name: INDICATORS_TABLE.name,
        description: INDICATORS_TABLE.description,
        tableType: 'EXTERNAL_TABLE',
        // Parquet written by the lake's writer (src/aws/indicators-parquet.ts), not CSV: OpenCSVSerde's escape
        // character dropped the backslashes of Windows path indicators.
        parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
        storageDescriptor: { columns: INDICATORS_TABLE.columns.map(glueColumn), location: `s3://${bucket}/indicators/`, ...PARQUET },
      },
    });
    indicators.addResourceDependency(this.database);
    names.push(INDICATORS_TABLE.name);
    this.tableNames = names;
  }

  /** Lets `grantee` read the catalog entries (Athena needs them to plan queries). */
  grantReadCatalog(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` }),
      ],
    });
  }
}

/** Columns of `lake_commits` (src/lake/publish.ts commitRecord). */
const COMMITS_COLUMNS: readonly ColumnDef[] = [
  { name: 'table_name', type: 'string', description: 'Lake table of the file.' },
  { name: 'path', type: 'string', description: 's3:// address of the file, as Athena gives it in "$path".' },
  { name: 'upload_id', type: 'string', description: 'Upload the file belongs to.' },
  { name: 'sha256', type: 'string', description: 'SHA-256 of the file as published (the manifest records the same).' },
];

function glueColumn(c: ColumnDef): glue.CfnTable.ColumnProperty {
  return { name: c.name, type: athenaType(c.type), comment: c.description.slice(0, 255) };
}
