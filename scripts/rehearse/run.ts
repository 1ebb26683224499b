/**
 * `npm run rehearse`: the deployed flow replayed offline, from the synthesized cloud assembly (cdk.out), not from the
 * sources: the bundled Lambda handlers (cdk.out assets) are loaded with the environment the template gives them, the
 * state machine runs its synthesized definition (asl.ts), S3 is s3rver, and SNS, Athena and DynamoDB are served in
 * their wire protocols with AWS's rules (aws-emulator.ts; Athena answered by DuckDB with the Athena-strict shims).
 *
 * Story: three agencies (the deployment's first three), each uploading a clean and a compromised server archive
 * (samples/agency-demo), the keys in the event once plain, once URL-encoded; a console "folder" marker; a message
 * that cannot be processed (partial batch failure, redelivered, dead-lettered); a redelivery of a processed message
 * after a timeout; a sweep per manifest; one retro-hunt; a full-history run in stages against the same hunts run one by
 * one (same findings per hunt, the bills compared), and one whose batch fails (its hunts recorded failed, the others
 * published, the candidates cleaned up); then who received what. Athena's CTAS follows the User Guide ("CREATE TABLE
 * AS", "Considerations and limitations for CTAS queries"): the table must not exist, its external_location must be
 * empty (HIVE_PATH_ALREADY_EXISTS otherwise), the files land there and DROP TABLE leaves them. S3 writes go through
 * testkit/conditional-s3.ts (AWS's conditional-write rules, which s3rver ignores); Athena reads every object under a
 * table's prefix, as Athena does, and hunts read through the catalog's own views (lake_commits): a half-published
 * upload planted in the bucket must stay invisible to them.
 *
 * One line per stage; exit code 1 on any wrong behaviour. Stages listed in `--known-defects a,b` (or
 * REHEARSE_KNOWN_DEFECTS) are printed as KNOWN and do not fail the run: for defects whose fix is on another branch.
 *
 * Usage: npx cdk synth -q && node --openssl-legacy-provider -r ts-node/register/transpile-only scripts/rehearse/run.ts
 *        [--cdk-out cdk.out] [--known-defects ids]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { planHunt } from '../../src/aws/sweep-plan';
import { loadQueries, rowsToFindings } from '../../src/hunt';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { findingFromMessage } from '../../src/notify/message';
import { startConditionalS3, type ConditionalS3Handle } from '../../testkit/conditional-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { runStateMachine, type AslExecution } from './asl';
import { AwsEmulator, billedBytes, type AthenaResult, type Subscription } from './aws-emulator';
import { runServiceTask, type StoredObject } from './sdk-tasks';

const REPO = path.resolve(__dirname, '..', '..');
const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const BUCKETS = { uploads: 'sweep-uploads', lake: 'sweep-lake', results: 'sweep-athena-results' };
const ATHENA_PRICE_PER_TB = 5;

// ---------------------------------------------------------------- stages

type Outcome = 'PASS' | 'FAIL' | 'KNOWN';
const results: { id: string; outcome: Outcome }[] = [];
const args = process.argv.slice(2);
const argOf = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const knownDefects = new Set(
  (argOf('--known-defects') ?? process.env.REHEARSE_KNOWN_DEFECTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

class StageFailure extends Error {}
const check = (ok: boolean, message: string): void => {
  if (!ok) throw new StageFailure(message);
};

/** Runs one stage: prints `PASS|FAIL|KNOWN <id>  <detail>`; a stage whose setup throws is a failure too. */
async function stage<T>(id: string, title: string, fn: () => Promise<{ detail: string; value?: T }>): Promise<T | undefined> {
  const t0 = Date.now();
  try {
    const { detail, value } = await fn();
    print('PASS', id, `${title}: ${detail}`, t0);
    return value;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const outcome: Outcome = knownDefects.has(id) ? 'KNOWN' : 'FAIL';
    print(
      outcome,
      id,
      `${title}: ${msg}${outcome === 'KNOWN' ? ' (listed in --known-defects: expected to fail until the fix on another branch merges)' : ''}`,
      t0,
    );
    if (!(err instanceof StageFailure) && outcome === 'FAIL' && process.env.REHEARSE_DEBUG) console.error(err);
    return undefined;
  }
}

