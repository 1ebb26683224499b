/**
 * A Lambda function of the deployment: bundled locally with esbuild (no Docker),
 * Node 24 runtime, its own log group and a role without managed policies.
 * Optionally ships the hunt pack (queries/) and DuckDB's native module.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root (lib/..), where package-lock.json, queries/ and node_modules/ are. */
export const REPO_ROOT = path.resolve(__dirname, '..');

export interface SweepFunctionProps {
  /** Handler file, relative to the repository root (e.g. `lambdas/normalizer/handler.ts`). */
  readonly entry: string;
  readonly description: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default Size.mebibytes(512) */
  readonly ephemeralStorageSize?: Size;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /** Copy the hunt pack (`queries/`) into the bundle, readable at `/var/task/queries`. @default false */
  readonly withQueries?: boolean;
  /** Fixed role name (when a bucket policy must name the role). @default - generated */
  readonly roleName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** A Node.js Lambda function bundled from this repository. */
export class SweepFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SweepFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      roleName: props.roleName,
      description: props.description,
    });
    // Instead of the AWSLambdaBasicExecutionRole managed policy: write to this function's log group only.
    logGroup.grantWrite(this.role);
    const copies: string[] = [];
    if (props.withQueries) copies.push('queries');
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      description: props.description,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      ephemeralStorageSize: props.ephemeralStorageSize,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      role: this.role,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        // Local esbuild (devDependency) only: there is no Docker here.
        forceDockerBundling: false,
        target: 'node20',
        format: nodejs.OutputFormat.CJS,
        sourceMap: true,
        minify: false,
        // Everything is bundled, the SDK included (pinned version, not the runtime's): no native module ships.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...copies.map((d) => `cp -R "${path.join(inputDir, d)}" "${path.join(outputDir, d)}"`),
          ],
        },
      },
    });
  }
}
