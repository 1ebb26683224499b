/**
 * The security team's board as data (`board.json`, and what `board.html` renders): every agency and host, which log
 * families cover which periods since 2019, the verdicts, the open findings by severity, the triage decisions, the last
 * sweep (pack and feed versions), and per agency the logs to ask for next. Pure: the sources (lake, manifests,
 * findings, decisions) are read by the caller, locally or on AWS.
 */
import { FAMILY_LABELS, WINDOWS_EVENT_FAMILIES, type Family } from '../formats';
import type { DayRange, FamilyCoverage, Hunt, SweepRecord } from '../hunt';
import {
  dayRanges,
  severityRank,
  sortFindings,
  openFindings,
  triageLabel,
  type TriageState,
  SEVERITIES,
  type Finding,
  type Severity,
  buildVerdicts,
  type VerdictLevel,
} from '../hunt';
import type { Manifest } from '../lake';

export const BOARD_VERSION = 1;

/** One upload as the board lists it (from its manifest). */
export interface UploadSummary {
  readonly agency: string;
  readonly upload_id: string;
  readonly normalized_at: string;
  readonly rows: number;
  readonly rejected: number;
  readonly hosts: readonly string[];
}

export interface BoardFamily {
  readonly family: string;
  readonly label: string;
  readonly rows: number;
  /** null for snapshots (inventories have no event times). */
  readonly first_event: string | null;
  readonly last_event: string | null;
  readonly ranges: readonly DayRange[];
  readonly channels: readonly string[];
}

export interface BoardFinding {
  readonly fingerprint: string;
  readonly hunt_id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly host: string | null;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly count: number;
  readonly cves: readonly string[];
  readonly evidence: Record<string, unknown>;
  /** `benign`, `true-positive`, `false-positive, re-opened by new evidence`, or null when undecided. */
  readonly triage: string | null;
  readonly triage_note: string | null;
  readonly triage_by: string | null;
  readonly triage_at: string | null;
}

export interface BoardHost {
  readonly host: string | null;
  readonly level: VerdictLevel;
  /** Open findings per severity (closed ones left out). */
  readonly counts: Readonly<Record<Severity, number>>;
  readonly families: readonly BoardFamily[];
}

export interface BoardAgency {
  readonly agency: string;
  readonly uploads: readonly UploadSummary[];
  readonly last_upload: string | null;
  readonly hosts: readonly BoardHost[];
  /** Open findings, most severe first. */
  readonly open: readonly BoardFinding[];
  /** Findings closed by triage (benign, false positive). */
  readonly closed: readonly BoardFinding[];
  /** What to ask the agency for next ("EXCH02: no HttpProxy logs before 2021-02-20"). */
  readonly requests: readonly string[];
}

export interface Board {
  readonly board_version: typeof BOARD_VERSION;
  readonly generated_at: string;
  /** Coverage is judged from `since` (2019-01-01, or earlier data); timelines run to `until` (the latest log). */
  readonly since: string;
  readonly until: string;
  readonly last_sweep: SweepRecord | null;
  readonly totals: {
    readonly agencies: number;
    readonly hosts: number;
    readonly uploads: number;
    readonly levels: Readonly<Record<VerdictLevel, number>>;
    readonly open: Readonly<Record<Severity, number>>;
    readonly closed: number;
    readonly requests: number;
  };
  readonly agencies: readonly BoardAgency[];
}

export interface BoardInput {
  readonly generatedAt: Date;
  readonly since: string;
  readonly until: string;
  readonly uploads: readonly UploadSummary[];
  readonly coverage: readonly FamilyCoverage[];
  readonly hunts: readonly Hunt[];
  readonly findings: readonly Finding[];
  readonly triage: ReadonlyMap<string, TriageState>;
  readonly lastSweep: SweepRecord | null;
  /** Agencies expected to upload (configuration); those without any upload get a request too. @default [] */
  readonly expectedAgencies?: readonly string[];
}

const label = (f: string): string => FAMILY_LABELS[f as Family] ?? `${f} logs`;
const hostName = (h: string | null): string => h ?? '(unknown host)';
const DAY_MS = 86_400_000;
const dayBefore = (d: string): string => new Date(Date.parse(d) - DAY_MS).toISOString().slice(0, 10);
const dayAfter = (d: string): string => new Date(Date.parse(d) + DAY_MS).toISOString().slice(0, 10);
const zero = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

