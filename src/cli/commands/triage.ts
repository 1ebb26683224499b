/**
 * `sweep triage <fingerprint> --status ... --note ...`: records the security team's decision on a finding, beside
 * the dedup record (`<out>/findings/triage.jsonl`, or the dedup table on AWS with --table). `--list` shows them.
 */
import * as os from 'node:os';
import type { Command } from 'commander';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CliError, CliErrorCode } from '../errors';
import { DynamoDbTriageStore } from '../../aws';
import { LocalTriageStore } from '../../hunt';
import {
  findByFingerprint,
  makeDecision,
  TRIAGE_STATUSES,
  TriageError,
  triageStates,
  type DecidableFinding,
  type TriageStore,
} from '../../hunt';
import type { Finding } from '../../hunt';
import { readFindings } from '../../report';

interface Opts {
  status?: string;
  note?: string;
  by?: string;
  list?: boolean;
  out: string;
  table?: string;
  region?: string;
  json?: boolean;
}

function defaultBy(): string {
  try {
    return process.env.SWEEP_ANALYST || os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function registerTriage(program: Command): void {
  program
    .command('triage')
    .description('Record a decision on a finding (true-positive, benign, false-positive) or list the decisions.')
    .argument('[fingerprint]', "the finding's fingerprint (or a unique prefix of 8+ characters), as in findings.jsonl and report.html")
    .option('--status <status>', `the decision: ${TRIAGE_STATUSES.join(', ')}`)
    .option('--note <text>', 'why (shown on the board and in report.html)')
    .option('--by <name>', 'who decided (default: $SWEEP_ANALYST, else the login name)')
    .option('--list', 'list the decisions and whether new evidence re-opened them')
    .option('--out <dir>', "the sweep's output folder (findings.jsonl, findings/triage.jsonl)", 'out/hunt')
    .option('--table <name>', 'on AWS: the findings dedup table (decisions are stored there; deployment output)')
    .option('--region <region>', 'AWS region, with --table')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nBenign and false-positive findings are not alerted again and do not count in verdicts, until new evidence for the same hunt and host re-opens them.',
    )
    .action(async (fingerprint: string | undefined, opts: Opts) => {
      const aws = opts.table
        ? new DynamoDbTriageStore({ client: new DynamoDBClient({ region: opts.region }), tableName: opts.table })
        : null;
      const store: TriageStore = aws ?? LocalTriageStore.under(opts.out);
      const findings: DecidableFinding[] = aws ? await aws.reportedFindings() : readFindings(opts.out);
      if (opts.list) {
        const states = triageStates(await store.list(), findings as Finding[]);
        const rows = [...states.values()].sort((a, b) => a.decision.decided_at.localeCompare(b.decision.decided_at));
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows.map((s) => ({ ...s.decision, reopened_by: s.reopenedBy, closed: s.closed }))) + '\n');
          return;
        }
        if (rows.length === 0) process.stdout.write('no triage decisions yet\n');
        for (const s of rows) {
          const d = s.decision;
          const state =
            s.reopenedBy.length && d.status !== 'true-positive'
              ? `RE-OPENED by ${s.reopenedBy.map((f) => f.slice(0, 12)).join(', ')}`
              : s.closed
                ? 'closed'
                : 'open';
          process.stdout.write(
            `${d.fingerprint.slice(0, 12)}  ${d.status.padEnd(14)} ${state.padEnd(8)} ${d.agency}/${d.host ?? '(unknown host)'} ${d.hunt_id}  ${d.decided_at} by ${d.by}${d.note ? `: ${d.note}` : ''}\n`,
          );
        }
        return;
      }
      if (!fingerprint)
        throw new CliError(
          CliErrorCode.BadArgument,
          'give a fingerprint, or --list',
          'e.g. sweep triage 3f2a9c1e7b4d --status benign --note "admin script"',
        );
      if (!opts.status) throw new CliError(CliErrorCode.BadArgument, `missing --status (${TRIAGE_STATUSES.join(', ')})`);
      if (opts.note === undefined)
        throw new CliError(CliErrorCode.BadArgument, 'missing --note "<why>"', 'the note is what the next analyst reads');
      try {
        const finding = findByFingerprint(findings, fingerprint);
        const d = makeDecision(finding, findings, { status: opts.status, note: opts.note, by: opts.by ?? defaultBy(), at: new Date() });
        await store.record(d);
        if (opts.json) process.stdout.write(JSON.stringify(d) + '\n');
        else
          process.stdout.write(
            `${d.fingerprint.slice(0, 12)} (${d.hunt_id} on ${d.agency}/${d.host ?? '(unknown host)'}): ${d.status} by ${d.by}\n`,
          );
      } catch (err) {
        if (err instanceof TriageError) {
          throw new CliError(
            CliErrorCode.BadArgument,
            err.message,
            findings.length === 0 ? `no findings under ${opts.out}: run sweep hunt --out ${opts.out} first` : undefined,
            { cause: err },
          );
        }
        throw err;
      }
    });
}
