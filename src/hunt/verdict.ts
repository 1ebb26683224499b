/**
 * The verdict per host: red for confirmed patterns (critical/high findings), amber for suspicious ones (medium),
 * green when nothing at medium or above was found (low findings are counted beside it), always with what the logs
 * cover, so that missing logs are said, not read as clean.
 */
import { equivalentFamilies, FAMILY_LABELS, WINDOWS_EVENT_FAMILIES, type Family } from '../formats';
import type { LakeGap } from '../lake';
import type { DayRange, FamilyCoverage } from './coverage';
import type { Hunt } from './query-file';
import type { Finding, Severity } from './types';

export type VerdictLevel = 'red' | 'amber' | 'green';

/** Verdict of one host. */
export interface HostVerdict {
  readonly agency: string;
  /** null: rows or findings without a host name. */
  readonly host: string | null;
  readonly level: VerdictLevel;
  /** Findings per severity. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** Coverage of the families the pack needs that this host has. */
  readonly coverage: readonly FamilyCoverage[];
  /** Human lines: one per covered family (periods, what cannot be judged), one per missing family set. */
  readonly lines: readonly string[];
  /** Hunts that could not run on this host for lack of logs, grouped by the families they need. */
  readonly missing: readonly { families: readonly string[]; hunts: readonly string[] }[];
  /** Damaged or missing lake files left out of the hunts that held this host's logs (src/lake/committed.ts). */
  readonly gaps: readonly LakeGap[];
}

const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';
const label = (f: string): string => FAMILY_LABELS[f as Family] ?? `${f} logs`;
const hostName = (h: string | null): string => h ?? '(unknown host)';

/** `2021-02-20..2021-03-05`, with `(9 of 14 days)` when some days of the range have no logs. */
export function formatRange(r: DayRange): string {
  if (r.from === r.to) return r.from;
  const span = Math.round((Date.parse(r.to) - Date.parse(r.from)) / 86_400_000) + 1;
  return `${r.from}..${r.to}${r.days < span ? ` (${r.days} of ${span} days)` : ''}`;
}

function coverageLine(c: FamilyCoverage, since: string): string {
  if (c.firstEvent === null) {
    // Inventories have no event time: a snapshot of the day it was taken (or uploaded).
    return `${label(c.family)} on ${hostName(c.host)}: a snapshot (${c.rows} entries, no event times): files removed before it was taken are not in it`;
  }
  const channels = Object.keys(c.channels).sort();
  const periods = c.ranges.map(formatRange).join(', ') + (channels.length ? ` (${channels.join(', ')})` : '');
  const first = c.ranges[0]?.from;
  const caveats: string[] = [];
  if (first && first > since) caveats.push(`nothing before ${first} can be judged`);
  if (c.ranges.length > 1) caveats.push('nor the gaps between these periods');
  return `${label(c.family)} on ${hostName(c.host)} cover ${periods}${caveats.length ? `: ${caveats.join(', ')}` : ''}`;
}

/** One line per log family of a host whose lake files were left out: the days that could not be judged, and why. */
function gapLines(host: string | null, gaps: readonly LakeGap[]): string[] {
  const byFamily = new Map<string, LakeGap[]>();
  for (const g of gaps) {
    for (const s of g.sources) if (s.host === host) byFamily.set(s.family, [...(byFamily.get(s.family) ?? []), g]);
  }
  return [...byFamily]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([family, gs]) => {
      const days = [...new Set(gs.map((g) => g.dt))].sort();
      const why = [
        ...new Set(gs.map((g) => (g.problem === 'checksum' ? 'damaged' : g.problem === 'size' ? 'truncated or grown' : g.problem))),
      ].join(' or ');
      return `${label(family)} on ${hostName(host)} for ${days.join(', ')}: ${gs.length} lake file(s) ${why}, left out, not judged (sweep verify names them; sweep repair rebuilds them)`;
    });
}

/**
 * Builds the verdict of every host seen in the coverage, in the findings or in the gaps.
 * @param since first day of the hunt window (what "nothing before" is measured against)
 * @param gaps lake files left out of the hunts (damaged or missing), listed on the hosts whose logs they held
 */
