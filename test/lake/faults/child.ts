/**
 * The process the SIGKILL trials kill: `normalize <lakeRoot> <agency> <uploadId> <input>...` (as `sweep normalize`
 * runs it: per-run staging under <lakeRoot>/.tmp, publish under the upload's lock) or `hunt <lakeRoot> <outDir>`.
 * Prints "done" at the end.
 */
import * as path from 'node:path';
import { normalizeForCli } from '../../../src/cli/commands/normalize';
import { resolveLimits } from '../../../src/ingest';
import { runSweepJob } from '../../../src/hunt/sweep-job';

async function main(): Promise<void> {
  const [mode, root, ...rest] = process.argv.slice(2);
  if (mode === 'normalize') {
    const [agency, uploadId, ...paths] = rest;
    await normalizeForCli({ paths, agency, uploadId, limits: resolveLimits({}), lakeRoot: root, scratchParent: root, quiet: true });
  } else {
    await runSweepJob({ lakeRoot: root, outDir: rest[0], queriesDir: process.env.FAULT_QUERIES ?? path.resolve('queries'), indicatorsDir: null });
  }
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(3);
});
