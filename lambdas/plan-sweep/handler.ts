/**
 * Plan step of the hunt state machine: the run's window, agencies and one
 * Athena query per deployed hunt (src/aws/sweep-plan.ts). The hunt pack is
 * bundled with the function (`/var/task/queries`).
 */
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { getStringFromEnv } from '../../src/aws/env';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { planSweep, type SweepPlan, type SweepRequest } from '../../src/aws/sweep-plan';
import { loadQueries } from '../../src/hunt/query-file';

const logger = new Logger({ serviceName: 'sweep-plan' });
const lake = new S3ObjectStore({ client: new S3Client({}), bucket: getStringFromEnv(process.env, 'LAKE_BUCKET') });
const agencies = getStringFromEnv(process.env, 'AGENCIES').split(',');
const retroSince = getStringFromEnv(process.env, 'RETRO_SINCE');
const pack = loadQueries(process.env.QUERIES_DIR ?? path.join(__dirname, 'queries'));
if (pack.broken.length > 0) logger.error('hunt files that do not load are skipped', { broken: pack.broken.map((b) => ({ path: b.path, error: b.error.message })) });

export const handler = async (event: SweepRequest): Promise<SweepPlan> => {
  const plan = await planSweep(event, { lake, hunts: pack.hunts, agencies, retroSince, today: new Date().toISOString().slice(0, 10) });
  logger.info('sweep planned', { run_id: plan.run_id, trigger: plan.trigger, since: plan.since, until: plan.until, agencies: plan.agencies, hunts: plan.hunts.length, note: plan.note });
  return plan;
};
