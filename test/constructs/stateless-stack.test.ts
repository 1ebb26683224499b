import { Match, Template } from 'aws-cdk-lib/assertions';
import { allows, render, roleStatements, testStacks } from './support';

describe('StatelessStack', () => {
  const { compute } = testStacks();
  const template = Template.fromStack(compute);
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const definition = () => {
    const [, sm] = ofType('AWS::StepFunctions::StateMachine')[0];
    return JSON.parse(render(sm.Properties.DefinitionString) as string);
  };

  it('routes each agency\'s findings only to its owners and everything to the security team', () => {
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
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  it('feeds the normalizer from S3 events through an encrypted queue with a DLQ and partial batch failures', () => {
    // Prepare
    const fn = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties).find((p) => p.Description?.startsWith('Normalizes uploaded'))!;

    // Act
    const esm = ofType('AWS::Lambda::EventSourceMapping')[0][1].Properties;

    // Assess
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', MemorySize: 4096, Timeout: 900, EphemeralStorage: { Size: 10240 } });
    // Export times without an offset: each agency's configured zone (doj has none: UTC).
    expect(JSON.parse(fn.Environment.Variables.AGENCY_TIME_ZONES)).toEqual({ dhs: 'America/New_York' });
    expect(esm).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 10 } });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 5400, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }), KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: Match.anyValue() }, object: { key: [{ prefix: 'uploads/' }] } } },
    });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'sweep-normalizer' });
  });

  it('enforces the workgroup configuration with KMS-encrypted results and a bytes-scanned cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sweep',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 ** 4,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: { OutputLocation: Match.anyValue(), EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() } },
      }),
    });
    const named = ofType('AWS::Athena::NamedQuery').map(([, r]) => r.Properties);
    expect(named.map((n) => n.Name).sort()).toEqual(['ProxyLogon SSRF anchor mailbox', 'Web shell paths']);
    expect(named[0]).toMatchObject({ WorkGroup: 'sweep', QueryString: expect.stringContaining('dt BETWEEN ? AND ?') });
  });

  it('runs hunts with the .sync Athena integration in a bounded Map with retries and backoff, then publishes', () => {
    // Prepare
    const def = definition();

    // Act
    const map = def.States.AnythingToSweep.Choices[0].Next === 'EachHunt' ? def.States.EachHunt : undefined;
    const run = map.ItemProcessor.States.RunHuntQuery;

    // Assess
    expect(def.StartAt).toBe('PlanRun');
    expect(map.MaxConcurrency).toBe(4);
    expect(map.ItemsPath).toBe('$.hunts');
    expect(run.Resource).toBe('arn:<AWS::Partition>:states:::athena:startQueryExecution.sync');
    expect(run.Parameters).toMatchObject({ 'QueryString.$': '$.hunt.query_string', 'ExecutionParameters.$': '$.hunt.params', WorkGroup: 'sweep', QueryExecutionContext: { Database: 'sweep_lake' } });
    expect(run.Retry[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['Athena.TooManyRequestsException']), BackoffRate: 2, JitterStrategy: 'FULL' });
    // A FAILED query (syntax, scan cutoff) is not run again: it would bill the same bytes for the same failure.
    expect(run.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(['States.TaskFailed']));
    expect(run.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(['States.ALL']));
    expect(run.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordHuntFailure' });
    expect(run.Next).toBe('PublishFindings');
    expect(def.States.AnyHuntFailed.Choices[0]).toMatchObject({ Condition: '{% $count($states.input.results[ok = false]) > 0 %}', Next: 'SomeHuntsFailed' });
  });

  it('commits the sweep state after the hunts ran, also when there was nothing to run, before judging the run', () => {
    // Prepare
    const def = definition();

    // Act
    const commit = def.States.CommitSweepState;

    // Assess
    expect(def.States.EachHunt.Next).toBe('CommitSweepState');
    expect(def.States.AnythingToSweep.Default).toBe('NoHuntToRun');
    expect(def.States.NoHuntToRun).toMatchObject({ Type: 'Pass', Result: [], ResultPath: '$.results', Next: 'CommitSweepState' });
    expect(commit.Parameters).toEqual({ commit: { 'run_id.$': '$.run_id', 'state_key.$': '$.state_key', 'results.$': '$.results' } });
    expect(commit.ResultPath).toBe('$.commit');
    expect(commit.Next).toBe('AnyHuntFailed');
    expect(commit.Resource).toEqual(def.States.PlanRun.Resource);
  });

  it('alarms the security team when a run fails, and schedules the retro-hunt and the after-upload sweep', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Threshold: 1, AlarmActions: [Match.anyValue()] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [Match.anyValue()] });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 ? * SUN *)', Targets: [Match.objectLike({ Input: '{"trigger":"schedule"}' })] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { bucket: Match.anyValue(), object: { key: [{ prefix: 'manifests/' }] } } }),
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: '{"trigger":"upload","manifest_key":<detail-object-key>}' }) })],
    });
  });

  it('lets the state machine run queries only in its workgroup, and the analysts read the lake but not uploads', () => {
    // Prepare
    const smRole = ofType('AWS::IAM::Role').find(([id]) => id.startsWith('RunnerStateMachineRole'))![0];
    const analystRole = ofType('AWS::IAM::Role').find(([id]) => id.startsWith('AnalystsRole'))![0];
    const sm = roleStatements(json, smRole);
    const analysts = roleStatements(json, analystRole);
    const wg = 'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/sweep';

    // Act, Assess
    expect(allows(sm, 'athena:StartQueryExecution', wg)).toBe(true);
    expect(allows(sm, 'athena:StartQueryExecution', 'arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/primary')).toBe(false);
    const anyStatementOn = (st: typeof sm, text: string) => st.some((s) => JSON.stringify(s.Resource ?? '').includes(text));
    expect(anyStatementOn(analysts, '/lake/*')).toBe(true);
    expect(anyStatementOn(analysts, 'Uploads')).toBe(false);
    expect(anyStatementOn(sm, 'Uploads')).toBe(false);
    const smId = ofType('AWS::StepFunctions::StateMachine')[0][0];
    expect(allows(analysts, 'states:StartExecution', `<${smId}>`)).toBe(true);
    expect(allows(analysts, 'athena:StartQueryExecution', wg)).toBe(true);
  });
});
