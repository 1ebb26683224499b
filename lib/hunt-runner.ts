/**
 * Hunt runs on Athena, orchestrated by Step Functions:
 *
 *   Plan (Lambda: window, agencies, one item per hunt with its SQL and parameters)
 *   -> Map over the hunts, bounded concurrency:
 *        Athena StartQueryExecution `.sync` (no polling Lambda), retries with backoff
 *        -> Publish (Lambda: result rows -> findings -> dedup -> SNS)
 *        (a failed hunt is caught and recorded; the others go on)
 *   -> Commit (the plan Lambda again: promote the run's sweep state, without the hunts that failed)
 *   -> fail the execution if any hunt failed (the alarm fires).
 *
 * Scheduled retro-hunts are incremental: each hunt reads only what is new for it since the last completed
 * scheduled sweep (src/sweep/sweep-state.ts; the state lives in the lake bucket under sweep-state/).
 *
 * Triggers: an EventBridge schedule (retro-hunt over the configured window) and
 * every new upload manifest (sweep that agency's new days).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { HuntWorkgroup } from './hunt-workgroup';
import type { LakeCatalog } from './lake-catalog';
import type { OwnerAlerts } from './owner-alerts';
import { SweepFunction } from './sweep-function';

export interface HuntRunnerProps {
  readonly workgroup: HuntWorkgroup;
  readonly catalog: LakeCatalog;
  readonly lakeBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly dedupTable: dynamodb.ITable;
  readonly alerts: OwnerAlerts;
  /** Agency ids (the schedule sweeps them all). */
  readonly agencies: readonly string[];
  /** Hunts run at once. @default 4 */
  readonly maxConcurrency?: number;
  /** Retro-hunt schedule. @default - no schedule */
  readonly schedule?: events.Schedule;
  /** First day of the retro-hunt window. @default '2019-01-01' */
  readonly retroSince?: string;
  /** Sweep an agency's new days after each normalized upload. @default true */
  readonly sweepAfterUpload?: boolean;
  /** Scheduled retro-hunts read only what changed since the last one (false: all history every time). @default true */
  readonly incrementalRetroHunts?: boolean;
}

/** Characters of a failed hunt's error name and cause kept in the run's result. */
export const MAX_ERROR_CHARS = 256;
export const MAX_CAUSE_CHARS = 1000;

