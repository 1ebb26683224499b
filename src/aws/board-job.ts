/**
 * The board and the digest on AWS (the board-digest Lambda): built without Athena from what the deployment keeps,
 * the upload manifests in the lake bucket (uploads, coverage per host and family: each upload's first..last event),
 * the findings and triage decisions in the dedup table, and the deployed hunt pack. Written to the lake bucket's
 * private `board/` prefix after each sweep; on the digest schedule the changes since the last digest also go to the
 * security team through SNS (without an `agency` attribute, so no agency owner's filtered subscription gets it).
 */
import { INDICATORS_PREFIX, readText, ObjectNotFoundError } from '../core';
import type { ObjectStore } from '../core';
import type { Hunt, SweepRecord, Finding } from '../hunt';
import { triageStates } from '../hunt';
import {
  buildBoard,
  coverageFromManifests,
  uploadSummary,
  type Board,
  renderBoard,
  BOARD_HTML_KEY,
  BOARD_JSON_KEY,
  BOARD_PREFIX,
  readManifests,
  diffDigest,
  digestSubject,
  isQuiet,
  renderDigestText,
  snapshotOf,
  type Digest,
  type DigestSnapshot,
} from '../report';
import type { DynamoDbTriageStore } from './dynamodb-triage-store';
import { INDICATORS_PARQUET_NAME } from './indicators-parquet';

export const DIGEST_STATE_KEY = `${BOARD_PREFIX}digest-state.json`;

export interface AwsBoardPorts {
  /** The lake bucket. */
  readonly store: ObjectStore;
  /** The dedup table: reported findings and triage decisions. */
  readonly table: Pick<DynamoDbTriageStore, 'list' | 'reportedFindings'>;
  /** The deployed hunts. */
  readonly hunts: readonly Hunt[];
  /** Hash of the deployed pack, and the indicator feed versions (deployed CSV). */
  readonly pack: { readonly sha256: string; readonly files: number };
  readonly since: string;
  readonly now: () => Date;
  /** Sends the digest (subject, plain-text body) to the security team. */
  readonly publish: (subject: string, body: string) => Promise<void>;
  /** Agencies of the deployment (listed even before their first upload). */
  readonly agencies?: readonly string[];
}

export interface AwsBoardRequest {
  /** `board`: regenerate after a sweep; `digest`: regenerate, then send the changes since the last digest. */
  readonly mode: 'board' | 'digest';
  /** When the sweep ended (the Step Functions event time), for the board's "last sweep". */
  readonly sweptAt?: string;
  readonly sweepStatus?: string;
}

export interface AwsBoardOutcome {
  readonly mode: 'board' | 'digest';
  readonly agencies: number;
  readonly hosts: number;
  readonly open: number;
  readonly badManifests: number;
  /** Digest mode: whether a message was sent (nothing new and no coverage missing: nothing is sent). */
  readonly digestSent?: boolean;
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T | null> {
  try {
    return JSON.parse(await readText(store, key)) as T;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return null;
    throw err;
  }
}

/** Builds and writes the board; in digest mode also diffs against the last digest, publishes and saves the state. */
export async function runAwsBoardJob(
  req: AwsBoardRequest,
  ports: AwsBoardPorts,
): Promise<AwsBoardOutcome & { board: Board; digest?: Digest }> {
  const now = ports.now();
  let bad = 0;
  const manifests = await readManifests(ports.store, () => {
    bad++;
  });
  const titles = new Map(ports.hunts.map((h) => [h.meta.id, h.meta]));
  const findings: Finding[] = (await ports.table.reportedFindings()).map((r) => ({
    hunt_id: r.hunt_id,
    title: r.title ?? titles.get(r.hunt_id)?.name ?? r.hunt_id,
    severity: r.severity,
    cves: [...(titles.get(r.hunt_id)?.cves ?? [])],
    attack: [],
    agency: r.agency,
    host: r.host,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    count: 1,
    evidence: r.evidence ?? {},
    fingerprint: r.fingerprint,
  }));
  const triage = triageStates(await ports.table.list(), findings);
  const previous = await readJson<Board>(ports.store, BOARD_JSON_KEY);
  const indicators = await indicatorVersion(ports.store);
  const lastSweep: SweepRecord | null = req.sweptAt
    ? {
        swept_at: req.sweptAt,
        engine: 'athena',
        window: { since: ports.since, until: now.toISOString().slice(0, 10) },
        pack: { sha256: ports.pack.sha256, hunts: ports.hunts.length, files: ports.pack.files },
        indicators,
        findings: findings.length,
        new_findings: 0,
        errors: req.sweepStatus && req.sweepStatus !== 'SUCCEEDED' ? 1 : 0,
      }
    : (previous?.last_sweep ?? null);
  const board = buildBoard({
    generatedAt: now,
    since: ports.since,
    until: now.toISOString().slice(0, 10),
    uploads: manifests.map(uploadSummary),
    coverage: coverageFromManifests(manifests),
    hunts: ports.hunts,
    findings,
    triage,
    lastSweep,
    expectedAgencies: ports.agencies,
  });
  await ports.store.put(BOARD_HTML_KEY, renderBoard(board));
  await ports.store.put(BOARD_JSON_KEY, JSON.stringify(board, null, 2) + '\n');
  const base = {
    mode: req.mode,
    agencies: board.totals.agencies,
    hosts: board.totals.hosts,
    open: Object.values(board.totals.open).reduce((a, b) => a + b, 0),
    badManifests: bad,
    board,
  };
  if (req.mode !== 'digest') return base;
  const prev = await readJson<DigestSnapshot>(ports.store, DIGEST_STATE_KEY);
  const digest = diffDigest(prev, board);
  const send = !isQuiet(digest) || digest.missing_coverage.length > 0;
  // Published first, then the state saved: a failure in between repeats a digest rather than losing one.
  if (send) await ports.publish(digestSubject(digest), renderDigestText(digest));
  await ports.store.put(DIGEST_STATE_KEY, JSON.stringify(snapshotOf(board), null, 2) + '\n');
  return { ...base, digest, digestSent: send };
}

/** The deployed indicators file's hash (the stack deploys one Parquet file, src/aws/indicators-parquet.ts), or none. */
async function indicatorVersion(store: ObjectStore): Promise<SweepRecord['indicators']> {
  const { createHash } = await import('node:crypto');
  try {
    const file = `${INDICATORS_PREFIX}${INDICATORS_PARQUET_NAME}`;
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of await store.get(file)) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      hash.update(b);
      bytes += b.length;
    }
    return [{ file, sha256: hash.digest('hex').slice(0, 12), bytes }];
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return [];
    throw err;
  }
}
