/**
 * Helpers for construct tests: an App with cdk.json's context, bundling skipped
 * and template validation off (2.6 s instead of 9 s per stack), a small config,
 * and a resolver that turns CloudFormation intrinsics into readable strings.
 * Access is decided by policy-simulator.ts (AWS's evaluation rules), never here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseAppConfig, type AppConfig } from '../../lib/app-config';
import type { DeployedHunt } from '../../lib/hunt-workgroup';
import { buildSweepApp, type SweepStacks } from '../../lib/sweep-app';

const REPO = path.resolve(__dirname, '..', '..');

export function testApp(extraContext: Record<string, unknown> = {}): App {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extraContext },
    builtinCloudFormationValidation: false,
  } as ConstructorParameters<typeof App>[0]);
}

export const TEST_CONFIG: AppConfig = parseAppConfig({
  prefix: 'sweep',
  agencies: [
    { id: 'doj', owners: ['admins@doj.example.gov'] },
    { id: 'dhs', owners: ['soc@dhs.example.gov', 'mail@dhs.example.gov'], timeZone: 'America/New_York' },
  ],
  securityTeam: ['hunt@cisa.example.gov'],
});

export const TEST_HUNTS: DeployedHunt[] = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'ProxyLogon SSRF anchor mailbox',
    description: 'SSRF',
    sql: '/* ---\nid: x\n--- */\nSELECT agency, host FROM web_requests WHERE dt BETWEEN ? AND ?',
  },
  {
    id: '22222222-2222-4222-8222-222222222222',
    name: 'Web shell paths',
    description: 'Shells',
    sql: 'SELECT agency FROM web_requests WHERE dt BETWEEN ? AND ?',
  },
];

/**
 * The indicators asset folder of the test stacks. Templates hold only the asset's hash, so its file need not be real
 * Parquet here (test/aws/indicators-parquet.test.ts reads the real one through DuckDB).
 */
function indicatorsAssetDir(): string {
  const dir = path.join(os.tmpdir(), 'sweep-construct-tests-indicators');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'indicators.parquet'), 'template tests only');
  return dir;
}

export function testStacks(config: AppConfig = TEST_CONFIG, app: App = testApp()): SweepStacks {
  return buildSweepApp(app, { config, hunts: TEST_HUNTS, indicatorsDir: indicatorsAssetDir(), queriesDir: path.join(REPO, 'queries') });
}

/**
 * Renders intrinsics as strings: `{Fn::GetAtt: [X, 'Arn']}` -> `<X.Arn>`, `{Ref: X}` -> `<X>`,
 * `Fn::Join` joined, pseudo parameters by name (`<AWS::Region>`).
 */
export function render(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(render);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return (parts.map(render) as string[]).join(sep);
    }
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Ref' in o) return `<${o.Ref as string}>`;
    if ('Fn::ImportValue' in o) return `<import:${JSON.stringify(render(o['Fn::ImportValue']))}>`;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, render(x)]));
  }
  return v;
}
