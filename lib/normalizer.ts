/**
 * The normalizer: S3 "Object Created" under `uploads/` (EventBridge) -> SQS
 * (with a DLQ) -> Lambda with partial batch failures. The Lambda stages each
 * upload in /tmp by streaming (never a whole object in memory), normalizes it
 * into Parquet with the same pipeline as the CLI and publishes the lake files
 * and the manifest to the lake bucket. Uploads past a size threshold go to a
 * Fargate task running the same job (lib/large-upload-task.ts).
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LargeUploadTask } from './large-upload-task';
import { SweepFunction } from './sweep-function';

export interface NormalizerProps {
  readonly uploadBucket: s3.IBucket;
  readonly lakeBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly messagingKey: kms.IKey;
  /** Role name the upload bucket policy lets read uploads. */
  readonly roleName: string;
  /** Name of the upload-event rule (the messaging key policy names it: only that rule's events may use the key). */
  readonly ruleName: string;
  /** @default 4096 */
  readonly memoryMb?: number;
  /** /tmp size for the staged archive and the Parquet files of one upload. @default 10240 */
  readonly ephemeralStorageMb?: number;
  /** @default 10 */
  readonly maxConcurrency?: number;
  /** Deliveries before a message goes to the DLQ. @default 3 */
  readonly maxReceiveCount?: number;
  /** Topic the upload receipt (manifest summary) is published to, routed like findings. @default - no receipts */
  readonly receiptsTopic?: sns.ITopic;
  /** Agency id -> zone of its export times without an offset (AgencyConfig.timeZone). @default - UTC for all */
  readonly agencyTimeZones?: Readonly<Record<string, string>>;
  /**
   * Uploads larger than `thresholdBytes` go to a Fargate task running the same job (lib/large-upload-task.ts).
   * @default - every upload is normalized by the Lambda
   */
  readonly largeUploads?: {
    readonly thresholdBytes: number;
    readonly taskRoleName: string;
    readonly family: string;
    readonly failedRuleName: string;
  };
}

/** The upload -> lake pipeline in AWS. */
export class Normalizer extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly fn: SweepFunction;
  /** Messages waiting in the DLQ: uploads that failed every attempt. */
  readonly dlqAlarm: cloudwatch.Alarm;
  /** The Fargate path of large uploads, when configured. */
  readonly largeUploadTask?: LargeUploadTask;

  constructor(scope: Construct, id: string, props: NormalizerProps) {
    super(scope, id);
    const memoryMb = props.memoryMb ?? 4096;
    if (memoryMb < 1024 || memoryMb > 10240)
      throw new Error(`memoryMb must be in 1024..10240 (row groups, zlib and archive buffers need room), got ${memoryMb}`);
    const timeout = Duration.minutes(15);
    this.fn = new SweepFunction(this, 'Handler', {
      entry: 'lambdas/normalizer/handler.ts',
      description: 'Normalizes uploaded log archives into the Parquet lake',
      memorySize: memoryMb,
      timeout,
      ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb ?? 10240),
      roleName: props.roleName,
      // The pack tells the receipt which hunts an upload's log families leave blind.
      withQueries: true,
      environment: {
        UPLOAD_BUCKET: props.uploadBucket.bucketName,
        LAKE_BUCKET: props.lakeBucket.bucketName,
        ...(props.receiptsTopic ? { TOPIC_ARN: props.receiptsTopic.topicArn } : {}),
        ...(props.agencyTimeZones && Object.keys(props.agencyTimeZones).length
          ? { AGENCY_TIME_ZONES: JSON.stringify(props.agencyTimeZones) }
          : {}),
      },
    });
    props.receiptsTopic?.grantPublish(this.fn.role);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.messagingKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Uploads', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.messagingKey,
      enforceSSL: true,
      // AWS guidance for Lambda event sources: six times the function timeout.
      visibilityTimeout: Duration.minutes(15 * 6),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    const rule = new events.Rule(this, 'UploadCreated', {
      ruleName: props.ruleName,
      description: 'New objects under uploads/ go to the normalizer queue',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.uploadBucket.bucketName] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
    });
    // Not targets.SqsQueue: for an encrypted queue it lets events.amazonaws.com send with no source condition, so any
    // account's rule could fill the queue (confused deputy). Only this rule of this account may send.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadEventsOfThisRuleOnly',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    rule.addTarget({ bind: () => ({ arn: this.queue.queueArn }) });
    if (props.largeUploads) {
      const l = props.largeUploads;
      this.largeUploadTask = new LargeUploadTask(this, 'LargeUploads', {
        uploadBucket: props.uploadBucket,
        lakeBucket: props.lakeBucket,
        receiptsTopic: props.receiptsTopic,
        agencyTimeZones: props.agencyTimeZones,
        taskRoleName: l.taskRoleName,
        family: l.family,
        deadLetterQueue: this.deadLetterQueue,
        failedRuleName: l.failedRuleName,
      });
      this.largeUploadTask.grantStart(this.fn.role);
      this.fn.function.addEnvironment('LARGE_UPLOAD_BYTES', String(l.thresholdBytes));
      this.fn.function.addEnvironment('LARGE_UPLOAD_TASK', Stack.of(this).toJsonString(this.largeUploadTask.startConfig()));
    }
    this.fn.function.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue, {
        // One archive per invocation: archives are large; a failure retries only that archive.
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
    props.uploadBucket.grantRead(this.fn.role, 'uploads/*');
    props.lakeBucket.grantReadWrite(this.fn.role, 'lake/*');
    props.lakeBucket.grantReadWrite(this.fn.role, 'manifests/*');
    // The commit record Athena's views read (lake_commits), written just before the manifest.
    props.lakeBucket.grantReadWrite(this.fn.role, 'commits/*');
    props.lakeBucket.grantDelete(this.fn.role, 'lake/*');
    this.dlqAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'An upload could not be normalized after every retry: see the normalizer logs and the DLQ message',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
