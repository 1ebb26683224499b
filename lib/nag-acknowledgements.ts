/**
 * cdk-nag (AwsSolutions) findings that are acknowledged, each with its reason.
 *
 * cdk-nag 3 acknowledges exact finding ids (`AwsSolutions-IAM5[Resource::<Lake.Arn>/lake/*]`).
 * Instead of copying generated logical ids and export names here, the final tree is
 * checked once at validation time; a finding is acknowledged only when its id AND its construct path match
 * an entry of {@link ACCEPTED} below. Anything else (a new wildcard, a bucket
 * without TLS...) stays an error.
 */
import {
  Validations,
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';

interface Accepted {
  /** Finding id (rule and finding detail). */
  readonly id: RegExp;
  /** Construct path of the resource. @default - any path */
  readonly path?: RegExp;
  readonly reason: string;
}

// Object-key prefixes inside our own buckets (same stack: <Logical.Arn>; other stack: an export).
const OWN_BUCKET = String.raw`(<[A-Za-z0-9]+\.Arn>|[a-z][a-z0-9-]*-data:ExportsOutputFnGetAtt[A-Za-z0-9]+)`;

/** The accepted exceptions, each with its reason. */
export const ACCEPTED: readonly Accepted[] = [
  {
    id: new RegExp(
      String.raw`^AwsSolutions-IAM5\[Resource::${OWN_BUCKET}/(uploads|lake|manifests|commits|indicators|hunts|athena|candidates|sweep-state|board)/.*\*\]$`,
    ),
    reason:
      'Object keys under one prefix of our own bucket (uploads/agency=<id>/*, lake/*, manifests/*, commits/*, athena/*, candidates/*, sweep-state/*, board/*): object names are not known in advance.',
  },
  {
    id: /^AwsSolutions-IAM5\[Action::(s3:GetObject\*|s3:GetBucket\*|s3:List\*|s3:DeleteObject\*|s3:Abort\*|kms:GenerateDataKey\*|kms:ReEncrypt\*)\]$/,
    reason:
      'Action families written by CDK grant methods (grantRead/grantReadWrite/grantEncryptDecrypt); each statement is scoped to our own bucket prefix or key.',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table\/[a-z0-9_]+\/\*\]$/,
    reason: 'Every table of our one Glue database (the lake tables and indicators): Athena needs them to plan hunts.',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.+:\*\]$/,
    path: /\/Analysts\//,
    reason: 'Executions of our one hunt state machine (execution names are generated per run).',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /\/Runner\/StateMachine\/Role\//,
    reason:
      'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery, xray:PutTraceSegments...) do not support resource-level permissions.',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /\/Analysts\/Role\//,
    reason: 'Athena console browsing: athena:ListWorkGroups, ListDataCatalogs and ListEngineVersions have no resource-level permissions.',
  },
  {
    id: /^AwsSolutions-ECS2$/,
    path: /\/LargeUploads\/TaskDefinition\//,
    reason: "The large-upload task's environment holds bucket names, the topic ARN and runtime options: nothing secret.",
  },
  {
    id: /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\]$/,
    path: /\/(BucketNotificationsHandler[0-9a-f]+|Custom::CDKBucketDeployment[0-9A-F]+)\//,
    reason:
      'CDK-provided singleton functions (S3 notification configuration, BucketDeployment) define their roles with this managed policy; logging only.',
  },
  {
    id: /^AwsSolutions-IAM5\[(Action::s3:\*|Resource::\*|Action::kms:.*)\]$/,
    path: /\/(BucketNotificationsHandler[0-9a-f]+|Custom::CDKBucketDeployment[0-9A-F]+)\//,
    reason:
      'CDK-provided singleton functions: the notification handler configures bucket notifications (s3:PutBucketNotification has no narrower resource), BucketDeployment copies a whole prefix.',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/,
    path: /\/Runner\/StateMachine\/Role\//,
    reason: 'Versions and aliases of our own two hunt Lambdas (written by the LambdaInvoke task).',
  },
  {
    id: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/\*\]$/,
    path: /\/Custom::CDKBucketDeployment[0-9A-F]+\//,
    reason: 'BucketDeployment reads the CDK bootstrap asset bucket (asset object names are content hashes).',
  },
  {
    id: new RegExp(String.raw`^AwsSolutions-IAM5\[Resource::${OWN_BUCKET}/\*\]$`),
    path: /\/Custom::CDKBucketDeployment[0-9A-F]+\//,
    reason: 'BucketDeployment (hunts/ and indicators/ of the lake bucket): CDK grants its handler the whole destination bucket.',
  },
  {
    id: /^AwsSolutions-L1$/,
    path: /\/Custom::CDKBucketDeployment[0-9A-F]+\//,
    reason: "BucketDeployment's handler runtime is chosen by aws-cdk-lib, not by this project.",
  },
  {
    id: /^AwsSolutions-S1$/,
    path: /\/AccessLogs\/Resource$/,
    reason: 'This is the access-log bucket itself: logging it to itself would loop.',
  },
];

/**
 * A validation plugin that runs first: it checks the final construct tree (cross-stack
 * references already turned into exports, so finding ids are the ones the real check
 * reports) and acknowledges the accepted findings. It never reports anything itself.
 */
class AcknowledgeAccepted implements IPolicyValidationPlugin {
  readonly name = 'AcknowledgeAcceptedNagFindings';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    if (!root) throw new Error('this aws-cdk-lib gives validation plugins no appConstruct: cdk-nag 3 needs aws-cdk-lib >= 2.262');
    const byPath = new Map(root.node.findAll().map((c) => [c.node.path, c] as const));
    for (const v of new AwsSolutionsChecks().validateScope(root).violations) {
      for (const r of v.violatingResources) {
        const accepted = ACCEPTED.find((a) => a.id.test(v.ruleName) && (!a.path || a.path.test(`/${r.constructPath}`)));
        const construct = r.constructPath === undefined ? undefined : byPath.get(r.constructPath);
        if (accepted && construct) Validations.of(construct).acknowledge({ id: v.ruleName, reason: accepted.reason });
      }
    }
    return { success: true, violations: [] };
  }
}

/**
 * Adds the AwsSolutions checks to the app; findings matching {@link ACCEPTED}
 * (id and construct path) are acknowledged with their reason, all others fail synth.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AcknowledgeAccepted(), new AwsSolutionsChecks(app));
}