function print(outcome: Outcome, id: string, text: string, t0: number): void {
  results.push({ id, outcome });
  const line = `${outcome.padEnd(5)} ${id.padEnd(22)} ${text.replace(/\s+/g, ' ').slice(0, 600)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------- the cloud assembly

type Resource = { Type: string; Properties: Record<string, any> };
interface Assembly {
  resources: Record<string, Resource>;
  functions: { normalizer: LambdaFn; plan: LambdaFn; publish: LambdaFn; verify: LambdaFn };
  definition: { StartAt: string; States: Record<string, any> };
  subscriptions: Subscription[];
  topicArn: string;
  agencies: string[];
  owners: Map<string, string[]>;
  uploadRule: Record<string, any>;
  manifestRule: { pattern: Record<string, any>; inputPaths: Record<string, string>; inputTemplate: string };
  batchSize: number;
  maxReceiveCount: number;
  indicatorsAsset: string | null;
  /** The Glue catalog's views (data stack): name -> the SQL Athena runs for it (decoded from its Presto view text). */
  views: Map<string, string>;
  /** Logical id of the normalizer's queue (the one with a dead-letter queue). */
  normalizerQueue: string;
}
interface LambdaFn {
  logicalId: string;
  arn: string;
  assetDir: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  env: Record<string, string>;
}

/** Stands in for CloudFormation: intrinsics of the compute stack resolved to the rehearsal's names. */
function resolve(v: any): any {
  if (Array.isArray(v)) return v.map(resolve);
  if (v === null || typeof v !== 'object') return v;
  if ('Fn::ImportValue' in v) {
    const name = String(v['Fn::ImportValue']);
    if (/UploadsBucket/.test(name)) return BUCKETS.uploads;
    if (/Ref(Lake)[0-9A-F]/.test(name)) return BUCKETS.lake;
    if (/AthenaResults/.test(name)) return BUCKETS.results;
    if (/FindingsDedup/.test(name)) return 'sweep-dedup';
    return `imported:${name}`;
  }
  if ('Ref' in v) {
    if (v.Ref === 'AWS::Partition') return 'aws';
    if (v.Ref === 'AWS::Region') return REGION;
    if (v.Ref === 'AWS::AccountId') return ACCOUNT;
    return refArn(String(v.Ref));
  }
  if ('Fn::GetAtt' in v) return refArn(String(v['Fn::GetAtt'][0]));
  if ('Fn::Join' in v) return (resolve(v['Fn::Join'][1]) as unknown[]).join(v['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
}
let TEMPLATE: Record<string, Resource> = {};
/** Origin of the queue URLs in the handlers' environment (AWS's; the handlers-loaded stage points them at the emulator). */
const SQS_ORIGIN = `https://sqs.${REGION}.amazonaws.com`;
function refArn(logicalId: string): string {
  const r = TEMPLATE[logicalId];
  if (r?.Type === 'AWS::Lambda::Function') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
  if (r?.Type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${logicalId}`;
  // Ref of a queue is its URL; the SDK sends to the URL's host, so the rehearsal points it at its emulator.
  if (r?.Type === 'AWS::SQS::Queue') return `${SQS_ORIGIN}/${ACCOUNT}/${logicalId}`;
  return `ref:${logicalId}`;
}

function loadAssembly(cdkOut: string): Assembly {
  const file = fs.readdirSync(cdkOut).find((f) => f.endsWith('-compute.template.json'));
  if (!file) throw new StageFailure(`no *-compute.template.json in ${cdkOut}: run \`npx cdk synth -q\` first`);
  const template = JSON.parse(fs.readFileSync(path.join(cdkOut, file), 'utf8')) as { Resources: Record<string, Resource> };
  TEMPLATE = template.Resources;
  const all = Object.entries(template.Resources);
  const fnWith = (envKey: string): LambdaFn => {
    const found = all.find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.Environment?.Variables?.[envKey] !== undefined &&
        r.Properties.Handler === 'index.handler',
    );
    if (!found) throw new StageFailure(`no Lambda function with ${envKey} in its environment`);
    const [logicalId, r] = found;
    const assetDir = path.join(cdkOut, `asset.${String(r.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    if (!fs.existsSync(path.join(assetDir, 'index.js'))) throw new StageFailure(`asset ${assetDir} has no index.js (bundling skipped?)`);
    return {
      logicalId,
      arn: refArn(logicalId),
      assetDir,
      handler: r.Properties.Handler,
      timeoutSeconds: r.Properties.Timeout ?? 3,
      memoryMb: r.Properties.MemorySize ?? 128,
      env: resolve(r.Properties.Environment.Variables) as Record<string, string>,
    };
  };
  const sm = all.find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (!sm) throw new StageFailure('no state machine in the template');
  const definition = JSON.parse(resolve(sm[1].Properties.DefinitionString) as string);
  const subscriptions: Subscription[] = all
    .filter(([, r]) => r.Type === 'AWS::SNS::Subscription')
    .map(([, r]) => ({
      endpoint: r.Properties.Endpoint,
      topicArn: resolve(r.Properties.TopicArn),
      filterPolicy: r.Properties.FilterPolicy,
    }));
  const normalizer = fnWith('UPLOAD_BUCKET');
  const topicArn = normalizer.env.TOPIC_ARN;
  const plan = fnWith('AGENCIES');
  const agencies = plan.env.AGENCIES.split(',');
  const owners = new Map(
    agencies.map((a) => [
      a,
      subscriptions.filter((s) => s.topicArn === topicArn && s.filterPolicy?.agency?.includes(a)).map((s) => s.endpoint),
    ]),
  );
  const rules = all
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern)
    .map(([, r]) => resolve(r.Properties) as Record<string, any>);
  const uploadRule = rules.find((r) => JSON.stringify(r.EventPattern).includes('"uploads/"'));
  const manifestRuleProps = rules.find((r) => JSON.stringify(r.EventPattern).includes('"manifests/"'));
  if (!uploadRule || !manifestRuleProps) throw new StageFailure('no EventBridge rule for uploads/ or manifests/');
  const transformer = manifestRuleProps.Targets[0].InputTransformer;
  const mapping = all.find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')?.[1];
  const queueEntry = all.find(([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy);
  const queue = queueEntry?.[1];
  const deploy = all.find(
    ([, r]) => r.Type === 'Custom::CDKBucketDeployment' && r.Properties.DestinationBucketKeyPrefix === 'indicators/',
  )?.[1];
  const dataFile = fs.readdirSync(cdkOut).find((f) => f.endsWith('-data.template.json'));
  if (!dataFile) throw new StageFailure(`no *-data.template.json in ${cdkOut}`);
  const data = JSON.parse(fs.readFileSync(path.join(cdkOut, dataFile), 'utf8')) as { Resources: Record<string, Resource> };
  const views = new Map<string, string>();
  for (const r of Object.values(data.Resources)) {
    const t = r.Type === 'AWS::Glue::Table' ? r.Properties.TableInput : null;
    if (t?.TableType !== 'VIRTUAL_VIEW') continue;
    const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(String(t.ViewOriginalText));
    if (!m) throw new StageFailure(`view ${t.Name} is not in Athena's catalog encoding`);
    views.set(String(t.Name), String(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')).originalSql));
  }
  const indicatorsKey = deploy ? String(resolve(deploy.Properties.SourceObjectKeys)[0]).replace(/\.zip$/, '') : null;
  return {
    resources: template.Resources,
    functions: { normalizer, plan, publish: fnWith('DEDUP_TABLE'), verify: fnWith('QUEUE_URL') },
    definition,
    subscriptions,
    topicArn,
    agencies,
    owners,
    uploadRule: uploadRule.EventPattern,
    manifestRule: {
      pattern: manifestRuleProps.EventPattern,
      inputPaths: transformer.InputPathsMap,
      inputTemplate: transformer.InputTemplate,
    },
    batchSize: mapping?.Properties.BatchSize ?? 10,
    maxReceiveCount: queue?.Properties.RedrivePolicy?.maxReceiveCount ?? 3,
    indicatorsAsset: indicatorsKey ? path.join(cdkOut, `asset.${indicatorsKey}`) : null,
    views,
    normalizerQueue: queueEntry?.[0] ?? '',
  };
}

// ---------------------------------------------------------------- EventBridge

/** An EventBridge pattern match for the operators the rules use (exact values, prefix). */
function patternMatches(pattern: any, event: any): boolean {
  for (const [k, want] of Object.entries(pattern)) {
    const have = event?.[k];
    if (Array.isArray(want)) {
      const ok = want.some((w) =>
        w !== null && typeof w === 'object'
          ? 'prefix' in w
            ? typeof have === 'string' && have.startsWith(w.prefix)
            : (() => {
                throw new Error(`pattern operator ${JSON.stringify(w)} not served`);
              })()
          : have === w,
      );
      if (!ok) return false;
    } else if (!patternMatches(want, have)) return false;
  }
  return true;
}

/** The "Object Created" event EventBridge sends for an S3 PutObject. */
function objectCreated(bucket: string, key: string, size: number): Record<string, unknown> {
  return {
    version: '0',
    id: cryptoId(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0062E99A88DC407460' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: ACCOUNT,
      'source-ip-address': '198.51.100.1',
      reason: 'PutObject',
    },
  };
}
let idCounter = 0;
const cryptoId = (): string => `00000000-0000-4000-8000-${String(++idCounter).padStart(12, '0')}`;

/** Applies an InputTransformer (paths `$.a.b`, template with `<name>` placeholders, strings JSON-quoted). */
function transformInput(inputPaths: Record<string, string>, template: string, event: any): unknown {
  let out = template;
  for (const [name, p] of Object.entries(inputPaths)) {
    const v = p
      .slice(2)
      .split('.')
      .reduce((o: any, k) => o?.[k], event);
    out = out.split(`<${name}>`).join(JSON.stringify(v));
  }
  return JSON.parse(out);
}

/** S3 notification encoding of a key (spaces as `+`, the rest percent-encoded; `/` kept). */
const encodeKey = (key: string): string =>
  key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%20/g, '+'))
    .join('/');

// ---------------------------------------------------------------- SQS + Lambda

interface Message {
  messageId: string;
  body: string;
  receiveCount: number;
  label: string;
}

interface QueueRun {
  processed: string[];
  deadLettered: Message[];
  maxDurationMs: number;
  invocations: number;
  /** Largest resident set of the process seen after an invocation (bytes): an upper bound of the handler's. */
  maxRss: number;
}

/**
 * Delivers queued messages to the handler as the Lambda event source mapping does: batches of BatchSize, a reported
 * batchItemFailure (or a thrown error: the whole batch) back to the queue, to the dead-letter queue at maxReceiveCount.
 */
async function drainQueue(
  queue: Message[],
  handler: (e: SQSEvent, c: Context) => Promise<any>,
  fn: LambdaFn,
  batchSize: number,
  maxReceive: number,
): Promise<QueueRun> {
  const run: QueueRun = { processed: [], deadLettered: [], maxDurationMs: 0, invocations: 0, maxRss: 0 };
  while (queue.length > 0) {
    const batch = queue.splice(0, batchSize);
    for (const m of batch) m.receiveCount++;
    const event: SQSEvent = { Records: batch.map((m) => sqsRecord(m)) };
    const t0 = Date.now();
    let failed: Set<string>;
    try {
      const out = (await handler(event, lambdaContext(fn))) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
      failed = new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    }
    run.invocations++;
    const ms = Date.now() - t0;
    run.maxDurationMs = Math.max(run.maxDurationMs, ms);
    run.maxRss = Math.max(run.maxRss, process.memoryUsage().rss);
    if (ms > fn.timeoutSeconds * 1000)
      throw new StageFailure(`an invocation took ${ms} ms, past the function's timeout (${fn.timeoutSeconds} s)`);
    for (const m of batch) {
      if (!failed.has(m.messageId)) run.processed.push(m.messageId);
      else if (m.receiveCount >= maxReceive) run.deadLettered.push(m);
      else queue.push(m);
    }
  }
  return run;
}

function sqsRecord(m: Message): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: `rh-${m.messageId}-${m.receiveCount}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:sweep-normalizer-uploads`,
    awsRegion: REGION,
  };
}

