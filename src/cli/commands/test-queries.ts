import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep test-queries`: Run every hunt's fixtures. (not built yet: issue #3). */
export function registerTestQueries(program: Command): void {
  program
    .command('test-queries')
    .description("Run every hunt's fixtures.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep test-queries is not built yet (issue #3).");
    });
}
