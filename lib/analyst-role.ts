/**
 * The analysts' role: run the workgroup's queries over the lake, read the
 * findings dedup record, start a hunt run. No access to raw uploads.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { HuntRunner } from './hunt-runner';
import type { HuntWorkgroup } from './hunt-workgroup';
import type { LakeCatalog } from './lake-catalog';

export interface AnalystRoleProps {
  readonly workgroup: HuntWorkgroup;
  readonly catalog: LakeCatalog;
  readonly lakeBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly dedupTable: dynamodb.ITable;
  readonly runner: HuntRunner;
  /** Principals allowed to assume the role. @default - the account root */
  readonly assumedBy?: readonly string[];
  /** @default - generated */
  readonly roleName?: string;
}

/** Role for the security team's analysts (`sweep hunt --engine athena`, the Athena console). */
export class AnalystRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AnalystRoleProps) {
    super(scope, id);
    const principals = (props.assumedBy ?? []).map((a) => new iam.ArnPrincipal(a));
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: 'Indicator sweep analysts: run hunts in the workgroup, read the lake and findings',
      assumedBy: principals.length ? new iam.CompositePrincipal(...principals) : new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(8),
    });
    props.workgroup.grantRunQueries(this.role);
    props.catalog.grantReadCatalog(this.role);
    props.lakeBucket.grantRead(this.role, 'lake/*');
    props.lakeBucket.grantRead(this.role, 'indicators/*');
    props.lakeBucket.grantRead(this.role, 'manifests/*');
    props.lakeBucket.grantRead(this.role, 'commits/*');
    props.lakeBucket.grantRead(this.role, 'hunts/*');
    props.dataKey.grantEncryptDecrypt(this.role);
    props.dedupTable.grantReadData(this.role);
    props.runner.grantStartRun(this.role);
    // Browsing in the Athena console: workgroups and catalogs are listed account-wide (no resource-level
    // permission exists for these two list calls); databases and tables through the one data catalog.
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['athena:ListWorkGroups', 'athena:ListDataCatalogs', 'athena:ListEngineVersions'],
      resourceArns: ['*'],
    });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['athena:ListDatabases', 'athena:GetDatabase', 'athena:ListTableMetadata', 'athena:GetTableMetadata'],
      resourceArns: [Stack.of(this).formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${props.runner.stateMachine.stateMachineName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
  }
}
