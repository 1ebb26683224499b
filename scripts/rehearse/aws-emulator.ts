/**
 * The AWS APIs the bundled Lambdas call that have no local server (SNS, Athena, DynamoDB), served over HTTP in
 * their wire protocols, so that the handlers' own SDK clients (bundled in the cdk.out assets) are pointed at it with
 * AWS_ENDPOINT_URL_SNS / _ATHENA / _DYNAMODB and run unchanged. Each applies the service's documented rules that our
 * code depends on:
 *
 * - SNS (query protocol): Publish and PublishBatch; at most 10 entries, 256 KiB (262,144 bytes, body plus attribute
 *   names, types and values) per message and for the whole batch (BatchRequestTooLong), distinct entry ids; each
 *   message is delivered to every subscription whose filter policy (message attributes, exact string values) matches.
 * - Athena (JSON 1.1): StartQueryExecution, GetQueryExecution, GetQueryResults with Athena's paging (at most 1000
 *   rows a page, the header row first on the first page, every value as text, NULL as a missing VarCharValue).
 *   Queries run on DuckDB with the Athena-strict shims; the bytes a query scans are billed at least 10 MB. A query
 *   string longer than 262,144 bytes is refused with InvalidRequestException (StartQueryExecution's QueryString:
 *   "Length Constraints: Minimum length of 1. Maximum length of 262144", Athena API Reference). A query started with
 *   `polls` reports QUEUED then RUNNING to that many GetQueryExecution calls before its end, as a poll loop sees it.
 * - DynamoDB (JSON 1.0): BatchGetItem (at most 100 keys), PutItem with `attribute_not_exists(<key>)`, Scan with a
 *   `begins_with(fingerprint, :p)` filter.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const SNS_MESSAGE_LIMIT = 262_144;
export const ATHENA_MIN_BILLED_BYTES = 10 * 1024 * 1024;
/** StartQueryExecution's longest QueryString (bytes). */
export const ATHENA_QUERY_STRING_LIMIT = 262_144;

/** An Athena API error (the request is refused; no execution is made): `name` is the exception's name. */
export class AthenaApiError extends Error {
  constructor(
    override readonly name: 'InvalidRequestException',
    message: string,
  ) {
    super(message);
  }
}

export interface Subscription {
  readonly endpoint: string;
  readonly topicArn: string;
  /** Attribute name -> allowed string values (`{agency: ['doj']}`); absent: every message. */
  readonly filterPolicy?: Record<string, unknown[]>;
}

export interface Delivery {
  readonly endpoint: string;
  readonly subject?: string;
  readonly message: string;
  readonly attributes: Record<string, string>;
}

/** An SNS request AWS would reject, recorded as well as answered with AWS's error. */
export interface SnsRejection {
  readonly code: string;
  readonly message: string;
}

export interface AthenaResult {
  readonly columns: { name: string; type: string }[];
  readonly rows: Record<string, unknown>[];
  readonly scannedBytes: number;
}

export interface AthenaExecution {
  readonly id: string;
  readonly query: string;
  readonly state: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly result?: AthenaResult;
  readonly outputLocation: string;
}

export interface EmulatorOptions {
  readonly subscriptions: readonly Subscription[];
  /** Runs a query (the `?` already replaced by the execution parameters). */
  readonly runQuery: (sql: string) => Promise<AthenaResult>;
  /** `s3://bucket/prefix/` of query results. */
  readonly resultsLocation: string;
}

export class AwsEmulator {
  readonly deliveries: Delivery[] = [];
  readonly snsRejections: SnsRejection[] = [];
  readonly executions = new Map<string, AthenaExecution>();
  /** Table name -> key value -> item. */
  readonly tables = new Map<string, Map<string, Record<string, unknown>>>();
  /** PublishBatch sizes seen (bytes of all entries), to report the largest. */
  readonly batchBytes: number[] = [];
  /** SQS messages sent (SendMessage), in order: the lake verifier's repairs for the normalizer queue. */
  readonly sqsSent: { readonly queueUrl: string; readonly body: string }[] = [];
  /** Time spent running Athena queries (ms), to tell the engine's share of a sweep. */
  queryMs = 0;
  /** Execution id -> GetQueryExecution calls still to answer QUEUED / RUNNING. */
  private readonly pending = new Map<string, number>();
  private server?: http.Server;

