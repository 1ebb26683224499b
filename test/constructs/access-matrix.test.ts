/**
 * The access matrix of the deployment, decided by a policy simulator that applies AWS's evaluation rules
 * (test/constructs/policy-simulator.ts) to the synthesized templates: every flow the architecture needs is allowed
 * through every policy that applies, and every forbidden flow is denied.
 *
 * The staged hunt runs' candidate tables: an Athena CTAS creates the table in the Glue catalog and writes its files
 * to `external_location` with the caller's permissions, a location that must be empty (Athena User Guide, "CREATE
 * TABLE AS" and "Considerations and limitations for CTAS queries": the CTAS checks the prefix is empty and never
 * overwrites data; "Use ZSTD compression levels": Athena writes ZSTD Parquet); DROP TABLE removes the catalog entry only, so the
 * files are deleted apart. Hence: glue:CreateTable / GetTable / DeleteTable on the candidates database's tables,
 * S3 Put / Get / Delete / List under the results bucket's candidates/ prefix, and nothing of the kind on the lake.
 */
import { ACCOUNT, DeployedPolicies, OTHER_ACCOUNT, REGION, type AccessRequest, type Template } from './policy-simulator';
import { testApp, testStacks } from './support';

const app = testApp();
const stacks = testStacks(undefined, app);
const assembly = app.synth();
const deployed = new DeployedPolicies(
  Object.fromEntries([stacks.data, stacks.compute].map((s) => [s.stackName, assembly.getStackByName(s.stackName).template as Template])),
);

