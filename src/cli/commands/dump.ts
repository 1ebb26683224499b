import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep dump`: Print the parsed records of one file as JSON lines. (not built yet: issue #2). */
export function registerDump(program: Command): void {
  program
    .command('dump')
    .description("Print the parsed records of one file as JSON lines.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep dump is not built yet (issue #2).");
    });
}
