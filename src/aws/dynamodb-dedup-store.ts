/**
 * The findings dedup record in DynamoDB: one item per fingerprint already
 * reported. A re-run (schedule, upload trigger, analyst) reports nothing new.
 *
 * Delivery is at-least-once: new fingerprints are read first, published, then
 * marked; a crash between publish and mark repeats an alert rather than losing one.
 */
import { BatchGetItemCommand, type DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Finding } from '../hunt';
import { AwsAdapterConfigError } from './errors';

export interface DynamoDbDedupStoreOptions {
  readonly client: DynamoDBClient;
  /** Table with partition key `fingerprint` (string). */
  readonly tableName: string;
  /** Injected clock for tests. @default () => new Date() */
  readonly now?: () => Date;
}

const GET_BATCH = 100; // BatchGetItem maximum keys
const MAX_EVIDENCE_CHARS = 4000;

/** Evidence as stored in the item: JSON, each long value cut so the item stays far below DynamoDB's 400 KB. */
function evidenceForItem(evidence: Record<string, unknown>): string {
  const cut: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(evidence)) {
    const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? null);
    cut[k] = s !== null && s.length > 1000 ? `${s.slice(0, 1000)}... (${s.length} chars)` : v;
  }
  const json = JSON.stringify(cut);
  return json.length > MAX_EVIDENCE_CHARS ? JSON.stringify({ evidence_cut: json.slice(0, MAX_EVIDENCE_CHARS) }) : json;
}

/**
 * Remembers which findings were reported.
 *
 * @example
 * const fresh = await store.filterNew(findings);
 * await notifier.publish(fresh.map((f) => findingMessage(f)));
 * await store.markSeen(fresh);
 */
export class DynamoDbDedupStore {
  constructor(private readonly options: DynamoDbDedupStoreOptions) {
    if (!options.tableName)
      throw new AwsAdapterConfigError(`tableName must be a non-empty string, got ${JSON.stringify(options.tableName)}`);
  }

  /** The findings whose fingerprint was never reported (duplicates within the input collapse to the first). */
  async filterNew(findings: readonly Finding[]): Promise<Finding[]> {
    const unique = new Map<string, Finding>();
    for (const f of findings) if (!unique.has(f.fingerprint)) unique.set(f.fingerprint, f);
    const seen = new Set<string>();
    const keys = [...unique.keys()];
    for (let i = 0; i < keys.length; i += GET_BATCH) {
      let pending: Record<string, AttributeValue>[] = keys.slice(i, i + GET_BATCH).map((k) => ({ fingerprint: { S: k } }));
      // Unprocessed keys (throttling) are retried until none are left.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`dynamodb kept ${pending.length} keys unprocessed in ${this.options.tableName}`);
        const out = await this.options.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.options.tableName]: { Keys: pending, ProjectionExpression: 'fingerprint' } },
          }),
        );
        for (const item of out.Responses?.[this.options.tableName] ?? []) if (item.fingerprint?.S) seen.add(item.fingerprint.S);
        pending = (out.UnprocessedKeys?.[this.options.tableName]?.Keys ?? []) as Record<string, AttributeValue>[];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return [...unique.values()].filter((f) => !seen.has(f.fingerprint));
  }

  /** Records the findings as reported (an item that already exists is kept: first report wins). */
  async markSeen(findings: readonly Finding[]): Promise<void> {
    const now = (this.options.now ?? (() => new Date()))().toISOString();
    for (const f of findings) {
      try {
        await this.options.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              fingerprint: { S: f.fingerprint },
              hunt_id: { S: f.hunt_id },
              agency: { S: f.agency },
              host: f.host === null ? { NULL: true } : { S: f.host },
              severity: { S: f.severity },
              first_seen: { S: f.first_seen },
              last_seen: { S: f.last_seen },
              reported_at: { S: now },
              // What the board shows of the finding (title, evidence cut to a few KB): the Athena results expire.
              title: { S: f.title },
              evidence: { S: evidenceForItem(f.evidence) },
            },
            ConditionExpression: 'attribute_not_exists(fingerprint)',
          }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
  }
}