/** A manifest reduced to what the board lists. */
export function uploadSummary(m: Manifest): UploadSummary {
  const hosts = [...new Set(m.coverage.map((c) => c.host).filter((h): h is string => h !== null))].sort();
  return {
    agency: m.agency,
    upload_id: m.upload_id,
    normalized_at: m.normalized_at,
    rows: m.totals.rows,
    rejected: m.totals.lines_rejected + m.totals.rejections,
    hosts,
  };
}

/**
 * Coverage from manifests alone (no SQL): each upload's first..last event per host and family, merged across uploads.
 * Coarser than the lake's day-by-day coverage (gaps inside one upload are not seen): for boards built without a query
 * engine.
 */
export function coverageFromManifests(manifests: readonly Manifest[]): FamilyCoverage[] {
  const acc = new Map<
    string,
    {
      agency: string;
      host: string | null;
      family: string;
      rows: number;
      files: number;
      first: string | null;
      last: string | null;
      days: string[];
    }
  >();
  for (const m of manifests) {
    for (const c of m.coverage) {
      const key = JSON.stringify([m.agency, c.host, c.family]);
      const a = acc.get(key) ?? { agency: m.agency, host: c.host, family: c.family, rows: 0, files: 0, first: null, last: null, days: [] };
      a.rows += c.rows;
      a.files += c.files;
      if (c.first_event && c.last_event) {
        if (!a.first || c.first_event < a.first) a.first = c.first_event;
        if (!a.last || c.last_event > a.last) a.last = c.last_event;
        // Every day of the upload's span counts as covered: the manifest does not say which days inside it had rows.
        for (let d = c.first_event.slice(0, 10); d <= c.last_event.slice(0, 10); d = dayAfter(d)) a.days.push(d);
      }
      acc.set(key, a);
    }
  }
  return [...acc.values()].map((a) => ({
    agency: a.agency,
    host: a.host,
    family: a.family,
    rows: a.rows,
    files: a.files,
    firstEvent: a.first,
    lastEvent: a.last,
    ranges: dayRanges(a.days),
    channels: {},
  }));
}

/** Families of one table are asked for together (any Windows event export will do). */
const WINDOWS = new Set<string>(WINDOWS_EVENT_FAMILIES);

/** The requests for one host: missing periods (before the first log since `since`, long gaps), missing families. */
function hostRequests(host: string | null, cov: readonly FamilyCoverage[], hunts: readonly Hunt[], since: string): string[] {
  const out: string[] = [];
  const h = hostName(host);
  // Windows exports are one source for the request: their union of days.
  const groups = new Map<string, { label: string; ranges: DayRange[] }>();
  for (const c of cov) {
    if (c.firstEvent === null) continue; // snapshots have no period to extend
    const g = WINDOWS.has(c.family) ? 'windows' : c.family;
    const e = groups.get(g) ?? { label: WINDOWS.has(c.family) ? 'Windows event logs' : label(c.family), ranges: [] };
    e.ranges.push(...c.ranges);
    groups.set(g, e);
  }
  for (const g of groups.values()) {
    const days: string[] = [];
    for (const r of g.ranges) for (let d = r.from; d <= r.to; d = dayAfter(d)) days.push(d);
    const merged = dayRanges(days);
    if (merged.length === 0) continue;
    if (merged[0].from > since) out.push(`${h}: no ${g.label} before ${merged[0].from}`);
    for (let i = 1; i < merged.length; i++)
      out.push(`${h}: no ${g.label} from ${dayAfter(merged[i - 1].to)} to ${dayBefore(merged[i].from)}`);
  }
  const present = new Set(cov.map((c) => c.family));
  const missing = new Map<string, number>();
  for (const hu of hunts) {
    if (hu.meta.log_families.some((f: string) => present.has(f))) continue;
    const fams = [...hu.meta.log_families].sort();
    const k = fams.map(label).join(' or ');
    missing.set(k, (missing.get(k) ?? 0) + 1);
  }
  for (const [k, n] of missing) out.push(`${h}: no ${k} at all (${n} hunt(s) could not run)`);
  const chans = new Set(cov.filter((c) => WINDOWS.has(c.family)).flatMap((c) => Object.keys(c.channels)));
  if (chans.size > 0 && !chans.has('Security') && !chans.has('Microsoft-Windows-Sysmon/Operational')) {
    out.push(
      `${h}: no Security or Sysmon events (only ${[...chans].sort().join(', ')}): process, file and logon hunts had nothing to judge`,
    );
  }
  return out;
}

