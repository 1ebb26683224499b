/**
 * Board and digest for the security team (src/aws/board-job.ts): after each hunt run (a Step Functions status
 * change event) the board is regenerated under board/ in the lake bucket; on the digest schedule the changes since
 * the last digest are also sent to the findings topic, for the security team only.
 */
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runAwsBoardJob, type AwsBoardRequest, DynamoDbTriageStore, getStringFromEnv, S3ObjectStore } from '../../src/aws';
import { loadQueries, folderVersion } from '../../src/hunt';

const logger = new Logger({ serviceName: 'sweep-board' });
const queriesDir = process.env.QUERIES_DIR ?? path.join(__dirname, 'queries');
const hunts = loadQueries(queriesDir).hunts.filter((h) => h.meta.status !== 'deprecated');
const pack = folderVersion(queriesDir);
const store = new S3ObjectStore({ client: new S3Client({}), bucket: getStringFromEnv(process.env, 'LAKE_BUCKET') });
const table = new DynamoDbTriageStore({ client: new DynamoDBClient({}), tableName: getStringFromEnv(process.env, 'DEDUP_TABLE') });
const sns = new SNSClient({});
const topicArn = getStringFromEnv(process.env, 'TOPIC_ARN');

export const handler = async (event: Partial<AwsBoardRequest>): Promise<unknown> => {
  const req: AwsBoardRequest = {
    mode: event.mode === 'digest' ? 'digest' : 'board',
    sweptAt: event.sweptAt,
    sweepStatus: event.sweepStatus,
  };
  const out = await runAwsBoardJob(req, {
    store,
    table,
    hunts,
    pack,
    since: process.env.RETRO_SINCE ?? '2019-01-01',
    agencies: (process.env.AGENCIES ?? '').split(',').filter(Boolean),
    now: () => new Date(),
    // No `agency` attribute: agency owners' subscriptions filter on it, so only the security team receives the digest.
    publish: async (subject, body) => {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject,
          Message: body.length > 200_000 ? `${body.slice(0, 200_000)}\n... (cut: see the board)` : body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'digest' } },
        }),
      );
    },
  });
  const { board: _board, digest: _digest, ...summary } = out;
  logger.info('board written', summary);
  return summary;
};
