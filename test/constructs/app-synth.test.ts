/**
 * The real CDK app (bin/app.ts: config file, the shipped hunt pack, the
 * indicator feeds, cdk-nag, CloudFormation template validation) synthesizes
 * offline, with no credentials. Asset bundling (esbuild) is skipped here to keep
 * the suite fast; `npx cdk synth` runs it in full (see docs/deploy.md).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadQueries } from '../../src/hunt/query-file';

const REPO = path.resolve(__dirname, '..', '..');

describe('bin/app.ts', () => {
  it('synthesizes both stacks offline with nag and template validation on', () => {
    // Prepare
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-'));
    const env = {
      ...process.env,
      CDK_OUTDIR: out,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'no-such-profile',
      CDK_DISABLE_VERSION_CHECK: '1',
    };

    // Act
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', '--prefer-ts-exts', 'bin/app.ts'], {
      cwd: REPO,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });

    // Assess
    try {
      expect(r.stderr).not.toMatch(/\bERROR\b/);
      expect(r.status).toBe(0);
      const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
      expect(Object.keys(manifest.artifacts)).toEqual(expect.arrayContaining(['sweep-data', 'sweep-compute']));
      const compute = JSON.parse(fs.readFileSync(path.join(out, 'sweep-compute.template.json'), 'utf8'));
      const named = Object.values(compute.Resources as Record<string, { Type: string }>).filter(
        (x) => x.Type === 'AWS::Athena::NamedQuery',
      );
      expect(named).toHaveLength(loadQueries(path.join(REPO, 'queries')).hunts.length);
      const data = JSON.parse(fs.readFileSync(path.join(out, 'sweep-data.template.json'), 'utf8'));
      const agencies = Object.values(data.Resources as Record<string, { Type: string; Properties: any }>).find(
        (x) => x.Type === 'AWS::Glue::Table' && x.Properties.TableInput.Name === 'web_requests_files',
      )!.Properties.TableInput.Parameters['projection.agency.values'];
      expect(agencies).toBe('doj,dhs,treasury');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
