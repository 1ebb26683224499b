/**
 * What a set of logs lets the hunts see: the log families found per host and
 * how far back each goes, and what is missing that the hunts need
 * ("no HttpProxy logs: CVE-2021-26855 cannot be checked").
 *
 * Pure: it reads a manifest (from `normalizeUpload`, run locally by
 * `sweep check`, or by the normalizer in AWS for the receipt) and the hunts'
 * `log_families`.
 */
import { FAMILY_LABELS, LOCAL_TIME_FAMILIES, WINDOWS_EVENT_FAMILIES, type Family } from '../formats';
import type { CoverageLine, Manifest } from '../lake';

/** Public disclosure of ProxyLogon (Microsoft, 2021-03-02): logs starting later cannot show the first wave. */
export const DISCLOSURE_DAY = '2021-03-02';

/** Parsed files of the upload whose times may be local time without an offset, and the zone they were read in. */
export function localTimeExports(m: Manifest): { readonly files: number; readonly zone: string } {
  return { files: m.entries.filter((e) => LOCAL_TIME_FAMILIES.has(e.family)).length, zone: m.local_time_zone ?? 'UTC' };
}

/** What one hunt needs: its `log_families` are alternatives (any one of them lets it run). */
export interface HuntNeed {
  readonly id: string;
  readonly name: string;
  readonly cves: readonly string[];
  readonly logFamilies: readonly string[];
}

export interface FamilyCoverage {
  readonly host: string | null;
  readonly family: string;
  readonly label: string;
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  /** Whole days between first and last event, or null. */
  readonly days: number | null;
  readonly files: number;
  readonly rows: number;
  /** True when the first event is after the disclosure day: the first wave is not visible. */
  readonly startsAfterDisclosure: boolean;
}

/** Hunts that cannot run because none of their families is present. */
export interface CoverageGap {
  /** The families any one of which would do, e.g. ["httpproxy"]. */
  readonly families: readonly string[];
  readonly labels: readonly string[];
  readonly cves: readonly string[];
  readonly hunts: readonly { readonly id: string; readonly name: string }[];
  /** "no HttpProxy logs: CVE-2021-26855 cannot be checked (3 hunts)" */
  readonly message: string;
}

export interface CoverageReport {
  readonly hosts: readonly (string | null)[];
  readonly families: readonly string[];
  readonly coverage: readonly FamilyCoverage[];
  readonly gaps: readonly CoverageGap[];
  /** Hunts that can run on these logs. */
  readonly huntsRunnable: number;
  readonly huntsTotal: number;
}

const isWindows = (family: string): boolean => (WINDOWS_EVENT_FAMILIES as readonly string[]).includes(family);
const label = (family: string): string => FAMILY_LABELS[family as Family] ?? family;

/** Does `present` satisfy a hunt needing any of `families`? */
function satisfied(families: readonly string[], present: ReadonlySet<string>): boolean {
  return families.some((f) => present.has(f) || (isWindows(f) && WINDOWS_EVENT_FAMILIES.some((w) => present.has(w))));
}

/**
 * Compares the coverage of a manifest with what the hunts need.
 *
 * @example
 * const report = assessCoverage(manifest.coverage, hunts.map(huntNeed));
 * report.gaps[0].message // 'no HttpProxy logs: CVE-2021-26855 cannot be checked (5 hunts)'
 */
