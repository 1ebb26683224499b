/**
 * `sweep scan <path>...`: normalize the inputs into `<out>/lake-root`, then hunt over them, in one go.
 * Composition root only: flags -> normalizeUpload -> the sweep job -> summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { SEVERITIES, type Severity } from '../../hunt';
import { hasFindingsAtLeast } from '../../sweep';
import { CliError, CliErrorCode } from '../errors';
import {
  addLimitOptions,
  badArgumentsOnError,
  formatSummary,
  limitsFromFlags,
  LOCAL_TZ_HELP,
  localTzFromFlag,
  normalizeForCli,
  type LimitFlags,
} from './normalize';
import { printResult, runJob } from './hunt';

interface ScanFlags extends LimitFlags {
  agency: string;
  host?: string;
  localTz?: string;
  out: string;
  since?: string;
  until?: string;
  queries: string;
  indicators: string;
  failOn?: string;
  json?: boolean;
}

export function registerScan(program: Command): void {
  const cmd = program
    .command('scan')
    .description(
      'Normalize archives/logs and run the hunts over them in one go; print the verdict per host; write findings.jsonl and report.html.',
    )
    .argument('<path...>', 'archives, log files or folders')
    .option('--agency <id>', 'agency id', 'local')
    .option('--host <name>', 'host for records whose content and path name none')
    .option('--local-tz <zone>', LOCAL_TZ_HELP)
    .option('--out <dir>', 'output folder: lake-root/, findings.jsonl, report.html, findings/seen.jsonl', 'out/scan')
    .option('--since <day>', 'first day of the window, YYYY-MM-DD (default: 2019-01-01, or the earliest day in the logs)')
    .option('--until <day>', 'last day of the window, YYYY-MM-DD (default: today, or the latest day in the logs)')
    .option('--queries <dir>', 'folder of hunt queries', 'queries')
    .option('--indicators <dir>', 'folder of indicator feeds', 'indicators')
    .option(
      '--fail-on <severity>',
      `exit 1 when a finding is at this severity or above (${SEVERITIES.join(', ')}); without it scan exits 0 after a completed sweep`,
    )
    .option('--json', 'print a JSON summary instead of text');
  addLimitOptions(cmd);
  badArgumentsOnError(cmd);
  cmd.addHelpText(
    'after',
    '\nExit codes: 0 sweep done (findings or not, unless --fail-on), 1 findings at or above --fail-on, 2 usage error, 3 runtime error.',
  );
  cmd.action(async (paths: string[], flags: ScanFlags) => {
    const failOn = flags.failOn?.toLowerCase();
    if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) {
      throw new CliError(CliErrorCode.BadArgument, `--fail-on must be one of ${SEVERITIES.join(', ')}, got "${flags.failOn}"`);
    }
    for (const p of paths) if (!fs.existsSync(p)) throw new CliError(CliErrorCode.NotFound, `input not found: ${p}`);
    const limits = limitsFromFlags(flags);
    const localTimeZone = localTzFromFlag(flags.localTz);
    const lakeRoot = path.join(flags.out, 'lake-root');
    const started = Date.now();
    const normalized = await normalizeForCli({
      paths,
      agency: flags.agency,
      host: flags.host,
      localTimeZone,
      limits,
      lakeRoot,
      scratchParent: flags.out,
      quiet: flags.json === true,
    });
    if (!flags.json) {
      process.stdout.write(
        formatSummary(normalized.manifest, path.join(lakeRoot, ...normalized.manifestKey.split('/')), (Date.now() - started) / 1000),
      );
      process.stdout.write('\n');
    }
    const result = await runJob({
      lakeRoot,
      out: flags.out,
      queries: flags.queries,
      indicators: flags.indicators,
      since: flags.since,
      until: flags.until,
    });
    printResult(result, flags.json === true);
    if (failOn && hasFindingsAtLeast(result.findings, failOn as Severity)) process.exitCode = 1;
  });
}
