/**
 * Triage decisions on findings: true positive, benign or false positive, with a note and who decided. Stored beside
 * the dedup record (`<out>/findings/triage.jsonl` locally, the dedup table on AWS), so re-runs keep them.
 *
 * A benign or false-positive decision closes its fingerprint: it is never alerted again and does not count towards
 * the host's verdict. It re-opens when new evidence for the same hunt and host shows up: a finding of that hunt and
 * host the decider did not see (its fingerprint was not among the findings known when deciding), or new hits of the
 * decided finding itself (its last_seen moved past the one decided on). Pure functions here; the stores are adapters.
 */
import type { Finding } from './types';

export const TRIAGE_STATUSES = ['true-positive', 'benign', 'false-positive'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

/** One decision (the latest one per fingerprint wins). */
export interface TriageDecision {
  readonly fingerprint: string;
  readonly status: TriageStatus;
  readonly note: string;
  readonly by: string;
  /** ISO-8601 UTC of the decision. */
  readonly decided_at: string;
  readonly hunt_id: string;
  readonly agency: string;
  readonly host: string | null;
  /** last_seen of the finding when decided: later hits are new evidence. */
  readonly last_seen: string;
  /** Fingerprints of the same hunt, agency and host known when deciding: any other one is new evidence. */
  readonly known: readonly string[];
}

/** What a decision needs to know of a finding (the dedup table on AWS has no more). */
export type DecidableFinding = Pick<Finding, 'fingerprint' | 'hunt_id' | 'agency' | 'host' | 'last_seen'>;

/** A decision as it stands against the current findings. */
export interface TriageState {
  readonly decision: TriageDecision;
  /** Fingerprints of the findings that re-open it (empty: the decision stands). */
  readonly reopenedBy: readonly string[];
  /** Closed: benign or false positive, and not re-opened. */
  readonly closed: boolean;
}

/** Thrown for a decision that cannot be recorded (bad status, unknown or ambiguous fingerprint). */
export class TriageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TriageError';
  }
}

/** Where decisions are kept: the local JSON-lines file or the DynamoDB table. */
export interface TriageStore {
  /** Every fingerprint's latest decision. */
  list(): Promise<TriageDecision[]>;
  record(d: TriageDecision): Promise<void>;
}

export function isTriageStatus(s: string): s is TriageStatus {
  return (TRIAGE_STATUSES as readonly string[]).includes(s);
}

const sameHuntHost = (f: { hunt_id: string; agency: string; host: string | null }, d: TriageDecision): boolean =>
  f.hunt_id === d.hunt_id && f.agency === d.agency && f.host === d.host;

/**
 * Makes a decision for `finding`; `all` are the findings known now (the same hunt and host among them become `known`).
 */
export function makeDecision(
  finding: DecidableFinding,
  all: readonly DecidableFinding[],
  input: { status: string; note: string; by: string; at: Date },
): TriageDecision {
  if (!isTriageStatus(input.status)) throw new TriageError(`--status must be one of ${TRIAGE_STATUSES.join(', ')}, got "${input.status}"`);
  const base = { fingerprint: finding.fingerprint, hunt_id: finding.hunt_id, agency: finding.agency, host: finding.host } as const;
  const known = [
    ...new Set(all.filter((f) => f.hunt_id === base.hunt_id && f.agency === base.agency && f.host === base.host).map((f) => f.fingerprint)),
  ];
  if (!known.includes(finding.fingerprint)) known.push(finding.fingerprint);
  return {
    ...base,
    status: input.status,
    note: input.note,
    by: input.by,
    decided_at: input.at.toISOString(),
    last_seen: finding.last_seen,
    known: known.sort(),
  };
}

/** The latest decision per fingerprint (later `decided_at` wins; on a tie, the later line). */
export function latestDecisions(decisions: readonly TriageDecision[]): Map<string, TriageDecision> {
  const out = new Map<string, TriageDecision>();
  for (const d of decisions) {
    const prev = out.get(d.fingerprint);
    if (!prev || d.decided_at >= prev.decided_at) out.set(d.fingerprint, d);
  }
  return out;
}

