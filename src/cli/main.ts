/**
 * The `sweep` command line: one command per file in ./commands, registered here.
 */
import { Command } from 'commander';
import { handleError } from './errors';
import { registerNormalize } from './commands/normalize';
import { registerDump } from './commands/dump';
import { registerHunt } from './commands/hunt';
import { registerScan } from './commands/scan';
import { registerTestQueries } from './commands/test-queries';
import { registerPlan } from './commands/plan';
import { registerUpload } from './commands/upload';
import { registerGrantUpload } from './commands/grant-upload';
import { registerCheck } from './commands/check';
import { registerVerify } from './commands/verify';
import { registerSmoke } from './commands/smoke';
import { registerTriage } from './commands/triage';
import { registerBoard } from './commands/board';
import { registerDigest } from './commands/digest';

export function buildProgram(): Command {
  const program = new Command('sweep')
    .description('Sweep Exchange, IIS and Windows logs for HAFNIUM / ProxyLogon indicators.')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const register of [
    registerScan,
    registerNormalize,
    registerHunt,
    registerDump,
    registerTestQueries,
    registerCheck,
    registerUpload,
    registerGrantUpload,
    registerPlan,
    registerVerify,
    registerSmoke,
    registerTriage,
    registerBoard,
    registerDigest,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    handleError(err, { json: argv.includes('--json') });
  }
}
