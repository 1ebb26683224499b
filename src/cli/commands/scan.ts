import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep scan`: Normalize and hunt in one go. (not built yet: issue #3). */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description("Normalize and hunt in one go.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep scan is not built yet (issue #3).");
    });
}
