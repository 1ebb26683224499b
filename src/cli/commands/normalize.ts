import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep normalize`: Normalize archives and log files into the lake (ingest only). (not built yet: issue #2). */
export function registerNormalize(program: Command): void {
  program
    .command('normalize')
    .description("Normalize archives and log files into the lake (ingest only).")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep normalize is not built yet (issue #2).");
    });
}
