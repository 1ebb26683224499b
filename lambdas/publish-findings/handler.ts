/**
 * Publish step of the hunt state machine: one hunt's Athena result -> findings
 * -> only the new ones -> SNS (src/aws/publish-hunt-results.ts).
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
  publishHuntResults,
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

export const handler = async (event: PublishRequest): Promise<PublishOutcome> => {
  const out = await publishHuntResults(event, {
    hunts,
    readResults: (id) => engine.readResults(id),
    toFindings: (hunt, rows) => rowsToFindings(hunt, rows),
    dedup,
    publish: (messages) => notifier.publish(messages),
  });
  logger.info('hunt results published', { run_id: event.run_id, ...out });
  return out;
};
