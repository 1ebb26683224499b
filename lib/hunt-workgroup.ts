/**
 * The Athena workgroup hunts run in: enforced configuration (clients cannot
 * override the result location or encryption), KMS-encrypted results, a
 * per-query bytes-scanned cutoff; plus one named query per deployed hunt, so
 * the pack is browsable in the Athena console.
 */
import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** A hunt as deployed: what the named query shows. */
export interface DeployedHunt {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** The whole file text (header comment included). */
  readonly sql: string;
}

export interface HuntWorkgroupProps {
  readonly workGroupName: string;
  readonly databaseName: string;
  readonly resultsBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  /** Athena cancels a query that scans more. */
  readonly bytesScannedCutoffPerQuery: number;
  /** @default - no named queries */
  readonly hunts?: readonly DeployedHunt[];
}

/** The hunts' Athena workgroup. */
export class HuntWorkgroup extends Construct {
  readonly workGroupName: string;
  readonly workGroupArn: string;
  readonly resultsPrefix = 'athena/';
  /** Athena's per-query scan limit of the workgroup (bytes). */
  readonly bytesScannedCutoffPerQuery: number;
  readonly resultsBucket: s3.IBucket;
  readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: HuntWorkgroupProps) {
    super(scope, id);
    if (!Number.isInteger(props.bytesScannedCutoffPerQuery) || props.bytesScannedCutoffPerQuery < 10_000_000) {
      throw new Error(
        `bytesScannedCutoffPerQuery must be an integer of at least 10000000 (Athena's minimum), got ${props.bytesScannedCutoffPerQuery}`,
      );
    }
    this.resultsBucket = props.resultsBucket;
    this.dataKey = props.dataKey;
    this.bytesScannedCutoffPerQuery = props.bytesScannedCutoffPerQuery;
    const wg = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Indicator sweep hunts',
      state: 'ENABLED',
      // Without it CloudFormation cannot delete (or replace) a workgroup that holds query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: props.resultsBucket.s3UrlForObject(this.resultsPrefix),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.dataKey.keyArn },
        },
      },
    });
    this.workGroupName = props.workGroupName;
    this.workGroupArn = Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName });
    for (const h of props.hunts ?? []) {
      const q = new athena.CfnNamedQuery(this, `Hunt-${h.id}`, {
        name: h.name.slice(0, 128),
        description: h.description.slice(0, 1024),
        database: props.databaseName,
        workGroup: props.workGroupName,
        queryString: h.sql,
      });
      q.addResourceDependency(wg);
    }
  }

  /**
   * Lets `grantee` run queries in the workgroup and read their results: the
   * Athena actions on this workgroup only, and the results prefix.
   */
  grantRunQueries(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:BatchGetQueryExecution',
        'athena:ListQueryExecutions',
        'athena:GetNamedQuery',
        'athena:ListNamedQueries',
        'athena:BatchGetNamedQuery',
      ],
      resourceArns: [this.workGroupArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:GetDataCatalog'],
      resourceArns: [Stack.of(this).formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    });
    this.resultsBucket.grantReadWrite(grantee, `${this.resultsPrefix}*`);
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [this.resultsBucket.bucketArn] });
    return grant;
  }

  /** Lets `grantee` read query results only (GetQueryResults reads the result object with the caller's rights). */
  grantReadResults(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:GetQueryExecution', 'athena:GetQueryResults'],
      resourceArns: [this.workGroupArn],
    });
    this.resultsBucket.grantRead(grantee, `${this.resultsPrefix}*`);
    this.dataKey.grantDecrypt(grantee);
    return grant;
  }
}