/**
 * Each decision against the current findings: re-opened by findings of the same hunt and host it did not know (unless
 * they are closed themselves), or by later hits of its own finding.
 */
export function triageStates(decisions: readonly TriageDecision[], findings: readonly Finding[]): Map<string, TriageState> {
  const latest = latestDecisions(decisions);
  const out = new Map<string, TriageState>();
  for (const d of latest.values()) {
    const reopenedBy: string[] = [];
    for (const f of findings) {
      if (!sameHuntHost(f, d)) continue;
      if (f.fingerprint === d.fingerprint) {
        if (f.last_seen > d.last_seen) reopenedBy.push(f.fingerprint);
        continue;
      }
      if (d.known.includes(f.fingerprint)) continue;
      const other = latest.get(f.fingerprint);
      // Another finding already decided benign/false positive is not new evidence for this one.
      if (other && other.status !== 'true-positive' && other.decided_at >= d.decided_at) continue;
      reopenedBy.push(f.fingerprint);
    }
    out.set(d.fingerprint, { decision: d, reopenedBy, closed: d.status !== 'true-positive' && reopenedBy.length === 0 });
  }
  return out;
}

/** Fingerprints closed by triage (benign / false positive, not re-opened). */
export function closedFingerprints(states: ReadonlyMap<string, TriageState>): Set<string> {
  return new Set([...states.values()].filter((s) => s.closed).map((s) => s.decision.fingerprint));
}

/** The findings still open (not closed by triage). */
export function openFindings(findings: readonly Finding[], states: ReadonlyMap<string, TriageState>): Finding[] {
  const closed = closedFingerprints(states);
  return findings.filter((f) => !closed.has(f.fingerprint));
}

/** The triage label shown beside a finding: `benign (re-opened)`, `true-positive`, or null when undecided. */
export function triageLabel(s: TriageState | undefined): string | null {
  if (!s) return null;
  return s.reopenedBy.length > 0 && s.decision.status !== 'true-positive'
    ? `${s.decision.status}, re-opened by new evidence`
    : s.decision.status;
}

/**
 * Wraps a dedup store so closed fingerprints are never alerted, whatever the dedup record says (a lost or fresh
 * seen record must not resend what the team decided). Decisions are judged against the findings being filtered.
 */
export function withTriage(
  dedup: { filterNew(f: readonly Finding[]): Promise<Finding[]>; markSeen(f: readonly Finding[]): Promise<void> },
  triage: Pick<TriageStore, 'list'>,
): { filterNew(f: readonly Finding[]): Promise<Finding[]>; markSeen(f: readonly Finding[]): Promise<void> } {
  return {
    async filterNew(findings) {
      const fresh = await dedup.filterNew(findings);
      const shut = closedFingerprints(triageStates(await triage.list(), findings));
      return fresh.filter((f) => !shut.has(f.fingerprint));
    },
    markSeen: (findings) => dedup.markSeen(findings),
  };
}

/** Finds a finding by full fingerprint or by a unique prefix of at least 8 characters. */
export function findByFingerprint<T extends { fingerprint: string }>(items: readonly T[], fp: string): T {
  const want = fp.trim().toLowerCase();
  if (want.length < 8) throw new TriageError(`fingerprint "${fp}" is too short: give at least 8 characters`);
  const exact = items.find((f) => f.fingerprint === want);
  if (exact) return exact;
  const hits = [...new Map(items.filter((f) => f.fingerprint.startsWith(want)).map((f) => [f.fingerprint, f])).values()];
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) throw new TriageError(`no finding with fingerprint ${fp} in the last sweep's findings`);
  throw new TriageError(`fingerprint prefix ${fp} matches ${hits.length} findings: give more characters`);
}
