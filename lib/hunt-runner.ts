/**
 * Hunt runs on Athena, orchestrated by Step Functions, in stages (src/sweep/candidates.ts, batch.ts):
 *
 *   Plan (Lambda: window, agencies; one CTAS per lake table the hunts have a row predicate for (per scope group in
 *        an incremental sweep), the hunts in UNION ALL batches over those candidate tables, and the few hunts that
 *        run alone with their SQL; the CTAS and batch texts are written under the run's candidates/<run_id>/_queries/,
 *        the state carries their keys only)
 *   -> Map over the selections: the CTAS run from its stored text (ZSTD Parquet under the results bucket's
 *        candidates/<run_id>/, a table in the candidates database; a failed selection is caught: the batches reading
 *        it fail and say so)
 *   -> Map over the batches: the batch run from its stored text, retries with backoff
 *        -> Publish (Lambda: the batch's rows split per hunt -> findings -> dedup -> SNS; one outcome per hunt)
 *        (a failed batch is caught: each of its hunts is recorded failed with the reason; the other batches go on)
 *   -> Map over the lone hunts: one query each, then Publish, as before
 *   -> Cleanup, on success and on failure alike: DROP TABLE of each candidate table, then the run's candidates
 *        prefix deleted (the plan Lambda)
 *   -> Commit (the plan Lambda again: promote the run's sweep state, without the hunts that failed)
 *   -> fail the execution if any hunt failed (the alarm fires).
 *
 * A query run from its stored text: S3 GetObject (the text, in the state for that one step), Athena
 * StartQueryExecution (whose result replaces the text: a failure of that call replaces it too, so no state holds a
 * text with an error that may quote it), then Wait -> GetQueryExecution (the Status only) -> Choice until the query
 * ends, and GetQueryExecution once more for what the publish step needs (no query text). Step Functions' AWS SDK
 * integrations ("Learning to use AWS service SDK integrations in Step Functions", Step Functions Developer Guide);
 * the `.sync` integration is not used for these, since its result and its failure Cause hold the query text.
 *
 * The CTAS statements run in a workgroup of their own that does not override the client-side settings: in a
 * workgroup that does (the hunts' one), Athena ignores `external_location` and writes the table under the results
 * location's tables/<query-id>/ ("Considerations and limitations for CTAS queries", Athena User Guide).
 *
 * Scheduled retro-hunts are incremental: each hunt reads only what is new for it since the last completed
 * scheduled sweep (src/sweep/sweep-state.ts; the state lives in the lake bucket under sweep-state/).
 *
 * Triggers: an EventBridge schedule (retro-hunt over the configured window) and
 * every new upload manifest (sweep that agency's new days).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
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
import { QUERY_TEXTS_FOLDER } from '../src/aws';

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
/**
 * JSONata: the reason of a caught failure, at most MAX_CAUSE_CHARS. A failed Athena task's Cause is its
 * QueryExecution as JSON, the query text first: the reason is its Status.StateChangeReason, else the Cause itself.
 */
const CAUSE =
  '($c := $string($states.input.error.Cause); $m := $match($c, /"StateChangeReason":"([^"]*)"/); ' +
  `$substring($exists($m) ? $m[0].groups[0] : $c, 0, ${MAX_CAUSE_CHARS}))`;

/** Prefix of the results bucket under which each run writes its candidate tables (`candidates/<run_id>/<id>/` each). */
export const CANDIDATES_PREFIX = 'candidates/';

