/**
 * The Glue database and tables of the lake, generated from src/lake/schema.ts
 * (the same definition the local DuckDB views use), with partition projection:
 * no crawlers, no MSCK REPAIR, partitions pruned by `agency` and `dt`.
 */
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { athenaType, INDICATORS_TABLE, PARTITION_COLUMNS, TABLES, type ColumnDef, type TableDef } from '../src/lake';

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
    for (const t of props.tables ?? Object.values(TABLES)) {
      const table = new glue.CfnTable(this, `Table-${t.name}`, {
        catalogId,
        databaseName: props.databaseName,
        tableInput: {
          name: t.name,
          description: t.description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: PARTITION_COLUMNS.map(glueColumn),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            'projection.agency.type': 'enum',
            'projection.agency.values': props.agencies.join(','),
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
      table.addResourceDependency(this.database);
      names.push(t.name);
    }
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

function glueColumn(c: ColumnDef): glue.CfnTable.ColumnProperty {
  return { name: c.name, type: athenaType(c.type), comment: c.description.slice(0, 255) };
}
