/**
 * The process the SIGKILL trials kill: `normalize <lakeRoot> <agency> <uploadId> <input>...` (as `sweep normalize`
 * runs it: per-run staging under <lakeRoot>/.tmp, publish under the upload's lock) or `hunt <lakeRoot> <outDir>`.
 * Prints "done" at the end.
 */
import * as path from 'node:path';
import { normalizeForCli } from '../../../src/cli/commands/normalize';
import { resolveLimits } from '../../../src/ingest';
import { runJob } from '../../../src/cli/commands/hunt';

async function main(): Promise<void> {
  const [mode, root, ...rest] = process.argv.slice(2);
  if (mode === 'normalize') {
    const [agency, uploadId, ...paths] = rest;
    await normalizeForCli({ paths, agency, uploadId, limits: resolveLimits({}), lakeRoot: root, scratchParent: root, quiet: true });
  } else {
    await runJob({ lakeRoot: root, out: rest[0], queries: process.env.FAULT_QUERIES ?? path.resolve('queries'), indicators: '' });
  }
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(3);
});
