/**
 * The baseline every bucket of the deployment gets: KMS (or S3-managed for the
 * access-log bucket, which S3 log delivery requires), TLS-only, public access
 * blocked, versioning, server access logs, retained on stack deletion.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /** Customer-managed key for SSE-KMS. */
  readonly encryptionKey: kms.IKey;
  /** Bucket receiving server access logs. */
  readonly accessLogs: s3.IBucket;
  /** Prefix of this bucket's access logs in the log bucket. */
  readonly accessLogsPrefix: string;
  /** @default true */
  readonly versioned?: boolean;
  /** Send object events to EventBridge (triggers). @default false */
  readonly eventBridgeEnabled?: boolean;
  /** @default - abort incomplete multipart uploads after 7 days, expire noncurrent versions after 90 days */
  readonly lifecycleRules?: s3.LifecycleRule[];
}

/** Defines a bucket with the deployment's security baseline. */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: props.encryptionKey,
    // One data key per bucket per day instead of one KMS call per object: cost and throttling.
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: props.versioned ?? true,
    serverAccessLogsBucket: props.accessLogs,
    serverAccessLogsPrefix: props.accessLogsPrefix,
    eventBridgeEnabled: props.eventBridgeEnabled ?? false,
    lifecycleRules: props.lifecycleRules ?? [
      { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(90) },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The bucket that receives the other buckets' server access logs. */
export function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    // S3 server access log delivery only supports SSE-S3 on the target bucket.
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    versioned: true,
    lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
