/**
 * Normalizer Lambda: SQS messages carrying S3 "Object Created" events
 * (EventBridge) for `uploads/agency=<id>/<upload-id>/<file>` -> the whole
 * upload is normalized into the lake (src/aws/normalize-upload-job.ts).
 * Uploads past LARGE_UPLOAD_BYTES go to the Fargate task instead (same code,
 * no 15-minute or 10 GiB limit); S3 console folder markers are skipped.
 * Partial batch failures: only the failed message is retried, then dead-lettered.
 */
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  getStringFromEnv,
  LargeUploadTask,
  routeUpload,
  normalizeUploadJob,
  S3ObjectStore,
  SnsNotifier,
  uploadEventOf,
} from '../../src/aws';
import { loadQueries } from '../../src/hunt';
import { huntNeed } from '../../src/upload';

const logger = new Logger({ serviceName: 'sweep-normalizer' });
const s3 = new S3Client({});
const uploads = new S3ObjectStore({ client: s3, bucket: getStringFromEnv(process.env, 'UPLOAD_BUCKET') });
const lake = new S3ObjectStore({ client: s3, bucket: getStringFromEnv(process.env, 'LAKE_BUCKET') });
const processor = new BatchProcessor(EventType.SQS);
// Receipts go to the findings topic (same agency routing); absent when the construct was given no topic.
const receipts = process.env.TOPIC_ARN ? new SnsNotifier({ client: new SNSClient({}), topicArn: process.env.TOPIC_ARN }) : null;
const needs = loadQueries(process.env.QUERIES_DIR ?? path.join(__dirname, 'queries')).hunts.map(huntNeed);
// Agency id -> zone of its export times without an offset (checked by the deployment config); absent: UTC for all.
const agencyTimeZones = process.env.AGENCY_TIME_ZONES ? (JSON.parse(process.env.AGENCY_TIME_ZONES) as Record<string, string>) : {};
// The large-upload path, when the construct configured one.
const largeUploadBytes = process.env.LARGE_UPLOAD_BYTES ? Number(process.env.LARGE_UPLOAD_BYTES) : null;
const largeTask = process.env.LARGE_UPLOAD_TASK ? largeUploadTask(JSON.parse(process.env.LARGE_UPLOAD_TASK) as LargeTaskConfig) : null;

type LargeTaskConfig = Omit<ConstructorParameters<typeof LargeUploadTask>[0], 'client' | 'codeUrl'> & {
  codeBucket: string;
  codeKey: string;
};

function largeUploadTask(c: LargeTaskConfig): LargeUploadTask {
  const { codeBucket, codeKey, ...rest } = c;
  // The container fetches the task bundle with this link: the image needs no SDK and no credentials to start.
  const codeUrl = () => getSignedUrl(s3, new GetObjectCommand({ Bucket: codeBucket, Key: codeKey }), { expiresIn: 3600 });
  return new LargeUploadTask({ client: new ECSClient({}), codeUrl, ...rest });
}

async function recordHandler(record: SQSRecord): Promise<void> {
  const event = uploadEventOf(record.body, record.messageId);
  if (event.kind === 'folder') {
    logger.info('folder marker skipped: nothing to normalize', { key: event.key });
    return;
  }
  if (largeTask && largeUploadBytes !== null) {
    const route = await routeUpload(uploads, event.key, largeUploadBytes);
    if (route.where === 'task') {
      const taskArn = await largeTask.start(event.key, record.messageId);
      logger.info('large upload handed to the Fargate task', { key: event.key, bytes: route.bytes, objects: route.objects, taskArn });
      return;
    }
  }
  const out = await normalizeUploadJob(event.key, {
    uploads,
    lake,
    needs,
    agencyTimeZones,
    tmpRoot: tmpdir(),
    ...(receipts ? { publish: (m: Parameters<SnsNotifier['publish']>[0]) => receipts.publish(m) } : {}),
  });
  logger.info('upload normalized', {
    agency: out.agency,
    uploadId: out.uploadId,
    objects: out.objects.length,
    written: out.written.length,
    removed: out.removed.length,
    manifestKey: out.manifestKey,
  });
}

export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context });
