/**
 * The security team's digest: what changed on the board since the last digest (new uploads, new findings, verdict
 * changes) and which agencies still miss coverage. A digest compares the board with a snapshot saved by the previous
 * one (`<out>/digest/last.json` locally, `board/digest-state.json` in the lake bucket on AWS); the first digest
 * reports everything as new.
 */
import { severityRank } from '../hunt';
import type { VerdictLevel } from '../hunt';
import type { Board, BoardFinding, UploadSummary } from './board-model';

export const DIGEST_STATE_VERSION = 1;

/** What a digest remembers of the board. */
export interface DigestSnapshot {
  readonly digest_state_version: typeof DIGEST_STATE_VERSION;
  readonly taken_at: string;
  /** `agency/upload-id` of every upload. */
  readonly uploads: readonly string[];
  /** Fingerprints of the open findings. */
  readonly open: readonly string[];
  /** `["agency","host"]` (JSON) -> verdict. */
  readonly verdicts: Readonly<Record<string, VerdictLevel>>;
}

export interface Digest {
  /** When the previous digest was taken (null: the first digest). */
  readonly since: string | null;
  readonly taken_at: string;
  readonly new_uploads: readonly UploadSummary[];
  readonly new_findings: readonly (BoardFinding & { readonly agency: string })[];
  readonly verdict_changes: readonly {
    readonly agency: string;
    readonly host: string | null;
    readonly from: VerdictLevel | null;
    readonly to: VerdictLevel;
  }[];
  /** Agencies whose coverage still has holes, with their requests. */
  readonly missing_coverage: readonly { readonly agency: string; readonly requests: readonly string[] }[];
}

const hostKey = (agency: string, host: string | null): string => JSON.stringify([agency, host]);

export function snapshotOf(board: Board): DigestSnapshot {
  const verdicts: Record<string, VerdictLevel> = {};
  for (const a of board.agencies) for (const h of a.hosts) verdicts[hostKey(a.agency, h.host)] = h.level;
  return {
    digest_state_version: DIGEST_STATE_VERSION,
    taken_at: board.generated_at,
    uploads: board.agencies.flatMap((a) => a.uploads.map((u) => `${u.agency}/${u.upload_id}`)).sort(),
    open: board.agencies.flatMap((a) => a.open.map((f) => f.fingerprint)).sort(),
    verdicts,
  };
}

/** What changed between the previous snapshot (null: none) and the board. */
export function diffDigest(prev: DigestSnapshot | null, board: Board): Digest {
  const seenUploads = new Set(prev?.uploads ?? []);
  const seenOpen = new Set(prev?.open ?? []);
  const verdict_changes: Digest['verdict_changes'][number][] = [];
  for (const a of board.agencies) {
    for (const h of a.hosts) {
      const before = prev?.verdicts[hostKey(a.agency, h.host)] ?? null;
      if (before !== h.level) verdict_changes.push({ agency: a.agency, host: h.host, from: before, to: h.level });
    }
  }
  const new_findings = board.agencies
    .flatMap((a) => a.open.filter((f) => !seenOpen.has(f.fingerprint)).map((f) => ({ ...f, agency: a.agency })))
    .sort((x, y) => severityRank(x.severity) - severityRank(y.severity) || x.agency.localeCompare(y.agency));
  return {
    since: prev?.taken_at ?? null,
    taken_at: board.generated_at,
    new_uploads: board.agencies.flatMap((a) => a.uploads.filter((u) => !seenUploads.has(`${u.agency}/${u.upload_id}`))),
    new_findings,
    verdict_changes,
    missing_coverage: board.agencies.filter((a) => a.requests.length > 0).map((a) => ({ agency: a.agency, requests: a.requests })),
  };
}

/** Nothing new: no upload, finding or verdict change (missing coverage alone is a standing reminder). */
export function isQuiet(d: Digest): boolean {
  return d.new_uploads.length === 0 && d.new_findings.length === 0 && d.verdict_changes.length === 0;
}

/** One-line ASCII subject (SNS e-mail subjects: under 100 characters). */
export function digestSubject(d: Digest): string {
  const s = `Sweep digest: ${d.new_findings.length} new finding(s), ${d.new_uploads.length} upload(s), ${d.verdict_changes.length} verdict change(s)`;
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 99);
}

const MAX_LISTED = 50;
const clip = (s: string, n = 160): string => {
  // Plain text for mail and terminals: control characters (escape sequences from evidence or names) are shown, not run.
  const t = s.replace(
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return t.length > n ? `${t.slice(0, n)}...` : t;
};

/** The digest as plain text (terminal, e-mail body). */
export function renderDigestText(d: Digest): string {
  const out: string[] = [];
  out.push(`Sweep digest ${d.taken_at}${d.since ? ` (changes since ${d.since})` : ' (first digest: everything is new)'}`);
  out.push('');
  out.push(`New uploads: ${d.new_uploads.length}`);
  for (const u of d.new_uploads.slice(0, MAX_LISTED))
    out.push(
      `  ${clip(u.agency)}  ${u.upload_id}  ${u.normalized_at}  ${u.rows} rows, hosts ${clip(u.hosts.join(', ') || '(none named)')}`,
    );
  if (d.new_uploads.length > MAX_LISTED) out.push(`  ... and ${d.new_uploads.length - MAX_LISTED} more (see the board)`);
  out.push('');
  out.push(`New open findings: ${d.new_findings.length}`);
  for (const f of d.new_findings.slice(0, MAX_LISTED))
    out.push(
      `  ${f.severity.toUpperCase().padEnd(8)} ${clip(f.agency)}/${clip(f.host ?? '(unknown host)')}  ${clip(f.title, 100)}  [${f.fingerprint.slice(0, 12)}]`,
    );
  if (d.new_findings.length > MAX_LISTED) out.push(`  ... and ${d.new_findings.length - MAX_LISTED} more (see the board)`);
  out.push('');
  out.push(`Verdict changes: ${d.verdict_changes.length}`);
  for (const v of d.verdict_changes.slice(0, MAX_LISTED))
    out.push(`  ${clip(v.agency)}/${clip(v.host ?? '(unknown host)')}: ${v.from ?? 'new host'} -> ${v.to}`);
  if (d.verdict_changes.length > MAX_LISTED) out.push(`  ... and ${d.verdict_changes.length - MAX_LISTED} more (see the board)`);
  out.push('');
  out.push(`Agencies still missing coverage: ${d.missing_coverage.length}`);
  for (const m of d.missing_coverage.slice(0, MAX_LISTED)) {
    out.push(`  ${clip(m.agency)}: ${m.requests.length} request(s)`);
    for (const r of m.requests.slice(0, 5)) out.push(`    - ${clip(r)}`);
    if (m.requests.length > 5) out.push(`    - ... ${m.requests.length - 5} more on the board`);
  }
  return out.join('\n') + '\n';
}
