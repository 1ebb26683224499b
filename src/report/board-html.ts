/**
 * `board.html`: the board as one static page (inline CSS, no script, a CSP that forbids everything else), readable
 * from a phone to a wide screen. Every value is escaped: host names, notes and evidence come from agencies and
 * attackers. Findings link to their evidence on the page and to report.html beside it.
 */
import { escapeHtml } from './html-report';
import { severityCounts, type Board, type BoardAgency, type BoardFinding, type BoardHost } from './board-model';

const MAX_EVIDENCE = 400;
const DAY_MS = 86_400_000;

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1240px;padding:1rem;color:#1d2329;overflow-wrap:anywhere}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.2rem;margin:0}h3{font-size:1rem;margin:1rem 0 .4rem}
a{color:#0969da}.meta{color:#57606a}.small{font-size:.8rem}
.strip{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}.strip div{border:1px solid #d8dee4;border-radius:6px;padding:.35rem .7rem;background:#f6f8fa}
.strip b{font-size:1.1rem}
.badge{display:inline-block;font-weight:700;font-size:.72rem;padding:.05rem .4rem;border-radius:4px;color:#fff;white-space:nowrap}
.red,.sev-critical,.sev-high{background:#cf222e}.amber,.sev-medium{background:#9a6700}.sev-low{background:#bc4c00}.green{background:#1a7f37}.sev-info,.none{background:#6e7781}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .45rem;border-bottom:1px solid #d8dee4}
th{font-size:.8rem;color:#57606a;font-weight:600}
.hosts a{display:inline-block;margin:0 .25rem .2rem 0;text-decoration:none}
.agency{border:1px solid #d8dee4;border-left:6px solid #1a7f37;border-radius:6px;padding:.75rem 1rem;margin:1.25rem 0}
.agency.lvl-red{border-left-color:#cf222e}.agency.lvl-amber{border-left-color:#9a6700}.agency.lvl-none{border-left-color:#6e7781}
.asks{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.4rem .8rem;margin:.6rem 0}.asks ul{margin:.2rem 0 0 1.1rem;padding:0}
.host{margin:.6rem 0 .2rem}.host h3{margin:0 0 .2rem}
.tl{display:grid;grid-template-columns:13rem minmax(0,1fr) 15rem;gap:.1rem .6rem;align-items:center;font-size:.8rem}
.bar{position:relative;height:12px;background:#eef1f4;border-radius:3px;overflow:hidden}
.bar i{position:absolute;top:0;bottom:0;background:#0969da;min-width:2px}
.bar i.snap{background:#8250df}
.bar b{position:absolute;top:0;bottom:0;width:1px;background:#c8d1da}
.axis{position:relative;height:1rem;font-size:.7rem;color:#57606a}.axis span{position:absolute;transform:translateX(-50%)}
.tl .per{color:#57606a}
.f td.ev{font-family:ui-monospace,Consolas,monospace;font-size:.78rem;word-break:break-all}
.triage{font-size:.8rem}.triage b{color:#1a7f37}.triage.reopen b,.triage.tp b{color:#cf222e}
details summary{cursor:pointer;color:#0969da}
table.ov td.nw,table.f td.nw{white-space:nowrap}table.f td.ev{width:34%}table.f td.ev a{font-family:system-ui,sans-serif}
@media (max-width:760px){
  body{padding:.6rem}
  .tl{grid-template-columns:minmax(0,1fr)}.tl .per{margin-bottom:.35rem}.tl .axis-l,.tl .axis-r{display:none}
  table.ov thead,table.f thead{display:none}
  table.ov tr,table.f tr{display:block;border-bottom:1px solid #d8dee4;padding:.4rem 0}
  table.ov td,table.f td{display:block;border:0;padding:.1rem 0}
  table.ov td[data-l]::before,table.f td[data-l]::before{content:attr(data-l) ": ";color:#57606a;font-size:.8rem}
}
`;

const hostName = (h: string | null): string => h ?? '(unknown host)';
const id = (prefix: string, s: string): string => `${prefix}-${s.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
const fmtTime = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : 'never');
const cut = (s: string): string => (s.length > MAX_EVIDENCE ? `${s.slice(0, MAX_EVIDENCE)}… (${s.length} chars)` : s);

function levelOf(a: BoardAgency): string {
  if (a.hosts.length === 0) return 'none';
  return a.hosts.some((h) => h.level === 'red') ? 'red' : a.hosts.some((h) => h.level === 'amber') ? 'amber' : 'green';
}

function sevBadges(findings: readonly BoardFinding[]): string {
  const c = severityCounts(findings);
  return c.length ? c.map(([s, n]) => `<span class="badge sev-${s}">${n} ${s}</span>`).join(' ') : '<span class="meta">none</span>';
}

function lastSweep(b: Board): string {
  const s = b.last_sweep;
  if (!s)
    return '<p class="meta">No sweep recorded yet: run <code>sweep hunt</code> (or wait for the scheduled sweep) to see findings and verdicts.</p>';
  const feeds = s.indicators.length
    ? `<details><summary>${s.indicators.length} indicator feed(s)</summary><ul class="small">${s.indicators.map((f) => `<li>${escapeHtml(f.file)} <code>${escapeHtml(f.sha256)}</code></li>`).join('')}</ul></details>`
    : '<span class="meta">no indicator feeds recorded</span>';
  return `<p>Last sweep <b>${escapeHtml(fmtTime(s.swept_at))}</b> (${escapeHtml(s.engine)}) over ${escapeHtml(s.window.since)}..${escapeHtml(s.window.until)}: hunt pack <code>${escapeHtml(s.pack.sha256)}</code> (${s.pack.hunts} hunts), ${s.findings} finding(s), ${s.new_findings} new${s.errors ? `, <span class="err">${s.errors} query error(s)</span>` : ''}.</p>${feeds}`;
}

function overview(b: Board): string {
  if (b.agencies.length === 0) return '<p>No agency has uploaded yet.</p>';
  const rows = b.agencies.map((a) => {
    const hosts = a.hosts.length
      ? a.hosts
          .map(
            (h) =>
              `<a href="#${id('h', `${a.agency}/${hostName(h.host)}`)}"><span class="badge ${h.level}">${escapeHtml(hostName(h.host))}</span></a>`,
          )
          .join('')
      : '<span class="meta">no logs</span>';
    return `<tr><td data-l="Agency"><a href="#${id('a', a.agency)}"><b>${escapeHtml(a.agency)}</b></a></td><td data-l="Hosts" class="hosts">${hosts}</td><td data-l="Last upload" class="nw">${escapeHtml(fmtTime(a.last_upload))}<div class="meta small">${a.uploads.length} upload(s)</div></td><td data-l="Open findings">${sevBadges(a.open)}${a.closed.length ? `<div class="meta small">${a.closed.length} closed by triage</div>` : ''}</td><td data-l="To ask for" class="nw">${a.requests.length ? `<a href="#${id('r', a.agency)}">${a.requests.length} request(s)</a>` : '<span class="meta">nothing</span>'}</td></tr>`;
  });
  return `<table class="ov"><thead><tr><th>Agency</th><th>Hosts (verdict)</th><th>Last upload (UTC)</th><th>Open findings</th><th>To ask for</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function timeline(b: Board, h: BoardHost): string {
  const lo = Date.parse(b.since);
  const hi = Math.max(Date.parse(b.until) + DAY_MS, lo + DAY_MS);
  const pct = (t: number): number => Math.min(100, Math.max(0, ((t - lo) / (hi - lo)) * 100));
  const years: number[] = [];
  for (let y = new Date(lo).getUTCFullYear() + 1; Date.UTC(y, 0, 1) < hi; y++) years.push(y);
  // Thin yearly gridlines in every bar, year labels above: the eye finds "before spring 2021" at once.
  const grid = years.map((y) => `<b style="left:${pct(Date.UTC(y, 0, 1)).toFixed(2)}%"></b>`).join('');
  const axis = `<div class="axis-l"></div><div class="axis"><span style="left:0;transform:none">${new Date(lo).getUTCFullYear()}</span>${years.map((y) => `<span style="left:${pct(Date.UTC(y, 0, 1)).toFixed(2)}%">${y}</span>`).join('')}</div><div class="axis-r"></div>`;
  const rows = h.families.map((f) => {
    let bars: string;
    let per: string;
    if (f.first_event === null) {
      bars = '';
      per = `snapshot, ${f.rows.toLocaleString('en-US')} entries (no event times)`;
    } else {
      bars = f.ranges
        .map((r) => {
          const a = pct(Date.parse(r.from));
          const w = pct(Date.parse(r.to) + DAY_MS) - a;
          return `<i style="left:${a.toFixed(2)}%;width:${w.toFixed(2)}%" title="${escapeHtml(`${r.from}..${r.to}`)}"></i>`;
        })
        .join('');
      const periods = f.ranges.map((r) => (r.from === r.to ? r.from : `${r.from}..${r.to}`));
      per = `${periods.slice(0, 3).join(', ')}${periods.length > 3 ? ` +${periods.length - 3} more` : ''}`;
    }
    const chans = f.channels.length ? ` <span class="meta small">(${escapeHtml(f.channels.join(', '))})</span>` : '';
    return `<div>${escapeHtml(f.label)}${chans}</div><div class="bar">${grid}${bars}</div><div class="per">${escapeHtml(per)}</div>`;
  });
  if (rows.length === 0) return '<p class="meta small">No logs from this host in the lake (only findings).</p>';
  return `<div class="tl">${axis}${rows.join('')}</div>`;
}

function findingRows(a: BoardAgency, list: readonly BoardFinding[]): string {
  return list
    .map((f) => {
      const ev = Object.entries(f.evidence)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => `<div><b>${escapeHtml(k)}</b>: ${escapeHtml(cut(typeof v === 'string' ? v : JSON.stringify(v)))}</div>`)
        .join('');
      const reopened = f.triage?.includes('re-opened') === true;
      const tcls = reopened ? ' reopen' : f.triage === 'true-positive' ? ' tp' : '';
      const triage = f.triage
        ? `<div class="triage${tcls}"><b>${escapeHtml(f.triage)}</b> by ${escapeHtml(f.triage_by ?? '')} ${escapeHtml((f.triage_at ?? '').slice(0, 10))}${f.triage_note ? `: ${escapeHtml(f.triage_note)}` : ''}</div>`
        : '<div class="triage meta">not triaged</div>';
      const evId = id('e', f.fingerprint);
      return `<tr id="${evId}"><td data-l="Severity"><span class="badge sev-${f.severity}">${f.severity.toUpperCase()}</span></td><td data-l="Host">${escapeHtml(hostName(f.host))}</td><td data-l="Hunt">${escapeHtml(f.title)}<div class="meta small">${escapeHtml(f.cves.join(' '))} <code title="fingerprint: sweep triage ${escapeHtml(f.fingerprint)}">${escapeHtml(f.fingerprint.slice(0, 12))}</code></div>${triage}</td><td data-l="Seen (UTC)" class="nw">${escapeHtml(fmtTime(f.first_seen))}<br>${escapeHtml(fmtTime(f.last_seen))}<div class="meta small">${f.count} hit(s)</div></td><td data-l="Evidence" class="ev"><details><summary>evidence</summary>${ev || '<span class="meta">none recorded</span>'}</details><a class="small" href="report.html#f-${escapeHtml(f.fingerprint)}">in report.html</a></td></tr>`;
    })
    .join('\n');
}

function findingsTable(a: BoardAgency, list: readonly BoardFinding[]): string {
  return `<table class="f"><thead><tr><th>Severity</th><th>Host</th><th>Hunt, triage</th><th>First / last seen</th><th>Evidence</th></tr></thead><tbody>${findingRows(a, list)}</tbody></table>`;
}

function agencySection(b: Board, a: BoardAgency): string {
  const last = a.uploads[0];
  const uploads = a.uploads.length
    ? `${a.uploads.length} upload(s); last ${escapeHtml(fmtTime(a.last_upload))} (<code>${escapeHtml(last.upload_id)}</code>, ${last.rows.toLocaleString('en-US')} rows${last.rejected ? `, ${last.rejected.toLocaleString('en-US')} rejected` : ''})`
    : 'no upload yet';
  const asks = a.requests.length
    ? `<div class="asks" id="${id('r', a.agency)}"><b>Ask ${escapeHtml(a.agency)} for</b><ul>${a.requests.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>`
    : '';
  const hosts = a.hosts
    .map((h) => {
      const counts = (['critical', 'high', 'medium', 'low'] as const)
        .filter((s) => h.counts[s] > 0)
        .map((s) => `${h.counts[s]} ${s}`)
        .join(', ');
      return `<div class="host" id="${id('h', `${a.agency}/${hostName(h.host)}`)}"><h3><span class="badge ${h.level}">${h.level.toUpperCase()}</span> ${escapeHtml(hostName(h.host))} <span class="meta small">${escapeHtml(counts || 'no open finding')}</span></h3>${timeline(b, h)}</div>`;
    })
    .join('');
  // Low and info findings are context (failed attempts, scanners): folded, so the alerts stay on top.
  const major = a.open.filter((f) => f.severity === 'critical' || f.severity === 'high' || f.severity === 'medium');
  const minor = a.open.filter((f) => !major.includes(f));
  const open =
    `<h3>Open findings: ${major.length} at medium or above</h3>${major.length ? findingsTable(a, major) : '<p class="meta">None.</p>'}` +
    (minor.length
      ? `<details><summary>${minor.length} low / info finding(s): context, not alerts</summary>${findingsTable(a, minor)}</details>`
      : '');
  const closed = a.closed.length
    ? `<details><summary>${a.closed.length} finding(s) closed by triage</summary>${findingsTable(a, a.closed)}</details>`
    : '';
  return `<section class="agency lvl-${levelOf(a)}" id="${id('a', a.agency)}"><h2>${escapeHtml(a.agency)}</h2><div class="meta">${uploads}</div>${asks}${hosts}${open}${closed}<p class="small"><a href="#top">back to the overview</a></p></section>`;
}

/** Renders the board page. */
export function renderBoard(b: Board): string {
  const t = b.totals;
  const sev = (['critical', 'high', 'medium', 'low'] as const)
    .map((s) => `<span class="badge sev-${s}">${t.open[s]} ${s}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>HAFNIUM / ProxyLogon sweep: board</title><style>${CSS}</style></head><body id="top">
<h1>HAFNIUM / ProxyLogon sweep: the board</h1>
<p class="meta">Generated ${escapeHtml(fmtTime(b.generated_at))}. Coverage is judged from ${escapeHtml(b.since)} (timelines run to ${escapeHtml(b.until)}, the latest log): what no log covers cannot be called clean.</p>
${lastSweep(b)}
<div class="strip"><div><b>${t.agencies}</b> agencies</div><div><b>${t.hosts}</b> hosts: <span class="badge red">${t.levels.red} red</span> <span class="badge amber">${t.levels.amber} amber</span> <span class="badge green">${t.levels.green} green</span></div><div><b>${t.uploads}</b> uploads</div><div>open findings: ${sev}${t.open.info ? ` <span class="badge sev-info">${t.open.info} info</span>` : ''}</div><div><b>${t.closed}</b> closed by triage</div><div><b>${t.requests}</b> requests to send</div></div>
<h2>Agencies</h2>
${overview(b)}
${b.agencies.map((a) => agencySection(b, a)).join('\n')}
</body></html>
`;
}
