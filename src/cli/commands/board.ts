/**
 * `sweep board`: the security team's board (board.html + board.json) of every agency and host. Locally it is built
 * from the lake (--lake) and the sweep results beside it (--out); with --bucket it is fetched from the lake bucket's
 * private `board/` prefix, and --link prints a presigned link to it instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CliError, CliErrorCode } from '../errors';
import { resolveLakeRoot } from './hunt';
import { S3ObjectStore } from '../../aws';
import { ObjectNotFoundError, readText } from '../../core';
import { buildLocalBoard } from '../../local-engine';
import { BOARD_HTML_KEY, BOARD_JSON_KEY, writeBoard } from '../../report';

interface Opts {
  lake?: string;
  bucket?: string;
  out: string;
  queries: string;
  config?: string;
  link?: boolean;
  expires: string;
  region?: string;
  json?: boolean;
}

/** Agency ids of a deployment config (`agencies[].id`): they are expected on the board even before any upload. */
function expectedAgencies(file: string | undefined): string[] {
  if (!file) return [];
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { agencies?: { id?: unknown }[] };
    return (raw.agencies ?? []).map((a) => a.id).filter((x): x is string => typeof x === 'string');
  } catch (err) {
    throw new CliError(
      CliErrorCode.BadArgument,
      `cannot read agencies from ${file}: ${(err as Error).message}`,
      'give the deployment config, e.g. --config config/deploy.json',
      { cause: err },
    );
  }
}

export function registerBoard(program: Command): void {
  program
    .command('board')
    .description(
      "Write the security team's board (board.html, board.json): agencies x hosts, coverage since 2019, verdicts, open findings, what to ask for next.",
    )
    .option('--lake <dir>', 'lake root (default: <out>/lake-root when it exists, as sweep scan makes it)')
    .option('--bucket <name>', 'on AWS: fetch the board the deployment regenerates under board/ in this lake bucket')
    .option(
      '--out <dir>',
      "the sweep's output folder (findings.jsonl, sweep.json, findings/triage.jsonl); the board is written there",
      'out/hunt',
    )
    .option('--queries <dir>', 'folder of hunt queries (which log families the hunts need)', 'queries')
    .option('--config <file>', 'deployment config: its agencies are listed even before their first upload')
    .option('--link', 'with --bucket: print a presigned link to board.html instead of downloading it')
    .option('--expires <seconds>', 'lifetime of the --link URL', '3600')
    .option('--region <region>', 'AWS region, with --bucket')
    .option('--json', 'print the board as JSON')
    .action(async (opts: Opts) => {
      if (opts.bucket) return fromBucket(opts);
      if (opts.link)
        throw new CliError(CliErrorCode.BadArgument, '--link needs --bucket', 'a presigned link points at the board in the lake bucket');
      const lake = opts.lake ?? (fs.existsSync(path.join(opts.out, 'lake-root')) ? path.join(opts.out, 'lake-root') : undefined);
      if (!lake)
        throw new CliError(
          CliErrorCode.BadArgument,
          'missing --lake <dir>',
          'give the folder made by `sweep normalize --lake DIR`, or the --out folder of `sweep scan`',
        );
      const bad: string[] = [];
      const { board } = await buildLocalBoard({
        lakeRoot: resolveLakeRoot(lake),
        resultsDir: opts.out,
        queriesDir: opts.queries,
        expectedAgencies: expectedAgencies(opts.config),
        onBadManifest: (key, reason) => bad.push(`${key}: ${reason}`),
      });
      const files = writeBoard(opts.out, board);
      if (opts.json) {
        process.stdout.write(JSON.stringify(board) + '\n');
        return;
      }
      for (const b of bad) process.stderr.write(`warning: manifest skipped: ${b}\n`);
      const t = board.totals;
      process.stdout.write(
        `${t.agencies} agencies, ${t.hosts} hosts (${t.levels.red} red, ${t.levels.amber} amber, ${t.levels.green} green), ${t.uploads} uploads; ` +
          `open findings: ${t.open.critical} critical, ${t.open.high} high, ${t.open.medium} medium, ${t.open.low} low; ${t.closed} closed by triage; ${t.requests} requests to send\n`,
      );
      process.stdout.write(`board: ${path.relative(process.cwd(), files.html)}\n       ${path.relative(process.cwd(), files.json)}\n`);
    });
}

async function fromBucket(opts: Opts): Promise<void> {
  const client = new S3Client({ region: opts.region });
  if (opts.link) {
    const expiresIn = Number(opts.expires);
    if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > 604_800)
      throw new CliError(CliErrorCode.BadArgument, `--expires must be whole seconds in 60..604800, got "${opts.expires}"`);
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: opts.bucket, Key: BOARD_HTML_KEY, ResponseContentType: 'text/html; charset=utf-8' }),
      { expiresIn },
    );
    process.stdout.write(url + '\n');
    return;
  }
  const store = new S3ObjectStore({ client, bucket: opts.bucket! });
  fs.mkdirSync(opts.out, { recursive: true });
  try {
    for (const key of [BOARD_HTML_KEY, BOARD_JSON_KEY])
      fs.writeFileSync(path.join(opts.out, path.basename(key)), await readText(store, key));
  } catch (err) {
    if (err instanceof ObjectNotFoundError)
      throw new CliError(
        CliErrorCode.NotFound,
        `no board in s3://${opts.bucket}/${BOARD_HTML_KEY} yet`,
        'it is written after each sweep of the deployment',
        { cause: err },
      );
    throw err;
  }
  process.stdout.write(`board: ${path.join(opts.out, 'board.html')}\n       ${path.join(opts.out, 'board.json')}\n`);
}
