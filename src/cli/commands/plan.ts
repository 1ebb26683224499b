import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';

/** `sweep plan`: Estimate bytes scanned and cost of each hunt on Athena. (not built yet: issue #6). */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description("Estimate bytes scanned and cost of each hunt on Athena.")
    .allowUnknownOption()
    .action(() => {
      throw new CliError(CliErrorCode.NotImplemented, "sweep plan is not built yet (issue #6).");
    });
}