/** The hunt state machine, its Lambdas, triggers and failure alarm. */
export class HuntRunner extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** Glue database of the runs' candidate tables (created and dropped by each run). */
  readonly candidatesDatabaseName: string;
  /** Workgroup the candidate selections (CTAS) and their DROP TABLE run in. */
  readonly candidatesWorkGroupName: string;
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

    const stack = Stack.of(this);
    const resultsBucket = props.workgroup.resultsBucket;
    this.candidatesDatabaseName = `${props.catalog.databaseName}_candidates`;
    const candidatesDb = new glue.CfnDatabase(this, 'CandidatesDatabase', {
      catalogId: stack.account,
      databaseInput: {
        name: this.candidatesDatabaseName,
        description: 'Candidate rows of each hunt run (one table per lake table, dropped after the run): only the hunt runner writes here.',
      },
    });
    this.candidatesWorkGroupName = `${props.workgroup.workGroupName}-candidates`;
    new athena.CfnWorkGroup(this, 'CandidatesWorkGroup', {
      name: this.candidatesWorkGroupName,
      description: 'Candidate selections of the hunt runs (CTAS to a run-scoped prefix) and their DROP TABLE',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // CTAS honours external_location only where the client-side settings are not overridden.
        enforceWorkGroupConfiguration: false,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.workgroup.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: resultsBucket.s3UrlForObject(props.workgroup.resultsPrefix),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.workgroup.dataKey.keyArn },
        },
      },
    });
    const candidatesWorkGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.candidatesWorkGroupName,
    });

    this.planFunction = new SweepFunction(this, 'Plan', {
      entry: 'lambdas/plan-sweep/handler.ts',
      description: 'Plans a hunt run (window, agencies, candidate selections and hunt batches) and records what a scheduled run swept',
      memorySize: 1024,
      // A scheduled run lists the whole lake to find what changed since the last one.
      timeout: Duration.minutes(10),
      withQueries: true,
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        AGENCIES: props.agencies.join(','),
        RETRO_SINCE: retroSince,
        INCREMENTAL_RETRO_HUNTS: String(props.incrementalRetroHunts ?? true),
        CANDIDATES_DATABASE: this.candidatesDatabaseName,
        RESULTS_BUCKET: resultsBucket.bucketName,
      },
    });
    // The staged queries' texts, written under the run's candidates prefix; the cleanup step: the run's files only.
    resultsBucket.grantPut(this.planFunction.role, `${CANDIDATES_PREFIX}*/${QUERY_TEXTS_FOLDER}*`);
    resultsBucket.grantRead(this.planFunction.role, `${CANDIDATES_PREFIX}*`);
    resultsBucket.grantDelete(this.planFunction.role, `${CANDIDATES_PREFIX}*`);
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
    const athenaRetry = [
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
    ];
    const athenaSync = `arn:${stack.partition}:states:::athena:startQueryExecution.sync`;
    const lakeContext = { Database: props.catalog.databaseName, Catalog: 'AwsDataCatalog' };
    const querySelector = {
      'query_execution_id.$': '$.QueryExecution.QueryExecutionId',
      'data_scanned_bytes.$': '$.QueryExecution.Statistics.DataScannedInBytes',
      'output_location.$': '$.QueryExecution.ResultConfiguration.OutputLocation',
    };
    const sdk = (api: string): string => `arn:${stack.partition}:states:::aws-sdk:${api}`;
    /**
     * One Athena query run from its text stored in the results bucket (`$.bucket`, the key at `keyPath`): the chain's
     * first state.
     * The query's end goes on to `succeeded`; a failure (of a call, or the query FAILED or CANCELLED) goes to `failed`
     * with `$.error` ({ Error, Cause }), and never with the text in the state.
     */
    const storedQuery = (id: string, keyPath: string, workGroup: string, succeeded: sfn.IChainable, failed: sfn.IChainable) => {
      const catchTo = (st: sfn.CustomState, resultPath: string): sfn.CustomState => {
        st.addCatch(failed, { errors: ['States.ALL'], resultPath });
        return st;
      };
      const read = catchTo(
        new sfn.CustomState(this, `Read${id}`, {
          stateJson: {
            Type: 'Task',
            Resource: sdk('s3:getObject'),
            Parameters: { 'Bucket.$': '$.bucket', 'Key.$': keyPath },
            ResultSelector: { 'text.$': '$.Body' },
            ResultPath: '$.query',
            // Nothing is billed before the query starts: a second read costs nothing.
            Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 2 }],
          },
        }),
        '$.error',
      );
      // Its result (the execution id), or its failure, replaces the text at $.query.
      const start = new sfn.CustomState(this, `Start${id}`, {
        stateJson: {
          Type: 'Task',
          Resource: sdk('athena:startQueryExecution'),
          Parameters: { 'QueryString.$': '$.query.text', WorkGroup: workGroup, QueryExecutionContext: lakeContext },
          ResultSelector: { 'query_execution_id.$': '$.QueryExecutionId' },
          ResultPath: '$.query',
          Retry: athenaRetry,
        },
      });
      // Then the error moves to $.error, where the failure states read it.
      const startFailed = sfn.Pass.jsonata(this, `Start${id}Failed`, {
        outputs: '{% $merge([$sift($states.input, function($v, $k) { $k != "query" }), { "error": $states.input.query }]) %}',
      });
      start.addCatch(startFailed, { errors: ['States.ALL'], resultPath: '$.query' });
      startFailed.next(failed);
      const wait = new sfn.Wait(this, `Wait${id}`, { time: sfn.WaitTime.duration(Duration.seconds(5)) });
      /** GetQueryExecution of the started query, keeping only what `selector` names (never the query text). */
      const getQueryExecution = (name: string, selector: Record<string, string>, resultPath: string) =>
        catchTo(
          new sfn.CustomState(this, name, {
            stateJson: {
              Type: 'Task',
              Resource: sdk('athena:getQueryExecution'),
              Parameters: { 'QueryExecutionId.$': '$.query.query_execution_id' },
              ResultSelector: selector,
              ResultPath: resultPath,
              Retry: athenaRetry,
            },
          }),
          '$.error',
        );
      const poll = getQueryExecution(`Poll${id}`, { 'status.$': '$.QueryExecution.Status' }, '$.athena');
      // A query that FAILED or was CANCELLED: its Status (State, StateChangeReason) is the error's cause.
      const ended = new sfn.Pass(this, `${id}Ended`, {
        parameters: { 'Error.$': '$.athena.status.State', 'Cause.$': '$.athena.status' },
        resultPath: '$.error',
      });
      ended.next(failed);
      const describe = getQueryExecution(`Describe${id}`, querySelector, '$.query');
      describe.next(succeeded);
      const done = new sfn.Choice(this, `${id}Done`)
        .when(sfn.Condition.stringEquals('$.athena.status.State', 'SUCCEEDED'), describe)
        .when(sfn.Condition.stringEquals('$.athena.status.State', 'QUEUED'), wait)
        .when(sfn.Condition.stringEquals('$.athena.status.State', 'RUNNING'), wait)
        .otherwise(ended);
      read.next(start).next(wait).next(poll).next(done);
      return read;
    };
    /** One Athena query, `.sync`, its text at `sqlPath` of the state input. */
    const athenaQuery = (id: string, sqlPath: string, workGroup: string, extra: Record<string, unknown> = {}) =>
      new sfn.CustomState(this, id, {
        stateJson: {
          Type: 'Task',
          Resource: athenaSync,
          Parameters: { 'QueryString.$': sqlPath, WorkGroup: workGroup, QueryExecutionContext: lakeContext, ...extra },
          ResultSelector: querySelector,
          ResultPath: '$.query',
          Retry: athenaRetry,
        },
      });

    // Stage 1: the candidate selections (CTAS). A failure is caught: the batches reading that table fail and say why.
    const runSelection = storedQuery(
      'CandidateSelection',
      '$.selection.query_key',
      this.candidatesWorkGroupName,
      new sfn.Succeed(this, 'CandidateSelectionMade'),
      new sfn.Pass(this, 'CandidateSelectionFailed'),
    );
    const selections = new sfn.Map(this, 'SelectCandidates', {
      itemsPath: '$.staged.selections',
      maxConcurrency: concurrency,
      itemSelector: { 'selection.$': '$$.Map.Item.Value', 'bucket.$': '$.staged.bucket' },
      resultPath: sfn.JsonPath.DISCARD,
    });
    selections.itemProcessor(runSelection);

    // Stage 2: the batches, each one query whose rows the publish step splits per hunt.
    const publishBatch = new tasks.LambdaInvoke(this, 'PublishBatchFindings', {
      lambdaFunction: this.publishFunction.function,
      payload: sfn.TaskInput.fromObject({
        'run_id.$': '$.run_id',
        'trigger.$': '$.trigger',
        batch: { 'batch_id.$': '$.batch.batch_id', 'hunts.$': '$.batch.hunts' },
        'query_execution_id.$': '$.query.query_execution_id',
        'output_location.$': '$.query.output_location',
        'data_scanned_bytes.$': '$.query.data_scanned_bytes',
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    publishBatch.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 3 });
    // A failed batch query: each of its hunts is recorded failed with the reason (the commit leaves them out of the
    // sweep state, so the next run runs them again); the other batches go on.
    const batchFailed = sfn.Pass.jsonata(this, 'RecordBatchFailure', {
      outputs:
        `{% [$map($states.input.batch.hunts, function($h) { { "hunt_id": $h.hunt_id, "ok": false, ` +
        `"error": $substring($string($states.input.error.Error), 0, ${MAX_ERROR_CHARS}), ` +
        `"cause": ${CAUSE} } })] %}`,
    });
    const runBatch = storedQuery('HuntBatch', '$.batch.query_key', props.workgroup.workGroupName, publishBatch, batchFailed);
    publishBatch.addCatch(batchFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const batches = new sfn.Map(this, 'EachBatch', {
      itemsPath: '$.staged.batches',
      maxConcurrency: concurrency,
      itemSelector: { 'batch.$': '$$.Map.Item.Value', 'bucket.$': '$.staged.bucket', 'run_id.$': '$.run_id', 'trigger.$': '$.trigger' },
      // The outcomes replace the batches' SQL: plan plus results could pass the payload limit.
      resultPath: '$.staged.batches',
    });
    batches.itemProcessor(runBatch);

    // Stage 3: the hunts that run alone (one query each).
    const runQuery = athenaQuery('RunHuntQuery', '$.hunt.query_string', props.workgroup.workGroupName, {
      'ExecutionParameters.$': '$.hunt.params',
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
        cause: `{% ${CAUSE} %}`,
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

    // One record per hunt: the batches' hunts, then the lone ones.
    const collect = sfn.Pass.jsonata(this, 'CollectHuntResults', {
      outputs:
        '{% $merge([$states.input, { "hunts": [$append($reduce($states.input.staged.batches, ' +
        'function($all, $b) { $append($all, $b) }, []), $states.input.hunts)] }]) %}',
    });

    // Cleanup of a staged run, after success or failure: drop the candidate tables (a table that is not there is no
    // error), then delete the run's files (candidate tables and query texts).
    const dropTable = athenaQuery('DropCandidateTable', '$.selection.drop', this.candidatesWorkGroupName);
    dropTable.addCatch(new sfn.Pass(this, 'DropCandidateTableFailed'), { errors: ['States.ALL'], resultPath: '$.error' });
    const drops = new sfn.Map(this, 'DropCandidates', {
      itemsPath: '$.staged.selections',
      maxConcurrency: concurrency,
      itemSelector: { 'selection.$': '$$.Map.Item.Value' },
      resultPath: sfn.JsonPath.DISCARD,
    });
    drops.itemProcessor(dropTable);
    const deleteFiles = new tasks.LambdaInvoke(this, 'DeleteCandidateFiles', {
      lambdaFunction: this.planFunction.function,
      payload: sfn.TaskInput.fromObject({ cleanup: { 'run_id.$': '$.run_id', 'prefix.$': '$.staged.prefix' } }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      resultPath: '$.cleanup',
    });
    deleteFiles.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 3 });
    const afterCleanup = new sfn.Choice(this, 'StagesSucceeded');
    deleteFiles.addCatch(afterCleanup, { errors: ['States.ALL'], resultPath: '$.cleanup_error' });
    const anyCandidates = new sfn.Choice(this, 'AnythingToCleanUp')
      .when(sfn.Condition.isPresent('$.staged.prefix'), drops.next(deleteFiles).next(afterCleanup))
      .otherwise(afterCleanup);
    // A stage that failed as a whole (not one hunt or batch: those are caught and recorded) still cleans up.
    for (const st of [selections, batches, map]) st.addCatch(anyCandidates, { errors: ['States.ALL'], resultPath: '$.stage_error' });

    // The plan Lambda again: promote the run's sweep state (a no-op for runs that keep none).
    const commit = new tasks.LambdaInvoke(this, 'CommitSweepState', {
      lambdaFunction: this.planFunction.function,
      payload: sfn.TaskInput.fromObject({ commit: { 'run_id.$': '$.run_id', 'state_key.$': '$.state_key', 'results.$': '$.hunts' } }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      resultPath: '$.commit',
    });
    const stagesFailed = new sfn.Fail(this, 'StagesFailed', {
      error: 'StagesFailed',
      cause: "A stage of the run failed as a whole; the candidate tables were cleaned up: see the execution's stage_error",
    });
    afterCleanup.when(sfn.Condition.isPresent('$.stage_error'), stagesFailed).otherwise(commit);
    const noResults = new sfn.Pass(this, 'NoHuntToRun', { result: sfn.Result.fromArray([]), resultPath: '$.hunts' });
    // A plan without stages (no candidates context): its hunts all run alone.
    const noStages = new sfn.Pass(this, 'NoStages', {
      result: sfn.Result.fromObject({ selections: [], batches: [] }),
      resultPath: '$.staged',
    });
    selections.next(batches).next(map).next(collect).next(anyCandidates);

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
      .when(sfn.Condition.isPresent('$.staged'), selections)
      .when(sfn.Condition.isPresent('$.hunts[0]'), noStages.next(selections))
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
    // The candidate selections: CTAS and DROP TABLE in their own workgroup, tables in the candidates database only
    // (Athena's CTAS creates the table in Glue and writes its files with the caller's permissions), files under the
    // results bucket's candidates/ prefix only. The lake stays read-only; no lake table can be created or deleted.
    iam.Grant.addToPrincipal({
      grantee: this.stateMachine,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resourceArns: [candidatesWorkGroupArn],
    });
    iam.Grant.addToPrincipal({
      grantee: this.stateMachine,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable', 'glue:GetPartitions'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.candidatesDatabaseName }),
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.candidatesDatabaseName}/*` }),
      ],
    });
    resultsBucket.grantReadWrite(this.stateMachine, `${CANDIDATES_PREFIX}*`);
    this.stateMachine.node.addDependency(candidatesDb);

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
