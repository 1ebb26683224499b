#!/usr/bin/env node
/**
 * CDK app entry: the only place that reads the deployment configuration (a JSON
 * file or cdk.json context), the hunt pack and the indicator feeds; everything
 * else receives them as props.
 *
 *   npx cdk synth                              # config/deploy.json, else config/deploy.example.json
 *   npx cdk synth -c configFile=my-config.json
 *   npx cdk synth -c nag=false                 # skip cdk-nag (faster local iterations)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseAppConfig } from '../lib/app-config';
import { addNagChecks } from '../lib/nag-acknowledgements';
import { buildSweepApp } from '../lib/sweep-app';
import { lintHunt, loadQueries, loadIndicators } from '../src/hunt';
import { writeIndicatorsAsset } from '../src/aws';
import { stopPageWorker } from '../src/lake';

const REPO_ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const app = new App();
  const ctx = (k: string): unknown => app.node.tryGetContext(k);
  const inline = ctx('sweep');
  const configFile =
    (ctx('configFile') as string | undefined) ??
    (fs.existsSync(path.join(REPO_ROOT, 'config', 'deploy.json')) ? 'config/deploy.json' : 'config/deploy.example.json');
  const raw = inline ?? JSON.parse(fs.readFileSync(path.resolve(REPO_ROOT, configFile), 'utf8'));
  const config = parseAppConfig(raw);

  // The pack ships only if every file loads: a broken hunt must be fixed before deploy, not skipped in production.
  const queriesDir = path.join(REPO_ROOT, 'queries');
  const { hunts, broken } = loadQueries(queriesDir);
  if (broken.length > 0) {
    throw new Error(
      `cannot deploy: ${broken.length} hunt file(s) do not load:\n${broken.map((b) => `  ${path.relative(REPO_ROOT, b.path)}: ${b.error.message}`).join('\n')}\nrun \`npm run sweep -- test-queries\` and fix them`,
    );
  }
  // The same lint the security team runs (`sweep test-queries`): Trino syntax, windows, columns, portability.
  const lint = hunts.flatMap((h) => lintHunt(h).map((p) => `  ${path.relative(REPO_ROOT, h.path)}:${p.line}: [${p.rule}] ${p.message}`));
  if (lint.length > 0) throw new Error(`cannot deploy: the hunt lint found ${lint.length} problem(s):\n${lint.join('\n')}`);
  const indicators = await loadIndicators(path.join(REPO_ROOT, 'indicators'));
  // The asset folder is rewritten on every synth; the file is a function of the rows, so its hash changes only with them.
  const indicatorsDir = await writeIndicatorsAsset(
    indicators.rows as unknown as Record<string, unknown>[],
    path.join(REPO_ROOT, '.cache', 'indicators-asset'),
  );
  await stopPageWorker();
  buildSweepApp(app, {
    config,
    hunts: hunts.map((h) => ({ id: h.meta.id, name: h.meta.name, description: h.meta.description, sql: h.sql })),
    indicatorsDir,
    queriesDir,
  });
  if (ctx('nag') !== 'false' && ctx('nag') !== false) {
    addNagChecks(app);
  }
  app.synth();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