function boardFinding(f: Finding, triage: ReadonlyMap<string, TriageState>): BoardFinding {
  const t = triage.get(f.fingerprint);
  return {
    fingerprint: f.fingerprint,
    hunt_id: f.hunt_id,
    title: f.title,
    severity: f.severity,
    host: f.host,
    first_seen: f.first_seen,
    last_seen: f.last_seen,
    count: f.count,
    cves: f.cves,
    evidence: f.evidence,
    triage: triageLabel(t),
    triage_note: t?.decision.note ?? null,
    triage_by: t?.decision.by ?? null,
    triage_at: t?.decision.decided_at ?? null,
  };
}

/** Builds the board. */
export function buildBoard(input: BoardInput): Board {
  const open = openFindings(input.findings, input.triage);
  const openSet = new Set(open.map((f) => f.fingerprint));
  // Verdicts from the open findings only: a closed false positive does not make a host red.
  const verdicts = buildVerdicts(input.hunts, open, input.coverage, input.since);
  const agencyIds = new Set<string>([
    ...(input.expectedAgencies ?? []),
    ...input.uploads.map((u) => u.agency),
    ...input.coverage.map((c) => c.agency),
    ...input.findings.map((f) => f.agency),
  ]);
  const agencies: BoardAgency[] = [...agencyIds].sort().map((agency) => {
    const uploads = input.uploads.filter((u) => u.agency === agency).sort((a, b) => b.normalized_at.localeCompare(a.normalized_at));
    const hostVerdicts = verdicts.filter((v) => v.agency === agency).sort((a, b) => hostName(a.host).localeCompare(hostName(b.host)));
    const hosts: BoardHost[] = hostVerdicts.map((v) => {
      const cov = input.coverage.filter((c) => c.agency === agency && c.host === v.host);
      return {
        host: v.host,
        level: v.level,
        counts: v.counts,
        families: cov.map((c) => ({
          family: c.family,
          label: label(c.family),
          rows: c.rows,
          first_event: c.firstEvent,
          last_event: c.lastEvent,
          ranges: c.ranges,
          channels: Object.keys(c.channels).sort(),
        })),
      };
    });
    const mine = sortFindings(input.findings.filter((f) => f.agency === agency));
    const requests =
      uploads.length === 0 && !input.coverage.some((c) => c.agency === agency)
        ? ["no upload yet: every host's Exchange, IIS and Windows logs since 2019-01-01"]
        : [];
    for (const v of hostVerdicts)
      requests.push(
        ...hostRequests(
          v.host,
          input.coverage.filter((c) => c.agency === agency && c.host === v.host),
          input.hunts,
          input.since,
        ),
      );
    return {
      agency,
      uploads,
      last_upload: uploads[0]?.normalized_at ?? null,
      hosts,
      open: mine.filter((f) => openSet.has(f.fingerprint)).map((f) => boardFinding(f, input.triage)),
      closed: mine.filter((f) => !openSet.has(f.fingerprint)).map((f) => boardFinding(f, input.triage)),
      requests,
    };
  });
  // Agencies with red hosts first, then amber, then by name: the page is read from the top.
  const rank = (a: BoardAgency): number => Math.min(3, ...a.hosts.map((h) => ({ red: 0, amber: 1, green: 2 })[h.level]));
  agencies.sort((a, b) => rank(a) - rank(b) || a.agency.localeCompare(b.agency));
  const levels = { red: 0, amber: 0, green: 0 };
  for (const v of verdicts) levels[v.level]++;
  const openCounts = zero();
  for (const f of open) openCounts[f.severity]++;
  // Timelines end at the latest log (not today): the years that matter stay wide enough to read.
  const lastDay = input.coverage
    .flatMap((c) => c.ranges.map((r) => r.to))
    .sort()
    .pop();
  return {
    board_version: BOARD_VERSION,
    generated_at: input.generatedAt.toISOString(),
    since: input.since,
    until: lastDay && lastDay < input.until ? lastDay : input.until,
    last_sweep: input.lastSweep,
    totals: {
      agencies: agencies.length,
      hosts: verdicts.length,
      uploads: input.uploads.length,
      levels,
      open: openCounts,
      closed: input.findings.length - open.length,
      requests: agencies.reduce((n, a) => n + a.requests.length, 0),
    },
    agencies,
  };
}

/** Open findings of an agency per severity (most severe first, zero counts left out). */
export function severityCounts(findings: readonly BoardFinding[]): [Severity, number][] {
  const c = zero();
  for (const f of findings) c[f.severity]++;
  return SEVERITIES.filter((s) => c[s] > 0)
    .map((s) => [s, c[s]] as [Severity, number])
    .sort((a, b) => severityRank(a[0]) - severityRank(b[0]));
}
