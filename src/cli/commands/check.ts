import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { familyFacts, WINDOWS_EVENT_FAMILIES } from '../../formats';
import { checkLogs, formatBytes, formatCoverageLines, formatIntake } from '../../upload';
import { CliError, CliErrorCode } from '../errors';
import { huntNeeds, toCliError, userPath } from './upload';

interface Opts {
  queries: string;
  host?: string;
  json?: boolean;
}

/** `sweep check`: what a server folder or archive lets the hunts see, before uploading. Uploads nothing. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'Check a server folder or archive before uploading: log families per host, how far back they go, and what the hunts miss. Uploads nothing.',
    )
    .argument('<path...>', 'folders, archives (zip, tar.gz, gz) or log files')
    .option('--queries <dir>', 'hunt queries whose needs are checked', 'queries')
    .option('--host <name>', 'host name for files whose path and content name none')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit codes: 0 every hunt can run, 1 some hunts cannot run (see "missing"), 2 usage error, 3 runtime error.')
    .action(async (paths: string[], opts: Opts) => {
      try {
        await check(paths, opts);
      } catch (err) {
        throw toCliError(err);
      }
    });
}

async function check(paths: string[], opts: Opts): Promise<void> {
  const hunts = huntNeeds(opts.queries);
  if (hunts.length === 0)
    throw new CliError(
      CliErrorCode.NotFound,
      `no hunt queries under ${opts.queries}`,
      'run from the project folder, or pass --queries <dir>',
    );
  const inputs = paths.map(userPath);
  const missing = inputs.filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new CliError(
      CliErrorCode.NotFound,
      `no such file or folder: ${missing.join(', ')}`,
      'give the path of the collected folder or zip (for example C:\\SweepCollect\\EXCH01-logs.zip)',
    );
  const err = process.stderr;
  const started = Date.now();
  let lastDraw = 0;
  const { manifest, report } = await checkLogs({
    inputs,
    hunts,
    hostOverride: opts.host ?? null,
    onProgress: (p) => {
      if (opts.json || !err.isTTY || Date.now() - lastDraw < 500) return;
      lastDraw = Date.now();
      err.write(`\rreading... ${p.entries} files, ${formatBytes(p.bytes)}\u001b[K`);
    },
  });
  if (!opts.json && err.isTTY) err.write('\r\u001b[K');
  const out = process.stdout;
  if (opts.json) {
    out.write(
      JSON.stringify({
        inputs,
        families: report.families,
        hosts: report.hosts,
        coverage: report.coverage,
        gaps: report.gaps,
        hunts_runnable: report.huntsRunnable,
        hunts_total: report.huntsTotal,
        totals: manifest.totals,
        unrecognized: manifest.unrecognized,
        problems: manifest.problems,
      }) + '\n',
    );
  } else {
    const bytes = manifest.entries.reduce((s, e) => s + e.bytes, 0);
    const lines = [
      `Checked ${paths.join(', ')}: ${manifest.totals.entries} files, ${formatBytes(bytes)} read in ${((Date.now() - started) / 1000).toFixed(1)} s. Nothing was uploaded.`,
      '',
      'Found (host, log family, first -> last event):',
      ...formatCoverageLines(report),
      '',
      ...formatIntake(manifest),
      '',
      `Hunts: ${report.huntsRunnable} of ${report.huntsTotal} can run on these logs.`,
    ];
    if (report.gaps.length > 0) {
      lines.push('', 'Missing:');
      for (const g of report.gaps) {
        lines.push(`  ${g.message}`);
        const windowsOnly = g.families.every((f) => (WINDOWS_EVENT_FAMILIES as readonly string[]).includes(f));
        for (const f of windowsOnly ? ['evtx'] : g.families) {
          const where = familyFacts(f)?.whereOnServer;
          if (where) lines.push(`     collect: ${where}`);
        }
      }
    } else {
      lines.push('Every hunt has the logs it needs. Ready to upload.');
    }
    out.write(lines.join('\n') + '\n');
  }
  if (report.gaps.length > 0) {
    // Exit 1 ("failed checks") without an error line: the gaps above are the message.
    process.exitCode = 1;
  }
}
