/**
 * The large-upload path: an ECS Fargate task that runs the normalizer's own job (src/aws/normalize-upload-job.ts)
 * for uploads past the Lambda's limits (15 minutes, 10 GiB of /tmp). The normalizer Lambda starts it with the
 * object key; a task that fails lands in the normalizer's dead-letter queue like any failed upload.
 *
 * No Docker anywhere: the image is the official Node.js image from ECR Public, and the task's code is one
 * esbuild bundle (a CDK file asset) that the container fetches at start through a presigned URL the Lambda passes.
 * Networking: a VPC of public subnets without NAT (the task reaches S3 through a gateway endpoint, other AWS APIs
 * over HTTPS), no inbound rule at all.
 */
import * as path from 'node:path';
import { BundlingOutput, DockerImage, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT } from './sweep-function';

/** The container's image: official Node.js (same major as the Lambda runtime), from ECR Public. */
export const TASK_IMAGE = 'public.ecr.aws/docker/library/node:24-slim';
export const TASK_CONTAINER = 'normalizer';
/** Disk of the task: Fargate's maximum. MAX_UPLOAD_BYTES (src/aws/large-upload-task.ts) is derived from it. */
export const TASK_EPHEMERAL_GIB = 200;

// Fetches the bundle from the presigned URL the Lambda passed, then runs it (no SDK needed in the image).
export const TASK_BOOTSTRAP = [
  "const fs = require('node:fs');",
  "const file = (process.env.WORK_DIR || '/tmp') + '/large-upload-task.js';",
  'fetch(process.env.TASK_CODE_URL).then(async (r) => {',
  "  if (!r.ok) throw new Error('task code: HTTP ' + r.status);",
  '  fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));',
  "  process.env.SWEEP_TASK_MAIN = '1';",
  '  require(file);',
  '}).catch((e) => { console.error(e); process.exit(1); });',
].join('\n');

/** Builds the task's code: one CommonJS file, dependencies included (esbuild, a devDependency, as for the Lambdas). */
export function bundleTaskCode(outfile: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(REPO_ROOT, 'lambdas', 'normalizer', 'large-upload-task.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'error',
  });
}

export interface LargeUploadTaskProps {
  readonly uploadBucket: s3.IBucket;
  readonly lakeBucket: s3.IBucket;
  readonly receiptsTopic?: sns.ITopic;
  readonly agencyTimeZones?: Readonly<Record<string, string>>;
  /** Fixed task role name: the upload bucket policy names the roles that may read raw uploads. */
  readonly taskRoleName: string;
  readonly family: string;
  /** Where failed tasks are reported (the normalizer's dead-letter queue). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Name of the rule sending failed tasks there (the messaging key policy names it). */
  readonly failedRuleName: string;
  /** @default 2048 (2 vCPU: one parses, one encodes and compresses Parquet) */
  readonly cpu?: number;
  /** @default 8192 */
  readonly memoryMiB?: number;
}

/** Cluster, task definition, network and failure rule of the large-upload path. */
export class LargeUploadTask extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly vpc: ec2.Vpc;
  readonly code: s3assets.Asset;

  constructor(scope: Construct, id: string, props: LargeUploadTaskProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.80.0.0/24'),
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'tasks', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc.addFlowLog('RejectedTraffic', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'Tasks', {
      vpc: this.vpc,
      description: 'Large-upload normalizer tasks: HTTPS out to AWS APIs, nothing in',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3, SNS, CloudWatch Logs, ECR Public');
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.code = new s3assets.Asset(this, 'Code', {
      path: path.join(REPO_ROOT, 'lambdas', 'normalizer'),
      bundling: {
        image: DockerImage.fromRegistry('no-docker-bundling'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir: string): boolean {
            bundleTaskCode(path.join(outputDir, 'large-upload-task.js'));
            return true;
          },
        },
      },
    });

    const taskRole = new iam.Role(this, 'TaskRole', {
      roleName: props.taskRoleName,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "Normalizes one large upload into the lake (the normalizer Lambda's rights)",
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.cpu ?? 2048,
      memoryLimitMiB: props.memoryMiB ?? 8192,
      ephemeralStorageGiB: TASK_EPHEMERAL_GIB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole,
    });
    const taskLogs = new logs.LogGroup(this, 'TaskLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY });
    this.taskDefinition.addContainer(TASK_CONTAINER, {
      image: ecs.ContainerImage.fromRegistry(TASK_IMAGE),
      entryPoint: ['node', '-e', TASK_BOOTSTRAP],
      user: 'node',
      essential: true,
      environment: {
        UPLOAD_BUCKET: props.uploadBucket.bucketName,
        LAKE_BUCKET: props.lakeBucket.bucketName,
        WORK_DIR: '/tmp',
        NODE_OPTIONS: '--enable-source-maps --max-old-space-size=6144',
        ...(props.receiptsTopic ? { TOPIC_ARN: props.receiptsTopic.topicArn } : {}),
        ...(props.agencyTimeZones && Object.keys(props.agencyTimeZones).length
          ? { AGENCY_TIME_ZONES: JSON.stringify(props.agencyTimeZones) }
          : {}),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'normalizer', logGroup: taskLogs }),
    });
    props.uploadBucket.grantRead(taskRole, 'uploads/*');
    props.lakeBucket.grantReadWrite(taskRole, 'lake/*');
    props.lakeBucket.grantReadWrite(taskRole, 'manifests/*');
    props.lakeBucket.grantReadWrite(taskRole, 'commits/*');
    props.lakeBucket.grantDelete(taskRole, 'lake/*');
    props.lakeBucket.grantRead(taskRole, 'hunts/*');
    props.receiptsTopic?.grantPublish(taskRole);

    // A task that exits non-zero or never starts: its event goes to the dead-letter queue (the DLQ alarm fires; a
    // redrive hands it back to the normalizer, which reads the upload key from the event and starts a new task).
    const failed = new events.Rule(this, 'Failed', {
      ruleName: props.failedRuleName,
      description: 'A large-upload normalizer task failed: report it in the normalizer dead-letter queue',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [this.cluster.clusterArn],
          lastStatus: ['STOPPED'],
          $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
        },
      },
    });
    props.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'FailedLargeUploadTasksOfThisRuleOnly',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [props.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': failed.ruleArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    failed.addTarget({ bind: () => ({ arn: props.deadLetterQueue.queueArn }) });
  }

  /** What the normalizer Lambda needs to start a task (its LARGE_UPLOAD_TASK variable). */
  startConfig(): Record<string, unknown> {
    return {
      cluster: this.cluster.clusterName,
      taskDefinition: this.taskDefinition.taskDefinitionArn,
      containerName: TASK_CONTAINER,
      subnets: this.vpc.publicSubnets.map((s) => s.subnetId),
      securityGroups: [this.securityGroup.securityGroupId],
      codeBucket: this.code.s3BucketName,
      codeKey: this.code.s3ObjectKey,
    };
  }

  /** Lets the normalizer Lambda start tasks (RunTask, PassRole) and presign the task code. */
  grantStart(grantee: iam.IGrantable): void {
    this.taskDefinition.grantRun(grantee);
    // This one object of the CDK asset bucket (not the bucket-wide grant of Asset.grantRead).
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [`arn:${Stack.of(this).partition}:s3:::${this.code.s3BucketName}/${this.code.s3ObjectKey}`],
    });
  }
}
