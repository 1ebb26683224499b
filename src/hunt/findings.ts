/**
 * Result rows -> findings (the findings.jsonl contract). Pure: the AWS finding Lambda uses it on Athena rows, the CLI
 * on DuckDB rows.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES, type Finding, type Severity } from './types';
import type { Hunt } from './query-file';

/** Result columns with a fixed meaning; every other column is evidence. */
export const CONTRACT_COLUMNS = ['agency', 'host', 'first_seen', 'last_seen', 'hits', 'severity'] as const;
const CONTRACT = new Set<string>(CONTRACT_COLUMNS);

/** Most distinct values kept for one evidence column when rows of one finding are merged. */
const MAX_MERGED_VALUES = 20;

/** Rank of a severity: 0 for critical ... 4 for info. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function toIso(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  // Athena renders timestamps as "2021-03-02 10:15:30.000": read as UTC.
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
  return Number.isNaN(t) ? s : new Date(t).toISOString();
}

function effectiveSeverity(hunt: Hunt, row: Record<string, unknown>): Severity {
  const s = typeof row.severity === 'string' ? row.severity.toLowerCase() : null;
  return s && (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : hunt.meta.severity;
}

/**
 * Fingerprint of a finding: sha256 of hunt id, agency, host and the key evidence values. Times and counts are left
 * out, so the same hit seen again (with more hits, a later last_seen) keeps its fingerprint.
 */
export function fingerprint(huntId: string, agency: string, host: string | null, key: Record<string, unknown>): string {
  const keyPart = Object.keys(key)
    .sort()
    .map((k) => [k, key[k] ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([huntId, agency, host, keyPart]))
    .digest('hex');
}

/**
 * Turns one hunt's result rows into findings. Rows that share a fingerprint (same agency, host and key evidence)
 * merge into one finding: earliest first_seen, latest last_seen, summed count, most severe severity, and the
 * distinct values of the other evidence columns.
 */
export function rowsToFindings(hunt: Hunt, rows: readonly Record<string, unknown>[]): Finding[] {
  const groups = new Map<string, { agency: string; host: string | null; rows: Record<string, unknown>[] }>();
  for (const row of rows) {
    const keyFields = hunt.meta.key_fields?.length ? hunt.meta.key_fields : Object.keys(row).filter((k) => !CONTRACT.has(k));
    const key: Record<string, unknown> = {};
    for (const k of keyFields) key[k] = row[k] ?? null;
    const agency = row.agency === null || row.agency === undefined ? '' : String(row.agency);
    const host = row.host === null || row.host === undefined || row.host === '' ? null : String(row.host);
    const fp = fingerprint(hunt.meta.id, agency, host, key);
    const g = groups.get(fp);
    if (g) g.rows.push(row);
    else groups.set(fp, { agency, host, rows: [row] });
  }
  const attack = [...new Set(hunt.meta.mitre.map((m) => m.split(':')[1]))];
  return [...groups.entries()].map(([fp, g]) => {
    const evidence: Record<string, unknown> = {};
    for (const k of Object.keys(g.rows[0])) {
      if (CONTRACT.has(k)) continue;
      // Rows arrive in whatever order the engine's threads finish: the distinct values are sorted, so the same
      // rows always give the same finding (and the same first MAX_MERGED_VALUES of them).
      const seen = new Map<string, unknown>();
      for (const r of g.rows) {
        const v = r[k] ?? null;
        const text = JSON.stringify(v);
        if (!seen.has(text)) seen.set(text, v);
      }
      const distinct = [...seen.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, MAX_MERGED_VALUES)
        .map(([, v]) => v);
      evidence[k] = distinct.length === 1 ? distinct[0] : distinct;
    }
    const firsts = g.rows
      .map((r) => toIso(r.first_seen))
      .filter(Boolean)
      .sort();
    const lasts = g.rows
      .map((r) => toIso(r.last_seen))
      .filter(Boolean)
      .sort();
    const severity = g.rows.map((r) => effectiveSeverity(hunt, r)).sort((a, b) => severityRank(a) - severityRank(b))[0];
    const count = g.rows.reduce((n, r) => {
      const c = Number(r.hits ?? 1);
      return n + (Number.isFinite(c) ? c : 1);
    }, 0);
    return {
      hunt_id: hunt.meta.id,
      title: hunt.meta.name,
      severity,
      cves: [...hunt.meta.cves],
      attack,
      agency: g.agency,
      host: g.host,
      first_seen: firsts[0] ?? '',
      last_seen: lasts[lasts.length - 1] ?? '',
      count,
      evidence,
      fingerprint: fp,
    } satisfies Finding;
  });
}

/** Orders findings for display and files: most severe first, then agency, host, first seen, hunt. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.agency.localeCompare(b.agency) ||
      (a.host ?? '').localeCompare(b.host ?? '') ||
      a.first_seen.localeCompare(b.first_seen) ||
      a.hunt_id.localeCompare(b.hunt_id) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}
