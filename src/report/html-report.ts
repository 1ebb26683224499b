/**
 * `report.html`: one self-contained static page (inline CSS, no script): the verdict per host, a coverage timeline per
 * host and log family, and the findings with their evidence. Every value is escaped: evidence comes from attackers.
 */
import type { FamilyCoverage, Hunt, HuntRunError, Finding } from '../hunt';
import { formatRange, type HostVerdict, sortFindings, triageLabel, type TriageState } from '../hunt';
import { FAMILY_LABELS, type Family } from '../formats';

export interface ReportInput {
  readonly title?: string;
  readonly generatedAt: Date;
  readonly window: { since: string; until: string };
  readonly hunts: readonly Hunt[];
  readonly findings: readonly Finding[];
  readonly newFingerprints: ReadonlySet<string>;
  readonly verdicts: readonly HostVerdict[];
  readonly coverage: readonly FamilyCoverage[];
  readonly errors: readonly HuntRunError[];
  readonly broken: readonly { path: string; message: string }[];
  /** Triage decisions by fingerprint (shown beside their finding). @default - none */
  readonly triage?: ReadonlyMap<string, TriageState>;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only http(s) links are made clickable (a `javascript:` reference stays text). */
function link(url: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}" rel="noreferrer noopener">${escapeHtml(url)}</a>` : escapeHtml(url);
}

