import * as fs from 'node:fs';
import type { Command } from 'commander';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runSmoke, type SmokeOptions } from '../../aws';
import { CliError, CliErrorCode } from '../errors';

interface Opts {
  outputs?: string;
  agency: string;
  otherAgency: string;
  region?: string;
  timeout: string;
}

/** CloudFormation output names (lib/stateful-stack.ts, lib/stateless-stack.ts) -> smoke options. */
const OUTPUTS: Record<string, keyof SmokeOptions> = {
  UploadBucketName: 'uploadBucket',
  LakeBucketName: 'lakeBucket',
  GlueDatabase: 'database',
  WorkGroupName: 'workGroup',
  FindingsTopicArn: 'topicArn',
  HuntStateMachineArn: 'stateMachineArn',
};

/** `sweep smoke`: the first check of a real deployment (src/aws/smoke.ts). */
export function registerSmoke(program: Command): void {
  program
    .command('smoke')
    .description(
      'Check a real deployment end to end as a test agency: upload, receipt, Athena per table, the pack, routing; then clean up.',
    )
    .requiredOption('--outputs <file>', "the stacks' outputs: `npx cdk deploy --all --outputs-file cdk-outputs.json`")
    .requiredOption('--agency <id>', 'the test agency (in the deployment config, with an owner subscription), e.g. smoke-test')
    .requiredOption('--other-agency <id>', 'another configured agency: it must receive nothing of the test agency')
    .option('--region <region>', 'AWS region (default: AWS_REGION / profile)')
    .option('--timeout <seconds>', 'how long to wait for the receipt, the run and the findings', '900')
    .addHelpText(
      'after',
      "\nAWS credentials come from the default chain: the deployer's (S3 put/delete on both buckets, Athena, Step Functions,\nSNS subscribe, SQS create/delete). Exit code 0 when every stage passed, 1 otherwise.",
    )
    .action(async (opts: Opts) => {
      if (!fs.existsSync(opts.outputs!))
        throw new CliError(
          CliErrorCode.NotFound,
          `outputs file not found: ${opts.outputs}`,
          'npx cdk deploy --all --outputs-file cdk-outputs.json',
        );
      const byStack = JSON.parse(fs.readFileSync(opts.outputs!, 'utf8')) as Record<string, Record<string, string>>;
      const found: Partial<Record<keyof SmokeOptions, string>> = {};
      for (const outputs of Object.values(byStack)) for (const [k, v] of Object.entries(outputs)) if (OUTPUTS[k]) found[OUTPUTS[k]] = v;
      const missing = Object.entries(OUTPUTS)
        .filter(([, o]) => !found[o])
        .map(([k]) => k);
      if (missing.length > 0)
        throw new CliError(
          CliErrorCode.BadArgument,
          `${opts.outputs} lacks ${missing.join(', ')}`,
          'deploy both stacks with --outputs-file',
        );
      const timeout = Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new CliError(CliErrorCode.BadArgument, `--timeout must be a positive number of seconds, got "${opts.timeout}"`);
      if (opts.agency === opts.otherAgency) throw new CliError(CliErrorCode.BadArgument, '--other-agency must differ from --agency');
      const config = opts.region ? { region: opts.region } : {};
      const clients = {
        s3: new S3Client(config),
        athena: new AthenaClient(config),
        sfn: new SFNClient(config),
        sns: new SNSClient(config),
        sqs: new SQSClient(config),
      };
      try {
        const stages = await runSmoke(
          {
            ...(found as Omit<SmokeOptions, 'agency' | 'otherAgency'>),
            agency: opts.agency,
            otherAgency: opts.otherAgency,
            timeoutMs: timeout * 1000,
          },
          clients,
        );
        const failed = stages.filter((s) => !s.ok);
        process.stdout.write(`smoke: ${stages.length - failed.length} passed, ${failed.length} failed\n`);
        if (failed.length > 0) process.exitCode = 1;
      } finally {
        for (const c of Object.values(clients)) c.destroy();
      }
    });
}