  constructor(private readonly opts: EmulatorOptions) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req, Buffer.concat(chunks).toString('utf8')).then(
          ({ status, type, body }) => {
            res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
            res.end(body);
          },
          (err: Error) => {
            res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
            res.end(JSON.stringify({ __type: 'InternalServerException', message: err.message }));
          },
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Starts and finishes a query (what `athena:startQueryExecution.sync` waits for); with `polls`, the next that many
   * {@link getQueryExecution} calls see it QUEUED, then RUNNING. Throws AthenaApiError for a request Athena refuses.
   */
  async startQuery(query: string, params: readonly string[], polls = 0): Promise<AthenaExecution> {
    const bytes = Buffer.byteLength(query, 'utf8');
    if (bytes < 1 || bytes > ATHENA_QUERY_STRING_LIMIT)
      throw new AthenaApiError(
        'InvalidRequestException',
        `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${ATHENA_QUERY_STRING_LIMIT} (${bytes} bytes)`,
      );
    const id = randomUUID();
    const outputLocation = `${this.opts.resultsLocation}${id}.csv`;
    let exec: AthenaExecution;
    const t0 = Date.now();
    try {
      const result = await this.opts.runQuery(bindParameters(query, params));
      exec = { id, query, state: 'SUCCEEDED', result, outputLocation };
    } catch (err) {
      exec = { id, query, state: 'FAILED', error: (err as Error).message, outputLocation };
    }
    this.queryMs += Date.now() - t0;
    this.executions.set(id, exec);
    if (polls > 0) this.pending.set(id, polls);
    return exec;
  }

  /** GetQueryExecution's response, or undefined for an unknown id. */
  getQueryExecution(id: string): { QueryExecution: Record<string, unknown> } | undefined {
    const e = this.executions.get(id);
    if (!e) return undefined;
    const left = this.pending.get(id) ?? 0;
    if (left === 0) return { QueryExecution: AwsEmulator.describe(e) };
    this.pending.set(id, left - 1);
    // Not ended: no reason, no statistics of the scan yet.
    return {
      QueryExecution: {
        QueryExecutionId: e.id,
        Query: e.query,
        Status: { State: left > 1 ? 'QUEUED' : 'RUNNING', SubmissionDateTime: Date.now() / 1000 },
        Statistics: { EngineExecutionTimeInMillis: 0 },
        ResultConfiguration: { OutputLocation: e.outputLocation },
      },
    };
  }

  /** The GetQueryExecution shape of an execution. */
  static describe(e: AthenaExecution): Record<string, unknown> {
    return {
      QueryExecutionId: e.id,
      Query: e.query,
      Status:
        e.state === 'SUCCEEDED'
          ? { State: 'SUCCEEDED' }
          : { State: 'FAILED', StateChangeReason: e.error, AthenaError: { ErrorCategory: 2, ErrorType: 1000 } },
      Statistics: { DataScannedInBytes: e.result ? billedBytes(e.result.scannedBytes) : 0 },
      ResultConfiguration: { OutputLocation: e.outputLocation },
    };
  }

  private async handle(req: http.IncomingMessage, body: string): Promise<{ status: number; type: string; body: string }> {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target.startsWith('AmazonAthena.')) return this.athena(target.slice('AmazonAthena.'.length), JSON.parse(body || '{}'));
    if (target.startsWith('DynamoDB_20120810.')) return this.dynamo(target.slice('DynamoDB_20120810.'.length), JSON.parse(body || '{}'));
    if (target.startsWith('AmazonSQS.')) return this.sqs(target.slice('AmazonSQS.'.length), JSON.parse(body || '{}'));
    return this.sns(new URLSearchParams(body));
  }

  // --- SNS (query protocol)

  private sns(form: URLSearchParams): { status: number; type: string; body: string } {
    const action = form.get('Action');
    const topicArn = form.get('TopicArn') ?? '';
    const xml = (name: string, inner: string) => ({
      status: 200,
      type: 'text/xml',
      body: `<${name}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${name}Result>${inner}</${name}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${name}Response>`,
    });
    const fail = (code: string, message: string) => {
      this.snsRejections.push({ code, message });
      return {
        status: 400,
        type: 'text/xml',
        body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      };
    };
    if (action === 'Publish') {
      const entry = readEntry(form, '');
      const size = messageBytes(entry);
      if (size > SNS_MESSAGE_LIMIT) return fail('InvalidParameter', `Invalid parameter: Message too long (${size} bytes)`);
      this.deliver(topicArn, entry);
      return xml('Publish', `<MessageId>${randomUUID()}</MessageId>`);
    }
    if (action === 'PublishBatch') {
      const entries: ReturnType<typeof readEntry>[] = [];
      for (let i = 1; form.has(`PublishBatchRequestEntries.member.${i}.Id`); i++)
        entries.push(readEntry(form, `PublishBatchRequestEntries.member.${i}.`));
      if (entries.length === 0) return fail('EmptyBatchRequest', 'The batch request does not contain any entries.');
      if (entries.length > 10)
        return fail('TooManyEntriesInBatchRequest', `The batch request contains more entries than permissible (${entries.length} > 10).`);
      if (new Set(entries.map((e) => e.id)).size !== entries.length)
        return fail('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      const sizes = entries.map(messageBytes);
      const total = sizes.reduce((a, b) => a + b, 0);
      this.batchBytes.push(total);
      if (total > SNS_MESSAGE_LIMIT)
        return fail(
          'BatchRequestTooLong',
          `The length of all the messages put together is more than the limit (${total} > ${SNS_MESSAGE_LIMIT} bytes).`,
        );
      let ok = '';
      let failed = '';
      entries.forEach((e, i) => {
        if (sizes[i] > SNS_MESSAGE_LIMIT) {
          failed += `<member><Id>${esc(e.id)}</Id><Code>InvalidParameter</Code><Message>Message too long</Message><SenderFault>true</SenderFault></member>`;
          return;
        }
        this.deliver(topicArn, e);
        ok += `<member><Id>${esc(e.id)}</Id><MessageId>${randomUUID()}</MessageId></member>`;
      });
      return xml('PublishBatch', `<Successful>${ok}</Successful><Failed>${failed}</Failed>`);
    }
    return fail('InvalidAction', `action ${action} is not served by the rehearsal`);
  }

  private deliver(
    topicArn: string,
    e: { subject?: string; message: string; attributes: Record<string, { type: string; value: string }> },
  ): void {
    const attrs = Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, v.value]));
    for (const s of this.opts.subscriptions) {
      if (s.topicArn !== topicArn) continue;
      if (!filterMatches(s.filterPolicy, e.attributes)) continue;
      this.deliveries.push({ endpoint: s.endpoint, subject: e.subject, message: e.message, attributes: attrs });
    }
  }

  // --- Athena (JSON 1.1)

  private async athena(op: string, input: Record<string, any>): Promise<{ status: number; type: string; body: string }> {
    const ok = (o: unknown) => ({ status: 200, type: 'application/x-amz-json-1.1', body: JSON.stringify(o) });
    const bad = (message: string) => ({
      status: 400,
      type: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: 'InvalidRequestException', Message: message }),
    });
    if (op === 'StartQueryExecution') {
      try {
        const e = await this.startQuery(String(input.QueryString ?? ''), (input.ExecutionParameters ?? []) as string[]);
        return ok({ QueryExecutionId: e.id });
      } catch (err) {
        if (err instanceof AthenaApiError) return bad(err.message);
        throw err;
      }
    }
    const e = this.executions.get(String(input.QueryExecutionId));
    if (!e) return bad(`QueryExecution ${input.QueryExecutionId} was not found`);
    if (op === 'GetQueryExecution') return ok(this.getQueryExecution(e.id));
    if (op === 'GetQueryResults') {
      if (e.state !== 'SUCCEEDED' || !e.result) return bad(`Query has not yet finished. Current state: ${e.state}`);
      const max = input.MaxResults ?? 1000;
      if (max < 1 || max > 1000) return bad('MaxResults must be between 1 and 1000');
      const { columns, rows } = e.result;
      // Athena's pages: the header row counts as a row of the first page.
      const all = [columns.map((c) => ({ VarCharValue: c.name })), ...rows.map((r) => columns.map((c) => cell(r[c.name], c.type)))];
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = all.slice(start, start + max);
      const next = start + max < all.length ? String(start + max) : undefined;
      return ok({
        ResultSet: {
          Rows: page.map((Data) => ({ Data })),
          ResultSetMetadata: { ColumnInfo: columns.map((c) => ({ Name: c.name, Label: c.name, Type: athenaType(c.type) })) },
        },
        NextToken: next,
        UpdateCount: 0,
      });
    }
    return bad(`operation ${op} is not served by the rehearsal`);
  }

  // --- SQS (JSON 1.0): SendMessage only; the SDK checks MD5OfMessageBody against the body it sent.

  private sqs(op: string, input: Record<string, any>): { status: number; type: string; body: string } {
    const bad = (type: string, message: string) => ({
      status: 400,
      type: 'application/x-amz-json-1.0',
      body: JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }),
    });
    if (op !== 'SendMessage') return bad('UnsupportedOperation', `operation ${op} is not served by the rehearsal`);
    const body = String(input.MessageBody ?? '');
    if (!input.QueueUrl) return bad('MissingParameter', 'The request must contain the parameter QueueUrl.');
    if (body === '') return bad('MissingParameter', 'The request must contain the parameter MessageBody.');
    this.sqsSent.push({ queueUrl: String(input.QueueUrl), body });
    return {
      status: 200,
      type: 'application/x-amz-json-1.0',
      body: JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') }),
    };
  }

  // --- DynamoDB (JSON 1.0)

  private dynamo(op: string, input: Record<string, any>): { status: number; type: string; body: string } {
    const ok = (o: unknown) => ({ status: 200, type: 'application/x-amz-json-1.0', body: JSON.stringify(o) });
    const bad = (type: string, message: string) => ({
      status: 400,
      type: 'application/x-amz-json-1.0',
      body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
    });
    const keyOf = (item: Record<string, { S?: string }>) => String(item.fingerprint?.S);
    if (op === 'BatchGetItem') {
      const responses: Record<string, unknown[]> = {};
      let count = 0;
      for (const [table, req] of Object.entries(input.RequestItems as Record<string, { Keys: Record<string, { S?: string }>[] }>)) {
        count += req.Keys.length;
        const t = this.tables.get(table) ?? new Map();
        responses[table] = req.Keys.map((k) => t.get(keyOf(k))).filter((x) => x !== undefined);
      }
      if (count > 100) return bad('ValidationException', 'Too many items requested for the BatchGetItem call');
      return ok({ Responses: responses, UnprocessedKeys: {} });
    }
    if (op === 'PutItem') {
      const table = String(input.TableName);
      if (!this.tables.has(table)) this.tables.set(table, new Map());
      const t = this.tables.get(table)!;
      const key = keyOf(input.Item);
      if (input.ConditionExpression !== undefined && input.ConditionExpression !== 'attribute_not_exists(fingerprint)')
        return bad('ValidationException', `condition not served by the rehearsal: ${input.ConditionExpression}`);
      if (input.ConditionExpression && t.has(key)) return bad('ConditionalCheckFailedException', 'The conditional request failed');
      t.set(key, input.Item);
      return ok({});
    }
    if (op === 'Scan') {
      // The triage store reads its decisions with begins_with(fingerprint, :p); served whole (DynamoDB pages at 1 MB,
      // which the rehearsal's few items never reach).
      const t = (this.tables.get(String(input.TableName)) ?? new Map()) as Map<string, Record<string, { S?: string }>>;
      const filter = String(input.FilterExpression ?? '');
      const m = /^(NOT )?begins_with\(fingerprint, (:[A-Za-z0-9_]+)\)$/.exec(filter);
      if (filter && !m) return bad('ValidationException', `filter not served by the rehearsal: ${filter}`);
      const prefix = m ? String(input.ExpressionAttributeValues?.[m[2]]?.S ?? '') : '';
      const items = [...t.values()].filter((item) => !m || keyOf(item).startsWith(prefix) !== Boolean(m[1]));
      return ok({ Items: items, Count: items.length, ScannedCount: t.size });
    }
    return bad('UnknownOperationException', `operation ${op} is not served by the rehearsal`);
  }
}