export function buildVerdicts(
  hunts: readonly Hunt[],
  findings: readonly Finding[],
  coverage: readonly FamilyCoverage[],
  since: string,
  gaps: readonly LakeGap[] = [],
): HostVerdict[] {
  const hosts = new Map<string, { agency: string; host: string | null }>();
  const keyOf = (agency: string, host: string | null): string => JSON.stringify([agency, host]);
  for (const c of coverage) hosts.set(keyOf(c.agency, c.host), { agency: c.agency, host: c.host });
  for (const f of findings) hosts.set(keyOf(f.agency, f.host), { agency: f.agency, host: f.host });
  for (const g of gaps) for (const s of g.sources) hosts.set(keyOf(g.agency, s.host), { agency: g.agency, host: s.host });
  // A hunt naming one Windows event source is served by any other (the same records, another export).
  const needed = new Set<string>(hunts.flatMap((h) => h.meta.log_families.flatMap((f: string) => equivalentFamilies(f))));

  const out: HostVerdict[] = [];
  for (const [key, { agency, host }] of hosts) {
    const mine = findings.filter((f) => keyOf(f.agency, f.host) === key);
    const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of mine) counts[f.severity]++;
    // Low findings (failed attempts, scanning, weak signals) do not make a host amber: every internet-facing Exchange
    // server was scanned in March 2021. They are counted and shown, and the exit code ignores them too.
    const level: VerdictLevel = counts.critical + counts.high > 0 ? 'red' : counts.medium > 0 ? 'amber' : 'green';
    const cov = coverage.filter((c) => keyOf(c.agency, c.host) === key && needed.has(c.family));
    const present = new Set<string>(cov.map((c) => c.family));
    const lines = cov.map((c) => coverageLine(c, since));
    // A hunt can run on this host when any of the families it lists is there; group the others by family set.
    const missingBySet = new Map<string, { families: string[]; hunts: string[] }>();
    for (const h of hunts) {
      if (h.meta.log_families.some((f: string) => equivalentFamilies(f).some((e) => present.has(e)))) continue;
      const fams = [...h.meta.log_families].sort();
      const k = fams.join(',');
      const m = missingBySet.get(k) ?? { families: fams, hunts: [] };
      m.hunts.push(h.meta.name);
      missingBySet.set(k, m);
    }
    const missing = [...missingBySet.values()];
    // Event logs are there but none that records processes, files and logons: say so, those hunts judged nothing.
    const windowsFamilies = new Set<string>(WINDOWS_EVENT_FAMILIES);
    const windowsCov = cov.filter((c) => windowsFamilies.has(c.family));
    const readsWindows = hunts.some((h) => (h.meta.log_families as readonly string[]).some((f) => windowsFamilies.has(f)));
    if (readsWindows && windowsCov.length > 0) {
      const chans = new Set(windowsCov.flatMap((c) => Object.keys(c.channels)));
      if (!chans.has('Security') && !chans.has(SYSMON_CHANNEL)) {
        lines.push(
          `no Sysmon or Security events on ${hostName(host)} (only ${[...chans].sort().join(', ')}): process, file and logon hunts had nothing to judge`,
        );
      }
    }
    for (const m of missing) {
      lines.push(
        `no ${m.families.map(label).join(' or ')} on ${hostName(host)}: ${m.hunts.length} hunt(s) could not run (${m.hunts.slice(0, 3).join('; ')}${m.hunts.length > 3 ? '; ...' : ''})`,
      );
    }
    const myGaps = gaps.filter((g) => g.agency === agency && g.sources.some((s) => s.host === host));
    lines.push(...gapLines(host, myGaps));
    out.push({ agency, host, level, counts, coverage: cov, lines, missing, gaps: myGaps });
  }
  const rank = { red: 0, amber: 1, green: 2 } as const;
  return out.sort(
    (a, b) => rank[a.level] - rank[b.level] || a.agency.localeCompare(b.agency) || hostName(a.host).localeCompare(hostName(b.host)),
  );
}
