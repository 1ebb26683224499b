/**
 * One agency's upload role: may put objects under its own `uploads/agency=<id>/`
 * prefix (single or multipart) and read back its own upload receipts
 * (`manifests/agency=<id>/`), nothing else.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LogArchive } from './log-archive';

export interface AgencyUploadRoleProps {
  readonly agency: string;
  readonly archive: LogArchive;
  /** Lake bucket holding `manifests/agency=<id>/<upload-id>.json` (the upload receipts). */
  readonly lakeBucket: s3.IBucket;
  readonly lakeKey: kms.IKey;
  /** Principals that may assume the role. @default - the account root (delegation through IAM) */
  readonly assumedBy?: readonly string[];
  /** Role name. @default - `<prefix>-upload-<agency>` is expected from the caller */
  readonly roleName?: string;
}

/** The upload role of one agency. */
export class AgencyUploadRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AgencyUploadRoleProps) {
    super(scope, id);
    const principals = (props.assumedBy ?? []).map((arn) => new iam.ArnPrincipal(arn));
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `Uploads log archives for agency ${props.agency} (uploads/agency=${props.agency}/ only)`,
      assumedBy: principals.length > 0 ? new iam.CompositePrincipal(...principals) : new iam.AccountRootPrincipal(),
      maxSessionDuration: Duration.hours(12),
    });
    props.archive.grantAgencyUpload(props.agency, this.role);
    // The receipt loop (`sweep upload --wait`): read this agency's manifests, nothing else of the lake.
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['s3:GetObject'],
      resourceArns: [props.lakeBucket.arnForObjects(`manifests/agency=${props.agency}/*`)],
    });
    // Listing its own receipts: without s3:ListBucket S3 answers 403 (not 404) for a receipt not written yet.
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['s3:ListBucket'],
      resourceArns: [props.lakeBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`manifests/agency=${props.agency}/*`] } },
    });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['kms:Decrypt'],
      resourceArns: [props.lakeKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
  }
}