/** The hunt state machine, its Lambdas, triggers and failure alarm. */
export class HuntRunner extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly planFunction: SweepFunction;
  readonly publishFunction: SweepFunction;
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HuntRunnerProps) {
    super(scope, id);
    const concurrency = props.maxConcurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 20)
      throw new Error(`maxConcurrency must be an integer in 1..20, got ${concurrency}`);
    const retroSince = props.retroSince ?? '2019-01-01';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(retroSince)) throw new Error(`retroSince must be YYYY-MM-DD, got "${retroSince}"`);

    this.planFunction = new SweepFunction(this, 'Plan', {
      entry: 'lambdas/plan-sweep/handler.ts',
      description: 'Plans a hunt run (window, agencies, one Athena query per hunt) and records what a scheduled run swept',
      memorySize: 1024,
      // A scheduled run lists the whole lake to find what changed since the last one.
      timeout: Duration.minutes(10),
      withQueries: true,
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        AGENCIES: props.agencies.join(','),
        RETRO_SINCE: retroSince,
        INCREMENTAL_RETRO_HUNTS: String(props.incrementalRetroHunts ?? true),
      },
    });
    props.lakeBucket.grantRead(this.planFunction.role, 'lake/*');
    props.lakeBucket.grantRead(this.planFunction.role, 'manifests/*');
    props.lakeBucket.grantRead(this.planFunction.role, 'indicators/*');
    props.lakeBucket.grantReadWrite(this.planFunction.role, 'sweep-state/*');
    props.lakeBucket.grantDelete(this.planFunction.role, 'sweep-state/*');
    props.dataKey.grantEncryptDecrypt(this.planFunction.role);

    this.publishFunction = new SweepFunction(this, 'Publish', {
      entry: 'lambdas/publish-findings/handler.ts',
      description: 'Turns a hunt result into findings, dedups them and publishes the new ones',
      memorySize: 1024,
      timeout: Duration.minutes(10),
      withQueries: true,
      environment: {
        TOPIC_ARN: props.alerts.topic.topicArn,
        DEDUP_TABLE: props.dedupTable.tableName,
        WORKGROUP: props.workgroup.workGroupName,
        DATABASE: props.catalog.databaseName,
      },
    });
    props.workgroup.grantReadResults(this.publishFunction.role);
    props.dedupTable.grant(this.publishFunction.role, 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    // The table is encrypted with a customer key: DynamoDB decrypts its table key with the caller's permissions.
    if (props.dedupTable.encryptionKey) {
      iam.Grant.addToPrincipal({
        grantee: this.publishFunction.role,
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resourceArns: [props.dedupTable.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      });
    }
    props.alerts.grantPublish(this.publishFunction.role);

    // States
    const plan = new tasks.LambdaInvoke(this, 'PlanRun', {
      lambdaFunction: this.planFunction.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const runQuery = new sfn.CustomState(this, 'RunHuntQuery', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Stack.of(this).partition}:states:::athena:startQueryExecution.sync`,
        Parameters: {
          'QueryString.$': '$.hunt.query_string',
          'ExecutionParameters.$': '$.hunt.params',
          WorkGroup: props.workgroup.workGroupName,
          QueryExecutionContext: { Database: props.catalog.databaseName, Catalog: 'AwsDataCatalog' },
        },
        ResultSelector: {
          'query_execution_id.$': '$.QueryExecution.QueryExecutionId',
          'data_scanned_bytes.$': '$.QueryExecution.Statistics.DataScannedInBytes',
          'output_location.$': '$.QueryExecution.ResultConfiguration.OutputLocation',
        },
        ResultPath: '$.query',
        Retry: [
          // Throttling and transient service errors only: a query that FAILED (syntax, scan cutoff) is not
          // retried, since running it again would bill the same bytes again for the same failure.
          // Several runs at once (uploads arriving together, a retro-hunt) exceed the account's active-query quota:
          // the waiting hunts must outlast the running ones, whose queries may take up to Athena's 30-minute
          // default timeout. Back off 15 s doubling to 5 minutes, 20 attempts: ~80 minutes nominal, half that
          // on average with full jitter, which also spreads the retries of the waiting hunts.
          {
            ErrorEquals: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'],
            IntervalSeconds: 15,
            BackoffRate: 2,
            MaxAttempts: 20,
            MaxDelaySeconds: 300,
            JitterStrategy: 'FULL',
          },
        ],
      },
    });
    const publish = new tasks.LambdaInvoke(this, 'PublishFindings', {
      lambdaFunction: this.publishFunction.function,
      payload: sfn.TaskInput.fromObject({
        'run_id.$': '$.run_id',
        'trigger.$': '$.trigger',
        'hunt_id.$': '$.hunt.hunt_id',
        'query_execution_id.$': '$.query.query_execution_id',
        'output_location.$': '$.query.output_location',
        'data_scanned_bytes.$': '$.query.data_scanned_bytes',
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      resultSelector: {
        'hunt_id.$': '$.hunt_id',
        'ok.$': '$.ok',
        'findings.$': '$.findings',
        'new_findings.$': '$.new_findings',
        'data_scanned_bytes.$': '$.data_scanned_bytes',
      },
    });
    publish.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 3 });
    // A failure's Cause can be a whole stack trace or Athena message: keep its start only, so the Map's result
    // (one record per hunt) stays far below Step Functions' 256 KB payload limit even when every hunt fails.
    const huntFailed = sfn.Pass.jsonata(this, 'RecordHuntFailure', {
      outputs: {
        hunt_id: '{% $states.input.hunt.hunt_id %}',
        ok: false,
        error: `{% $substring($string($states.input.error.Error), 0, ${MAX_ERROR_CHARS}) %}`,
        cause: `{% $substring($string($states.input.error.Cause), 0, ${MAX_CAUSE_CHARS}) %}`,
      },
    });
    runQuery.addCatch(huntFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    publish.addCatch(huntFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const map = new sfn.Map(this, 'EachHunt', {
      itemsPath: '$.hunts',
      maxConcurrency: concurrency,
      itemSelector: { 'hunt.$': '$$.Map.Item.Value', 'run_id.$': '$.run_id', 'trigger.$': '$.trigger' },
      // The results replace the planned hunts (every hunt's SQL): plan plus results could pass the payload limit.
      // The rest of the plan (run id, sweep state key) stays for the commit step.
      resultPath: '$.hunts',
    });
    map.itemProcessor(runQuery.next(publish));

    // The plan Lambda again: promote the run's sweep state (a no-op for runs that keep none).
    const commit = new tasks.LambdaInvoke(this, 'CommitSweepState', {
      lambdaFunction: this.planFunction.function,
      payload: sfn.TaskInput.fromObject({ commit: { 'run_id.$': '$.run_id', 'state_key.$': '$.state_key', 'results.$': '$.hunts' } }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      resultPath: '$.commit',
    });
    const noResults = new sfn.Pass(this, 'NoHuntToRun', { result: sfn.Result.fromArray([]), resultPath: '$.hunts' });

    const done = new sfn.Succeed(this, 'Done');
    const failed = new sfn.Fail(this, 'SomeHuntsFailed', {
      error: 'HuntsFailed',
      cause: "At least one hunt failed: see the execution's results for each hunt_id and its error",
    });
    const check = sfn.Choice.jsonata(this, 'AnyHuntFailed')
      .when(sfn.Condition.jsonata('{% $count($states.input.hunts[ok = false]) > 0 %}'), failed)
      .otherwise(done);
    commit.next(check);
    const nothingToDo = new sfn.Choice(this, 'AnythingToSweep')
      .when(sfn.Condition.isPresent('$.hunts[0]'), map.next(commit))
      .otherwise(noResults.next(commit));

    // Step Functions delivers logs through CloudWatch vended logs: under /aws/vendedlogs/states/ the resource
    // policy it needs stays small (other names each add to the account's 5,120-character log resource policy).
    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${props.workgroup.workGroupName}-hunts`,
      retention: logs.RetentionDays.ONE_YEAR,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(nothingToDo)),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Indicator sweep: run the deployed hunts on Athena and publish new findings',
    });
    // What the .sync Athena integration needs: this workgroup, the catalog, the lake (read) and the results (write).
    props.workgroup.grantRunQueries(this.stateMachine);
    props.catalog.grantReadCatalog(this.stateMachine);
    props.lakeBucket.grantRead(this.stateMachine, 'lake/*');
    props.lakeBucket.grantRead(this.stateMachine, 'commits/*');
    props.lakeBucket.grantRead(this.stateMachine, 'indicators/*');
    props.dataKey.grantEncryptDecrypt(this.stateMachine);

    this.failureAlarm = new cloudwatch.Alarm(this, 'RunFailedAlarm', {
      alarmDescription: 'A hunt run failed (a hunt query or the publishing of its findings): open the execution in Step Functions',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    props.alerts.notifyOnAlarm(this.failureAlarm);

    if (props.schedule) {
      new events.Rule(this, 'RetroHuntSchedule', {
        description: `Retro-hunt: all deployed hunts over every agency since ${retroSince}`,
        schedule: props.schedule,
        targets: [new targets.SfnStateMachine(this.stateMachine, { input: events.RuleTargetInput.fromObject({ trigger: 'schedule' }) })],
      });
    }
    if (props.sweepAfterUpload ?? true) {
      new events.Rule(this, 'SweepAfterUpload', {
        description: "A new upload manifest: sweep that agency's new days",
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [props.lakeBucket.bucketName] }, object: { key: [{ prefix: 'manifests/' }] } },
        },
        targets: [
          new targets.SfnStateMachine(this.stateMachine, {
            input: events.RuleTargetInput.fromObject({
              trigger: 'upload',
              manifest_key: events.EventField.fromPath('$.detail.object.key'),
            }),
          }),
        ],
      });
    }
  }

  /** Lets `grantee` start a hunt run (e.g. an analyst's on-demand retro-hunt). */
  grantStartRun(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }
}