export function assessCoverage(lines: readonly CoverageLine[], hunts: readonly HuntNeed[]): CoverageReport {
  const withRows = lines.filter((l) => l.rows > 0);
  const present = new Set(withRows.map((l) => l.family));
  const coverage = [...withRows]
    .sort((a, b) => (a.host ?? '~').localeCompare(b.host ?? '~') || a.family.localeCompare(b.family))
    .map((l): FamilyCoverage => ({
      host: l.host,
      family: l.family,
      label: label(l.family),
      firstEvent: l.first_event,
      lastEvent: l.last_event,
      days: l.first_event && l.last_event ? Math.floor((Date.parse(l.last_event) - Date.parse(l.first_event)) / 86_400_000) : null,
      files: l.files,
      rows: l.rows,
      startsAfterDisclosure: l.first_event !== null && l.first_event.slice(0, 10) > DISCLOSURE_DAY,
    }));

  // Group the hunts that cannot run by the families they would need.
  const byNeed = new Map<string, { families: string[]; hunts: HuntNeed[] }>();
  for (const h of hunts) {
    if (satisfied(h.logFamilies, present)) continue;
    const families = [...new Set(h.logFamilies)].sort();
    // Hunts on Windows events share one need, whichever exports their headers list.
    const windowsOnly = families.every(isWindows);
    const k = windowsOnly ? 'windows-events' : families.join('|');
    const g = byNeed.get(k) ?? { families: windowsOnly ? [...WINDOWS_EVENT_FAMILIES] : families, hunts: [] };
    g.hunts.push(h);
    byNeed.set(k, g);
  }
  const gaps = [...byNeed.values()]
    .map((g): CoverageGap => {
      const cves = [...new Set(g.hunts.flatMap((h) => h.cves))].sort();
      // The Windows event exports are one need, not four: say it once.
      const windowsOnly = g.families.every(isWindows);
      const labels = windowsOnly ? ['Windows event logs (.evtx or an export)'] : g.families.map(label);
      const what = cves.length > 0 ? `${cves.join(', ')} cannot be checked` : `${g.hunts.map((h) => h.name).join('; ')} cannot run`;
      const n = g.hunts.length;
      return {
        families: g.families,
        labels,
        cves,
        hunts: g.hunts.map((h) => ({ id: h.id, name: h.name })),
        message: `no ${labels.join(' or ')}: ${what} (${n} hunt${n === 1 ? '' : 's'})`,
      };
    })
    .sort((a, b) => b.hunts.length - a.hunts.length || a.message.localeCompare(b.message));
  return {
    hosts: [...new Set(coverage.map((c) => c.host))],
    families: [...present].sort(),
    coverage,
    gaps,
    huntsRunnable: hunts.length - gaps.reduce((s, g) => s + g.hunts.length, 0),
    huntsTotal: hunts.length,
  };
}

/** One line per host and family: "EXCH01  HttpProxy logs  2021-01-03 -> 2021-03-15 (71 days, 12 files, 48,210 rows)". */
export function formatCoverageLines(report: CoverageReport): string[] {
  if (report.coverage.length === 0) return ['  (no log lines with events were found)'];
  const hostW = Math.max(...report.coverage.map((c) => (c.host ?? '(unknown host)').length));
  const famW = Math.max(...report.coverage.map((c) => c.label.length));
  return report.coverage.map((c) => {
    const span =
      c.firstEvent && c.lastEvent ? `${c.firstEvent.slice(0, 10)} -> ${c.lastEvent.slice(0, 10)} (${c.days} days` : '(no event times';
    const note = c.startsAfterDisclosure ? `  starts after ${DISCLOSURE_DAY}: the first wave of exploitation is not in these logs` : '';
    return `  ${(c.host ?? '(unknown host)').padEnd(hostW)}  ${c.label.padEnd(famW)}  ${span}, ${c.files} file${c.files === 1 ? '' : 's'}, ${c.rows.toLocaleString('en-US')} rows)${note}`;
  });
}

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string): string => `${n(x)} ${one}${x === 1 ? '' : 's'}`;

/**
 * Rows without an event time (and why) and files whose host is unknown, in words: what the receipt and
 * `sweep check` say before anyone relies on "since when?" or "which server?".
 */
