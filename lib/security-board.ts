/**
 * The security team's board and digest on AWS: one Lambda (lambdas/board-digest) that regenerates
 * `board/board.html` and `board/board.json` in the lake bucket after every hunt run (the state machine's status
 * change events, so the hunt state machine itself is untouched) and, on a schedule, sends the digest of what changed
 * to the findings topic without an agency attribute (agency owners' subscriptions filter on it: only the security
 * team receives it). Analysts get read access to `board/` (`sweep board --bucket`, `--link`) and may record triage
 * decisions (`triage#` items) in the dedup table; the publish step reads them to keep closed findings quiet.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OwnerAlerts } from './owner-alerts';
import { SweepFunction } from './sweep-function';

export interface SecurityBoardProps {
  readonly lakeBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly dedupTable: dynamodb.ITable;
  readonly alerts: OwnerAlerts;
  /** The hunt state machine: the board is rebuilt when one of its runs ends. */
  readonly huntStateMachine: sfn.IStateMachine;
  /** The hunts' publish step: reads triage decisions (Scan of `triage#` items). */
  readonly publishRole: iam.IRole;
  /** Analysts: read the board, record triage decisions. */
  readonly analystRole: iam.IRole;
  readonly agencies: readonly string[];
  /** First day coverage is judged from. @default '2019-01-01' */
  readonly since?: string;
  /** When the digest goes out. @default - Mondays 07:00 UTC */
  readonly digestSchedule?: events.Schedule;
}

export class SecurityBoard extends Construct {
  readonly function: SweepFunction;

  constructor(scope: Construct, id: string, props: SecurityBoardProps) {
    super(scope, id);
    this.function = new SweepFunction(this, 'BoardDigest', {
      entry: 'lambdas/board-digest/handler.ts',
      description: 'Regenerates the security team board under board/ and sends the digest',
      memorySize: 1024,
      timeout: Duration.minutes(5),
      withQueries: true,
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        DEDUP_TABLE: props.dedupTable.tableName,
        TOPIC_ARN: props.alerts.topic.topicArn,
        AGENCIES: props.agencies.join(','),
        RETRO_SINCE: props.since ?? '2019-01-01',
      },
    });
    const role = this.function.role;
    props.lakeBucket.grantRead(role, 'manifests/*');
    props.lakeBucket.grantRead(role, 'indicators/*');
    props.lakeBucket.grantRead(role, 'board/*');
    props.lakeBucket.grantPut(role, 'board/*');
    props.dataKey.grantEncryptDecrypt(role);
    props.dedupTable.grant(role, 'dynamodb:Scan');
    props.alerts.grantPublish(role);

    // After every hunt run, whatever its outcome: a failed run may still have published findings.
    new events.Rule(this, 'AfterHuntRun', {
      description: 'Rebuild the security team board after each hunt run',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.huntStateMachine.stateMachineArn], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT'] },
      },
      targets: [
        new targets.LambdaFunction(this.function.function, {
          event: events.RuleTargetInput.fromObject({
            mode: 'board',
            sweptAt: events.EventField.time,
            sweepStatus: events.EventField.fromPath('$.detail.status'),
          }),
          retryAttempts: 2,
        }),
      ],
    });
    new events.Rule(this, 'DigestSchedule', {
      description: 'Send the security team digest',
      schedule: props.digestSchedule ?? events.Schedule.cron({ weekDay: 'MON', hour: '7', minute: '0' }),
      targets: [
        new targets.LambdaFunction(this.function.function, {
          event: events.RuleTargetInput.fromObject({ mode: 'digest' }),
          retryAttempts: 2,
        }),
      ],
    });

    // The publish step keeps benign and false-positive findings quiet: it reads the decisions.
    props.dedupTable.grant(props.publishRole, 'dynamodb:Scan');
    // Analysts read the board and record decisions, only as `triage#` items (never a dedup record).
    props.lakeBucket.grantRead(props.analystRole, 'board/*');
    iam.Grant.addToPrincipal({
      grantee: props.analystRole,
      actions: ['dynamodb:PutItem'],
      resourceArns: [props.dedupTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['triage#*'] } },
    });
  }
}
