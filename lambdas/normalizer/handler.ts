/**
 * Normalizer Lambda: SQS messages carrying S3 "Object Created" events
 * (EventBridge) for `uploads/agency=<id>/<upload-id>/<file>` -> the whole
 * upload is normalized into the lake (src/aws/normalize-s3-upload.ts).
 * Partial batch failures: only the failed message is retried, then dead-lettered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { getStringFromEnv } from '../../src/aws/env';
import { normalizeS3Upload } from '../../src/aws/normalize-s3-upload';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { SnsNotifier } from '../../src/aws/sns-notifier';
import { loadQueries } from '../../src/hunt/query-file';
import { huntNeed, receiptMessage } from '../../src/upload';

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

/** The S3 object key of an EventBridge "Object Created" event in an SQS message body. */
function objectKey(record: SQSRecord): string {
  const body = JSON.parse(record.body) as { detail?: { object?: { key?: string } } };
  const key = body.detail?.object?.key;
  if (!key) throw new Error(`message ${record.messageId} carries no detail.object.key`);
  return key;
}

async function recordHandler(record: SQSRecord): Promise<void> {
  const key = objectKey(record);
  const tmp = await mkdtemp(path.join(tmpdir(), 'normalize-'));
  try {
    const out = await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp, agencyTimeZones });
    logger.info('upload normalized', {
      agency: out.agency,
      uploadId: out.uploadId,
      objects: out.objects.length,
      written: out.written.length,
      removed: out.removed.length,
      manifestKey: out.manifestKey,
    });
    // A failed receipt fails the record: SQS redelivers it and the idempotent re-run publishes again.
    if (receipts) await receipts.publish([receiptMessage(out.manifest, needs)]);
  } finally {
    // /tmp survives between invocations of a warm Lambda: leave nothing behind.
    await rm(tmp, { recursive: true, force: true });
  }
}

export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context });