function lambdaContext(fn: LambdaFn): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    functionName: fn.logicalId,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: cryptoId(),
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: 'rehearsal',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } as Context;
}

/** Loads a bundled handler as Lambda does: its environment set first (module-level clients read it), then required. */
function loadHandler(fn: LambdaFn, common: Record<string, string>): (...a: any[]) => Promise<any> {
  Object.assign(process.env, fn.env, common);
  delete process.env.NODE_OPTIONS;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.resolve(fn.assetDir, 'index.js')) as Record<string, unknown>;
  const h = mod[fn.handler.split('.')[1]];
  if (typeof h !== 'function') throw new StageFailure(`${fn.assetDir}/index.js exports no ${fn.handler}`);
  return h as (...a: any[]) => Promise<any>;
}

// ---------------------------------------------------------------- S3 helpers

async function listKeys(s3: S3rverHandle, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function getText(s3: S3rverHandle, bucket: string, key: string): Promise<string> {
  const o = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return o.Body!.transformToString();
}

async function getBytes(s3: S3rverHandle, bucket: string, key: string): Promise<Uint8Array> {
  const o = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return o.Body!.transformToByteArray();
}

/** Copies the lake bucket's `lake/`, `commits/` and `indicators/` to a local folder: what Athena reads, at this moment. */
async function snapshotLake(s3: S3rverHandle, dir: string): Promise<Map<string, number>> {
  fs.rmSync(dir, { recursive: true, force: true });
  const sizes = new Map<string, number>();
  for (const prefix of ['lake/', 'commits/', 'indicators/']) {
    for (const o of await listKeys(s3, BUCKETS.lake, prefix)) {
      if (o.key.endsWith('/')) continue;
      const file = path.join(dir, ...o.key.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const body = await s3.client.send(new GetObjectCommand({ Bucket: BUCKETS.lake, Key: o.key }));
      fs.writeFileSync(file, Buffer.from(await body.Body!.transformToByteArray()));
      sizes.set(o.key, o.size);
    }
  }
  return sizes;
}

/** What Athena bills a query: DDL (DROP TABLE) nothing, any other query (CTAS included) its bytes, 10 MB at least. */
function billOf(e: { query: string; result?: AthenaResult }): number {
  return /^\s*DROP\s+TABLE\b/i.test(e.query) || !e.result ? 0 : billedBytes(e.result.scannedBytes);
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const cdkOut = path.resolve(argOf('--cdk-out') ?? path.join(REPO, 'cdk.out'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-'));
  let s3: S3rverHandle | undefined;
  let conditional: ConditionalS3Handle | undefined;
  let emulator: AwsEmulator | undefined;
  let engine: DuckDbQueryEngine | undefined;
  try {
    const asm = await stage('assembly', 'cloud assembly read', async () => {
      const a = loadAssembly(cdkOut);
      check(a.agencies.length >= 3, `the deployment has ${a.agencies.length} agencies; the rehearsal needs 3`);
      for (const ag of a.agencies.slice(0, 3))
        check((a.owners.get(ag) ?? []).length > 0, `agency ${ag} has no owner subscription with an agency filter`);
      return {
        value: a,
        detail: `${Object.keys(a.functions).length} bundled handlers, state machine of ${Object.keys(a.definition.States).length} states, ${a.subscriptions.length} subscriptions, agencies ${a.agencies.slice(0, 3).join(', ')}, batch size ${a.batchSize}, max receives ${a.maxReceiveCount}`,
      };
    });
    if (!asm) return finish();
    const agencies = asm.agencies.slice(0, 3);

    // Athena: DuckDB over a snapshot of the lake bucket, reopened before each state machine run.
    const lakeDir = path.join(work, 'athena-view');
    let lakeSizes = new Map<string, number>();
    // Bytes of lake_commits the views read (commit records), over all queries: what reading through the views adds.
    let commitsScanned = 0;
    // Candidate tables made by the runs' CTAS statements: qualified name -> bytes of their Parquet files.
    const candidateSizes = new Map<string, number>();
    const ctasWritten: { location: string; bytes: number }[] = [];
    /** Bytes a query reads of the lake (and of the candidate tables it names). */
    const scannedBy = (query: string): number => {
      // A hunt over candidates names its lake table only as the shadow of the candidate table (`t AS (SELECT * FROM
      // db.candidates_.. [WHERE <its agencies and days>])`): that reads the candidate files, not the lake.
      let candidates = 0;
      for (const [name, size] of candidateSizes) candidates += size * (query.split(name).length - 1);
      const sql = query.replace(/\b[a-z_]+ AS \(SELECT \* FROM [a-z0-9_]+\.[a-z0-9_]+(?: WHERE [^()]*(?:\([^()]*\)[^()]*)*)?\)/g, '');
      // Bytes scanned: the files of every table the query names, in the days and agencies it names (an upper bound
      // of Athena's column-level figure; the 10 MB minimum dominates at this size anyway).
      const days = [...sql.matchAll(/'(\d{4}-\d{2}-\d{2})'/g)].map((m) => m[1]).sort();
      let scanned = candidates;
      // Each lake table the query names is a view reading lake_commits once, pruned to the agency the query names.
      const views = [...asm.views.keys()].filter((v) => new RegExp(`\\b${v}\\b`).test(sql)).length;
      for (const [key, size] of lakeSizes) {
        const c = /^commits\/agency=([^/]+)\//.exec(key);
        if (c) {
          // The same agency rule as the lake files below (the hunts name their agencies as literals).
          const bytes = sql.includes(`'${c[1]}'`) ? size * views : 0;
          scanned += bytes;
          commitsScanned += bytes;
          continue;
        }
        const m = /^lake\/([a-z_]+)\/agency=([^/]+)\/dt=([\d-]+)\//.exec(key);
        const table = m ? m[1] : key.startsWith('indicators/') ? 'indicators' : null;
        if (!table || !new RegExp(`\\b${table}\\b`).test(sql)) continue;
        if (m && days.length >= 2 && (m[3] < days[0] || m[3] > days[days.length - 1])) continue;
        if (m && !sql.includes(`'${m[2]}'`)) continue;
        scanned += size;
      }
      return scanned;
    };
    const tableExists = async (schema: string, table: string): Promise<boolean> =>
      (await engine!.run('SELECT 1 AS x FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, table]))
        .length > 0;
    /**
     * Athena's CTAS ("CREATE TABLE AS", Athena User Guide): the table must not exist, `external_location` must be an
     * empty S3 prefix (a CTAS never writes over data: HIVE_PATH_ALREADY_EXISTS), the files are written there (Parquet,
     * ZSTD) and the table registered in the catalog. DuckDB writes the file; the bucket gets it; the table reads it.
     */
    const runCtas = async (schema: string, table: string, props: string, select: string): Promise<AthenaResult> => {
      const prop = (k: string): string | undefined => new RegExp(`\\b${k}\\s*=\\s*'([^']*)'`).exec(props)?.[1];
      const location = prop('external_location');
      const loc = location ? /^s3:\/\/([^/]+)\/(.+\/)$/.exec(location) : null;
      if (!loc) throw new Error(`CTAS without an s3://bucket/prefix/ external_location: ${props}`);
      if (prop('format') !== 'PARQUET' || prop('write_compression') !== 'ZSTD')
        throw new Error(`CTAS expected Parquet with ZSTD: ${props}`);
      if (await tableExists(schema, table)) throw new Error(`AlreadyExistsException: Table ${schema}.${table} already exists`);
      if ((await listKeys(s3!, loc[1], loc[2])).length > 0)
        throw new Error(
          `HIVE_PATH_ALREADY_EXISTS: Target directory for table '${schema}.${table}' already exists: ${location}. You may need to manually clean the data at location '${location}' before retrying. Athena will not delete data in your account.`,
        );
      const file = path.join(work, 'ctas', `${schema}.${table}.parquet`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.rmSync(file, { force: true });
      await engine!.exportParquet(select, [], file);
      const body = fs.readFileSync(file);
      await s3!.client.send(new PutObjectCommand({ Bucket: loc[1], Key: `${loc[2]}${table}-00000.parquet`, Body: body }));
      await engine!.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`, []);
      await engine!.run(`CREATE TABLE ${schema}.${table} AS SELECT * FROM read_parquet('${file.split(path.sep).join('/')}')`, []);
      candidateSizes.set(`${schema}.${table}`, body.length);
      ctasWritten.push({ location: location!, bytes: body.length });
      return { columns: [], rows: [], scannedBytes: scannedBy(select) };
    };
    // A fault the staged-batch-failure stage injects: the next query whose text matches fails as Athena would.
    let failQuery: RegExp | null = null;
    // Queries refused on purpose by the ctas-rules stage.
    const probeQueries: string[] = [];
    const runQuery = async (sql: string): Promise<AthenaResult> => {
      if (!engine) throw new Error('no lake snapshot open');
      if (failQuery?.test(sql)) {
        failQuery = null;
        throw new Error("SYNTAX_ERROR: line 1:8: Column 'injected_fault' cannot be resolved");
      }
      const ctas = /^CREATE TABLE ([a-z0-9_]+)\.([a-z0-9_]+)\s+WITH \(([^)]*)\)\s+AS\s+([\s\S]+)$/.exec(sql.trim());
      if (ctas) return runCtas(ctas[1], ctas[2], ctas[3], ctas[4]);
      const drop = /^DROP TABLE IF EXISTS ([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(sql.trim());
      if (drop) {
        // Athena drops the table from the catalog only: the files stay (the cleanup step deletes them).
        await engine.run(`DROP TABLE IF EXISTS ${drop[1]}.${drop[2]}`, []);
        candidateSizes.delete(`${drop[1]}.${drop[2]}`);
        return { columns: [], rows: [], scannedBytes: 0 };
      }
      const out = await engine.runWithTypes(sql, []);
      return { ...out, scannedBytes: scannedBy(sql) };
    };
    let snapshotOf = '';
    const openSnapshot = async (): Promise<void> => {
      // Athena reads the bucket as it is at query time: reopen only when the bucket changed since the last snapshot.
      const listing = JSON.stringify([
        ...(await listKeys(s3!, BUCKETS.lake, 'lake/')),
        ...(await listKeys(s3!, BUCKETS.lake, 'commits/')),
        ...(await listKeys(s3!, BUCKETS.lake, 'indicators/')),
      ]);
      if (engine && listing === snapshotOf) return;
      snapshotOf = listing;
      await engine?.close();
      lakeSizes = await snapshotLake(s3!, lakeDir);
      // Athena reads every object under a partition, committed by a manifest or not: the Parquet tables
      // (<table>_files, with "$path"); the names hunts use are the catalog's views, run here from their own SQL.
      engine = await DuckDbQueryEngine.open({
        lakeRoot: lakeDir,
        readUncommitted: true,
        athenaFiles: { uriPrefix: `s3://${BUCKETS.lake}/` },
      });
      // The same rows in memory: a sweep is 60+ queries over a lake of a few MB.
      await engine.materializeLake();
      const commitFiles = path.join(lakeDir, 'commits', '*', '*.json').split(path.sep).join('/');
      await engine.run(
        fs.existsSync(path.join(lakeDir, 'commits'))
          ? `CREATE OR REPLACE TABLE lake_commits AS SELECT table_name, path, upload_id, sha256, agency FROM read_json('${commitFiles}', format = 'newline_delimited', hive_partitioning = true, columns = {table_name: 'VARCHAR', path: 'VARCHAR', upload_id: 'VARCHAR', sha256: 'VARCHAR'})`
          : 'CREATE OR REPLACE TABLE lake_commits (table_name VARCHAR, path VARCHAR, upload_id VARCHAR, sha256 VARCHAR, agency VARCHAR)',
        [],
      );
      for (const [name, sql] of asm.views) await engine.run(`CREATE OR REPLACE VIEW "${name}" AS ${sql}`, []);
      if (fs.existsSync(path.join(lakeDir, 'indicators')))
        await engine.setIndicatorsFromParquet(path.join(lakeDir, 'indicators', '*.parquet'));
    };

    const started = await stage('services', 's3rver and the SNS / Athena / DynamoDB endpoints started', async () => {
      s3 = await startS3rver({ buckets: Object.values(BUCKETS) });
      conditional = await startConditionalS3(s3);
      emulator = new AwsEmulator({ subscriptions: asm.subscriptions, runQuery, resultsLocation: `s3://${BUCKETS.results}/athena/` });
      const endpoint = await emulator.start();
      return { value: endpoint, detail: `S3 ${s3.endpoint} (conditional writes enforced at ${conditional.endpoint}), others ${endpoint}` };
    });
    if (!started || !s3 || !emulator) return finish();
    const em = emulator;
    const s3h = s3;
    const common: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER', // s3rver's only credentials
      AWS_ENDPOINT_URL_S3: conditional!.endpoint,
      AWS_ENDPOINT_URL_SNS: started,
      AWS_ENDPOINT_URL_ATHENA: started,
      AWS_ENDPOINT_URL_DYNAMODB: started,
      AWS_ENDPOINT_URL_SQS: started,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      POWERTOOLS_LOG_LEVEL: process.env.REHEARSE_DEBUG ? 'ERROR' : 'CRITICAL',
      AWS_LAMBDA_FUNCTION_NAME: 'rehearsal',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    };

    await stage('indicators-deployed', 'indicators asset deployed under indicators/', async () => {
      check(
        asm.indicatorsAsset !== null && fs.existsSync(asm.indicatorsAsset),
        'no indicators deployment (DestinationBucketKeyPrefix indicators/) with a staged asset',
      );
      const files = fs.readdirSync(asm.indicatorsAsset!);
      for (const f of files)
        await s3h.client.send(
          new PutObjectCommand({ Bucket: BUCKETS.lake, Key: `indicators/${f}`, Body: fs.readFileSync(path.join(asm.indicatorsAsset!, f)) }),
        );
      check(
        files.every((f) => f.endsWith('.parquet')),
        `the indicators asset holds ${files.join(', ')}: Athena's table reads Parquet`,
      );
      await openSnapshot();
      const paths = await engine!.run("SELECT value FROM indicators WHERE type = 'filepath' AND strpos(value, '\\') > 0", []);
      check(paths.length > 0, 'no Windows path indicator with its backslashes survived the deployment');
      return { detail: `${files.join(', ')}; ${paths.length} Windows path indicators read back with their backslashes` };
    });

    const handlers = await stage('handlers-loaded', 'bundled handlers loaded from cdk.out with the template environment', async () => {
      const normalizer = loadHandler(asm.functions.normalizer, common);
      const plan = loadHandler(asm.functions.plan, common);
      const publish = loadHandler(asm.functions.publish, common);
      // The queue URL names its host: SendMessage goes to the emulator as it would go to SQS.
      const verifyFn = asm.functions.verify;
      verifyFn.env.QUEUE_URL = verifyFn.env.QUEUE_URL.replace(SQS_ORIGIN, started);
      const verify = loadHandler(verifyFn, common);
      return {
        value: { normalizer, plan, publish, verify },
        detail: Object.values(asm.functions)
          .map((f) => `${path.basename(f.assetDir).slice(0, 14)} (${f.timeoutSeconds} s, ${f.memoryMb} MB)`)
          .join(', '),
      };
    });
    if (!handlers) return finish();

    // --- Uploads: three agencies, a clean and a compromised archive each.
    const samples = path.join(REPO, 'samples', 'agency-demo');
    const uploads: { agency: string; uploadId: string; key: string; sentKey: string; compromised: boolean; messageId: string }[] = [];
    const queue: Message[] = [];
    const enqueue = (bucket: string, key: string, size: number, label: string): string | null => {
      const event = objectCreated(bucket, key, size);
      if (!patternMatches(asm.uploadRule, event)) return null;
      const messageId = cryptoId();
      queue.push({ messageId, body: JSON.stringify(event), receiveCount: 0, label });
      return messageId;
    };
    await stage('uploads-put', 'uploads put and their events routed by the rule', async () => {
      for (const [i, agency] of agencies.entries()) {
        for (const [file, compromised] of [
          ['EXCH01-compromised.zip', true],
          ['EXCH02-clean.zip', false],
        ] as const) {
          const uploadId = `rh-${agency}-${compromised ? 'c' : 'k'}`;
          // The third agency's archive name has a space, as admins name files.
          const name = i === 2 ? file.replace('-', ' ') : file;
          const key = `uploads/agency=${agency}/${uploadId}/${name}`;
          const body = fs.readFileSync(path.join(samples, file));
          await s3h.client.send(new PutObjectCommand({ Bucket: BUCKETS.uploads, Key: key, Body: body }));
          // Keys arrive plain (first agency) or URL-encoded ('=' as %3D, spaces as '+').
          const sentKey = i === 0 ? key : encodeKey(key);
          const messageId = enqueue(BUCKETS.uploads, sentKey, body.length, key);
          check(messageId !== null, `the upload rule did not route ${sentKey}`);
          uploads.push({ agency, uploadId, key, sentKey, compromised, messageId: messageId! });
        }
      }
      return {
        detail: `${uploads.length} archives; keys sent plain for ${agencies[0]}, URL-encoded for ${agencies[1]} and ${agencies[2]}`,
      };
    });

    // A console "folder" and a message no retry can fix.
    const folderId = enqueue(BUCKETS.uploads, `uploads/agency=${agencies[0]}/new folder/`, 0, 'folder marker');
    await s3h.client.send(new PutObjectCommand({ Bucket: BUCKETS.uploads, Key: `uploads/agency=${agencies[0]}/new folder/`, Body: '' }));
    const poisonId = enqueue(BUCKETS.uploads, 'uploads/not-in-the-layout.zip', 10, 'key outside the layout');

    const drained = await stage('normalize', 'SQS batches through the bundled normalizer', async () => {
      const run = await drainQueue(queue, handlers.normalizer, asm.functions.normalizer, asm.batchSize, asm.maxReceiveCount);
      const largest = Math.max(
        ...uploads.map((u) => fs.statSync(path.join(samples, u.compromised ? 'EXCH01-compromised.zip' : 'EXCH02-clean.zip')).size),
      );
      return {
        value: run,
        detail: `${run.invocations} invocations, ${run.processed.length} messages processed, ${run.deadLettered.length} dead-lettered; largest archive ${(largest / 1024).toFixed(0)} KiB, slowest ${run.maxDurationMs} ms, peak RSS of the whole rehearsal process ${(run.maxRss / 1024 ** 2).toFixed(0)} MB`,
      };
    });
    if (!drained) return finish();

    for (const [i, agency] of agencies.entries()) {
      const mine = uploads.filter((u) => u.agency === agency);
      await stage(
        i === 0 ? 'uploads-plain-keys' : 'uploads-encoded-keys',
        `${agency}: both uploads normalized (${i === 0 ? 'plain' : 'URL-encoded'} keys)`,
        async () => {
          for (const u of mine) {
            check(
              drained.processed.includes(u.messageId),
              `${u.sentKey} was not processed (dead-lettered after ${asm.maxReceiveCount} receives)`,
            );
            const manifest = JSON.parse(await getText(s3h, BUCKETS.lake, `manifests/agency=${agency}/${u.uploadId}.json`)) as {
              rows_per_table?: Record<string, number>;
            };
            const rows = Object.values(manifest.rows_per_table ?? {}).reduce((a, b) => a + b, 0);
            check(rows > 0, `manifest of ${u.uploadId} has no rows`);
          }
          return { detail: mine.map((u) => u.uploadId).join(', ') };
        },
      );
    }

    await stage('folder-marker', 'a console folder marker is consumed, not dead-lettered', async () => {
      check(folderId !== null, 'the upload rule did not route the folder marker');
      check(
        !drained.deadLettered.some((m) => m.messageId === folderId),
        `the folder marker went to the dead-letter queue after ${asm.maxReceiveCount} receives`,
      );
      return { detail: 'processed without writing anything' };
    });

    await stage('partial-batch-failure', 'a bad message fails alone, is redelivered, then dead-lettered', async () => {
      // Other messages that were dead-lettered are reported by their own stages (uploads-*, folder-marker).
      const poison = drained.deadLettered.find((m) => m.messageId === poisonId);
      check(poison !== undefined, 'the key outside the layout was not dead-lettered');
      check(
        poison!.receiveCount === asm.maxReceiveCount,
        `dead-lettered after ${poison!.receiveCount} receives, expected ${asm.maxReceiveCount}`,
      );
      return {
        detail: `received ${poison!.receiveCount} times then dead-lettered; batch size ${asm.batchSize}, failures reported per record`,
      };
    });

    await stage('redelivery-after-timeout', 'a message redelivered after a timeout changes nothing', async () => {
      const u = uploads.find((x) => x.compromised)!;
      const before = await listKeys(s3h, BUCKETS.lake, `lake/`);
      const decided = conditional!.decisions.length;
      const manifestBefore = await getText(s3h, BUCKETS.lake, `manifests/agency=${u.agency}/${u.uploadId}.json`);
      const again = await drainQueue(
        [
          {
            messageId: u.messageId,
            body: JSON.stringify(objectCreated(BUCKETS.uploads, u.sentKey, 1)),
            receiveCount: 1,
            label: 'redelivery',
          },
        ],
        handlers.normalizer,
        asm.functions.normalizer,
        asm.batchSize,
        asm.maxReceiveCount,
      );
      check(again.processed.length === 1, 'the redelivered message failed');
      const after = await listKeys(s3h, BUCKETS.lake, `lake/`);
      check(
        JSON.stringify(after.map((o) => o.key)) === JSON.stringify(before.map((o) => o.key)),
        `lake objects changed: ${before.length} -> ${after.length}`,
      );
      const m1 = JSON.parse(manifestBefore).rows_per_table;
      const m2 = JSON.parse(await getText(s3h, BUCKETS.lake, `manifests/agency=${u.agency}/${u.uploadId}.json`)).rows_per_table;
      check(JSON.stringify(m1) === JSON.stringify(m2), 'the manifest counts changed');
      // The replay replaces the manifest conditionally, on the ETag of the one it found.
      const commits = conditional!.decisions.slice(decided).filter((d) => d.key === `manifests/agency=${u.agency}/${u.uploadId}.json`);
      check(
        commits.length === 1 && commits[0].header === 'If-Match' && commits[0].status === 200,
        `the redelivered run's manifest write was ${JSON.stringify(commits)}, expected one If-Match accepted`,
      );
      const first = conditional!.decisions.filter((d) => d.key === commits[0].key)[0];
      check(first.header === 'If-None-Match' && first.status === 200, `the first publication was ${JSON.stringify(first)}`);
      return {
        detail: `${after.length} lake objects, same keys, same manifest counts; manifest created with If-None-Match: *, replaced with If-Match: ${commits[0].value}`,
      };
    });

    await stage('receipts-routed', "each agency's owners got its receipts and none of another's", async () => {
      const receipts = em.deliveries.filter((d) => d.attributes.kind === 'receipt');
      const parts: string[] = [];
      for (const agency of agencies) {
        for (const owner of asm.owners.get(agency)!) {
          const got = receipts.filter((d) => d.endpoint === owner);
          check(
            got.every((d) => d.attributes.agency === agency),
            `${owner} received a receipt of ${got.find((d) => d.attributes.agency !== agency)?.attributes.agency}`,
          );
          for (const u of uploads.filter((x) => x.agency === agency))
            check(
              got.some((d) => d.message.includes(u.uploadId)),
              `${owner} got no receipt for ${u.uploadId}`,
            );
          check(
            got.every((d) => !uploads.some((u) => u.agency !== agency && d.message.includes(u.uploadId))),
            `${owner} received another agency's upload id`,
          );
          parts.push(`${owner}: ${got.length}`);
        }
      }
      return { detail: parts.join(', ') };
    });

    // --- Sweeps: one per manifest (the after-upload rule), then the retro-hunt (the schedule).
    // What the last run handed its commit step: one record per hunt (also when the run then fails).
    type CommitInput = { results: { hunt_id: string; ok: boolean; cause?: string }[] };
    let lastCommit: CommitInput | null = null;
    // What the last run's plan step returned: the staged batches' hunts (the state carries no query text).
    type PlanOutput = { run_id: string; staged?: { batches: { batch_id: string; query_key: string; hunts: { hunt_id: string }[] }[] } };
    let lastPlan: PlanOutput | null = null;
    // What the state machine's s3:getObject reads: the rehearsal's S3 (s3rver), a missing key as undefined.
    const storedObject = async (bucket: string, key: string): Promise<StoredObject | undefined> => {
      try {
        const o = await s3h.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: await o.Body!.transformToString('utf8'), etag: o.ETag ?? '', lastModified: o.LastModified ?? new Date() };
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return undefined;
        throw err;
      }
    };
    const runSweep = async (input: unknown, label: string): Promise<AslExecution> => {
      await openSnapshot();
      return runStateMachine(
        asm.definition,
        input,
        async (resource, taskInput: any) => {
          if (resource === asm.functions.plan.arn) {
            if (taskInput?.commit) lastCommit = taskInput.commit;
            const out = await handlers.plan(taskInput, lambdaContext(asm.functions.plan));
            if (taskInput?.trigger) lastPlan = out as PlanOutput;
            return out;
          }
          if (resource === asm.functions.publish.arn) return handlers.publish(taskInput, lambdaContext(asm.functions.publish));
          const served = await runServiceTask(resource, taskInput, { athena: em, getObject: storedObject });
          if (served) return served.result;
          throw new Error(`task resource not served by the rehearsal: ${resource}`);
        },
        label,
      );
    };
    const describeRun = (e: AslExecution): string => {
      const res = ((e.output as any)?.hunts ?? []) as { ok: boolean; hunt_id: string; new_findings?: number; error?: { Cause?: string } }[];
      const failed = res.filter((r) => !r.ok);
      return `${e.status}${e.error ? ` ${e.error}: ${String(e.cause).slice(0, 300)}` : ''}; ${res.length} hunts, ${failed.length} failed${
        failed.length
          ? ` (${failed
              .slice(0, 3)
              .map((f) => `${f.hunt_id}: ${String(f.error?.Cause ?? '').slice(0, 200)}`)
              .join('; ')})`
          : ''
      }; ${res.reduce((s, r) => s + (r.new_findings ?? 0), 0)} new findings; largest state payload ${e.maxPayloadBytes} B`;
    };

    const manifests = (await listKeys(s3h, BUCKETS.lake, 'manifests/')).map((o) => o.key);
    const before = em.executions.size;
    await stage('sweeps-after-upload', `a sweep per manifest (${manifests.length}) through the synthesized state machine`, async () => {
      const lines: string[] = [];
      for (const key of manifests) {
        const event = objectCreated(BUCKETS.lake, key, 1);
        check(patternMatches(asm.manifestRule.pattern, event), `the sweep rule did not route ${key}`);
        const input = transformInput(asm.manifestRule.inputPaths, asm.manifestRule.inputTemplate, event);
        const e = await runSweep(input, key);
        if (process.env.REHEARSE_DEBUG) process.stderr.write(`${key}: ${JSON.stringify(e.output).slice(0, 3000)}\n`);
        check(e.status === 'SUCCEEDED', `${key}: ${describeRun(e)}`);
        lines.push(describeRun(e));
      }
      return {
        detail: `${manifests.length} executions SUCCEEDED, ${em.executions.size - before} Athena queries (${(em.queryMs / 1000).toFixed(1)} s in the engine); last: ${lines.at(-1)}`,
      };
    });

    await stage('findings-routed', "each agency's owners got its compromised server's findings and nothing of another's", async () => {
      const findings = em.deliveries.filter((d) => d.attributes.kind !== 'receipt');
      check(findings.length > 0, 'no finding was delivered');
      const parts: string[] = [];
      for (const agency of agencies) {
        for (const owner of asm.owners.get(agency)!) {
          const got = findings.filter((d) => d.endpoint === owner);
          check(got.length > 0, `${owner} received no finding`);
          for (const d of got) {
            const f = findingFromMessage(d.message);
            check(d.attributes.agency === agency && f.agency === agency, `${owner} received a finding of ${f.agency}`);
          }
          check(
            got.some((d) => findingFromMessage(d.message).host === 'EXCH01'),
            `${owner} got no finding on the compromised server EXCH01`,
          );
          const loudOnClean = got
            .map((d) => findingFromMessage(d.message))
            .filter((f) => f.host === 'EXCH02' && (f.severity === 'critical' || f.severity === 'high'));
          check(
            loudOnClean.length === 0,
            `${owner} got ${loudOnClean.length} high/critical findings on the clean server (${loudOnClean[0]?.title})`,
          );
          parts.push(`${owner}: ${got.length}`);
        }
      }
      const all = asm.subscriptions.filter((s) => !s.filterPolicy);
      // A subscription without a filter (the security team) gets every message once.
      const distinct = new Set(findings.map((d) => d.message)).size;
      for (const s of all) {
        const n = findings.filter((d) => d.endpoint === s.endpoint).length;
        check(n === distinct, `${s.endpoint} (no filter) received ${n} of ${distinct} findings`);
      }
      return { detail: `${parts.join(', ')}; unfiltered: ${all.map((s) => s.endpoint).join(', ')}` };
    });

    await stage('retro-hunt', 'the scheduled retro-hunt over every agency reports nothing already reported', async () => {
      const delivered = em.deliveries.length;
      const e = await runSweep({ trigger: 'schedule' }, 'retro-hunt');
      check(e.status === 'SUCCEEDED', describeRun(e));
      const fresh = em.deliveries.length - delivered;
      check(fresh === 0, `${fresh} messages re-sent for findings already reported`);
      return { detail: describeRun(e) };
    });

    // --- Staged runs: the same findings as hunt by hunt, for a fraction of the bill; cleaned up on every path.
    const candidatesLeft = async (): Promise<string[]> => {
      const keys = (await listKeys(s3h, BUCKETS.results, 'candidates/')).map((o) => o.key);
      const tables = await engine!.run(
        "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name LIKE 'candidates_%'",
        [],
      );
      return [...keys, ...tables.map((t) => String(t.t))];
    };
    const billSince = (from: number): { queries: number; billed: number } => {
      const execs = [...em.executions.values()].slice(from);
      return { queries: execs.length, billed: execs.reduce((n, e) => n + billOf(e), 0) };
    };
    const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
    await stage('staged-sweep', 'a full-history sweep in stages finds what the hunts find one by one, for less', async () => {
      // Prepare: the same sweep hunt by hunt (what the state machine ran before the stages): each hunt's query as
      // planHunt writes it, on the same Athena, its rows turned into findings.
      await openSnapshot();
      const pack = loadQueries(path.join(asm.functions.plan.assetDir, 'queries')).hunts.filter((h) => h.meta.status !== 'deprecated');
      const since = asm.functions.plan.env.RETRO_SINCE;
      const until = new Date().toISOString().slice(0, 10);
      const from = em.executions.size;
      const before = new Map<string, number>();
      for (const hunt of pack) {
        const p = planHunt(hunt, { since, until }, agencies);
        const exec = await em.startQuery(p.query_string, p.params);
        check(exec.state === 'SUCCEEDED', `hunt ${hunt.meta.id} alone failed: ${exec.error?.slice(0, 300)}`);
        before.set(hunt.meta.id, rowsToFindings(hunt, exec.result!.rows).length);
      }
      const huntByHunt = billSince(from);
      const ctasBefore = ctasWritten.length;

      // Act: the state machine, all history, every agency.
      const mid = em.executions.size;
      lastPlan = null;
      const e = await runSweep({ trigger: 'manual', since, until, agencies }, 'staged full sweep');
      const staged = billSince(mid);
      // Each planned batch ran once, from the text the plan stored: Athena saw as many batch queries
      const planned = (lastPlan as PlanOutput | null)?.staged?.batches.length ?? 0;
      const ranBatches = [...em.executions.values()].slice(mid).filter((x) => /^-- \d+ hunts\n/.test(x.query)).length;
      check(ranBatches === planned, `${ranBatches} batch queries ran for ${planned} planned`);

      // Assess
      check(e.status === 'SUCCEEDED', describeRun(e));
      const res = ((e.output as any)?.hunts ?? []) as { hunt_id: string; ok: boolean; findings?: number }[];
      check(res.length === pack.length, `${res.length} hunt results for ${pack.length} hunts`);
      const differ = res.filter((r) => r.findings !== before.get(r.hunt_id));
      check(
        differ.length === 0,
        `${differ.length} hunts find otherwise in stages: ${differ
          .slice(0, 3)
          .map((d) => `${d.hunt_id} ${d.findings} vs ${before.get(d.hunt_id)}`)
          .join(', ')}`,
      );
      const made = ctasWritten.slice(ctasBefore);
      check(made.length > 0, 'no candidate table was written');
      check(
        made.every((m) => m.location.startsWith(`s3://${BUCKETS.results}/candidates/${(e.output as any).run_id}/`)),
        `a candidate table outside the run's prefix: ${made.map((m) => m.location).join(', ')}`,
      );
      const left = await candidatesLeft();
      check(left.length === 0, `left after the run: ${left.join(', ')}`);
      check(staged.billed < huntByHunt.billed, `staged ${mb(staged.billed)} is not below hunt by hunt ${mb(huntByHunt.billed)}`);
      const total = res.reduce((n, r) => n + (r.findings ?? 0), 0);
      return {
        detail: `${pack.length} hunts, ${total} findings, the same per hunt; hunt by hunt ${huntByHunt.queries} queries billed ${mb(huntByHunt.billed)}, in stages ${staged.queries} queries (${made.length} CTAS, ${made.reduce((n, m) => n + m.bytes, 0)} B of candidates; ${planned} batch${planned === 1 ? '' : 'es'}) billed ${mb(staged.billed)}; largest state payload ${e.maxPayloadBytes} B; candidates dropped and deleted`,
      };
    });

    await stage(
      'ctas-rules',
      "the rehearsal's Athena keeps CTAS's rules: an existing table or a non-empty location is refused",
      async () => {
        // Prepare: a location that holds a file, as a crashed run could leave it
        await openSnapshot();
        const location = `s3://${BUCKETS.results}/candidates/rh-probe/web_requests/`;
        const ctas = (name: string) =>
          `CREATE TABLE sweep_probe.${name}\nWITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = '${location}')\nAS\nSELECT agency, host FROM web_requests`;
        await s3h.client.send(
          new PutObjectCommand({ Bucket: BUCKETS.results, Key: 'candidates/rh-probe/web_requests/left-over', Body: 'x' }),
        );

        // Act
        const refused = await em.startQuery(ctas('probe_a'), []);
        await conditional!.client.send(
          new DeleteObjectCommand({ Bucket: BUCKETS.results, Key: 'candidates/rh-probe/web_requests/left-over' }),
        );
        const made = await em.startQuery(ctas('probe_a'), []);
        await s3h.client.send(
          new DeleteObjectCommand({ Bucket: BUCKETS.results, Key: 'candidates/rh-probe/web_requests/probe_a-00000.parquet' }),
        );
        const again = await em.startQuery(ctas('probe_a'), []);
        const dropped = await em.startQuery('DROP TABLE IF EXISTS sweep_probe.probe_a', []);

        // Assess
        check(
          refused.state === 'FAILED' && /HIVE_PATH_ALREADY_EXISTS/.test(refused.error ?? ''),
          `non-empty location: ${refused.state} ${refused.error}`,
        );
        check(made.state === 'SUCCEEDED', `empty location: ${made.error}`);
        check(again.state === 'FAILED' && /already exists/.test(again.error ?? ''), `existing table: ${again.state} ${again.error}`);
        check(dropped.state === 'SUCCEEDED' && !(await tableExists('sweep_probe', 'probe_a')), 'DROP TABLE left the table');
        probeQueries.push(refused.id, again.id);
        return {
          detail: `${refused.error?.slice(0, 80)}...; then written once the prefix was emptied; a second CTAS of the table refused; dropped`,
        };
      },
    );

    await stage('staged-batch-failure', "a failing batch fails its hunts only, and the run's candidates are still cleaned up", async () => {
      // Prepare: the next batch query fails (a batch is a UNION ALL of hunts).
      failQuery = /\nUNION ALL\n/;

      lastCommit = null;
      lastPlan = null;

      // Act
      const e = await runSweep({ trigger: 'manual' }, 'staged sweep with a failing batch');

      // Assess: the failed batch's hunts are recorded failed with Athena's reason, every other hunt ran
      check(e.status === 'FAILED' && e.error === 'HuntsFailed', `expected HuntsFailed, got ${describeRun(e)}`);
      check(failQuery === null, 'no batch query ran');
      const res = (lastCommit as CommitInput | null)?.results ?? [];
      const failed = res.filter((r) => !r.ok);
      // The first batch failed (the fault fires once): exactly its hunts failed, every other hunt ran
      const batches = (lastPlan as PlanOutput | null)?.staged?.batches ?? [];
      const first = new Set((batches[0]?.hunts ?? []).map((h) => h.hunt_id));
      check(first.size > 0, 'the run planned no batch');
      check(
        failed.length === first.size && failed.every((f) => first.has(f.hunt_id)),
        `${failed.length} of ${res.length} hunts failed; the failed batch held ${first.size}`,
      );
      check(
        failed.every((f) => String(f.cause).includes('injected_fault')),
        `a hunt failed for another reason: ${failed.map((f) => String(f.cause).slice(0, 200)).join('; ')}`,
      );
      const left = await candidatesLeft();
      check(left.length === 0, `left after the failed run: ${left.join(', ')}`);
      return {
        detail: `${e.error}: ${failed.length} hunts of the failed batch (of ${batches.length}) recorded failed, ${res.length - failed.length} others ran; largest state payload ${e.maxPayloadBytes} B; candidates and query texts deleted`,
      };
    });

    await stage('half-published-unseen', 'an upload whose files are in the bucket but not committed is not read by hunts', async () => {
      // A normalizer that died after writing its Parquet files, before the commit record and the manifest: the
      // compromised upload's files copied under a new upload id, nothing else.
      const src = uploads.find((u) => u.compromised)!;
      const files = (await listKeys(s3h, BUCKETS.lake, 'lake/')).filter((o) => o.key.includes(`/${src.uploadId}-`));
      check(files.length > 0, `no lake file of ${src.uploadId}`);
      const tables = [...new Set(files.map((o) => o.key.split('/')[1]))];
      const counts = async (): Promise<number[]> => {
        await openSnapshot();
        const out: number[] = [];
        for (const t of tables)
          for (const name of [t, `${t}_files`]) out.push(Number((await engine!.run(`SELECT count(*) AS n FROM "${name}"`, []))[0].n));
        return out;
      };
      const before = await counts();
      const planted: string[] = [];
      for (const o of files) {
        const key = o.key.replace(`/${src.uploadId}-`, '/rh-half-published-');
        await s3h.client.send(new PutObjectCommand({ Bucket: BUCKETS.lake, Key: key, Body: await getBytes(s3h, BUCKETS.lake, o.key) }));
        planted.push(key);
      }
      try {
        const after = await counts();
        const delivered = em.deliveries.length;
        const e = await runSweep({ trigger: 'schedule' }, 'sweep over a half-published upload');
        check(e.status === 'SUCCEEDED', describeRun(e));
        const seen = em.deliveries.slice(delivered).filter((d) => d.message.includes('rh-half-published'));
        for (let i = 0; i < before.length; i += 2) {
          check(after[i] === before[i], `${tables[i / 2]} (the view hunts read) went from ${before[i]} to ${after[i]} rows`);
          check(after[i + 1] > before[i + 1], `${tables[i / 2]}_files did not see the planted files (${before[i + 1]} rows)`);
        }
        check(seen.length === 0, `${seen.length} message(s) name the half-published upload`);
        return {
          detail: `${planted.length} planted file(s): ${tables.map((t, i) => `${t} ${before[2 * i]} rows (${t}_files ${before[2 * i + 1]} -> ${after[2 * i + 1]})`).join(', ')}; ${describeRun(e)}`,
        };
      } finally {
        for (const k of planted) await conditional!.client.send(new DeleteObjectCommand({ Bucket: BUCKETS.lake, Key: k }));
      }
    });

    await stage(
      'verify-repairs',
      'the scheduled verify sends damaged uploads back through the normalizer, which rebuilds them',
      async () => {
        // One byte flipped in a file of one upload, a file of another deleted: what a bad disk or an operator might do.
        const [a, b] = uploads.filter((u) => u.compromised);
        const fileOf = async (u: (typeof uploads)[number]) =>
          (await listKeys(s3h, BUCKETS.lake, 'lake/')).filter(
            (o) => o.key.includes(`/agency=${u.agency}/`) && o.key.includes(`/${u.uploadId}-`),
          );
        const flipKey = (await fileOf(a))[0].key;
        const goneKey = (await fileOf(b))[0].key;
        const original = new Map([
          [flipKey, Buffer.from(await getBytes(s3h, BUCKETS.lake, flipKey))],
          [goneKey, Buffer.from(await getBytes(s3h, BUCKETS.lake, goneKey))],
        ]);
        const flipped = Buffer.from(original.get(flipKey)!);
        flipped[flipped.length >> 1] ^= 0x20;
        await s3h.client.send(new PutObjectCommand({ Bucket: BUCKETS.lake, Key: flipKey, Body: flipped }));
        await conditional!.client.send(new DeleteObjectCommand({ Bucket: BUCKETS.lake, Key: goneKey }));
        const sentBefore = em.sqsSent.length;
        const scheduled = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
        const first = await handlers.verify(scheduled, lambdaContext(asm.functions.verify));
        const sent = em.sqsSent.slice(sentBefore);
        check(
          sent.every((m) => m.queueUrl === `${started}/${ACCOUNT}/${asm.normalizerQueue}`),
          `a repair went to ${sent.map((m) => m.queueUrl).join(', ')}, not the normalizer queue ${asm.normalizerQueue}`,
        );
        check(sent.length === 2, `${sent.length} repair message(s) for 2 damaged uploads: ${JSON.stringify(first)}`);
        const run = await drainQueue(
          sent.map((m, i) => ({ messageId: `repair-${i}`, body: m.body, receiveCount: 0, label: 'repair' })),
          handlers.normalizer,
          asm.functions.normalizer,
          asm.batchSize,
          asm.maxReceiveCount,
        );
        check(run.processed.length === 2, `${run.deadLettered.length} repair message(s) dead-lettered`);
        for (const [key, bytes] of original)
          check(Buffer.from(await getBytes(s3h, BUCKETS.lake, key)).equals(bytes), `${key} was not rebuilt byte-identical`);
        const second = (await handlers.verify(scheduled, lambdaContext(asm.functions.verify))) as { gaps: number; repairs: number };
        check(second.gaps === 0 && second.repairs === 0, `after the repairs, verify still finds ${JSON.stringify(second)}`);
        return {
          detail: `verify: ${JSON.stringify(first)}; 2 repairs through the normalizer queue, both files byte-identical again; verify after: ${JSON.stringify(second)}`,
        };
      },
    );

    await stage('publish-large-evidence', 'two findings with large evidence in one hunt result are all delivered', async () => {
      // Rows as Athena would return them for the web-shell commands hunt: two long query strings (~150 KB each).
      const sqlFile = path.join(
        asm.functions.publish.assetDir,
        'queries',
        'hafnium',
        'web',
        'execution_webshell_commands_in_url_query.sql',
      );
      const hunt = /^id: (.+)$/m.exec(fs.readFileSync(sqlFile, 'utf8'))?.[1].trim();
      check(hunt !== undefined, `no hunt id in ${sqlFile}`);
      const exec = await em.startQuery(
        `SELECT * FROM (VALUES ('${agencies[0]}', 'EXCH09', TIMESTAMP '2021-03-03 03:35:00', TIMESTAMP '2021-03-03 03:35:00', 1, 'high', '/aspnet_client/a.aspx', 'cmd=whoami&pad=' || repeat('A', 150000), '203.0.113.9', 200),
                               ('${agencies[0]}', 'EXCH09', TIMESTAMP '2021-03-03 03:36:00', TIMESTAMP '2021-03-03 03:36:00', 1, 'high', '/aspnet_client/b.aspx', 'cmd=ipconfig&pad=' || repeat('B', 150000), '203.0.113.9', 200))
         AS t(agency, host, first_seen, last_seen, hits, severity, uri_stem, uri_query, client_ip, max_status)`,
        [],
      );
      check(exec.state === 'SUCCEEDED', `the result query failed: ${exec.error}`);
      const delivered = em.deliveries.length;
      const rejected = em.snsRejections.length;
      let out: any;
      try {
        out = await handlers.publish(
          {
            run_id: 'rehearsal-large',
            trigger: 'manual',
            hunt_id: hunt,
            query_execution_id: exec.id,
            output_location: exec.outputLocation,
            data_scanned_bytes: 0,
          },
          lambdaContext(asm.functions.publish),
        );
      } catch (err) {
        throw new StageFailure(
          `publish failed: ${(err as Error).message.slice(0, 300)}${em.snsRejections.length > rejected ? ` (SNS: ${em.snsRejections.at(-1)!.code})` : ''}`,
        );
      }
      const reached = em.deliveries.slice(delivered).filter((d) => d.endpoint === asm.owners.get(agencies[0])![0]).length;
      check(reached === 2, `${reached} of 2 findings reached ${asm.owners.get(agencies[0])![0]}`);
      return { detail: `${out.new_findings} findings published, largest batch ${Math.max(...em.batchBytes)} B (limit 262144 per batch)` };
    });

    await stage('aws-limits', "no request past AWS's limits", async () => {
      check(
        em.snsRejections.length === 0,
        `SNS rejected ${em.snsRejections.length} requests: ${em.snsRejections.map((r) => r.code).join(', ')}`,
      );
      const execs = [...em.executions.values()].filter((e) => e.result);
      const scanned = execs.reduce((s, e) => s + e.result!.scannedBytes, 0);
      const billed = execs.reduce((s, e) => s + billOf(e), 0);
      // The query the staged-batch-failure stage made fail on purpose is not a limit hit.
      const failed = [...em.executions.values()].filter(
        (e) => e.state === 'FAILED' && !e.error?.includes('injected_fault') && !probeQueries.includes(e.id),
      );
      check(failed.length === 0, `${failed.length} Athena queries failed: ${failed[0]?.error?.slice(0, 300)}`);
      return {
        detail: `Athena queries took ${(em.queryMs / 1000).toFixed(1)} s; ${em.deliveries.length} SNS deliveries, largest PublishBatch ${Math.max(0, ...em.batchBytes)} B; ${execs.length} Athena queries scanning ${(scanned / 1024).toFixed(0)} KiB, billed ${(billed / 1024 / 1024).toFixed(0)} MB (10 MB minimum each) = $${((billed / 1024 ** 4) * ATHENA_PRICE_PER_TB).toFixed(4)}; of the scanned bytes, ${(commitsScanned / 1024).toFixed(0)} KiB are commit records read by the views`,
      };
    });
    return finish();
  } finally {
    await engine?.close().catch(() => undefined);
    await emulator?.stop().catch(() => undefined);
    await conditional?.stop().catch(() => undefined);
    await s3?.stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function finish(): number {
  const failed = results.filter((r) => r.outcome === 'FAIL');
  const known = results.filter((r) => r.outcome === 'KNOWN');
  process.stdout.write(
    `rehearsal: ${results.length - failed.length - known.length} passed, ${failed.length} failed${known.length ? `, ${known.length} known defects (${known.map((k) => k.id).join(', ')})` : ''}\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

// The bundled SDKs warn once per client about Node 20's end of support: noise in a one-line-per-stage report.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`rehearsal could not run: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
