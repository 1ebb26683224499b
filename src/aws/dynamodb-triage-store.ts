/**
 * Triage decisions in the findings dedup table on AWS: one item per decided fingerprint under the key
 * `triage#<fingerprint>` (the table's partition key is `fingerprint`; dedup items use the bare fingerprint, so the two
 * never collide and the dedup lookups, which get keys by name, never see a decision). A new decision overwrites the
 * item; `previous` keeps the one before it, so a reversed decision stays visible.
 *
 * The findings an analyst decides on come from the same table: each dedup item records the hunt, agency, host,
 * severity and last_seen of the finding when it was first reported.
 */
import { type DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Finding, Severity } from '../hunt';
import { isTriageStatus, type TriageDecision, type TriageStore } from '../hunt';
import { AwsAdapterConfigError } from './errors';

export const TRIAGE_KEY_PREFIX = 'triage#';

export interface DynamoDbTriageStoreOptions {
  readonly client: DynamoDBClient;
  /** The dedup table (partition key `fingerprint`). */
  readonly tableName: string;
}

/** A finding as the dedup table remembers it (no evidence: that is in the Athena results and the report). */
export type ReportedFinding = Pick<Finding, 'fingerprint' | 'hunt_id' | 'agency' | 'host' | 'severity' | 'first_seen' | 'last_seen'> & {
  readonly reported_at: string;
  /** Absent in items written before the dedup store kept them. */
  readonly title?: string;
  readonly evidence?: Record<string, unknown>;
};

function parseEvidence(s: string | null): Record<string, unknown> | undefined {
  if (!s) return undefined;
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: AttributeValue | undefined): string | null => (v && 'S' in v && typeof v.S === 'string' ? v.S : null);

export class DynamoDbTriageStore implements TriageStore {
  constructor(private readonly options: DynamoDbTriageStoreOptions) {
    if (!options.tableName)
      throw new AwsAdapterConfigError(`tableName must be a non-empty string, got ${JSON.stringify(options.tableName)}`);
  }

  /** Every item of the table, page by page (the table holds one item per finding ever reported: small). */
  private async scanAll(filter: { expression: string; values: Record<string, AttributeValue> }): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: filter.expression,
          ExpressionAttributeValues: filter.values,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out?.Items ?? []));
      start = out?.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async list(): Promise<TriageDecision[]> {
    const items = await this.scanAll({ expression: 'begins_with(fingerprint, :p)', values: { ':p': { S: TRIAGE_KEY_PREFIX } } });
    const out: TriageDecision[] = [];
    for (const it of items) {
      const status = str(it.status);
      const fp = str(it.fingerprint)?.slice(TRIAGE_KEY_PREFIX.length);
      if (!fp || !status || !isTriageStatus(status)) continue;
      out.push({
        fingerprint: fp,
        status,
        note: str(it.note) ?? '',
        by: str(it.by) ?? '',
        decided_at: str(it.decided_at) ?? '',
        hunt_id: str(it.hunt_id) ?? '',
        agency: str(it.agency) ?? '',
        host: str(it.host),
        last_seen: str(it.last_seen) ?? '',
        known: it.known && 'L' in it.known && it.known.L ? it.known.L.map((v) => str(v) ?? '').filter(Boolean) : [],
      });
    }
    return out.sort((a, b) => a.decided_at.localeCompare(b.decided_at));
  }

  async record(d: TriageDecision): Promise<void> {
    const previous = (await this.list()).find((x) => x.fingerprint === d.fingerprint);
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          fingerprint: { S: `${TRIAGE_KEY_PREFIX}${d.fingerprint}` },
          status: { S: d.status },
          note: { S: d.note },
          by: { S: d.by },
          decided_at: { S: d.decided_at },
          hunt_id: { S: d.hunt_id },
          agency: { S: d.agency },
          host: d.host === null ? { NULL: true } : { S: d.host },
          last_seen: { S: d.last_seen },
          known: { L: d.known.map((k) => ({ S: k })) },
          ...(previous
            ? {
                previous: {
                  S: JSON.stringify({ status: previous.status, note: previous.note, by: previous.by, decided_at: previous.decided_at }),
                },
              }
            : {}),
        },
      }),
    );
  }

  /** The findings the dedup table recorded as reported (decisions left out). */
  async reportedFindings(): Promise<ReportedFinding[]> {
    const items = await this.scanAll({ expression: 'NOT begins_with(fingerprint, :p)', values: { ':p': { S: TRIAGE_KEY_PREFIX } } });
    return items
      .filter((it) => str(it.fingerprint) && str(it.hunt_id))
      .map((it) => ({
        fingerprint: str(it.fingerprint)!,
        hunt_id: str(it.hunt_id)!,
        agency: str(it.agency) ?? '',
        host: str(it.host),
        severity: (str(it.severity) ?? 'info') as Severity,
        first_seen: str(it.first_seen) ?? '',
        last_seen: str(it.last_seen) ?? '',
        reported_at: str(it.reported_at) ?? '',
        ...(str(it.title) ? { title: str(it.title)! } : {}),
        ...(parseEvidence(str(it.evidence)) ? { evidence: parseEvidence(str(it.evidence))! } : {}),
      }));
  }
}