const MAX_EVIDENCE = 600;
const cut = (s: string): string => (s.length > MAX_EVIDENCE ? `${s.slice(0, MAX_EVIDENCE)}… (${s.length} chars)` : s);
const DAY_MS = 86_400_000;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d2329}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dee4;padding-bottom:.25rem}
.meta{color:#57606a}.host{border:1px solid #d8dee4;border-left-width:8px;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0}
.host.red{border-left-color:#cf222e}.host.amber{border-left-color:#bf8700}.host.green{border-left-color:#1a7f37}
.badge{display:inline-block;font-weight:700;font-size:.75rem;padding:.1rem .45rem;border-radius:4px;color:#fff;margin-right:.4rem}
.badge.red,.sev-critical,.sev-high{background:#cf222e}.badge.amber,.sev-medium,.sev-low{background:#bf8700}.badge.green{background:#1a7f37}.sev-info{background:#6e7781}
.host ul{margin:.3rem 0 0 1rem;padding:0}.timeline td{padding:.15rem .4rem;vertical-align:middle}
.bar{position:relative;height:14px;background:#eef1f4;border-radius:3px;min-width:500px}.bar span{position:absolute;top:0;bottom:0;background:#0969da;border-radius:2px;min-width:2px}
.axis{display:flex;justify-content:space-between;color:#57606a;font-size:.75rem;min-width:500px}
table.findings{border-collapse:collapse;width:100%}table.findings th,table.findings td{border-bottom:1px solid #d8dee4;padding:.4rem;text-align:left;vertical-align:top}
table.findings td.ev{font-family:ui-monospace,Consolas,monospace;font-size:.8rem;word-break:break-all;max-width:520px}
.new{color:#0969da;font-weight:700;font-size:.75rem}.triage{font-size:.8rem;margin-top:.2rem}.triage b{color:#1a7f37}.triage.reopened b,.triage.tp b{color:#cf222e}
tr.closed{opacity:.6}.err{color:#cf222e}details{margin-top:.25rem}
@media (max-width:760px){body{margin:1rem auto}.bar,.axis{min-width:0}
table.timeline,table.timeline tbody,table.timeline tr,table.timeline td,table.findings,table.findings tbody,table.findings tr,table.findings td{display:block}
table.timeline tr:first-child,table.findings tr:first-child{display:none}table.timeline tr,table.findings tr{border-bottom:1px solid #d8dee4;padding:.3rem 0}
table.findings td{border:0;padding:.15rem 0}table.findings td.ev{max-width:none}}
`;

function verdictSection(verdicts: readonly HostVerdict[]): string {
  if (verdicts.length === 0) return '<p>No logs in the window: nothing could be judged.</p>';
  const text = {
    red: 'confirmed exploitation patterns',
    amber: 'suspicious activity to review',
    green: 'no finding at medium or above in the logs provided',
  };
  return verdicts
    .map((v) => {
      const counts = (['critical', 'high', 'medium', 'low', 'info'] as const)
        .filter((s) => v.counts[s] > 0)
        .map((s) => `${v.counts[s]} ${s}`)
        .join(', ');
      return `<div class="host ${v.level}"><span class="badge ${v.level}">${v.level.toUpperCase()}</span><strong>${escapeHtml(v.host ?? '(unknown host)')}</strong> <span class="meta">agency ${escapeHtml(v.agency)}</span>: ${text[v.level]}${counts ? ` (${escapeHtml(counts)})` : ''}<ul>${v.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul></div>`;
    })
    .join('\n');
}

function timelineSection(coverage: readonly FamilyCoverage[]): string {
  const days = coverage.flatMap((c) => c.ranges.flatMap((r) => [r.from, r.to])).sort();
  if (days.length === 0) return '<p>No log coverage in the window.</p>';
  const lo = Date.parse(days[0]);
  const hi = Date.parse(days[days.length - 1]) + DAY_MS;
  const span = Math.max(hi - lo, DAY_MS);
  const pct = (t: number): string => `${(((t - lo) / span) * 100).toFixed(3)}%`;
  const rows = coverage
    .map((c) => {
      const bars = c.ranges
        .map((r) => {
          const a = Date.parse(r.from);
          const b = Date.parse(r.to) + DAY_MS;
          return `<span style="left:${pct(a)};width:${(((b - a) / span) * 100).toFixed(3)}%" title="${escapeHtml(`${r.from}..${r.to}`)}"></span>`;
        })
        .join('');
      const label = FAMILY_LABELS[c.family as Family] ?? c.family;
      return `<tr><td>${escapeHtml(c.host ?? '(unknown host)')}</td><td>${escapeHtml(label)}</td><td><div class="bar">${bars}</div></td><td class="meta">${escapeHtml(c.firstEvent === null ? 'snapshot (no event times)' : c.ranges.map(formatRange).join(', '))}<br>${c.rows.toLocaleString('en-US')} rows, ${c.files} file(s)</td></tr>`;
    })
    .join('\n');
  return `<table class="timeline"><tr><th>Host</th><th>Logs</th><th><div class="axis"><span>${escapeHtml(days[0])}</span><span>${escapeHtml(days[days.length - 1])}</span></div></th><th>Periods</th></tr>${rows}</table>`;
}

function findingsSection(input: ReportInput): string {
  if (input.findings.length === 0) return '<p>No findings.</p>';
  const huntsById = new Map(input.hunts.map((h) => [h.meta.id, h]));
  const rows = sortFindings(input.findings)
    .map((f) => {
      const h = huntsById.get(f.hunt_id);
      const ev = Object.entries(f.evidence)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => `<div><b>${escapeHtml(k)}</b>: ${escapeHtml(cut(typeof v === 'string' ? v : JSON.stringify(v)))}</div>`)
        .join('');
      const refs = h?.meta.references.length
        ? `<details><summary>references</summary>${h.meta.references.map((r) => `<div>${link(r)}</div>`).join('')}</details>`
        : '';
      const runbook = h?.meta.runbook ? `<details><summary>runbook</summary><pre>${escapeHtml(h.meta.runbook)}</pre></details>` : '';
      const isNew = input.newFingerprints.has(f.fingerprint) ? ' <span class="new">NEW</span>' : '';
      const t = input.triage?.get(f.fingerprint);
      const tl = triageLabel(t);
      const tcls = !t
        ? ''
        : t.reopenedBy.length > 0 && t.decision.status !== 'true-positive'
          ? ' reopened'
          : t.decision.status === 'true-positive'
            ? ' tp'
            : '';
      const triage =
        t && tl
          ? `<div class="triage${tcls}"><b>${escapeHtml(tl)}</b> by ${escapeHtml(t.decision.by)} ${escapeHtml(t.decision.decided_at.slice(0, 10))}${t.decision.note ? `: ${escapeHtml(t.decision.note)}` : ''}</div>`
          : '';
      return `<tr id="f-${escapeHtml(f.fingerprint)}"${t?.closed ? ' class="closed"' : ''}><td><span class="badge sev-${f.severity}">${f.severity.toUpperCase()}</span></td><td>${escapeHtml(f.host ?? '(unknown host)')}<div class="meta">${escapeHtml(f.agency)}</div><div class="meta" title="fingerprint (sweep triage)">${escapeHtml(f.fingerprint.slice(0, 12))}</div></td><td>${escapeHtml(f.title)}${isNew}<div class="meta">${escapeHtml([...f.cves, ...f.attack].join(' '))}</div>${triage}${refs}${runbook}</td><td>${escapeHtml(f.first_seen)}<br>${escapeHtml(f.last_seen)}</td><td>${f.count}</td><td class="ev">${ev}</td></tr>`;
    })
    .join('\n');
  return `<table class="findings"><tr><th>Severity</th><th>Host</th><th>Hunt</th><th>First / last seen (UTC)</th><th>Hits</th><th>Evidence</th></tr>${rows}</table>`;
}

/** Renders the whole page. */
export function renderReport(input: ReportInput): string {
  const problems = [
    ...input.broken.map((b) => `query skipped: ${b.message}`),
    ...input.errors.map((e) => `query failed: ${e.path}: ${e.message}`),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(input.title ?? 'HAFNIUM / ProxyLogon sweep')}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(input.title ?? 'HAFNIUM / ProxyLogon sweep')}</h1>
<p class="meta">${input.hunts.length} hunt(s) over ${escapeHtml(input.window.since)}..${escapeHtml(input.window.until)}; ${input.findings.length} finding(s), ${input.newFingerprints.size} new; generated ${escapeHtml(input.generatedAt.toISOString())}</p>
${problems.length ? `<div class="err">${problems.map((p) => `<div>${escapeHtml(p)}</div>`).join('')}</div>` : ''}
<h2>Verdict per host</h2>
${verdictSection(input.verdicts)}
<h2>Log coverage</h2>
<p class="meta">What was not covered cannot be judged: no logs of a family for a period is not the same as clean.</p>
${timelineSection(input.coverage)}
<h2>Findings</h2>
${findingsSection(input)}
</body></html>
`;
}
