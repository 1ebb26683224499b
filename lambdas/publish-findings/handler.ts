/**
 * Publish step of the hunt state machine: one hunt's Athena result -> findings
 * -> only the new ones -> SNS (src/aws/publish-hunt-results.ts). Called with a
 * `batch` (a staged run), the result is split per hunt first and one outcome per
 * hunt is returned.
 */
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  AthenaQueryEngine,
  DynamoDbDedupStore,
  DynamoDbTriageStore,
  getStringFromEnv,
  publishBatchResults,
  publishHuntResults,
  type BatchHuntOutcome,
  type PublishBatchRequest,
  type PublishOutcome,
  type PublishRequest,
  SnsNotifier,
} from '../../src/aws';
import { withTriage, rowsToFindings, loadQueries } from '../../src/hunt';

const logger = new Logger({ serviceName: 'sweep-publish' });
const engine = new AthenaQueryEngine({
  client: new AthenaClient({}),
  workGroup: getStringFromEnv(process.env, 'WORKGROUP'),
  database: getStringFromEnv(process.env, 'DATABASE'),
});
const ddb = new DynamoDBClient({});
const dedupTable = getStringFromEnv(process.env, 'DEDUP_TABLE');
// Triage decisions live in the dedup table: benign and false-positive fingerprints are never alerted again.
const dedup = withTriage(
  new DynamoDbDedupStore({ client: ddb, tableName: dedupTable }),
  new DynamoDbTriageStore({ client: ddb, tableName: dedupTable }),
);
const notifier = new SnsNotifier({ client: new SNSClient({}), topicArn: getStringFromEnv(process.env, 'TOPIC_ARN') });
const { hunts } = loadQueries(process.env.QUERIES_DIR ?? path.join(__dirname, 'queries'));

const ports = {
  hunts,
  readResults: (id: string) => engine.readResults(id),
  toFindings: rowsToFindings,
  dedup,
  publish: (messages: Parameters<SnsNotifier['publish']>[0]) => notifier.publish(messages),
};
/** Characters of a failed hunt's error name and cause kept (the state machine's own limits, lib/hunt-runner.ts). */
const LIMITS = { maxError: 256, maxCause: 1000 };

export async function handler(event: PublishBatchRequest): Promise<BatchHuntOutcome[]>;
export async function handler(event: PublishRequest): Promise<PublishOutcome>;
export async function handler(event: PublishRequest | PublishBatchRequest): Promise<PublishOutcome | BatchHuntOutcome[]> {
  if ('batch' in event) {
    const outs = await publishBatchResults(event, ports, LIMITS);
    logger.info('batch results published', {
      run_id: event.run_id,
      batch_id: event.batch.batch_id,
      hunts: outs.length,
      failed: outs.filter((o) => !o.ok).map((o) => o.hunt_id),
      new_findings: outs.reduce((n, o) => n + (o.ok ? o.new_findings : 0), 0),
    });
    return outs;
  }
  const out = await publishHuntResults(event, ports);
  logger.info('hunt results published', { run_id: event.run_id, ...out });
  return out;
}