export function formatDating(manifest: Manifest, maxItems = 10): string[] {
  const out: string[] = [];
  const untimed = manifest.entries.filter((e) => e.rows_without_time > 0);
  if (untimed.length > 0) {
    const total = untimed.reduce((s, e) => s + e.rows_without_time, 0);
    out.push(
      `Dating: ${plural(total, 'row')} ${total === 1 ? 'has' : 'have'} no event time: they show what happened, not when (filed under their file's date).`,
    );
    const byReason = new Map<string, { rows: number; files: number }>();
    for (const e of untimed) {
      const why = e.rows_without_time_reason ?? 'the records carry no time field';
      const g = byReason.get(why) ?? { rows: 0, files: 0 };
      g.rows += e.rows_without_time;
      g.files++;
      byReason.set(why, g);
    }
    for (const [why, g] of [...byReason].sort((a, b) => b[1].rows - a[1].rows).slice(0, maxItems)) {
      out.push(`  ${plural(g.rows, 'row')} in ${plural(g.files, 'file')}: ${why}`);
    }
  }
  const hostless = manifest.entries.filter((e) => (e.rows_without_host ?? 0) > 0);
  if (hostless.length > 0) {
    out.push(
      '',
      `Host unknown (${plural(hostless.length, 'file')}): neither the records nor the path name the server, so findings would say "(unknown host)".`,
      "  Put each server's files in a folder named after it (EXCH01\\...) before uploading; locally, --host names them:",
    );
    for (const e of hostless.slice(0, maxItems)) out.push(`  ${e.path}: ${plural(e.rows_without_host ?? 0, 'row')}`);
    if (hostless.length > maxItems) out.push(`  ... and ${hostless.length - maxItems} more files (see the manifest)`);
  }
  return out;
}

/** What was read, refused and not recognized, in a few lines (the receipt and `sweep check` share it). */
export function formatIntake(manifest: Manifest, maxItems = 10): string[] {
  const t = manifest.totals;
  const out = [
    `Files: ${t.entries} read, ${t.entries_parsed} parsed, ${t.entries_partial} partly read, ${t.entries_unrecognized} not recognized, ${t.problems} refused`,
    `Rows: ${t.rows.toLocaleString('en-US')} (${
      Object.entries(manifest.rows_per_table)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
        .join(', ') || 'none'
    })`,
    `Lines: ${t.lines_read.toLocaleString('en-US')} read, ${t.lines_rejected.toLocaleString('en-US')} rejected`,
  ];
  const local = localTimeExports(manifest);
  if (local.files > 0) {
    out.push(
      local.zone === 'UTC'
        ? `Times: exported events and file listings (${local.files} file${local.files === 1 ? '' : 's'}) carry no offset and were read as UTC; if your servers run on local time, tell the security team their time zone.`
        : `Times: exported events and file listings (${local.files} file${local.files === 1 ? '' : 's'}) carry no offset and were read in ${local.zone}.`,
    );
  }
  out.push(...formatDating(manifest, maxItems));
  const rejected = manifest.entries.filter((e) => e.rejections.total > 0).sort((a, b) => b.rejections.total - a.rejections.total);
  if (rejected.length > 0) {
    out.push(
      '',
      `Rejected entries (${t.rejections.toLocaleString('en-US')} in ${rejected.length} file${rejected.length === 1 ? '' : 's'}):`,
    );
    for (const e of rejected.slice(0, maxItems)) {
      const reasons = Object.entries(e.rejections.by_reason)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([r, n]) => `${n} x ${r}`)
        .join('; ');
      out.push(`  ${e.path}: ${e.rejections.total} (${reasons})`);
    }
    if (rejected.length > maxItems) out.push(`  ... and ${rejected.length - maxItems} more files (see the manifest)`);
  }
  const partial = manifest.entries.filter((e) => e.status === 'partial');
  if (partial.length > 0) {
    out.push('', `Partly read (${partial.length}):`);
    for (const e of partial.slice(0, maxItems)) out.push(`  ${e.path}: ${e.error?.reason ?? 'stopped early'}`);
  }
  if (manifest.unrecognized.length > 0) {
    out.push('', `Not recognized (${manifest.unrecognized.length}):`);
    for (const u of manifest.unrecognized.slice(0, maxItems)) out.push(`  ${u.path}: ${u.hint}`);
    if (manifest.unrecognized.length > maxItems) out.push(`  ... and ${manifest.unrecognized.length - maxItems} more`);
  }
  if (manifest.problems.length > 0) {
    out.push('', `Refused (${manifest.problems.length}):`);
    for (const p of manifest.problems.slice(0, maxItems)) out.push(`  ${p.path}: ${p.reason} [${p.code}]`);
    if (manifest.problems.length > maxItems) out.push(`  ... and ${manifest.problems.length - maxItems} more`);
  }
  return out;
}
