/**
 * The Step Functions service integrations the hunt runner's Task states call, served for the rehearsal's interpreter
 * (asl.ts) as Step Functions calls them ("Learning to use AWS service SDK integrations in Step Functions" and "Run
 * Athena queries with Step Functions", Step Functions Developer Guide):
 *
 * - `arn:<partition>:states:::aws-sdk:<service>:<apiAction>`: the Parameters are the API's request in PascalCase,
 *   the result is the API's response in PascalCase, and an API error is named `<Service>.<Exception>` (PascalCase
 *   service name, the exception's name with its `Exception` suffix even where the API omits it: S3's NoSuchKey is
 *   `S3.NoSuchKeyException`). Served: s3:getObject (the Body as text), athena:startQueryExecution (the response is
 *   the execution id alone; the query reports QUEUED, then RUNNING, to the first GetQueryExecution calls, so a poll
 *   loop is exercised), athena:getQueryExecution (the whole QueryExecution, query text included, as Athena returns it).
 * - `arn:<partition>:states:::athena:startQueryExecution.sync`: the QueryExecution of the ended query; a query that
 *   did not succeed fails the task (States.TaskFailed) with the QueryExecution as the Cause, the query text first.
 *
 * A parameter the API does not take, a missing required one, or any other resource raises AslUnsupportedError: the
 * rehearsal fails rather than guess.
 */
import { AslUnsupportedError, StatesError } from './asl';
import { AthenaApiError, AwsEmulator } from './aws-emulator';

export interface StoredObject {
  readonly body: string;
  readonly etag: string;
  readonly lastModified: Date;
}

export interface SdkTaskPorts {
  readonly athena: AwsEmulator;
  /** An object of the rehearsal's S3, undefined when there is none. */
  readonly getObject: (bucket: string, key: string) => Promise<StoredObject | undefined>;
}

/** Polls that see a query started through the SDK integration not yet ended (QUEUED, then RUNNING). */
export const POLLS_BEFORE_END = 2;

const SDK = /^arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;
const ATHENA_SYNC = /^arn:aws[a-z-]*:states:::athena:startQueryExecution\.sync$/;

/** The request's fields, checked against the API's: `required` must be there, nothing outside `allowed`. */
function request(api: string, input: unknown, required: readonly string[], allowed: readonly string[]): Record<string, any> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new AslUnsupportedError(`${api}: Parameters must be an object`);
  const o = input as Record<string, any>;
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) throw new AslUnsupportedError(`${api}: ${k} is not a parameter of the API (${allowed.join(', ')})`);
  for (const k of required) if (o[k] === undefined) throw new AslUnsupportedError(`${api}: the required parameter ${k} is missing`);
  return o;
}

const START_PARAMETERS = [
  'QueryString',
  'ClientRequestToken',
  'QueryExecutionContext',
  'ResultConfiguration',
  'WorkGroup',
  'ExecutionParameters',
  'ResultReuseConfiguration',
];

/** Serves one Task resource, or returns undefined when `resource` is no service integration (a Lambda function). */
export async function runServiceTask(resource: string, input: unknown, ports: SdkTaskPorts): Promise<{ result: unknown } | undefined> {
  if (ATHENA_SYNC.test(resource)) {
    const q = request('athena:startQueryExecution.sync', input, ['QueryString'], START_PARAMETERS);
    const exec = await startQuery(ports, q, 0);
    const described = AwsEmulator.describe(exec);
    if (exec.state !== 'SUCCEEDED') throw new StatesError('States.TaskFailed', JSON.stringify({ QueryExecution: described }));
    return { result: { QueryExecution: described } };
  }
  const m = SDK.exec(resource);
  if (!m) {
    if (resource.includes(':states:::')) throw new AslUnsupportedError(`service integration not served by the rehearsal: ${resource}`);
    return undefined;
  }
  const api = `${m[1]}:${m[2]}`;
  if (api === 's3:getObject') {
    const q = request(api, input, ['Bucket', 'Key'], ['Bucket', 'Key', 'VersionId', 'Range', 'IfMatch', 'ExpectedBucketOwner']);
    if (q.VersionId !== undefined || q.Range !== undefined || q.IfMatch !== undefined)
      throw new AslUnsupportedError(`${api}: VersionId, Range and IfMatch are not served by the rehearsal`);
    const o = await ports.getObject(String(q.Bucket), String(q.Key));
    if (!o) throw new StatesError('S3.NoSuchKeyException', 'The specified key does not exist. (Service: S3, Status Code: 404)');
    return {
      result: {
        AcceptRanges: 'bytes',
        Body: o.body,
        ContentLength: Buffer.byteLength(o.body, 'utf8'),
        ContentType: 'application/octet-stream',
        ETag: o.etag,
        LastModified: o.lastModified.toISOString(),
        Metadata: {},
      },
    };
  }
  if (api === 'athena:startQueryExecution') {
    const q = request(api, input, ['QueryString'], START_PARAMETERS);
    const exec = await startQuery(ports, q, POLLS_BEFORE_END);
    return { result: { QueryExecutionId: exec.id } };
  }
  if (api === 'athena:getQueryExecution') {
    const q = request(api, input, ['QueryExecutionId'], ['QueryExecutionId']);
    const out = ports.athena.getQueryExecution(String(q.QueryExecutionId));
    if (!out) throw new StatesError('Athena.InvalidRequestException', `QueryExecution ${q.QueryExecutionId} was not found`);
    return { result: out };
  }
  throw new AslUnsupportedError(`AWS SDK integration not served by the rehearsal: ${resource}`);
}

async function startQuery(ports: SdkTaskPorts, q: Record<string, any>, polls: number) {
  if (typeof q.QueryString !== 'string') throw new AslUnsupportedError(`QueryString must be a string, got ${typeof q.QueryString}`);
  try {
    return await ports.athena.startQuery(q.QueryString, (q.ExecutionParameters ?? []) as string[], polls);
  } catch (err) {
    if (err instanceof AthenaApiError) throw new StatesError(`Athena.${err.name}`, err.message);
    throw err;
  }
}
