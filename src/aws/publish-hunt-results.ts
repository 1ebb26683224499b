/**
 * After a hunt's Athena query succeeded: read its result rows, turn them into
 * findings (the same pure function as the CLI), keep the ones never reported,
 * publish them to the owners and record them. Used by the publish Lambda.
 */
import type { Finding, Hunt } from '../hunt';
import { findingMessage, type NotificationMessage } from '../notify';
import { unbatchRows } from '../sweep';

export interface PublishRequest {
  readonly run_id: string;
  readonly trigger?: string;
  readonly hunt_id: string;
  readonly query_execution_id: string;
  readonly output_location?: string;
  readonly data_scanned_bytes?: number;
}

export interface PublishOutcome {
  readonly hunt_id: string;
  readonly ok: true;
  readonly findings: number;
  readonly new_findings: number;
  readonly data_scanned_bytes: number;
}

/** The ports the step needs; adapters are injected (Athena, DynamoDB, SNS in Lambda; fakes in tests). */
export interface PublishPorts {
  /** Reads all result rows of a finished query. */
  readonly readResults: (queryExecutionId: string) => Promise<Record<string, unknown>[]>;
  /** Result rows -> findings (src/hunt: `rowsToFindings`). */
  readonly toFindings: (hunt: Hunt, rows: readonly Record<string, unknown>[]) => Finding[];
  readonly dedup: { filterNew(f: readonly Finding[]): Promise<Finding[]>; markSeen(f: readonly Finding[]): Promise<void> };
  readonly publish: (messages: readonly NotificationMessage[]) => Promise<unknown>;
  /** The deployed hunts (bundled with the Lambda). */
  readonly hunts: readonly Hunt[];
}

/** Thrown when the request names a hunt that is not deployed with this function. */
export class UnknownHuntError extends Error {
  constructor(readonly huntId: string) {
    super(`hunt ${huntId} is not in the deployed pack: redeploy so the state machine and the functions carry the same queries`);
    this.name = 'UnknownHuntError';
  }
}

/**
 * Reads, converts, deduplicates and publishes one hunt's results.
 * Order: publish first, then mark as seen (a crash in between repeats an alert, never loses one).
 */
export async function publishHuntResults(req: PublishRequest, ports: PublishPorts): Promise<PublishOutcome> {
  const hunt = ports.hunts.find((h) => h.meta.id === req.hunt_id);
  if (!hunt) throw new UnknownHuntError(req.hunt_id);
  const rows = await ports.readResults(req.query_execution_id);
  const findings = ports.toFindings(hunt, rows);
  const fresh = await ports.dedup.filterNew(findings);
  if (fresh.length > 0) {
    try {
      await ports.publish(
        fresh.map((f) =>
          findingMessage(f, {
            description: hunt.meta.description,
            runbook: hunt.meta.runbook,
            references: hunt.meta.references,
            resultLocation: req.output_location,
            queryExecutionId: req.query_execution_id,
          }),
        ),
      );
    } catch (err) {
      // Record what did go out before failing: the step's retry then sends only the rest.
      const sent = (err as { published?: readonly number[] }).published ?? [];
      if (sent.length > 0) await ports.dedup.markSeen(sent.map((k) => fresh[k]));
      throw err;
    }
    await ports.dedup.markSeen(fresh);
  }
  return {
    hunt_id: req.hunt_id,
    ok: true,
    findings: findings.length,
    new_findings: fresh.length,
    data_scanned_bytes: req.data_scanned_bytes ?? 0,
  };
}

/** A batch's Athena result (src/sweep/batch.ts): its hunts, each with its output column names. */
export interface PublishBatchRequest {
  readonly run_id: string;
  readonly trigger?: string;
  readonly batch: {
    readonly batch_id: string;
    readonly hunts: readonly { readonly hunt_id: string; readonly columns: readonly string[] }[];
  };
  readonly query_execution_id: string;
  readonly output_location?: string;
  readonly data_scanned_bytes?: number;
}

/** One hunt's outcome in a batch: published, or failed with the reason (the others are published regardless). */
export type BatchHuntOutcome =
  PublishOutcome | { readonly hunt_id: string; readonly ok: false; readonly error: string; readonly cause: string };

/**
 * Reads a batch's rows once, splits them per hunt (unbatchRows) and publishes each hunt's findings as
 * {@link publishHuntResults} does. A hunt whose rows cannot be turned into findings or published is reported failed
 * (its error and cause cut to `maxError` / `maxCause` characters) without costing the batch's other hunts. The bytes
 * the batch scanned are shared out evenly.
 */
export async function publishBatchResults(
  req: PublishBatchRequest,
  ports: PublishPorts,
  limits: { maxError: number; maxCause: number },
): Promise<BatchHuntOutcome[]> {
  const rows = await ports.readResults(req.query_execution_id);
  const split = unbatchRows({ sql: '', hunts: req.batch.hunts.map((h) => ({ hunt_id: h.hunt_id, columns: [...h.columns] })) }, rows);
  const share = Math.round((req.data_scanned_bytes ?? 0) / Math.max(1, req.batch.hunts.length));
  const out: BatchHuntOutcome[] = [];
  for (const h of req.batch.hunts) {
    try {
      out.push(
        await publishHuntResults(
          {
            run_id: req.run_id,
            trigger: req.trigger,
            hunt_id: h.hunt_id,
            query_execution_id: req.query_execution_id,
            output_location: req.output_location,
            data_scanned_bytes: share,
          },
          { ...ports, readResults: () => Promise.resolve(split.get(h.hunt_id) ?? []) },
        ),
      );
    } catch (err) {
      const e = err as Error;
      out.push({
        hunt_id: h.hunt_id,
        ok: false,
        error: String(e.name ?? 'Error').slice(0, limits.maxError),
        cause: String(e.message ?? e).slice(0, limits.maxCause),
      });
    }
  }
  return out;
}
