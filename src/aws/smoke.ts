/**
 * `sweep smoke`: the first check of a real deployment, run by whoever deploys. It uploads a tiny generated IIS log as
 * a test agency (one that the deployment config lists for this purpose), waits for the normalizer's manifest, runs one
 * Athena query per lake table filtering on `event_time` and on a string column (proves the Glue types, the partition
 * projection and the workgroup), runs the pack for the test agency through the state machine, and reads two probe SQS
 * queues subscribed to the findings topic with the deployed filter policies (the test agency's and another agency's):
 * the first must hold the test agency's receipt and findings, the second nothing of the test agency. Then it removes
 * what it made (upload, lake partitions of the test agency's smoke host, manifest, probes) and prints what passed.
 *
 * Each run uses a fresh host name (SMOKE-<id>), so its findings are new to the dedup table and are published again.
 */
import { randomUUID } from 'node:crypto';
import { type AthenaClient } from '@aws-sdk/client-athena';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TABLES, TABLE_NAMES, type TableName } from '../lake';
import { commitRecordKey } from '../core';
import { AthenaQueryEngine } from './athena-query-engine';

export interface SmokeOptions {
  /** The agency the smoke test uploads as (listed in the deployment config, e.g. `smoke-test`). */
  readonly agency: string;
  /** Another configured agency: its owners' filter policy must not let the smoke findings through. */
  readonly otherAgency: string;
  readonly uploadBucket: string;
  readonly lakeBucket: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  readonly workGroup: string;
  readonly database: string;
  /** @default 900 000 (15 minutes: the normalizer's own limit) */
  readonly timeoutMs?: number;
  /** @default 5000 */
  readonly pollMs?: number;
  /** @default randomUUID().slice(0, 8) */
  readonly runId?: string;
  /** Where each stage's line goes. @default stdout */
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SmokeClients {
  readonly s3: S3Client;
  readonly athena: AthenaClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

export interface SmokeStage {
  readonly stage: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** One smoke stage failed: the message says which and why. */
export class SmokeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmokeError';
  }
}

/** A day of the ProxyLogon campaign: the log's rows are dated then, whatever day the smoke runs. */
const DAY = '2021-03-03';

/** A tiny IIS log with one ProxyLogon request (POST to /ecp/<x>.js) and an ordinary one. */
export function smokeLog(): string {
  return [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    `${DAY} 02:21:05 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 15`,
    `${DAY} 02:22:00 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 198.51.100.20 Mozilla/5.0 - 200 0 0 4`,
    '',
  ].join('\r\n');
}

/** Runs the smoke test; returns every stage (the run stops at the first failure, after cleaning up). */
export async function runSmoke(opts: SmokeOptions, clients: SmokeClients): Promise<SmokeStage[]> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = opts.timeoutMs ?? 900_000;
  const pollMs = opts.pollMs ?? 5000;
  const id = opts.runId ?? randomUUID().slice(0, 8);
  const host = `SMOKE-${id}`.toUpperCase();
  const uploadId = `smoke-${id}`;
  const uploadKey = `uploads/agency=${opts.agency}/${uploadId}/${host}/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log`;
  const manifestKey = `manifests/agency=${opts.agency}/${uploadId}.json`;
  const stages: SmokeStage[] = [];
  const probes: Probe[] = [];
  const pass = (stage: string, detail: string): void => {
    stages.push({ stage, ok: true, detail });
    log(`PASS  ${stage}: ${detail}`);
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() >= deadline) throw new SmokeError(`${what}: nothing after ${Math.round(timeoutMs / 1000)} s`);
      await sleep(pollMs);
    }
  };

  try {
    // Probes first: they must be subscribed before anything is published.
    for (const [role, agency] of [
      ['own', opts.agency],
      ['other', opts.otherAgency],
    ] as const) {
      probes.push(await createProbe(clients, opts.topicArn, agency, `${id}-${role}`));
    }
    pass('probes', `SQS probes subscribed with the deployed filter policies of ${opts.agency} and ${opts.otherAgency}`);

    await clients.s3.send(new PutObjectCommand({ Bucket: opts.uploadBucket, Key: uploadKey, Body: smokeLog() }));
    pass('upload', `s3://${opts.uploadBucket}/${uploadKey}`);

    const manifest = await until('manifest', async () => {
      try {
        const o = await clients.s3.send(new GetObjectCommand({ Bucket: opts.lakeBucket, Key: manifestKey }));
        return JSON.parse(await o.Body!.transformToString()) as { rows_per_table?: Record<string, number> };
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    });
    const rows = manifest.rows_per_table?.web_requests ?? 0;
    if (rows !== 2) throw new SmokeError(`manifest ${manifestKey}: web_requests has ${rows} rows, expected 2`);
    pass('receipt', `${manifestKey}: 2 web_requests rows`);

    const engine = new AthenaQueryEngine({ client: clients.athena, workGroup: opts.workGroup, database: opts.database, timeoutMs, sleep });
    const counts: string[] = [];
    for (const table of TABLE_NAMES) {
      const col = stringColumn(table);
      const sql = `SELECT count(*) AS n FROM ${table} WHERE agency = ? AND dt BETWEEN ? AND ? AND event_time >= from_iso8601_timestamp(?) AND ${col} = ?`;
      const out = await engine.run(sql, [opts.agency, DAY, DAY, `${DAY}T00:00:00Z`, host]);
      const n = Number(out[0]?.n ?? -1);
      const want = table === 'web_requests' ? 2 : 0;
      if (n !== want) throw new SmokeError(`Athena ${table}: ${n} rows for ${host}, expected ${want}`);
      counts.push(`${table} ${n}`);
    }
    pass('athena', `one query per table on event_time and ${'`host`'}: ${counts.join(', ')}`);

    const started = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: opts.stateMachineArn,
        name: `smoke-${id}`,
        input: JSON.stringify({ trigger: 'manual', agencies: [opts.agency], since: DAY, until: DAY }),
      }),
    );
    const status = await until('hunt run', async () => {
      const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    if (status.status !== 'SUCCEEDED')
      throw new SmokeError(`hunt run ${started.executionArn}: ${status.status} ${status.error ?? ''} ${status.cause ?? ''}`.trim());
    pass('pack', `execution ${started.executionArn} SUCCEEDED`);

    const [own, other] = probes;
    const mine = await until('findings on the test agency probe', async () => {
      own.messages.push(...(await receive(clients, own)));
      const findings = own.messages.filter((m) => m.attributes.kind !== 'receipt');
      return findings.length > 0 && own.messages.some((m) => m.attributes.kind === 'receipt') ? own.messages : undefined;
    });
    const foreign = mine.filter((m) => m.attributes.agency !== opts.agency);
    if (foreign.length > 0) throw new SmokeError(`the ${opts.agency} probe received ${foreign.length} messages of other agencies`);
    // The other probe had as long as the first to receive: read what reached it.
    other.messages.push(...(await receive(clients, other)));
    const leaked = other.messages.filter((m) => m.attributes.agency === opts.agency || m.body.includes(host));
    if (leaked.length > 0)
      throw new SmokeError(
        `the ${opts.otherAgency} probe received ${leaked.length} messages of ${opts.agency}: filter policies do not isolate agencies`,
      );
    pass(
      'routing',
      `${opts.agency}'s probe: receipt and ${mine.length - 1} findings, all its own; ${opts.otherAgency}'s probe: none of them`,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    stages.push({ stage: 'failed', ok: false, detail: message });
    log(`FAIL  ${message}`);
  } finally {
    const cleaned = await cleanUp(clients, opts, uploadKey, manifestKey, host, probes);
    stages.push({ stage: 'cleanup', ok: cleaned.ok, detail: cleaned.detail });
    log(`${cleaned.ok ? 'PASS' : 'FAIL'}  cleanup: ${cleaned.detail}`);
  }
  return stages;
}

/** A string column of each table, filled for web requests with the host (the smoke test filters on it). */
function stringColumn(table: TableName): string {
  return TABLES[table].columns.some((c) => c.name === 'host') ? 'host' : TABLES[table].columns.find((c) => c.type === 'string')!.name;
}

interface Probe {
  readonly queueUrl: string;
  readonly subscriptionArn: string;
  readonly messages: { body: string; attributes: Record<string, string> }[];
}

/** A queue subscribed to the topic with the filter policy of the agency's first deployed subscription. */
async function createProbe(clients: SmokeClients, topicArn: string, agency: string, name: string): Promise<Probe> {
  let policy: string | undefined;
  let token: string | undefined;
  do {
    const page = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    for (const s of page.Subscriptions ?? []) {
      if (policy || !s.SubscriptionArn?.startsWith('arn:')) continue;
      const attrs = await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }));
      const fp = attrs.Attributes?.FilterPolicy;
      if (fp && (JSON.parse(fp) as { agency?: string[] }).agency?.includes(agency)) policy = fp;
    }
    token = page.NextToken;
  } while (token);
  if (!policy)
    throw new SmokeError(
      `no subscription of ${topicArn} has a filter policy for agency ${agency}: is it in the deployment config with owners?`,
    );
  const q = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: `sweep-smoke-${name}`, Attributes: { MessageRetentionPeriod: '3600' } }),
  );
  const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes
    ?.QueueArn;
  // The queue accepts this topic only.
  await clients.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: q.QueueUrl,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: arn,
              Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
            },
          ],
        }),
      },
    }),
  );
  const sub = await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      ReturnSubscriptionArn: true,
      Attributes: { FilterPolicy: policy, RawMessageDelivery: 'true' },
    }),
  );
  return { queueUrl: q.QueueUrl!, subscriptionArn: sub.SubscriptionArn!, messages: [] };
}

