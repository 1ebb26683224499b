/**
 * The terminal summary of a sweep: findings grouped per host, then the verdict per host with its log coverage.
 * Evidence comes from attackers: control characters (terminal escapes) are shown escaped, long values cut.
 */
import type { Finding, HostVerdict, HuntRunError } from '../hunt';
import { sortFindings } from '../hunt';
import { paint, type Paint } from './console-style';

/** What the summary shows. */
export interface ConsoleSummaryInput {
  readonly findings: readonly Finding[];
  /** Fingerprints reported for the first time in this run. */
  readonly newFingerprints: ReadonlySet<string>;
  readonly verdicts: readonly HostVerdict[];
  readonly errors: readonly HuntRunError[];
  /** Query files that could not be loaded. */
  readonly broken: readonly { path: string; message: string }[];
  readonly huntsRun: number;
  readonly window: { since: string; until: string };
  /** Indicator rows loaded and the feed entries refused. @default - not shown */
  readonly indicators?: { readonly rows: number; readonly rejects: readonly { file: string; location: string; reason: string }[] };
}

const MAX_VALUE = 200;
const MAX_EXAMPLES = 3;
const MAX_LINE = 240;

/** The evidence of one finding on one line: `key=value` pairs, untrusted values escaped, cut to the terminal. */
function evidenceLine(f: Finding): string {
  const parts = Object.entries(f.evidence)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${safeText(v, 120)}`);
  const line = parts.join('  ');
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line || '(no evidence columns)';
}

/** Makes an untrusted value safe for a terminal: control characters escaped, long values cut. */
export function safeText(v: unknown, max = MAX_VALUE): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);

  const clean = (s ?? 'null').replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return clean.length > max ? `${clean.slice(0, max)}... (${clean.length} chars)` : clean;
}

const SEVERITY_PAINT: Record<string, Paint> = { critical: 'red', high: 'red', medium: 'amber', low: 'amber', info: 'dim' };
const LEVEL_PAINT: Record<string, Paint> = { red: 'red', amber: 'amber', green: 'green' };
const LEVEL_TEXT: Record<string, string> = {
  red: 'confirmed exploitation patterns',
  amber: 'suspicious activity to review',
  green: 'no finding at medium or above in the logs provided',
};

const when = (iso: string): string => (iso ? iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z') : '?');

/** Renders the summary; `color` only on a TTY without NO_COLOR (the caller decides). */
export function renderSummary(input: ConsoleSummaryInput, color: boolean): string {
  const out: string[] = [];
  const p = (s: Paint, t: string): string => paint(color, s, t);
  out.push(
    `${input.huntsRun} hunt(s) over ${input.window.since}..${input.window.until}: ${input.findings.length} finding(s), ${input.newFingerprints.size} new`,
  );
  if (input.indicators) {
    const rj = input.indicators.rejects;
    out.push(
      `  indicators: ${input.indicators.rows} loaded${rj.length ? `, ${rj.length} feed entr${rj.length === 1 ? 'y' : 'ies'} refused (first: ${safeText(`${rj[0].file} ${rj[0].location}: ${rj[0].reason}`, 200)})` : ''}`,
    );
  }
  for (const b of input.broken) out.push(p('red', `  query skipped: ${safeText(b.message, 400)}`));
  for (const e of input.errors) out.push(p('red', `  query failed: ${e.path}: ${safeText(e.message, 400)}`));

  const byHost = new Map<string, Finding[]>();
  for (const f of sortFindings(input.findings)) {
    const k = `${f.host ?? '(unknown host)'} (agency ${f.agency})`;
    byHost.set(k, [...(byHost.get(k) ?? []), f]);
  }
  for (const [host, fs] of byHost) {
    out.push('', p('bold', `${host}: ${fs.length} finding(s)`));
    // One block per hunt and severity: the analyst reads what fired, then a few examples; the rest is in the report.
    const groups = new Map<string, Finding[]>();
    for (const f of fs) groups.set(`${f.severity}\u0000${f.hunt_id}`, [...(groups.get(`${f.severity}\u0000${f.hunt_id}`) ?? []), f]);
    let infoFindings = 0;
    let infoHunts = 0;
    for (const g of groups.values()) {
      const f0 = g[0];
      if (f0.severity === 'info') {
        infoFindings += g.length;
        infoHunts++;
        continue;
      }
      const hits = g.reduce((n, f) => n + f.count, 0);
      const first =
        g
          .map((f) => f.first_seen)
          .filter(Boolean)
          .sort()[0] ?? '';
      const last =
        g
          .map((f) => f.last_seen)
          .filter(Boolean)
          .sort()
          .pop() ?? '';
      const fresh = g.filter((f) => input.newFingerprints.has(f.fingerprint)).length;
      const sev = p(SEVERITY_PAINT[f0.severity], f0.severity.toUpperCase().padEnd(8));
      out.push(`  ${sev} ${safeText(f0.title)}`);
      const period = first || last ? `${when(first)} .. ${when(last)}` : 'no event time';
      out.push(
        `           ${g.length} finding(s), ${hits} hit(s), ${period}${f0.cves.length ? `, ${f0.cves.join(' ')}` : ''}${fresh ? `, ${p('bold', `${fresh} new`)}` : ''}`,
      );
      for (const f of g.slice(0, MAX_EXAMPLES)) out.push(`           - ${evidenceLine(f)}`);
      if (g.length > MAX_EXAMPLES) out.push(`           - ... ${g.length - MAX_EXAMPLES} more in report.html`);
    }
    if (infoFindings)
      out.push(`  ${p('dim', `plus ${infoFindings} info finding(s) from ${infoHunts} hunt(s): context, not alerts (see report.html)`)}`);
  }

  out.push('', p('bold', 'Verdict'));
  if (input.verdicts.length === 0) out.push('  no logs in the window: nothing could be judged');
  for (const v of input.verdicts) {
    const counts = (['critical', 'high', 'medium', 'low'] as const).filter((s) => v.counts[s] > 0).map((s) => `${v.counts[s]} ${s}`);
    out.push(
      `  ${p(LEVEL_PAINT[v.level], v.level.toUpperCase().padEnd(6))} ${p('bold', v.host ?? '(unknown host)')} (agency ${v.agency}): ${LEVEL_TEXT[v.level]}${counts.length ? ` (${counts.join(', ')})` : ''}`,
    );
    for (const line of v.lines) out.push(`         ${line}`);
  }
  return out.join('\n') + '\n';
}
