/**
 * The upload bucket: agencies drop raw archives under `uploads/agency=<id>/`.
 * Raw inputs are never modified (versioned) and only the pipeline reads them.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket';

export interface LogArchiveProps {
  readonly encryptionKey: kms.IKey;
  readonly accessLogs: s3.IBucket;
  /** Agency ids: each gets the `uploads/agency=<id>/` prefix. */
  readonly agencies: readonly string[];
  /**
   * ARN patterns (`aws:PrincipalArn`) allowed to read raw uploads: the normalizer role and break-glass roles.
   * Everybody else is denied GetObject by the bucket policy, whatever their IAM policies say.
   */
  readonly readerArnPatterns: readonly string[];
}

/** The raw-upload bucket, with per-agency prefixes and grants. */
export class LogArchive extends Construct {
  readonly bucket: s3.Bucket;
  private readonly agencies: ReadonlySet<string>;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: LogArchiveProps) {
    super(scope, id);
    if (props.agencies.length === 0) throw new Error('agencies must list at least one agency id, got []');
    if (props.readerArnPatterns.length === 0) throw new Error('readerArnPatterns must name the normalizer role, got []');
    this.agencies = new Set(props.agencies);
    this.key = props.encryptionKey;
    this.bucket = secureBucket(this, 'Bucket', {
      encryptionKey: props.encryptionKey,
      accessLogs: props.accessLogs,
      accessLogsPrefix: 'uploads-bucket/',
      eventBridgeEnabled: true,
    });
    // "Nobody but the pipeline reads uploads": an explicit deny beats any identity policy in the account.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyThePipelineReadsUploads',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectAttributes'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': [...props.readerArnPatterns] } },
      }),
    );
  }

  /** Key prefix of one agency's uploads. */
  agencyPrefix(agency: string): string {
    if (!this.agencies.has(agency)) throw new Error(`unknown agency "${agency}"; configured: ${[...this.agencies].join(', ')}`);
    return `uploads/agency=${agency}/`;
  }

  /**
   * Lets `grantee` upload (single or multipart) under its agency's prefix, and nowhere else.
   * No read: an agency cannot fetch back what it or anybody else uploaded.
   */
  grantAgencyUpload(agency: string, grantee: iam.IGrantable): iam.Grant {
    const prefix = this.agencyPrefix(agency);
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
    // Multipart uploads under SSE-KMS need Decrypt as well as GenerateDataKey; only through S3.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    return grant;
  }

  /** Lets the pipeline read every upload (it must also match readerArnPatterns). */
  grantReadUploads(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee, 'uploads/*');
  }
}