async function receive(clients: SmokeClients, probe: Probe): Promise<Probe['messages']> {
  const out = await clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: probe.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5, MessageAttributeNames: ['All'] }),
  );
  return (out.Messages ?? []).map((m) => ({
    body: m.Body ?? '',
    attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])),
  }));
}

/** Removes the upload, the smoke host's lake files, the manifest and the probes; says what could not be removed. */
async function cleanUp(
  clients: SmokeClients,
  opts: SmokeOptions,
  uploadKey: string,
  manifestKey: string,
  host: string,
  probes: Probe[],
): Promise<{ ok: boolean; detail: string }> {
  const problems: string[] = [];
  let removed = 0;
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await attempt('upload', () =>
    clients.s3.send(new DeleteObjectsCommand({ Bucket: opts.uploadBucket, Delete: { Objects: [{ Key: uploadKey }] } })),
  );
  // The lake files the upload wrote are named after the upload id under the test agency's partitions.
  const uploadId = manifestKey.slice(manifestKey.lastIndexOf('/') + 1, -'.json'.length);
  await attempt('lake', async () => {
    // The commit record too (Athena's views read it): without it the files would stay listed as committed.
    const keys: string[] = [manifestKey, commitRecordKey(opts.agency, uploadId)];
    for (const table of TABLE_NAMES) {
      let token: string | undefined;
      do {
        const page = await clients.s3.send(
          new ListObjectsV2Command({ Bucket: opts.lakeBucket, Prefix: `lake/${table}/agency=${opts.agency}/`, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? [])
          if (o.Key && o.Key.slice(o.Key.lastIndexOf('/') + 1).startsWith(`${uploadId}-`)) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    await clients.s3.send(new DeleteObjectsCommand({ Bucket: opts.lakeBucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    removed += keys.length;
  });
  for (const p of probes) {
    await attempt('probe subscription', () => clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: p.subscriptionArn })));
    await attempt('probe queue', () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: p.queueUrl })));
  }
  return problems.length === 0
    ? {
        ok: true,
        detail: `removed the upload, ${removed} lake objects and manifest, ${probes.length} probes (dedup entries of ${host} stay: harmless)`,
      }
    : { ok: false, detail: `left behind: ${problems.join('; ')}` };
}
