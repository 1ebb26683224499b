import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep check`: Check a folder or archive before uploading. (not built yet: issue #7). */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("Check a folder or archive before uploading.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep check is not built yet (issue #7).");
    });
}
