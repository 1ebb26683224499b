/**
 * Everything that holds data: buckets, KMS keys, the Glue catalog, the dedup
 * table, the agencies' upload roles. Kept apart from the stateless stack so
 * that redeploying code never risks data. Logical ids here are never renamed.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { AppConfig } from './app-config';
import { AgencyUploadRole } from './agency-upload-role';
import { LakeCatalog } from './lake-catalog';
import { LogArchive } from './log-archive';
import { accessLogBucket, secureBucket } from './secure-bucket';

export interface StatefulStackProps extends StackProps {
  readonly config: AppConfig;
}

/** Names the stateless stack's roles get, so the upload bucket policy can name its readers without a cycle. */
export function normalizerRoleName(prefix: string): string {
  return `${prefix}-normalizer`;
}

/** Name of the rule sending upload events to the normalizer queue (the messaging key policy names it). */
export function uploadRuleName(prefix: string): string {
  return `${prefix}-upload-created`;
}

/** Name of the rule sending failed large-upload tasks to the normalizer's dead-letter queue. */
export function largeUploadFailedRuleName(prefix: string): string {
  return `${prefix}-large-upload-failed`;
}

/** Role of the large-upload Fargate task, which reads raw uploads like the normalizer. */
export function normalizerTaskRoleName(prefix: string): string {
  return `${prefix}-normalizer-task`;
}

/** The data half of the deployment. */
export class StatefulStack extends Stack {
  readonly dataKey: kms.Key;
  readonly messagingKey: kms.Key;
  readonly archive: LogArchive;
  readonly lakeBucket: s3.Bucket;
  readonly resultsBucket: s3.Bucket;
  readonly catalog: LakeCatalog;
  readonly dedupTable: dynamodb.Table;
  readonly uploadRoles: Readonly<Record<string, iam.Role>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const agencies = config.agencies.map((a) => a.id);

    // Separate keys: data at rest (buckets, table, Athena results) and messaging (SNS, SQS). One key for both
    // made a circular dependency between the bucket and the queue receiving its notifications.
    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${config.prefix}-data`,
      enableKeyRotation: true,
      description: 'Indicator sweep: uploads, lake, results, dedup table',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.messagingKey = new kms.Key(this, 'MessagingKey', {
      alias: `alias/${config.prefix}-messaging`,
      enableKeyRotation: true,
      description: 'Indicator sweep: SNS topics and SQS queues',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // EventBridge encrypts the upload events (and failed large-upload tasks) it puts on the normalizer's queues: only
    // those rules of this account may use the key (a bare service principal would let any account's rule do so: confused deputy).
    this.messagingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadEventsToTheNormalizerQueue',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: {
            'aws:SourceArn': [uploadRuleName(config.prefix), largeUploadFailedRuleName(config.prefix)].map(
              (r) => `arn:${this.partition}:events:${this.region}:${this.account}:rule/${r}`,
            ),
          },
        },
      }),
    );

    const logs = accessLogBucket(this, 'AccessLogs');
    const account = this.account;
    this.archive = new LogArchive(this, 'Uploads', {
      encryptionKey: this.dataKey,
      accessLogs: logs,
      agencies,
      readerArnPatterns: [
        `arn:${this.partition}:iam::${account}:role/${normalizerRoleName(config.prefix)}`,
        `arn:${this.partition}:iam::${account}:role/${normalizerTaskRoleName(config.prefix)}`,
        ...(config.uploadReaders ?? []),
      ],
    });
    this.lakeBucket = secureBucket(this, 'Lake', {
      encryptionKey: this.dataKey,
      accessLogs: logs,
      accessLogsPrefix: 'lake-bucket/',
      eventBridgeEnabled: true,
    });
    this.resultsBucket = secureBucket(this, 'AthenaResults', {
      encryptionKey: this.dataKey,
      accessLogs: logs,
      accessLogsPrefix: 'results-bucket/',
      versioned: false,
      lifecycleRules: [
        { id: 'expire-results', expiration: Duration.days(config.athena.resultRetentionDays) },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.catalog = new LakeCatalog(this, 'Catalog', {
      databaseName: `${config.prefix.replace(/-/g, '_')}_lake`,
      lakeBucket: this.lakeBucket,
      agencies,
    });
    this.dedupTable = new dynamodb.Table(this, 'FindingsDedup', {
      partitionKey: { name: 'fingerprint', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const roles: Record<string, iam.Role> = {};
    for (const a of config.agencies) {
      const r = new AgencyUploadRole(this, `Upload-${a.id}`, {
        agency: a.id,
        archive: this.archive,
        lakeBucket: this.lakeBucket,
        lakeKey: this.dataKey,
        assumedBy: a.uploadPrincipals,
        roleName: `${config.prefix}-upload-${a.id}`.slice(0, 64),
      });
      roles[a.id] = r.role;
      new CfnOutput(this, `UploadRoleArn-${a.id}`, { value: r.role.roleArn, description: `Role agency ${a.id} assumes to upload` });
    }
    this.uploadRoles = roles;
    new CfnOutput(this, 'UploadBucketName', { value: this.archive.bucket.bucketName });
    new CfnOutput(this, 'LakeBucketName', { value: this.lakeBucket.bucketName });
    new CfnOutput(this, 'GlueDatabase', { value: this.catalog.databaseName });
  }
}