/** Athena bills at least 10 MB per query, rounded up to the next MB. */
export function billedBytes(scanned: number): number {
  return Math.max(ATHENA_MIN_BILLED_BYTES, Math.ceil(scanned / (1024 * 1024)) * 1024 * 1024);
}

/** Replaces each `?` outside strings and comments by the next execution parameter (SQL literals, as Athena does). */
export function bindParameters(sql: string, params: readonly string[]): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (ch === '?') {
      if (n >= params.length) throw new Error(`Query has ${n + 1}+ parameters but ${params.length} were given`);
      out += params[n++];
    } else out += ch;
  }
  if (n !== params.length) throw new Error(`Query has ${n} parameters but ${params.length} were given`);
  return out;
}

function readEntry(form: URLSearchParams, prefix: string) {
  const attributes: Record<string, { type: string; value: string }> = {};
  for (let j = 1; form.has(`${prefix}MessageAttributes.entry.${j}.Name`); j++) {
    const p = `${prefix}MessageAttributes.entry.${j}.`;
    attributes[form.get(`${p}Name`)!] = {
      type: form.get(`${p}Value.DataType`) ?? 'String',
      value: form.get(`${p}Value.StringValue`) ?? '',
    };
  }
  return {
    id: form.get(`${prefix}Id`) ?? '',
    subject: form.get(`${prefix}Subject`) ?? undefined,
    message: form.get(`${prefix}Message`) ?? '',
    attributes,
  };
}

