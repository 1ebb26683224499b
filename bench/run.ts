/**
 * `npm run bench [-- <name>...]`: runs the benchmarks in bench/<name>.ts (all when none is named).
 * Each benchmark exports `run(args: string[]): Promise<void>` and prints its figures as ratios
 * against a reference run in the same process (machines here are noisy; absolute times are not compared).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

async function main(): Promise<void> {
  // Run from the repository root (npm run bench); each benchmark is bundled on the fly like the CLI.
  const dir = path.resolve('bench');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runTs } = require(path.resolve('bin/ts-loader.js')) as { runTs(file: string): unknown };
  const available = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .map((f) => f.replace(/\.ts$/, ''));
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('-'));
  const chosen = names.length ? names : available;
  for (const name of chosen) {
    if (!available.includes(name)) throw new Error(`no benchmark "${name}"; available: ${available.join(', ')}`);
    process.stdout.write(`\n== bench ${name} ==\n`);
    const mod = runTs(path.join(dir, `${name}.ts`)) as { run(args: string[]): Promise<void> };
    await mod.run(args.filter((a) => a.startsWith('-')));
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
