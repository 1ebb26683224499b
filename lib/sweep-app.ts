/**
 * Composes the deployment: the stateful stack, then the stateless stack that
 * uses it. bin/app.ts (the only reader of files and context) calls it; tests
 * call it with small inputs.
 */
import type { App } from 'aws-cdk-lib';
import type { AppConfig } from './app-config';
import type { DeployedHunt } from './hunt-workgroup';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface SweepAppProps {
  readonly config: AppConfig;
  readonly hunts: readonly DeployedHunt[];
  /** Folder with the indicators Parquet file (src/aws/indicators-parquet.ts). @default - no indicators deployed */
  readonly indicatorsDir?: string;
  /** @default '<repo>/queries' */
  readonly queriesDir?: string;
}

export interface SweepStacks {
  readonly data: StatefulStack;
  readonly compute: StatelessStack;
}

/** Defines both stacks in `app`. Stack names start with the config prefix (`sweep-data`, `sweep-compute`). */
export function buildSweepApp(app: App, props: SweepAppProps): SweepStacks {
  const { config } = props;
  const data = new StatefulStack(app, `${config.prefix}-data`, {
    config,
    description: 'Indicator sweep: uploads, lake, Glue catalog, keys, dedup table, agency upload roles (stateful)',
    terminationProtection: true,
  });
  const compute = new StatelessStack(app, `${config.prefix}-compute`, {
    config,
    data,
    hunts: props.hunts,
    indicatorsDir: props.indicatorsDir,
    queriesDir: props.queriesDir,
    description: 'Indicator sweep: normalizer, hunt state machine, schedules, topics, analyst role (stateless)',
  });
  compute.addStackDependency(data);
  return { data, compute };
}
