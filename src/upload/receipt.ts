/**
 * The receipt of an upload: once the normalizer has written the manifest, the
 * agency's owners are told what was received and what it lets the hunts see.
 * Same routing as findings (SNS attribute `agency`, `kind: receipt`).
 *
 * Pure: manifest in, message out.
 */
import type { Manifest } from '../lake';
import type { Severity } from '../hunt';
import { toSubject, type NotificationMessage } from '../notify';
import { assessCoverage, formatCoverageLines, formatIntake, type HuntNeed } from './coverage-check';

/** Keeps a receipt of a very large upload (hundreds of hosts) well inside the SNS message size. */
const MAX_COVERAGE_LINES = 300;

function capped(lines: string[], max: number): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `  ... and ${lines.length - max} more lines (see the manifest)`];
}

/**
 * How loud the receipt is: `info` when everything was read, `low` when some
 * files or lines were refused, `medium` when nothing usable came out or hunts
 * cannot run (owners filtering on severity still hear about an unusable upload).
 */
export function receiptSeverity(manifest: Manifest, gaps: number): Severity {
  if (manifest.totals.rows === 0) return 'medium';
  if (gaps > 0) return 'medium';
  const t = manifest.totals;
  if (t.rejections > 0 || t.entries_unrecognized > 0 || t.problems > 0 || t.entries_partial > 0) return 'low';
  return 'info';
}

/**
 * Builds the receipt message for one normalized upload.
 *
 * @example
 * const msg = receiptMessage(manifest, hunts);
 * // msg.subject: "Upload 20210302T101530Z-1a2b3c4d received (doe): 2 hosts, 3 log families, 1 gap"
 */
export function receiptMessage(manifest: Manifest, hunts: readonly HuntNeed[] = []): NotificationMessage {
  const report = assessCoverage(manifest.coverage, hunts);
  const severity = receiptSeverity(manifest, report.gaps.length);
  const hostCount = report.hosts.filter((h) => h !== null).length;
  const summary =
    manifest.totals.rows === 0
      ? 'nothing usable was found'
      : `${hostCount} host${hostCount === 1 ? '' : 's'}, ${report.families.length} log famil${report.families.length === 1 ? 'y' : 'ies'}` +
        (report.gaps.length > 0 ? `, ${report.gaps.length} gap${report.gaps.length === 1 ? '' : 's'}` : '');
  const subject = toSubject(`Upload ${manifest.upload_id} received (${manifest.agency}): ${summary}`);
  const lines = [
    `Upload ${manifest.upload_id} of agency ${manifest.agency} was normalized at ${manifest.normalized_at}.`,
    '',
    `Inputs: ${manifest.inputs.map((i) => i.path).join(', ') || '(none)'}`,
    ...formatIntake(manifest),
    '',
    'Coverage (host, log family, first -> last event):',
    ...capped(formatCoverageLines(report), MAX_COVERAGE_LINES),
  ];
  if (hunts.length > 0) {
    lines.push('', `Hunts: ${report.huntsRunnable} of ${report.huntsTotal} can run on these logs.`);
    for (const g of report.gaps) lines.push(`  ${g.message}`);
  }
  lines.push('', `Full manifest: manifests/agency=${manifest.agency}/${manifest.upload_id}.json`);
  return { subject, body: lines.join('\n') + '\n', attributes: { agency: manifest.agency, severity, kind: 'receipt' } };
}
