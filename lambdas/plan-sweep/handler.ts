/**
 * Plan step of the hunt state machine: the run's window, agencies and one
 * Athena query per deployed hunt (src/aws/sweep-plan.ts). The hunt pack is
 * bundled with the function (`/var/task/queries`).
 *
 * Scheduled retro-hunts are incremental (src/sweep/sweep-state.ts): the plan
 * reads the sweep state kept in the lake bucket (`sweep-state/`) and writes the
 * run's candidate state; the same function, called with `{ commit }` after the
 * hunts ran, promotes it without the hunts that failed.
 *
 * With CANDIDATES_DATABASE and RESULTS_BUCKET set, runs are staged (src/aws/sweep-plan.ts planStagedQueries): the plan
 * holds one CTAS per lake table and scope group (candidate tables under the results bucket's `candidates/<run_id>/`)
 * and the hunts in batches over them. Their query texts are written to the run's `candidates/<run_id>/_queries/` and
 * the plan returned to the state machine carries only their keys (src/aws/sweep-plan.ts splitQueryTexts); called with
 * `{ cleanup }` after the run (succeeded or not), the function deletes the run's candidates prefix, texts included
 * (the state machine drops the tables first).
 */
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import {
  candidatesPrefix,
  getStringFromEnv,
  S3ObjectStore,
  planSweep,
  splitQueryTexts,
  type SweepPlanState,
  type SweepRequest,
} from '../../src/aws';
import { loadQueries } from '../../src/hunt';
import { commitSweepState, storedIndicatorsDigest } from '../../src/sweep';

/** After the hunts ran: the run, its candidate state (null: none) and each planned hunt's outcome. */
export interface CommitRequest {
  readonly commit: {
    readonly run_id: string;
    readonly state_key: string | null;
    readonly results: readonly { hunt_id: string; ok: boolean }[];
  };
}

export interface CommitOutcome {
  readonly committed: boolean;
  /** Hunts the state now records as having swept the lake. */
  readonly hunts_recorded: number;
}

/** After a staged run, whatever its outcome: the run's candidate files to delete. */
export interface CleanupRequest {
  readonly cleanup: { readonly run_id: string; readonly prefix: string };
}

export interface CleanupOutcome {
  readonly deleted: number;
}

const logger = new Logger({ serviceName: 'sweep-plan' });
const lake = new S3ObjectStore({ client: new S3Client({}), bucket: getStringFromEnv(process.env, 'LAKE_BUCKET') });
const agencies = getStringFromEnv(process.env, 'AGENCIES').split(',');
const retroSince = getStringFromEnv(process.env, 'RETRO_SINCE');
const incremental = (process.env.INCREMENTAL_RETRO_HUNTS ?? 'true') === 'true';
const candidatesDatabase = process.env.CANDIDATES_DATABASE ?? '';
const resultsBucket = process.env.RESULTS_BUCKET ?? '';
const staged = candidatesDatabase && resultsBucket ? { database: candidatesDatabase, bucket: resultsBucket } : undefined;
const results = staged ? new S3ObjectStore({ client: new S3Client({}), bucket: resultsBucket }) : undefined;
const pack = loadQueries(process.env.QUERIES_DIR ?? path.join(__dirname, 'queries'));
if (pack.broken.length > 0)
  logger.error('hunt files that do not load are skipped', { broken: pack.broken.map((b) => ({ path: b.path, error: b.error.message })) });

export async function handler(event: CleanupRequest): Promise<CleanupOutcome>;
export async function handler(event: CommitRequest): Promise<CommitOutcome>;
export async function handler(event: SweepRequest): Promise<SweepPlanState>;
export async function handler(
  event: SweepRequest | CommitRequest | CleanupRequest,
): Promise<SweepPlanState | CommitOutcome | CleanupOutcome> {
  if ('cleanup' in event) {
    const { run_id, prefix } = event.cleanup;
    // Only a run's own prefix: the request comes from the plan this function wrote.
    if (!results || prefix !== candidatesPrefix(run_id)) throw new Error(`not a staged run's candidates prefix: ${prefix}`);
    const keys = (await results.list(prefix)).map((o) => o.key);
    for (const key of keys) await results.delete(key);
    logger.info('candidates deleted', { run_id, prefix, deleted: keys.length });
    return { deleted: keys.length };
  }
  if ('commit' in event) {
    const { run_id, state_key, results } = event.commit;
    const recorded = state_key === null ? null : await commitSweepState(lake, run_id, results);
    logger.info('sweep state', {
      run_id,
      committed: recorded !== null,
      hunts_recorded: recorded?.length ?? 0,
      failed: results.filter((r) => !r.ok).map((r) => r.hunt_id),
    });
    return { committed: recorded !== null, hunts_recorded: recorded?.length ?? 0 };
  }
  const state = incremental ? { store: lake, indicatorsDigest: () => storedIndicatorsDigest(lake) } : undefined;
  const plan = await planSweep(event, {
    lake,
    hunts: pack.hunts,
    agencies,
    retroSince,
    today: new Date().toISOString().slice(0, 10),
    state,
    staged,
  });
  const { state: planned, texts } = splitQueryTexts(plan);
  if (texts.length > 0 && !results) throw new Error('a staged plan without a results bucket to hold its query texts');
  for (const t of texts) await results!.put(t.key, t.text);
  logger.info('sweep planned', {
    run_id: plan.run_id,
    trigger: plan.trigger,
    since: plan.since,
    until: plan.until,
    agencies: plan.agencies,
    hunts: plan.hunts.length,
    selections: plan.staged?.selections.length ?? 0,
    batches: plan.staged?.batches.map((b) => b.hunts.length) ?? [],
    note: plan.note,
    modes: plan.hunts.map((h) => `${h.hunt_id}:${h.mode ?? 'full'}`),
    skipped: plan.skipped?.length ?? 0,
    query_texts: texts.length,
  });
  return planned;
}
