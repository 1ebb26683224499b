import { Match, Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import { ACCOUNT, DeployedPolicies, REGION, type Template as CfnTemplate } from './policy-simulator';
import { MAX_CAUSE_CHARS, MAX_ERROR_CHARS } from '../../lib/hunt-runner';
import { render, testApp, testStacks } from './support';

describe('StatelessStack', () => {
  const { compute } = testStacks();
  const template = Template.fromStack(compute);
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const definition = () => {
    const [, sm] = ofType('AWS::StepFunctions::StateMachine')[0];
    return JSON.parse(render(sm.Properties.DefinitionString) as string);
  };

  it("routes each agency's findings only to its owners and everything to the security team", () => {
    // Prepare
    const subs = ofType('AWS::SNS::Subscription').map(([, r]) => r.Properties);

    // Act
    const byEmail = new Map(subs.map((s) => [s.Endpoint, s.FilterPolicy]));

    // Assess
    expect(subs.every((s) => s.Protocol === 'email')).toBe(true);
    expect(byEmail.get('admins@doj.example.gov')).toEqual({ agency: ['doj'] });
    expect(byEmail.get('soc@dhs.example.gov')).toEqual({ agency: ['dhs'] });
    expect(byEmail.get('mail@dhs.example.gov')).toEqual({ agency: ['dhs'] });
    expect(byEmail.has('hunt@cisa.example.gov')).toBe(true);
    expect(byEmail.get('hunt@cisa.example.gov')).toBeUndefined();
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), TopicName: 'sweep-findings' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('feeds the normalizer from S3 events through an encrypted queue with a DLQ and partial batch failures', () => {
    // Prepare
    const fn = ofType('AWS::Lambda::Function')
      .map(([, r]) => r.Properties)
      .find((p) => p.Description?.startsWith('Normalizes uploaded'))!;

    // Act
    const esm = ofType('AWS::Lambda::EventSourceMapping')[0][1].Properties;

    // Assess
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 4096, Timeout: 900, EphemeralStorage: { Size: 10240 } });
    // Export times without an offset: each agency's configured zone (doj has none: UTC).
    expect(JSON.parse(fn.Environment.Variables.AGENCY_TIME_ZONES)).toEqual({ dhs: 'America/New_York' });
    expect(esm).toMatchObject({
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 5400,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: Match.anyValue() }, object: { key: [{ prefix: 'uploads/' }] } },
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'sweep-normalizer' });
  });

  it('hands uploads past 2 GiB to a Fargate task with 200 GiB of disk, whose failures reach the dead-letter queue', () => {
    // Prepare
    const fn = ofType('AWS::Lambda::Function')
      .map(([, r]) => r.Properties)
      .find((p) => p.Description?.startsWith('Normalizes uploaded'))!;
    const [, task] = ofType('AWS::ECS::TaskDefinition')[0];

    // Act
    const start = render(fn.Environment.Variables.LARGE_UPLOAD_TASK) as string;

    // Assess
    expect(fn.Environment.Variables.LARGE_UPLOAD_BYTES).toBe(String(2 * 1024 ** 3));
    expect(start).toContain('"containerName":"normalizer"');
    expect(task.Properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      EphemeralStorage: { SizeInGiB: 200 },
      Family: 'sweep-normalizer-large',
    });
    const container = task.Properties.ContainerDefinitions[0];
    expect(container).toMatchObject({ Name: 'normalizer', Image: 'public.ecr.aws/docker/library/node:24-slim', User: 'node' });
    expect(container.EntryPoint.slice(0, 2)).toEqual(['node', '-e']);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'sweep-normalizer-task' });
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'sweep-large-upload-failed',
      EventPattern: Match.objectLike({ source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'] }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ FromPort: 443, ToPort: 443 })],
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('enforces the workgroup configuration with KMS-encrypted results and a bytes-scanned cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sweep',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 ** 4,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: Match.anyValue(),
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      }),
    });
    const named = ofType('AWS::Athena::NamedQuery').map(([, r]) => r.Properties);
    expect(named.map((n) => n.Name).sort()).toEqual(['ProxyLogon SSRF anchor mailbox', 'Web shell paths']);
    expect(named[0]).toMatchObject({ WorkGroup: 'sweep', QueryString: expect.stringContaining('dt BETWEEN ? AND ?') });
  });

  it('runs hunts with the .sync Athena integration in a bounded Map with retries and backoff, then publishes', () => {
    // Prepare
    const def = definition();

    // Act: selections, then batches, then the hunts that run alone
    const stages = [def.States.AnythingToSweep.Choices[0].Next, def.States.SelectCandidates.Next, def.States.EachBatch.Next];
    const map = def.States.EachHunt;
    const run = map.ItemProcessor.States.RunHuntQuery;

    // Assess
    expect(stages).toEqual(['SelectCandidates', 'EachBatch', 'EachHunt']);
    expect(def.StartAt).toBe('PlanRun');
    expect(map.MaxConcurrency).toBe(4);
    expect(map.ItemsPath).toBe('$.hunts');
    expect(run.Resource).toBe('arn:<AWS::Partition>:states:::athena:startQueryExecution.sync');
    expect(run.Parameters).toMatchObject({
      'QueryString.$': '$.hunt.query_string',
      'ExecutionParameters.$': '$.hunt.params',
      WorkGroup: 'sweep',
      QueryExecutionContext: { Database: 'sweep_lake' },
    });
    expect(run.Retry[0]).toMatchObject({
      ErrorEquals: expect.arrayContaining(['Athena.TooManyRequestsException']),
      BackoffRate: 2,
      JitterStrategy: 'FULL',
    });
    // A FAILED query (syntax, scan cutoff) is not run again: it would bill the same bytes for the same failure.
    expect(run.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(['States.TaskFailed']));
    expect(run.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(['States.ALL']));
    expect(run.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordHuntFailure' });
    expect(run.Next).toBe('PublishFindings');
    expect(def.States.AnyHuntFailed.Choices[0]).toMatchObject({
      Condition: '{% $count($states.input.hunts[ok = false]) > 0 %}',
      Next: 'SomeHuntsFailed',
    });
  });

  it('waits out Athena throttling for longer than one query may run (30 minutes by default)', () => {
    // Prepare
    const run = definition().States.EachHunt.ItemProcessor.States.RunHuntQuery;
    const throttled = run.Retry.find((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('Athena.TooManyRequestsException'));

    // Act: the nominal waits; full jitter makes each one uniform in [0, nominal], so half of it on average.
    let budget = 0;
    for (let i = 0; i < throttled.MaxAttempts; i++)
      budget += Math.min(throttled.IntervalSeconds * throttled.BackoffRate ** i, throttled.MaxDelaySeconds ?? Infinity);

    // Assess
    expect(budget / 2).toBeGreaterThan(30 * 60);
  });

  it("keeps the Map's output small: the results replace the planned hunts, and a bounded error per failed hunt", () => {
    // Prepare
    const def = definition();
    const map = def.States.EachHunt;
    const failed = map.ItemProcessor.States.RecordHuntFailure;

    // Act: the largest record one hunt can leave in the result, at the plan's limit of about 150 hunts.
    const record = JSON.stringify({
      hunt_id: 'x'.repeat(36),
      ok: false,
      error: 'e'.repeat(MAX_ERROR_CHARS),
      cause: 'c'.repeat(MAX_CAUSE_CHARS),
    });

    // Assess
    expect(map.ResultPath).toBe('$.hunts');
    expect(map.OutputPath ?? '$').toBe('$');
    expect(failed).toMatchObject({ QueryLanguage: 'JSONata', Type: 'Pass' });
    expect(failed.Output.cause).toContain(`, 0, ${MAX_CAUSE_CHARS})`);
    expect(failed.Output.error).toBe(`{% $substring($string($states.input.error.Error), 0, ${MAX_ERROR_CHARS}) %}`);
    expect(Object.keys(failed.Output).sort()).toEqual(['cause', 'error', 'hunt_id', 'ok']);
    expect(150 * Buffer.byteLength(record)).toBeLessThan(256 * 1024);
  });

  it("records a failed Athena query's reason, not the start of its query text, in at most MAX_CAUSE_CHARS", async () => {
    // Prepare: a .sync task's Cause is the QueryExecution as JSON, the query (here 5,000 characters) first
    const def = definition();
    const expr = (out: string) => jsonata(/^\{% ([\s\S]*) %\}$/.exec(out)![1]);
    const reason = "SYNTAX_ERROR: line 3:10: Column 'clientip' cannot be resolved";
    const athenaCause = JSON.stringify({
      QueryExecution: { Query: 'SELECT 1\n'.repeat(500), Status: { State: 'FAILED', StateChangeReason: reason } },
    });
    const lambdaCause = JSON.stringify({ errorType: 'Error', errorMessage: 'x'.repeat(5000) });
    const input = (cause: string) => ({
      hunt: { hunt_id: 'h1' },
      batch: { hunts: [{ hunt_id: 'h1' }, { hunt_id: 'h2' }] },
      error: { Error: 'States.TaskFailed', Cause: cause },
    });

    // Act
    const lone = def.States.EachHunt.ItemProcessor.States.RecordHuntFailure.Output;
    const batch = def.States.EachBatch.ItemProcessor.States.RecordBatchFailure.Output;
    const loneAthena = await expr(lone.cause).evaluate({}, { states: { input: input(athenaCause) } });
    const loneLambda = (await expr(lone.cause).evaluate({}, { states: { input: input(lambdaCause) } })) as string;
    const batchAthena = (await expr(batch).evaluate({}, { states: { input: input(athenaCause) } })) as {
      hunt_id: string;
      ok: boolean;
      cause: string;
    }[];

    // Assess
    expect(loneAthena).toBe(reason);
    expect(loneLambda).toBe(lambdaCause.slice(0, MAX_CAUSE_CHARS));
    expect(batchAthena).toEqual([
      { hunt_id: 'h1', ok: false, error: 'States.TaskFailed', cause: reason },
      { hunt_id: 'h2', ok: false, error: 'States.TaskFailed', cause: reason },
    ]);
  });

  it('runs the candidate selections in their own workgroup, and cleans them up whether the stages succeed or fail', () => {
    // Prepare
    const def = definition();

    // Act
    const selecting = def.States.SelectCandidates.ItemProcessor;
    const select = selecting.States.StartCandidateSelection;
    const drop = def.States.DropCandidates.ItemProcessor.States.DropCandidateTable;
    const batching = def.States.EachBatch.ItemProcessor;
    const batch = batching.States.StartHuntBatch;

    // Assess: CTAS honours external_location only in a workgroup that does not override client-side settings
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sweep-candidates',
      WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: false }),
    });
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'sweep_lake_candidates' }) });
    // Both run from the text the plan stored in the results bucket (the state holds its key), the CTAS in its workgroup
    expect(selecting.StartAt).toBe('ReadCandidateSelection');
    expect(selecting.States.ReadCandidateSelection.Parameters).toEqual({ 'Bucket.$': '$.bucket', 'Key.$': '$.selection.query_key' });
    expect(select.Parameters).toMatchObject({ 'QueryString.$': '$.query.text', WorkGroup: 'sweep-candidates' });
    expect(drop.Parameters).toMatchObject({ 'QueryString.$': '$.selection.drop', WorkGroup: 'sweep-candidates' });
    expect(batching.StartAt).toBe('ReadHuntBatch');
    expect(batching.States.ReadHuntBatch.Parameters).toEqual({ 'Bucket.$': '$.bucket', 'Key.$': '$.batch.query_key' });
    expect(batch.Parameters).toMatchObject({ 'QueryString.$': '$.query.text', WorkGroup: 'sweep' });
    expect(batching.States.DescribeHuntBatch.Next).toBe('PublishBatchFindings');
    for (const st of ['SelectCandidates', 'EachBatch', 'EachHunt'])
      expect(def.States[st].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.stage_error', Next: 'AnythingToCleanUp' }]);
    expect(def.States.CollectHuntResults.Next).toBe('AnythingToCleanUp');
    // A staged run's prefix holds its query texts even when it has no candidate table
    expect(def.States.AnythingToCleanUp.Choices[0]).toMatchObject({ Variable: '$.staged.prefix', IsPresent: true, Next: 'DropCandidates' });
    expect(def.States.AnythingToCleanUp.Default).toBe('StagesSucceeded');
    expect(def.States.DropCandidates.Next).toBe('DeleteCandidateFiles');
    expect(def.States.DeleteCandidateFiles.Next).toBe('StagesSucceeded');
    expect(def.States.DeleteCandidateFiles.Parameters).toEqual({
      cleanup: { 'run_id.$': '$.run_id', 'prefix.$': '$.staged.prefix' },
    });
    expect(def.States.StagesSucceeded.Choices[0]).toMatchObject({ Variable: '$.stage_error', IsPresent: true, Next: 'StagesFailed' });
    expect(def.States.StagesSucceeded.Default).toBe('CommitSweepState');
    expect(def.States.StagesFailed.Type).toBe('Fail');
  });

  // AWS SDK integrations ("Learning to use AWS service SDK integrations in Step Functions", Step Functions Developer
  // Guide): arn:aws:states:::aws-sdk:<service>:<apiAction>, PascalCase responses, errors named <Service>.<Exception>.
  it('runs each batch from its stored text and polls it, and no state keeps the text beside an error', () => {
    // Prepare
    const states = definition().States.EachBatch.ItemProcessor.States;
    const sdk = (api: string) => `arn:<AWS::Partition>:states:::aws-sdk:${api}`;

    // Act
    const { ReadHuntBatch: read, StartHuntBatch: start, WaitHuntBatch: wait, PollHuntBatch: poll } = states;
    const { HuntBatchDone: done, DescribeHuntBatch: describe, StartHuntBatchFailed: startFailed } = states;

    // Assess: read -> start -> wait -> poll -> until the query ends -> describe -> publish
    expect(read).toMatchObject({ Resource: sdk('s3:getObject'), ResultSelector: { 'text.$': '$.Body' }, ResultPath: '$.query' });
    expect(read.Next).toBe('StartHuntBatch');
    expect(start).toMatchObject({ Resource: sdk('athena:startQueryExecution'), ResultPath: '$.query', Next: 'WaitHuntBatch' });
    // The start's result, or its error (which may quote the text), replaces the text
    expect(start.ResultSelector).toEqual({ 'query_execution_id.$': '$.QueryExecutionId' });
    expect(start.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.query', Next: 'StartHuntBatchFailed' }]);
    expect(startFailed).toMatchObject({ Type: 'Pass', QueryLanguage: 'JSONata', Next: 'RecordBatchFailure' });
    expect(wait).toMatchObject({ Type: 'Wait', Seconds: 5, Next: 'PollHuntBatch' });
    expect(poll).toMatchObject({ Resource: sdk('athena:getQueryExecution'), ResultSelector: { 'status.$': '$.QueryExecution.Status' } });
    expect(done.Choices.map((c: { StringEquals: string; Next: string }) => [c.StringEquals, c.Next])).toEqual([
      ['SUCCEEDED', 'DescribeHuntBatch'],
      ['QUEUED', 'WaitHuntBatch'],
      ['RUNNING', 'WaitHuntBatch'],
    ]);
    expect(done.Default).toBe('HuntBatchEnded');
    expect(Object.values(describe.ResultSelector)).not.toContain('$.QueryExecution.Query');
    expect(describe.Next).toBe('PublishBatchFindings');
    // Throttling is waited out on every Athena call; a query that FAILED is not run again
    for (const st of [start, poll, describe]) {
      expect(st.Retry[0].ErrorEquals).toEqual(expect.arrayContaining(['Athena.TooManyRequestsException']));
      expect(st.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toContain('States.ALL');
    }
  });

  it('logs executions under /aws/vendedlogs/states/ and lets CloudFormation delete a used workgroup', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/sweep-hunts' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] }),
    });
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'sweep', RecursiveDeleteOption: true });
  });

  it('commits the sweep state after the hunts ran, also when there was nothing to run, before judging the run', () => {
    // Prepare
    const def = definition();

    // Act
    const commit = def.States.CommitSweepState;

    // Assess
    expect(def.States.EachHunt.Next).toBe('CollectHuntResults');
    expect(def.States.StagesSucceeded.Default).toBe('CommitSweepState');
    expect(def.States.AnythingToSweep.Default).toBe('NoHuntToRun');
    expect(def.States.NoHuntToRun).toMatchObject({ Type: 'Pass', Result: [], ResultPath: '$.hunts', Next: 'CommitSweepState' });
    expect(commit.Parameters).toEqual({ commit: { 'run_id.$': '$.run_id', 'state_key.$': '$.state_key', 'results.$': '$.hunts' } });
    expect(commit.ResultPath).toBe('$.commit');
    expect(commit.Next).toBe('AnyHuntFailed');
    expect(commit.Resource).toEqual(def.States.PlanRun.Resource);
  });

  it('alarms the security team when a run fails, and schedules the retro-hunt and the after-upload sweep', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      Targets: [Match.objectLike({ Input: '{"trigger":"schedule"}' })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { bucket: Match.anyValue(), object: { key: [{ prefix: 'manifests/' }] } } }),
      Targets: [
        Match.objectLike({
          InputTransformer: Match.objectLike({ InputTemplate: '{"trigger":"upload","manifest_key":<detail-object-key>}' }),
        }),
      ],
    });
  });

  it('lets the state machine run queries only in its workgroup, and the analysts read the lake but not uploads', async () => {
    // Prepare: the decision is AWS's evaluation logic over both stacks (test/constructs/policy-simulator.ts).
    const app = testApp();
    const stacks = testStacks(undefined, app);
    const asm = app.synth();
    const deployed = new DeployedPolicies(
      Object.fromEntries([stacks.data, stacks.compute].map((s) => [s.stackName, asm.getStackByName(s.stackName).template as CfnTemplate])),
    );
    const sm = deployed.arn('AWS::IAM::Role', 'RunnerStateMachineRole');
    const analysts = deployed.arn('AWS::IAM::Role', 'AnalystsRole');
    const wg = (name: string) => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
    const upload = `${deployed.arn('AWS::S3::Bucket', 'UploadsBucket')}/uploads/agency=doj/u1/EXCH01.zip`;
    const decide = async (principal: string, action: string, resource: string) =>
      (await deployed.decide({ principal, action, resource })).result;

    // Act, Assess
    expect(await decide(sm, 'athena:StartQueryExecution', wg('sweep'))).toBe('Allowed');
    expect(await decide(sm, 'athena:StartQueryExecution', wg('primary'))).not.toBe('Allowed');
    expect(await decide(analysts, 'athena:StartQueryExecution', wg('sweep'))).toBe('Allowed');
    expect(
      await decide(
        analysts,
        's3:GetObject',
        `${deployed.arn('AWS::S3::Bucket', 'Lake')}/lake/web_requests/agency=doj/dt=2021-03-02/x.parquet`,
      ),
    ).toBe('Allowed');
    expect(await decide(analysts, 's3:GetObject', upload)).not.toBe('Allowed');
    expect(await decide(sm, 's3:GetObject', upload)).not.toBe('Allowed');
    expect(await decide(analysts, 'states:StartExecution', deployed.arn('AWS::StepFunctions::StateMachine', 'RunnerStateMachine'))).toBe(
      'Allowed',
    );
  });
});
