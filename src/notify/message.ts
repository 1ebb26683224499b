/**
 * Finding -> notification message: an email a person can act on (subject with
 * severity, host and hunt; body with evidence, first/last seen, next steps and
 * where the full result lies) that also carries the finding JSON for machines,
 * plus the routing attributes SNS filter policies match on.
 *
 * Pure: no SDK, no environment.
 */
import type { Finding, Severity } from '../hunt';

/** SNS message attributes every message carries (subscription filter policies match them). */
export interface RoutingAttributes {
  /** Owning agency: each agency's subscriptions filter on it. */
  readonly agency: string;
  readonly severity: Severity;
  /** `finding` or `receipt` (upload receipts use the same routing). */
  readonly kind: 'finding' | 'receipt';
  readonly hunt_id?: string;
}

export interface NotificationMessage {
  /** ASCII, one line, under 100 characters (SNS email subject rules). */
  readonly subject: string;
  readonly body: string;
  readonly attributes: RoutingAttributes;
}

/** What the hunt and the run add to a finding for the reader. */
export interface FindingMessageContext {
  /** The hunt's runbook (header `runbook`). @default - generic next steps */
  readonly runbook?: string;
  readonly description?: string;
  readonly references?: readonly string[];
  /** Where the full result lies (the Athena result CSV, the findings file). */
  readonly resultLocation?: string;
  /** Athena query execution id of the hunt run. */
  readonly queryExecutionId?: string;
}

/** SNS allows 256 KiB per message; keep a margin for attributes and encoding. */
export const MAX_MESSAGE_BYTES = 240 * 1024;
const MAX_EVIDENCE_CHARS = 2000;
const MAX_SUBJECT = 99;

const GENERIC_NEXT_STEPS = [
  '1. Confirm the host and the time window with the server owner; preserve the original logs and a disk image before any clean-up.',
  '2. Check the evidence values against the hunt references (web shell paths, anchor mailboxes, commands).',
  '3. Look for related findings on the same host (other hunts, earlier dates) in the findings store or with `sweep hunt --engine athena`.',
  '4. Report to the security team and follow the incident response plan (CISA ED 21-02 for ProxyLogon).',
].join('\n');

/**
 * Builds the message for one finding.
 *
 * @example
 * const msg = findingMessage(finding, { resultLocation: 's3://results/q-1.csv' });
 * // msg.subject: "[CRITICAL] EXCH01: ProxyLogon SSRF ... (doj)"
 */
export function findingMessage(finding: Finding, context: FindingMessageContext = {}): NotificationMessage {
  const host = finding.host ?? 'unknown host';
  const subject = toSubject(`[${finding.severity.toUpperCase()}] ${host}: ${finding.title} (${finding.agency})`);
  const lines: string[] = [
    `${finding.title}`,
    '',
    `Severity:   ${finding.severity}`,
    `Agency:     ${finding.agency}`,
    `Host:       ${host}`,
    `First seen: ${finding.first_seen}`,
    `Last seen:  ${finding.last_seen}`,
    `Count:      ${finding.count}`,
  ];
  if (finding.cves.length > 0) lines.push(`CVEs:       ${finding.cves.join(', ')}`);
  if (finding.attack.length > 0) lines.push(`ATT&CK:     ${finding.attack.join(', ')}`);
  lines.push(`Hunt:       ${finding.hunt_id}`, `Fingerprint: ${finding.fingerprint}`);
  if (context.description) lines.push('', context.description.trim());
  lines.push('', 'Evidence:');
  const evidence = Object.entries(finding.evidence);
  if (evidence.length === 0) lines.push('  (none)');
  // Evidence comes from attacker-controlled logs: printed as JSON strings, never interpreted.
  for (const [k, v] of evidence) lines.push(`  ${k}: ${truncate(typeof v === 'string' ? v : JSON.stringify(v), MAX_EVIDENCE_CHARS)}`);
  lines.push('', 'What to do next:', (context.runbook ?? GENERIC_NEXT_STEPS).trim());
  if (context.references && context.references.length > 0) lines.push('', 'References:', ...context.references.map((r) => `  ${r}`));
  lines.push('', 'Full result:');
  lines.push(
    `  ${context.resultLocation ?? 'the findings store of this deployment'}${context.queryExecutionId ? ` (Athena query ${context.queryExecutionId})` : ''}`,
  );
  const text = lines.join('\n');
  const json = fitJson(finding, MAX_MESSAGE_BYTES - Buffer.byteLength(text, 'utf8') - 200);
  const body = `${text}\n\n--- finding (JSON) ---\n${json}\n`;
  return { subject, body, attributes: { agency: finding.agency, severity: finding.severity, kind: 'finding', hunt_id: finding.hunt_id } };
}

/** Reads the finding JSON back from a message body (for machines subscribed to the topic). */
export function findingFromMessage(body: string): Finding {
  const i = body.lastIndexOf('\n--- finding (JSON) ---\n');
  if (i < 0) throw new Error('message has no "--- finding (JSON) ---" section');
  return JSON.parse(body.slice(i + '\n--- finding (JSON) ---\n'.length)) as Finding;
}

/** One ASCII line under 100 characters: SNS rejects other subjects. */
export function toSubject(s: string): string {
  // Replace non-ASCII and control characters; SNS also wants a printable first character.
  const ascii = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3)}...`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length - max} more characters)`;
}

/** JSON of the finding; evidence values are shortened (and say so) only when the whole would not fit. */
function fitJson(finding: Finding, budget: number): string {
  let json = JSON.stringify(finding);
  for (let max = 8192; Buffer.byteLength(json, 'utf8') > budget && max >= 64; max = Math.floor(max / 2)) {
    const evidence = Object.fromEntries(
      Object.entries(finding.evidence).map(([k, v]) => {
        const s = typeof v === 'string' ? v : JSON.stringify(v);
        return [k, s.length > max ? `${s.slice(0, max)}...[truncated ${s.length - max} chars]` : v];
      }),
    );
    json = JSON.stringify({ ...finding, evidence, evidence_truncated: true });
  }
  return json;
}
