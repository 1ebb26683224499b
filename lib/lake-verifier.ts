/**
 * The lake's scheduled check and repair trigger on AWS: a Lambda (lambdas/lake-verify) run on a schedule and on
 * every failed query of the hunt workgroup. It checks lake files against their manifests (size, SHA-256) and the
 * commit records Athena's views read, and sends each damaged upload back to the normalizer queue naming one object
 * of its raw upload: the normal normalizer path rebuilds it (src/aws/lake-verify-job.ts).
 *
 * Least privilege: it reads the lake (manifests, lake files, commit records), lists the upload bucket under
 * `uploads/` (never reads a raw upload), sends to the normalizer queue (never receives), and reads one workgroup's
 * query executions. It writes and deletes nothing.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SweepFunction } from './sweep-function';

export interface LakeVerifierProps {
  readonly lakeBucket: s3.IBucket;
  readonly uploadBucket: s3.IBucket;
  /** The normalizer's queue: repairs are ordinary messages on it. */
  readonly normalizerQueue: sqs.IQueue;
  /** The hunt workgroup whose failed queries trigger a check of the files they name. */
  readonly workGroupName: string;
  /** When the whole lake is checked. @default events.Schedule.rate(Duration.days(1)) */
  readonly schedule?: events.Schedule;
  /** @default 1024 */
  readonly memoryMb?: number;
  /** Hashing runs at about 300-600 MB/s: give it the time the lake needs. @default Duration.minutes(15) */
  readonly timeout?: Duration;
}

/** Scheduled verify and repair trigger of the lake. */
export class LakeVerifier extends Construct {
  readonly fn: SweepFunction;
  readonly scheduleRule: events.Rule;
  readonly failedQueryRule: events.Rule;

  constructor(scope: Construct, id: string, props: LakeVerifierProps) {
    super(scope, id);
    const memoryMb = props.memoryMb ?? 1024;
    if (memoryMb < 512 || memoryMb > 10240) throw new Error(`memoryMb must be in 512..10240, got ${memoryMb}`);
    const timeout = props.timeout ?? Duration.minutes(15);
    if (timeout.toSeconds() > 900) throw new Error(`timeout must be at most 15 minutes (Lambda's limit), got ${timeout.toHumanString()}`);
    this.fn = new SweepFunction(this, 'Handler', {
      entry: 'lambdas/lake-verify/handler.ts',
      description: 'Checks lake files against their manifests and sends damaged uploads back to the normalizer',
      memorySize: memoryMb,
      timeout,
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        UPLOAD_BUCKET: props.uploadBucket.bucketName,
        QUEUE_URL: props.normalizerQueue.queueUrl,
      },
    });
    const role = this.fn.role;
    props.lakeBucket.grantRead(role, 'manifests/*');
    props.lakeBucket.grantRead(role, 'lake/*');
    props.lakeBucket.grantRead(role, 'commits/*');
    // The raw upload is named, never read: listing under uploads/ only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.uploadBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['uploads/*'] } },
      }),
    );
    props.normalizerQueue.grantSendMessages(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:GetQueryExecution'],
        resources: [Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
      }),
    );
    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: 'Checks every lake file against its manifest; damaged uploads go back to the normalizer',
      schedule: props.schedule ?? events.Schedule.rate(Duration.days(1)),
    });
    this.failedQueryRule = new events.Rule(this, 'FailedQuery', {
      description: 'A failed hunt query: the lake files it names are checked and their uploads repaired',
      eventPattern: {
        source: ['aws.athena'],
        detailType: ['Athena Query State Change'],
        detail: { currentState: ['FAILED'], workgroupName: [props.workGroupName] },
      },
    });
    // The Lambda target's permission names the rule (aws:SourceArn): no other rule can invoke the function.
    for (const rule of [this.scheduleRule, this.failedQueryRule])
      rule.addTarget(new targets.LambdaFunction(this.fn.function, { retryAttempts: 2 }));
  }
}
