import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CliError, CliErrorCode } from '../errors';
import { loadPack, lintHunt, type LintProblem } from '../../hunt';
import { runFixtures, type CaseResult, DuckDbQueryEngine, defaultRawNormalizer } from '../../local-engine';
import { paint } from '../../notify';

interface Opts {
  lint: boolean;
  dir: string;
  indicators: string;
  query?: string[];
  json?: boolean;
}

/** `sweep test-queries`: runs every hunt's fixtures on DuckDB and says which case failed and why. */
export function registerTestQueries(program: Command): void {
  program
    .command('test-queries')
    .description("Run every hunt's fixture cases (<stem>.test.yml) on DuckDB and say which case failed and why.")
    .option('--dir <dir>', 'folder of hunt queries', 'queries')
    .option('--indicators <dir>', 'folder of indicator feeds loaded into the indicators table', 'indicators')
    .option('--query <id...>', 'only these hunts (id, id prefix, or file stem)')
    .option('--no-lint', 'skip the lint (Athena syntax, window predicates, columns, portability)')
    .option('--json', 'print one JSON object per case instead of text')
    .addHelpText(
      'after',
      '\nExit codes: 0 all cases passed and the lint is clean, 1 a case failed, a query fails the lint or a query/fixture file is broken, 2 usage error, 3 runtime error.',
    )
    .action(async (opts: Opts) => {
      await testQueries(opts);
    });
}

async function testQueries(opts: Opts): Promise<void> {
  const pack = await loadPack(path.resolve(opts.dir), fs.existsSync(opts.indicators) ? path.resolve(opts.indicators) : null);
  const wanted = opts.query;
  const hunts = wanted ? pack.hunts.filter((h) => wanted.some((w) => h.meta.id.startsWith(w) || h.stem === w)) : pack.hunts;
  if (wanted && hunts.length === 0)
    throw new CliError(
      CliErrorCode.NotFound,
      `no hunt matches ${wanted.join(', ')} in ${opts.dir}`,
      'give an id, an id prefix or a file stem',
    );
  if (pack.hunts.length === 0 && pack.broken.length === 0)
    throw new CliError(CliErrorCode.NotFound, `no .sql hunt files under ${opts.dir}`, 'use --dir to point at the queries folder');
  const engine = await DuckDbQueryEngine.open();
  let report;
  try {
    report = await runFixtures(hunts, { engine, indicators: pack.indicators, normalizeRaw: defaultRawNormalizer() });
  } finally {
    await engine.close();
  }
  const out = process.stdout;
  const broken = wanted ? [] : pack.broken;
  // The lint says what Athena would refuse before anyone pastes the query there.
  const lint = new Map<string, LintProblem[]>();
  if (opts.lint) for (const h of hunts) lint.set(h.path, lintHunt(h));
  const lintFailed = [...lint.values()].filter((p) => p.length > 0).length;
  if (opts.json) {
    for (const b of broken) out.write(JSON.stringify({ file: b.path, ok: false, message: b.error.message }) + '\n');
    for (const e of report.fileErrors) out.write(JSON.stringify({ file: e.path, ok: false, message: e.message }) + '\n');
    for (const [file, problems] of lint) if (problems.length) out.write(JSON.stringify({ file, ok: false, lint: problems }) + '\n');
    for (const r of report.results)
      out.write(
        JSON.stringify({ hunt_id: r.huntId, file: r.huntPath, case: r.caseName, ok: r.ok, message: r.message, ms: Math.round(r.ms) }) +
          '\n',
      );
  } else {
    const color = out.isTTY === true && !process.env.NO_COLOR;
    const byHunt = new Map<string, CaseResult[]>();
    for (const r of report.results) byHunt.set(r.huntPath, [...(byHunt.get(r.huntPath) ?? []), r]);
    for (const b of broken) out.write(`${paint(color, 'red', 'BROKEN')} ${b.error.message}\n`);
    for (const e of report.fileErrors) out.write(`${paint(color, 'red', 'BROKEN')} ${e.message}\n`);
    for (const h of hunts) if (!byHunt.has(h.path)) byHunt.set(h.path, []);
    for (const [file, results] of byHunt) {
      out.write(`${path.relative(process.cwd(), file)}\n`);
      for (const p of lint.get(file) ?? []) out.write(`  ${paint(color, 'red', 'LINT')} line ${p.line} [${p.rule}] ${p.message}\n`);
      for (const r of results) {
        out.write(`  ${r.ok ? paint(color, 'green', 'ok  ') : paint(color, 'red', 'FAIL')} ${r.caseName} (${Math.round(r.ms)} ms)\n`);
        if (!r.ok)
          out.write(
            r.message
              .split('\n')
              .map((l) => `       ${l}`)
              .join('\n') + '\n',
          );
      }
    }
  }
  const failed = report.results.filter((r) => !r.ok).length;
  const brokenFiles = broken.length + report.fileErrors.length;
  const summary = `${report.results.length - failed} passed, ${failed} failed, ${brokenFiles} broken file(s), ${hunts.length} hunt(s)${opts.lint ? `, ${lintFailed} failing the lint` : ', lint skipped'}`;
  if (failed || brokenFiles || lintFailed) throw new CliError(CliErrorCode.FixturesFailed, `fixtures failed: ${summary}`);
  if (!opts.json) out.write(`${summary}\n`);
}
