/**
 * Entry point of the large-upload Fargate task: normalizes the one upload named by UPLOAD_KEY with the same job as
 * the normalizer Lambda (src/aws/normalize-upload-job.ts), then exits 0; any failure exits 1, which the
 * "large upload failed" rule turns into a dead-letter message (alarm, redrive).
 * The hunt pack comes from the lake bucket's `hunts/` prefix, where the deployment publishes it.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { readText } from '../../src/core';
import { getStringFromEnv, normalizeUploadJob, S3ObjectStore, SnsNotifier, UPLOAD_KEY_VARIABLE } from '../../src/aws';
import { loadQueries } from '../../src/hunt';
import { huntNeed } from '../../src/upload';

function log(level: 'INFO' | 'ERROR', message: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ level, message, service: 'sweep-normalizer-task', timestamp: new Date().toISOString(), ...extra })}\n`,
  );
}

/** Runs the task; resolves with the process exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const key = getStringFromEnv(env, UPLOAD_KEY_VARIABLE);
  const s3 = new S3Client({});
  const uploads = new S3ObjectStore({ client: s3, bucket: getStringFromEnv(env, 'UPLOAD_BUCKET') });
  const lake = new S3ObjectStore({ client: s3, bucket: getStringFromEnv(env, 'LAKE_BUCKET') });
  const tmpRoot = env.WORK_DIR ?? tmpdir();
  const packDir = await mkdtemp(path.join(tmpRoot, 'hunts-'));
  try {
    for (const o of await lake.list('hunts/')) {
      const file = path.join(packDir, o.key.slice('hunts/'.length));
      if (!file.startsWith(packDir + path.sep) || o.key.endsWith('/')) continue;
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, await readText(lake, o.key));
    }
    const needs = loadQueries(packDir).hunts.map(huntNeed);
    const receipts = env.TOPIC_ARN ? new SnsNotifier({ client: new SNSClient({}), topicArn: env.TOPIC_ARN }) : null;
    const out = await normalizeUploadJob(key, {
      uploads,
      lake,
      needs,
      tmpRoot,
      agencyTimeZones: env.AGENCY_TIME_ZONES ? (JSON.parse(env.AGENCY_TIME_ZONES) as Record<string, string>) : {},
      ...(receipts ? { publish: (m: Parameters<SnsNotifier['publish']>[0]) => receipts.publish(m) } : {}),
    });
    log('INFO', 'upload normalized', {
      key,
      agency: out.agency,
      uploadId: out.uploadId,
      objects: out.objects.length,
      written: out.written.length,
      manifestKey: out.manifestKey,
      // Sizing the task: the peak resident memory of the whole run.
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    });
    return 0;
  } catch (err) {
    log('ERROR', 'upload not normalized', { key, error: (err as Error).message, stack: (err as Error).stack });
    return 1;
  } finally {
    await rm(packDir, { recursive: true, force: true });
  }
}

if (require.main === module || process.env.SWEEP_TASK_MAIN === '1') {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      log('ERROR', 'task failed to start', { error: (err as Error).message });
      process.exit(1);
    },
  );
}
