import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep upload`: Upload archives into an agency's prefix. (not built yet: issue #7). */
export function registerUpload(program: Command): void {
  program
    .command('upload')
    .description("Upload archives into an agency's prefix.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep upload is not built yet (issue #7).");
    });
}
