import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep hunt`: Run the hunt queries over a lake and write findings. (not built yet: issue #3). */
export function registerHunt(program: Command): void {
  program
    .command('hunt')
    .description("Run the hunt queries over a lake and write findings.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep hunt is not built yet (issue #3).");
    });
}
