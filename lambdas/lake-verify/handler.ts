/**
 * Lake verify Lambda (src/aws/lake-verify-job.ts): on its schedule, every committed lake file is checked against its
 * manifest and every damaged upload is sent back to the normalizer queue, which rebuilds it from the raw upload; when
 * a hunt query fails in the hunt workgroup (Athena "Query State Change" FAILED), the uploads whose lake files the
 * error names are checked and repaired the same way.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getStringFromEnv, S3ObjectStore, uploadsNamedByFailure, verifyLakeJob } from '../../src/aws';

const logger = new Logger({ serviceName: 'sweep-lake-verify' });
const s3 = new S3Client({});
const sqs = new SQSClient({});
const athena = new AthenaClient({});
const uploadBucket = getStringFromEnv(process.env, 'UPLOAD_BUCKET');
const queueUrl = getStringFromEnv(process.env, 'QUEUE_URL');
const ports = {
  lake: new S3ObjectStore({ client: s3, bucket: getStringFromEnv(process.env, 'LAKE_BUCKET') }),
  uploads: new S3ObjectStore({ client: s3, bucket: uploadBucket }),
  uploadBucket,
  enqueue: async (body: string) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  },
};

/** An EventBridge event: the schedule ("Scheduled Event") or an Athena query state change. */
interface VerifyEvent {
  readonly 'detail-type'?: string;
  readonly detail?: { readonly currentState?: string; readonly queryExecutionId?: string };
}

export const handler = async (event: VerifyEvent): Promise<unknown> => {
  if (event['detail-type'] === 'Athena Query State Change') {
    const id = event.detail?.queryExecutionId;
    if (event.detail?.currentState !== 'FAILED' || !id) return { skipped: 'not a failed query' };
    const q = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
    const message = `${q?.Status?.AthenaError?.ErrorMessage ?? ''} ${q?.Status?.StateChangeReason ?? ''}`;
    const uploads = uploadsNamedByFailure(message);
    if (uploads.length === 0) {
      logger.info('failed query names no lake file: nothing to repair', { queryExecutionId: id });
      return { queryExecutionId: id, uploads };
    }
    const report = await verifyLakeJob(ports, { uploads });
    logger.info('uploads named by a failed query checked', {
      queryExecutionId: id,
      uploads,
      repairs: report.repairs,
      unrepairable: report.unrepairable,
    });
    if (report.unrepairable.length) logger.error('damaged uploads whose raw upload is gone', { unrepairable: report.unrepairable });
    return { queryExecutionId: id, uploads, repairs: report.repairs.length, unrepairable: report.unrepairable.length };
  }
  const report = await verifyLakeJob(ports);
  logger.info('lake verified', {
    manifests: report.manifests,
    filesChecked: report.filesChecked,
    bytesHashed: report.bytesHashed,
    gaps: report.gaps.length,
    repairs: report.repairs,
  });
  if (report.unrepairable.length) logger.error('damaged uploads whose raw upload is gone', { unrepairable: report.unrepairable });
  return {
    manifests: report.manifests,
    gaps: report.gaps.length,
    repairs: report.repairs.length,
    unrepairable: report.unrepairable.length,
  };
};
