import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep grant-upload`: Make a presigned upload link for an agency. (not built yet: issue #7). */
export function registerGrantUpload(program: Command): void {
  program
    .command('grant-upload')
    .description("Make a presigned upload link for an agency.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep grant-upload is not built yet (issue #7).");
    });
}
