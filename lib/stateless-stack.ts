/**
 * Everything that can be redeployed without risking data: the normalizer, the
 * hunt workgroup and state machine, schedules, the findings topic, the analyst
 * role, and the deployed hunt pack and indicators.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import type { AppConfig } from './app-config';
import { AnalystRole } from './analyst-role';
import { HuntRunner } from './hunt-runner';
import { HuntWorkgroup, type DeployedHunt } from './hunt-workgroup';
import { LakeVerifier } from './lake-verifier';
import { Normalizer } from './normalizer';
import { OwnerAlerts } from './owner-alerts';
import { SecurityBoard } from './security-board';
import {
  largeUploadFailedRuleName,
  normalizerRoleName,
  normalizerTaskRoleName,
  uploadRuleName,
  type StatefulStack,
} from './stateful-stack';
import * as path from 'node:path';
import { REPO_ROOT } from './sweep-function';

export interface StatelessStackProps extends StackProps {
  readonly config: AppConfig;
  readonly data: StatefulStack;
  /** The hunts deployed as named queries (loaded by bin/app.ts from queries/). */
  readonly hunts: readonly DeployedHunt[];
  /**
   * Folder holding the `indicators` table's Parquet file (src/aws/indicators-parquet.ts), deployed under `indicators/`.
   * @default - no indicators deployed
   */
  readonly indicatorsDir?: string;
  /** Folder of the hunt pack deployed as an asset under `hunts/`. @default '<repo>/queries' */
  readonly queriesDir?: string;
}

/** The compute half of the deployment. */
export class StatelessStack extends Stack {
  readonly alerts: OwnerAlerts;
  readonly normalizer: Normalizer;
  readonly workgroup: HuntWorkgroup;
  readonly runner: HuntRunner;
  readonly analysts: AnalystRole;
  readonly verifier: LakeVerifier;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    this.alerts = new OwnerAlerts(this, 'Alerts', {
      encryptionKey: data.messagingKey,
      owners: config.agencies.map((a) => ({ agency: a.id, emails: a.owners ?? [] })),
      securityTeam: config.securityTeam,
      topicName: `${config.prefix}-findings`,
    });
    this.normalizer = new Normalizer(this, 'Normalizer', {
      uploadBucket: data.archive.bucket,
      lakeBucket: data.lakeBucket,
      dataKey: data.dataKey,
      messagingKey: data.messagingKey,
      roleName: normalizerRoleName(config.prefix),
      ruleName: uploadRuleName(config.prefix),
      largeUploads: {
        thresholdBytes: config.normalizer.largeUploadBytes,
        taskRoleName: normalizerTaskRoleName(config.prefix),
        family: `${config.prefix}-normalizer-large`,
        failedRuleName: largeUploadFailedRuleName(config.prefix),
      },
      memoryMb: config.normalizer.memoryMb,
      ephemeralStorageMb: config.normalizer.ephemeralStorageMb,
      maxConcurrency: config.normalizer.maxConcurrency,
      receiptsTopic: this.alerts.topic,
      agencyTimeZones: Object.fromEntries(config.agencies.filter((a) => a.timeZone !== undefined).map((a) => [a.id, a.timeZone!])),
    });
    this.alerts.notifyOnAlarm(this.normalizer.dlqAlarm);
    this.workgroup = new HuntWorkgroup(this, 'Hunts', {
      workGroupName: config.prefix,
      databaseName: data.catalog.databaseName,
      resultsBucket: data.resultsBucket,
      dataKey: data.dataKey,
      bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQuery,
      hunts: props.hunts,
    });
    this.runner = new HuntRunner(this, 'Runner', {
      workgroup: this.workgroup,
      catalog: data.catalog,
      lakeBucket: data.lakeBucket,
      dataKey: data.dataKey,
      dedupTable: data.dedupTable,
      alerts: this.alerts,
      agencies: config.agencies.map((a) => a.id),
      maxConcurrency: config.huntConcurrency,
      schedule: config.retroHunt.enabled ? events.Schedule.expression(config.retroHunt.schedule) : undefined,
      retroSince: config.retroHunt.since,
    });
    // Damage found on a schedule or by a failed hunt query goes back to the normalizer (src/aws/lake-verify-job.ts).
    this.verifier = new LakeVerifier(this, 'LakeVerify', {
      lakeBucket: data.lakeBucket,
      uploadBucket: data.archive.bucket,
      normalizerQueue: this.normalizer.queue,
      workGroupName: this.workgroup.workGroupName,
    });
    this.analysts = new AnalystRole(this, 'Analysts', {
      workgroup: this.workgroup,
      catalog: data.catalog,
      lakeBucket: data.lakeBucket,
      dataKey: data.dataKey,
      dedupTable: data.dedupTable,
      runner: this.runner,
      assumedBy: config.analystPrincipals,
      roleName: `${config.prefix}-analyst`,
    });
    // The security team's board (board/ in the lake bucket) after each hunt run, and the scheduled digest.
    new SecurityBoard(this, 'Board', {
      lakeBucket: data.lakeBucket,
      dataKey: data.dataKey,
      dedupTable: data.dedupTable,
      alerts: this.alerts,
      huntStateMachine: this.runner.stateMachine,
      publishRole: this.runner.publishFunction.role,
      analystRole: this.analysts.role,
      agencies: config.agencies.map((a) => a.id),
      since: config.retroHunt.since,
    });
    // The pack as an asset (readable by analysts under hunts/) and the indicators the `indicators` table reads.
    new s3deploy.BucketDeployment(this, 'DeployHunts', {
      sources: [s3deploy.Source.asset(props.queriesDir ?? path.join(REPO_ROOT, 'queries'))],
      destinationBucket: data.lakeBucket,
      destinationKeyPrefix: 'hunts/',
      prune: true,
    });
    if (props.indicatorsDir !== undefined) {
      new s3deploy.BucketDeployment(this, 'DeployIndicators', {
        sources: [s3deploy.Source.asset(props.indicatorsDir)],
        destinationBucket: data.lakeBucket,
        destinationKeyPrefix: 'indicators/',
        prune: true,
      });
    }
    new CfnOutput(this, 'WorkGroupName', { value: this.workgroup.workGroupName });
    new CfnOutput(this, 'FindingsTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'HuntStateMachineArn', { value: this.runner.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AnalystRoleArn', { value: this.analysts.role.roleArn });
  }
}