/** SNS counts the body and every attribute's name, data type and value. */
function messageBytes(e: ReturnType<typeof readEntry>): number {
  let n = Buffer.byteLength(e.message, 'utf8');
  for (const [k, v] of Object.entries(e.attributes)) n += Buffer.byteLength(k) + Buffer.byteLength(v.type) + Buffer.byteLength(v.value);
  return n;
}

/** Filter policy on message attributes: every named attribute present with one of the listed strings. */
export function filterMatches(policy: Record<string, unknown[]> | undefined, attributes: Record<string, { value: string }>): boolean {
  if (!policy) return true;
  for (const [name, allowed] of Object.entries(policy)) {
    if (!Array.isArray(allowed) || allowed.some((a) => typeof a !== 'string'))
      throw new Error(`filter policy operator on ${name} not served by the rehearsal: ${JSON.stringify(allowed)}`);
    const v = attributes[name];
    if (!v || !allowed.includes(v.value)) return false;
  }
  return true;
}

/** Athena's text form of a value: timestamps `YYYY-MM-DD HH:MM:SS.mmm`, NULL as no VarCharValue. */
function cell(v: unknown, type: string): { VarCharValue?: string } {
  if (v === null || v === undefined) return {};
  if (type.startsWith('TIMESTAMP') && typeof v === 'string') return { VarCharValue: v.replace('T', ' ').replace(/Z$/, '') };
  if (Array.isArray(v)) return { VarCharValue: `[${v.map((x) => String(x)).join(', ')}]` };
  return { VarCharValue: String(v) };
}

function athenaType(duck: string): string {
  if (duck.endsWith('[]')) return 'array';
  const t = duck.replace(/\(.*$/, '');
  const map: Record<string, string> = {
    VARCHAR: 'varchar',
    BIGINT: 'bigint',
    INTEGER: 'integer',
    HUGEINT: 'bigint',
    DOUBLE: 'double',
    FLOAT: 'real',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone',
    DATE: 'date',
    DECIMAL: 'decimal',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
  };
  return map[t] ?? 'varchar';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
