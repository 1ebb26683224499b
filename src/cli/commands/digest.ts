/**
 * `sweep digest`: what changed since the last digest (new uploads, new findings, verdict changes) and which agencies
 * still miss coverage, from the same board as `sweep board`. The snapshot it compares with is
 * `<out>/digest/last.json`; --dry-run leaves it as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';
import { resolveLakeRoot } from './hunt';
import { buildLocalBoard } from '../../local-engine';
import { diffDigest, renderDigestText, snapshotOf, type DigestSnapshot } from '../../report';

interface Opts {
  lake?: string;
  out: string;
  queries: string;
  dryRun?: boolean;
  json?: boolean;
}

export function digestStateFile(outDir: string): string {
  return path.join(outDir, 'digest', 'last.json');
}

function readSnapshot(file: string): DigestSnapshot | null {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DigestSnapshot;
  } catch (err) {
    throw new CliError(
      CliErrorCode.BadArgument,
      `the last digest's snapshot ${file} cannot be read: ${(err as Error).message}`,
      'move it away to start over (the next digest then reports everything as new)',
      { cause: err },
    );
  }
}

export function registerDigest(program: Command): void {
  program
    .command('digest')
    .description('Print what changed since the last digest: new uploads, new findings, verdict changes, agencies still missing coverage.')
    .option('--lake <dir>', 'lake root (default: <out>/lake-root when it exists)')
    .option(
      '--out <dir>',
      "the sweep's output folder (findings.jsonl, findings/triage.jsonl); the snapshot goes to <out>/digest/last.json",
      'out/hunt',
    )
    .option('--queries <dir>', 'folder of hunt queries', 'queries')
    .option('--dry-run', 'do not save the snapshot (the next digest reports the same changes)')
    .option('--json', 'print the digest as JSON')
    .action(async (opts: Opts) => {
      const lake = opts.lake ?? (fs.existsSync(path.join(opts.out, 'lake-root')) ? path.join(opts.out, 'lake-root') : undefined);
      if (!lake)
        throw new CliError(
          CliErrorCode.BadArgument,
          'missing --lake <dir>',
          'give the folder made by `sweep normalize --lake DIR`, or the --out folder of `sweep scan`',
        );
      const stateFile = digestStateFile(opts.out);
      const prev = readSnapshot(stateFile);
      const { board } = await buildLocalBoard({ lakeRoot: resolveLakeRoot(lake), resultsDir: opts.out, queriesDir: opts.queries });
      const digest = diffDigest(prev, board);
      process.stdout.write(opts.json ? JSON.stringify(digest) + '\n' : renderDigestText(digest));
      if (!opts.dryRun) {
        fs.mkdirSync(path.dirname(stateFile), { recursive: true });
        // Written whole then renamed: an interrupted digest leaves the previous snapshot intact.
        fs.writeFileSync(`${stateFile}.tmp`, JSON.stringify(snapshotOf(board), null, 2) + '\n');
        fs.renameSync(`${stateFile}.tmp`, stateFile);
      }
    });
}