const role = (prefix: string) => deployed.arn('AWS::IAM::Role', prefix);
const bucket = (prefix: string) => deployed.arn('AWS::S3::Bucket', prefix);
const key = (prefix: string) => deployed.arn('AWS::KMS::Key', prefix);
const uploads = bucket('UploadsBucket');
const lake = bucket('Lake');
const results = bucket('AthenaResults');
const dataKey = key('DataKey');
const messagingKey = key('MessagingKey');
const queue = deployed.arn('AWS::SQS::Queue', 'NormalizerUploads');
const topic = deployed.arn('AWS::SNS::Topic', 'AlertsFindings');
const table = deployed.arn('AWS::DynamoDB::Table', 'FindingsDedup');
const stateMachine = deployed.arn('AWS::StepFunctions::StateMachine', 'RunnerStateMachine');
const uploadRule = deployed.arn('AWS::Events::Rule', 'NormalizerUploadCreated');
const workgroup = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/sweep`;
const candidatesWorkgroup = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/sweep-candidates`;
const CANDIDATE_TABLE = 'table/sweep_lake_candidates/candidates_0b8f6c1e_web_requests';
const CANDIDATE_FILE = 'candidates/0b8f6c1e-3a52/web_requests/20261207_000000-0.parquet';
const QUERY_TEXT = 'candidates/0b8f6c1e-3a52/_queries/batch-1.sql';
const dataCatalog = `arn:aws:athena:${REGION}:${ACCOUNT}:datacatalog/AwsDataCatalog`;
const glue = (r: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${r}`;

const normalizer = role('NormalizerHandlerRole');
const largeTask = role('NormalizerLargeUploadsTaskRole');
const taskDefinition = deployed.name('AWS::ECS::TaskDefinition', 'NormalizerLargeUploadsTaskDefinition');
const deadLetters = deployed.arn('AWS::SQS::Queue', 'NormalizerDeadLetters');
const failedTaskRule = deployed.arn('AWS::Events::Rule', 'NormalizerLargeUploadsFailed');
const planner = role('RunnerPlanRole');
const publisher = role('RunnerPublishRole');
const machine = role('RunnerStateMachineRole');
const analyst = role('AnalystsRole');
const doj = role('UploaddojRole');
const verifier = role('LakeVerifyHandlerRole');
const dhs = role('UploaddhsRole');

const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
const viaSqs = { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` };
const viaSns = { 'kms:ViaService': `sns.${REGION}.amazonaws.com` };
const viaDynamo = { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` };
const obj = (b: string, k: string) => `${b}/${k}`;
const list = (principal: string, b: string, prefix: string): AccessRequest => ({
  principal,
  action: 's3:ListBucket',
  resource: b,
  context: { 's3:prefix': prefix },
});
const req = (principal: string, action: string, resource: string, context?: Record<string, string>): AccessRequest => ({
  principal,
  action,
  resource,
  context,
});
/** S3 object access under SSE-KMS: the S3 call and the KMS calls S3 makes with the caller's permissions. */
const s3Kms = (principal: string, action: string, resource: string, kmsActions: string[]): AccessRequest[] => [
  req(principal, action, resource),
  ...kmsActions.map((a) => req(principal, a, dataKey, viaS3)),
];
const read = (p: string, r: string) => s3Kms(p, 's3:GetObject', r, ['kms:Decrypt']);
const write = (p: string, r: string) => s3Kms(p, 's3:PutObject', r, ['kms:GenerateDataKey', 'kms:Decrypt']);

const UPLOAD = 'uploads/agency=doj/2021-03-05-exch01/EXCH01.zip';
const LAKE_FILE = 'lake/web_requests/agency=doj/dt=2021-03-02/2021-03-05-exch01-0.parquet';
const MANIFEST = 'manifests/agency=doj/2021-03-05-exch01.json';
const COMMIT_RECORD = 'commits/agency=doj/2021-03-05-exch01.json';
const fromEvents = (account: string, ruleArn: string) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': ruleArn });

/** Flows the architecture needs: every request of each must be allowed. */
const ALLOWED: Record<string, AccessRequest[]> = {
  'EventBridge delivers the upload event to the encrypted queue': [
    req('events.amazonaws.com', 'sqs:SendMessage', queue, fromEvents(ACCOUNT, uploadRule)),
    req('events.amazonaws.com', 'kms:GenerateDataKey', messagingKey, fromEvents(ACCOUNT, uploadRule)),
    req('events.amazonaws.com', 'kms:Decrypt', messagingKey, fromEvents(ACCOUNT, uploadRule)),
  ],
  'the normalizer receives and deletes queue messages': [
    req(normalizer, 'sqs:ReceiveMessage', queue),
    req(normalizer, 'sqs:DeleteMessage', queue),
    req(normalizer, 'sqs:GetQueueAttributes', queue),
    req(normalizer, 'kms:Decrypt', messagingKey, viaSqs),
  ],
  'the normalizer lists and reads an upload': [
    list(normalizer, uploads, 'uploads/agency=doj/2021-03-05-exch01/'),
    ...read(normalizer, obj(uploads, UPLOAD)),
  ],
  'the normalizer writes and replaces lake files and the manifest': [
    list(normalizer, lake, 'lake/web_requests/agency=doj/'),
    ...write(normalizer, obj(lake, LAKE_FILE)),
    req(normalizer, 's3:DeleteObject', obj(lake, LAKE_FILE)),
    ...write(normalizer, obj(lake, MANIFEST)),
    ...read(normalizer, obj(lake, MANIFEST)),
    ...write(normalizer, obj(lake, COMMIT_RECORD)),
  ],
  'the normalizer publishes the receipt to the encrypted topic': [
    req(normalizer, 'sns:Publish', topic),
    req(normalizer, 'kms:GenerateDataKey', messagingKey, viaSns),
    req(normalizer, 'kms:Decrypt', messagingKey, viaSns),
  ],
  'the normalizer starts the large-upload task and passes it its role': [
    req(normalizer, 'ecs:RunTask', taskDefinition, { 'ecs:cluster': deployed.arn('AWS::ECS::Cluster', 'NormalizerLargeUploadsCluster') }),
    req(normalizer, 'iam:PassRole', largeTask, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
  ],
  'the large-upload task reads the upload and the hunt pack, writes the lake and publishes the receipt': [
    list(largeTask, uploads, 'uploads/agency=doj/2021-03-05-exch01/'),
    ...read(largeTask, obj(uploads, UPLOAD)),
    list(largeTask, lake, 'hunts/'),
    ...read(largeTask, obj(lake, 'hunts/proxylogon-ssrf.sql')),
    ...write(largeTask, obj(lake, LAKE_FILE)),
    req(largeTask, 's3:DeleteObject', obj(lake, LAKE_FILE)),
    ...write(largeTask, obj(lake, MANIFEST)),
    ...read(largeTask, obj(lake, MANIFEST)),
    ...write(largeTask, obj(lake, COMMIT_RECORD)),
    req(largeTask, 'sns:Publish', topic),
    req(largeTask, 'kms:GenerateDataKey', messagingKey, viaSns),
  ],
  'EventBridge reports a failed large-upload task in the encrypted dead-letter queue': [
    req('events.amazonaws.com', 'sqs:SendMessage', deadLetters, fromEvents(ACCOUNT, failedTaskRule)),
    req('events.amazonaws.com', 'kms:GenerateDataKey', messagingKey, fromEvents(ACCOUNT, failedTaskRule)),
  ],
  'the plan step lists the lake and reads manifests': [
    list(planner, lake, 'lake/web_requests/agency=doj/'),
    ...read(planner, obj(lake, MANIFEST)),
  ],
  'the state machine runs Athena queries over the lake and indicators, writing encrypted results': [
    req(machine, 'athena:StartQueryExecution', workgroup),
    req(machine, 'athena:GetQueryExecution', workgroup),
    req(machine, 'athena:StopQueryExecution', workgroup),
    req(machine, 'athena:GetDataCatalog', dataCatalog),
    req(machine, 'glue:GetDatabase', glue('database/sweep_lake')),
    req(machine, 'glue:GetTable', glue('table/sweep_lake/web_requests')),
    req(machine, 'glue:GetPartitions', glue('table/sweep_lake/web_requests')),
    req(machine, 'glue:GetTable', glue('catalog')),
    list(machine, lake, 'lake/web_requests/agency=doj/dt=2021-03-02/'),
    ...read(machine, obj(lake, LAKE_FILE)),
    list(machine, lake, 'commits/agency=doj/'),
    ...read(machine, obj(lake, COMMIT_RECORD)),
    req(machine, 'glue:GetTable', glue('table/sweep_lake/lake_commits')),
    req(machine, 'glue:GetTable', glue('table/sweep_lake/web_requests_files')),
    ...read(machine, obj(lake, 'indicators/indicators.csv')),
    req(machine, 's3:GetBucketLocation', results),
    list(machine, results, 'athena/'),
    ...write(machine, obj(results, 'athena/q-1.csv')),
    ...read(machine, obj(results, 'athena/q-1.csv')),
    req(machine, 'lambda:InvokeFunction', deployed.arn('AWS::Lambda::Function', 'RunnerPlanFunction')),
    req(machine, 'lambda:InvokeFunction', deployed.arn('AWS::Lambda::Function', 'RunnerPublishFunction')),
  ],
  "the state machine makes a run's candidate tables (CTAS), reads them and drops them": [
    req(machine, 'athena:StartQueryExecution', candidatesWorkgroup),
    req(machine, 'athena:GetQueryExecution', candidatesWorkgroup),
    req(machine, 'athena:StopQueryExecution', candidatesWorkgroup),
    req(machine, 'glue:GetDatabase', glue('database/sweep_lake_candidates')),
    req(machine, 'glue:CreateTable', glue(CANDIDATE_TABLE)),
    req(machine, 'glue:CreateTable', glue('database/sweep_lake_candidates')),
    req(machine, 'glue:GetTable', glue(CANDIDATE_TABLE)),
    req(machine, 'glue:DeleteTable', glue(CANDIDATE_TABLE)),
    req(machine, 'glue:DeleteTable', glue('database/sweep_lake_candidates')),
    list(machine, results, 'candidates/0b8f6c1e-3a52/web_requests/'),
    ...write(machine, obj(results, CANDIDATE_FILE)),
    ...read(machine, obj(results, CANDIDATE_FILE)),
    req(machine, 's3:DeleteObject', obj(results, CANDIDATE_FILE)),
    req(machine, 's3:AbortMultipartUpload', obj(results, CANDIDATE_FILE)),
  ],
  "the plan step stores a staged run's query texts, which the state machine reads and runs": [
    ...write(planner, obj(results, QUERY_TEXT)),
    ...read(machine, obj(results, QUERY_TEXT)),
    req(machine, 'athena:StartQueryExecution', workgroup),
    req(machine, 'athena:GetQueryExecution', workgroup),
    req(planner, 's3:DeleteObject', obj(results, QUERY_TEXT)),
  ],
  "the cleanup step lists and deletes a run's candidate files": [
    list(planner, results, 'candidates/0b8f6c1e-3a52/'),
    req(planner, 's3:DeleteObject', obj(results, CANDIDATE_FILE)),
  ],
  'the lake verifier reads manifests, lake files and commit records, names a raw object and enqueues its repair': [
    list(verifier, lake, 'manifests/'),
    list(verifier, lake, 'lake/web_requests/'),
    ...read(verifier, obj(lake, MANIFEST)),
    ...read(verifier, obj(lake, LAKE_FILE)),
    ...read(verifier, obj(lake, COMMIT_RECORD)),
    list(verifier, uploads, 'uploads/agency=doj/2021-03-05-exch01/'),
    req(verifier, 'sqs:SendMessage', queue),
    req(verifier, 'kms:GenerateDataKey', messagingKey, viaSqs),
    req(verifier, 'athena:GetQueryExecution', workgroup),
  ],
  'the publish step reads results, dedups in DynamoDB and publishes to the encrypted topic': [
    req(publisher, 'athena:GetQueryResults', workgroup),
    ...read(publisher, obj(results, 'athena/q-1.csv')),
    req(publisher, 'dynamodb:BatchGetItem', table),
    req(publisher, 'dynamodb:PutItem', table),
    req(publisher, 'kms:Decrypt', dataKey, viaDynamo),
    req(publisher, 'sns:Publish', topic),
    req(publisher, 'kms:GenerateDataKey', messagingKey, viaSns),
    req(publisher, 'kms:Decrypt', messagingKey, viaSns),
  ],
  'CloudWatch alarms publish to the encrypted alarm topic': [
    req('cloudwatch.amazonaws.com', 'sns:Publish', topic, {
      'aws:SourceAccount': ACCOUNT,
      'aws:SourceArn': deployed.arn('AWS::CloudWatch::Alarm', 'NormalizerDeadLettersAlarm'),
    }),
    req('cloudwatch.amazonaws.com', 'sns:Publish', topic, {
      'aws:SourceAccount': ACCOUNT,
      'aws:SourceArn': deployed.arn('AWS::CloudWatch::Alarm', 'RunnerRunFailedAlarm'),
    }),
    req('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', messagingKey),
    req('cloudwatch.amazonaws.com', 'kms:Decrypt', messagingKey),
  ],
  'an agency uploads under its own prefix, single or multipart': [
    ...write(doj, obj(uploads, UPLOAD)),
    req(doj, 's3:AbortMultipartUpload', obj(uploads, UPLOAD)),
    req(doj, 's3:ListMultipartUploadParts', obj(uploads, UPLOAD)),
    ...write(dhs, obj(uploads, 'uploads/agency=dhs/u1/DC01.evtx.zip')),
  ],
  'an agency polls for and reads its own receipts': [
    list(doj, lake, MANIFEST),
    list(doj, lake, 'manifests/agency=doj/'),
    ...read(doj, obj(lake, MANIFEST)),
  ],
  'analysts query in the workgroup and browse in the Athena console': [
    req(analyst, 'athena:StartQueryExecution', workgroup),
    req(analyst, 'athena:GetQueryResults', workgroup),
    req(analyst, 'athena:ListWorkGroups', '*'),
    req(analyst, 'athena:ListDataCatalogs', '*'),
    req(analyst, 'athena:ListDatabases', dataCatalog),
    req(analyst, 'athena:ListTableMetadata', dataCatalog),
    req(analyst, 'athena:GetTableMetadata', dataCatalog),
    req(analyst, 'athena:GetDatabase', dataCatalog),
    req(analyst, 'glue:GetTables', glue('table/sweep_lake/web_requests')),
    req(analyst, 'glue:GetDatabases', glue('catalog')),
    ...read(analyst, obj(lake, LAKE_FILE)),
    ...read(analyst, obj(lake, COMMIT_RECORD)),
    ...read(analyst, obj(lake, 'hunts/proxylogon-ssrf.sql')),
    ...write(analyst, obj(results, 'athena/q-2.csv')),
    req(analyst, 'states:StartExecution', stateMachine),
    req(analyst, 'dynamodb:GetItem', table),
  ],
};

/** Anyone with every S3 and KMS permission in IAM: the bucket policy must still keep raw uploads from them. */
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/AccountAdministrator`;

/** Flows that must be denied, each request on its own. */
const FORBIDDEN: Record<string, AccessRequest[]> = {
  "an agency writes, lists or reads under another agency's prefix": [
    req(doj, 's3:PutObject', obj(uploads, 'uploads/agency=dhs/u1/EXCH01.zip')),
    req(doj, 's3:PutObject', obj(uploads, 'uploads/agency=doj-evil/u1/x.zip')),
    req(doj, 's3:AbortMultipartUpload', obj(uploads, 'uploads/agency=dhs/u1/EXCH01.zip')),
    req(doj, 's3:GetObject', obj(lake, 'manifests/agency=dhs/u1.json')),
    list(doj, lake, 'manifests/agency=dhs/'),
    list(doj, lake, 'manifests/'),
    req(dhs, 's3:GetObject', obj(lake, MANIFEST)),
  ],
  'upload roles read no upload and nothing of the lake': [
    req(doj, 's3:GetObject', obj(uploads, UPLOAD)),
    list(doj, uploads, 'uploads/'),
    req(doj, 's3:GetObject', obj(lake, LAKE_FILE)),
    list(doj, lake, 'lake/'),
    req(doj, 's3:PutObject', obj(lake, MANIFEST)),
    req(doj, 's3:DeleteObject', obj(uploads, UPLOAD)),
  ],
  'analysts write no upload and read no raw upload': [
    req(analyst, 's3:PutObject', obj(uploads, UPLOAD)),
    req(analyst, 's3:GetObject', obj(uploads, UPLOAD)),
    req(analyst, 's3:PutObject', obj(lake, LAKE_FILE)),
  ],
  'nobody but the normalizer reads raw uploads, whatever IAM says': [
    req(machine, 's3:GetObject', obj(uploads, UPLOAD)),
    req(planner, 's3:GetObject', obj(uploads, UPLOAD)),
    req(publisher, 's3:GetObject', obj(uploads, UPLOAD)),
    { principal: ADMIN, action: 's3:GetObject', resource: obj(uploads, UPLOAD) },
    { principal: ADMIN, action: 's3:GetObjectVersion', resource: obj(uploads, UPLOAD) },
  ],
  'the lake verifier reads no raw upload, writes and deletes nothing, takes no queue message, runs no query': [
    req(verifier, 's3:GetObject', obj(uploads, UPLOAD)),
    list(verifier, uploads, 'other/'),
    req(verifier, 's3:PutObject', obj(lake, LAKE_FILE)),
    req(verifier, 's3:PutObject', obj(lake, MANIFEST)),
    req(verifier, 's3:PutObject', obj(lake, COMMIT_RECORD)),
    req(verifier, 's3:DeleteObject', obj(lake, LAKE_FILE)),
    req(verifier, 's3:DeleteObject', obj(uploads, UPLOAD)),
    req(verifier, 'sqs:ReceiveMessage', queue),
    req(verifier, 'sqs:DeleteMessage', queue),
    req(verifier, 'sqs:SendMessage', deadLetters),
    req(verifier, 'athena:StartQueryExecution', workgroup),
    req(verifier, 'sns:Publish', topic),
  ],
  'the hunt runner writes, deletes and catalogs nothing of the lake: candidate tables live apart': [
    req(machine, 's3:PutObject', obj(lake, LAKE_FILE)),
    req(machine, 's3:PutObject', obj(lake, 'lake/web_requests/agency=doj/dt=2021-03-02/candidates-0.parquet')),
    req(machine, 's3:DeleteObject', obj(lake, LAKE_FILE)),
    req(machine, 'glue:CreateTable', glue('table/sweep_lake/web_requests_copy')),
    req(machine, 'glue:DeleteTable', glue('table/sweep_lake/web_requests')),
    req(machine, 'glue:DeleteTable', glue('table/sweep_lake/lake_commits')),
    req(machine, 'glue:UpdateTable', glue('table/sweep_lake/web_requests')),
    req(machine, 'glue:DeleteDatabase', glue('database/sweep_lake_candidates')),
    req(machine, 'glue:UpdateTable', glue(CANDIDATE_TABLE)),
    req(machine, 's3:PutObject', obj(results, 'board/index.json')),
    req(planner, 's3:PutObject', obj(results, CANDIDATE_FILE)),
    req(planner, 's3:PutObject', obj(results, 'athena/q-1.csv')),
    req(planner, 'athena:StartQueryExecution', workgroup),
    req(planner, 's3:DeleteObject', obj(results, 'athena/q-1.csv')),
    req(planner, 's3:DeleteObject', obj(lake, LAKE_FILE)),
    req(planner, 'glue:DeleteTable', glue(CANDIDATE_TABLE)),
    req(publisher, 's3:PutObject', obj(results, CANDIDATE_FILE)),
    req(publisher, 'glue:CreateTable', glue(CANDIDATE_TABLE)),
    req(analyst, 'glue:DeleteTable', glue(CANDIDATE_TABLE)),
    req(analyst, 's3:DeleteObject', obj(results, CANDIDATE_FILE)),
  ],
  'commit records are written only by the normalizer': [
    req(machine, 's3:PutObject', obj(lake, COMMIT_RECORD)),
    req(analyst, 's3:PutObject', obj(lake, COMMIT_RECORD)),
    req(planner, 's3:PutObject', obj(lake, COMMIT_RECORD)),
    req(doj, 's3:GetObject', obj(lake, COMMIT_RECORD)),
  ],
  'the normalizer and its task never modify raw uploads': [
    req(normalizer, 's3:PutObject', obj(uploads, UPLOAD)),
    req(normalizer, 's3:DeleteObject', obj(uploads, UPLOAD)),
    req(largeTask, 's3:PutObject', obj(uploads, UPLOAD)),
    req(largeTask, 's3:DeleteObject', obj(uploads, UPLOAD)),
  ],
  'only the failed-task rule reaches the dead-letter queue': [
    req('events.amazonaws.com', 'sqs:SendMessage', deadLetters, fromEvents(ACCOUNT, uploadRule)),
    req(
      'events.amazonaws.com',
      'sqs:SendMessage',
      deadLetters,
      fromEvents(OTHER_ACCOUNT, `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/x`),
    ),
  ],
  "other accounts' events and alarms reach neither the queue nor the topic": [
    req('events.amazonaws.com', 'sqs:SendMessage', queue, fromEvents(OTHER_ACCOUNT, `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/any`)),
    req(
      'events.amazonaws.com',
      'kms:GenerateDataKey',
      messagingKey,
      fromEvents(OTHER_ACCOUNT, `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/any`),
    ),
    req('events.amazonaws.com', 'sqs:SendMessage', queue, fromEvents(ACCOUNT, `arn:aws:events:${REGION}:${ACCOUNT}:rule/some-other-rule`)),
    req('cloudwatch.amazonaws.com', 'sns:Publish', topic, {
      'aws:SourceAccount': OTHER_ACCOUNT,
      'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:x`,
    }),
  ],
  'requests without TLS are refused': [
    { ...req(normalizer, 's3:GetObject', obj(uploads, UPLOAD)), context: { 'aws:SecureTransport': 'false' } },
    { ...req(publisher, 'sns:Publish', topic), context: { 'aws:SecureTransport': 'false' } },
  ],
};

/** Identity policies of principals outside the templates (an account administrator). */
const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }] };
const identityOf = deployed.identityPolicies.bind(deployed);
deployed.identityPolicies = (arn: string) => (arn === ADMIN ? [{ name: 'AdministratorAccess', policy: ADMIN_POLICY }] : identityOf(arn));

describe('Access matrix (AWS policy evaluation over the synthesized templates)', () => {
  it.each(Object.entries(ALLOWED))('allows: %s', async (_flow, requests) => {
    // Act
    const decisions = await Promise.all(requests.map((r) => deployed.decide(r)));

    // Assess
    const refused = decisions
      .filter((d) => d.result !== 'Allowed')
      .map((d) => `${d.request.action} ${d.request.resource} by ${d.request.principal}: ${d.result} ${d.detail ?? ''}`);
    expect(refused).toEqual([]);
  });

  it.each(Object.entries(FORBIDDEN))('denies: %s', async (_flow, requests) => {
    // Act
    const decisions = await Promise.all(requests.map((r) => deployed.decide(r)));

    // Assess
    const granted = decisions
      .filter((d) => d.result === 'Allowed' || d.result === 'Error')
      .map((d) => `${d.request.action} ${d.request.resource} by ${d.request.principal}: ${d.result} ${d.detail ?? ''}`);
    expect(granted).toEqual([]);
  });
});
