/**
 * After a hunt's Athena query succeeded: read its result rows, turn them into
 * findings (the same pure function as the CLI), keep the ones never reported,
 * publish them to the owners and record them. Used by the publish Lambda.
 */
import type { Finding, Hunt } from '../hunt';
import { findingMessage, type NotificationMessage } from '../notify';

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
