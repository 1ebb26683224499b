import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { S3ObjectStore } from '../../aws';
import { LayoutError } from '../../core';
import { loadQueries } from '../../hunt';
import {
  ReceiptTimeoutError,
  UploadArgumentError,
  UploadError,
  UploadInterruptedError,
  fileGrantProgressStore,
  fileStateStore,
  formatBytes,
  formatProgressLine,
  huntNeed,
  parseDuration,
  parseMultipartGrant,
  parseSize,
  receiptMessage,
  uploadArchive,
  uploadWithGrant,
  waitForManifest,
  type HuntNeed,
  type MultipartUploadResult,
  type UploadProgress,
} from '../../upload';
import { CliError, CliErrorCode } from '../errors';

/** Flags shared by the commands that talk to S3 (upload, grant-upload). */
export interface S3Flags {
  bucket?: string;
  region?: string;
  endpoint?: string;
}

/**
 * The S3 client of a CLI command: credentials from the default AWS chain
 * (environment, profile, SSO, instance role), region from the flag or the chain.
 * `--endpoint` points at an S3-compatible server (path-style, checksums only when required).
 */
export function s3ClientFromFlags(flags: S3Flags): S3Client {
  const config: S3ClientConfig = { region: flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION };
  if (flags.endpoint) {
    Object.assign(config, {
      endpoint: flags.endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    config.region ??= 'us-east-1';
  }
  if (!config.region) {
    throw new CliError(CliErrorCode.BadArgument, 'no AWS region', 'pass --region (e.g. --region eu-west-1) or set AWS_REGION');
  }
  return new S3Client(config);
}

/** The upload bucket: --bucket, else SWEEP_UPLOAD_BUCKET (the stack output UploadBucketName). */
export function uploadBucket(flags: S3Flags): string {
  const bucket = flags.bucket ?? process.env.SWEEP_UPLOAD_BUCKET;
  if (!bucket)
    throw new CliError(
      CliErrorCode.BadArgument,
      'no upload bucket',
      'pass --bucket <name> or set SWEEP_UPLOAD_BUCKET (the security team gives you the name)',
    );
  return bucket;
}

/** A path the user typed, relative to where they typed it (npm run changes the working directory to the checkout). */
export function userPath(p: string): string {
  return path.resolve(process.env.INIT_CWD || process.cwd(), p);
}

/** The hunts' needs, for the gap lines of receipts and checks; empty when the queries folder is absent. */
export function huntNeeds(dir: string): HuntNeed[] {
  const abs = path.resolve(dir);
  return existsSync(abs) ? loadQueries(abs).hunts.map(huntNeed) : [];
}

/** Upload errors as CLI errors (code, message, suggestion). */
export function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof UploadArgumentError || err instanceof LayoutError)
    return new CliError(CliErrorCode.BadArgument, err.message, undefined, { cause: err });
  if (err instanceof UploadInterruptedError)
    return new CliError(
      CliErrorCode.Internal,
      err.message,
      `${err.partsDone} of ${err.partsTotal} parts are stored on the server and will not be sent again`,
      { cause: err },
    );
  if (err instanceof ReceiptTimeoutError) {
    return new CliError(
      CliErrorCode.Internal,
      `${err.message}: the upload itself is complete`,
      'wait a little and run "sweep upload --receipt <upload-id> --agency <id>", or ask the security team to check the normalizer',
      { cause: err },
    );
  }
  if (err instanceof UploadError) return new CliError(CliErrorCode.Internal, err.message, undefined, { cause: err });
  const name = (err as { name?: string }).name;
  if (name === 'CredentialsProviderError') {
    return new CliError(
      CliErrorCode.BadArgument,
      'no AWS credentials found',
      'set AWS_PROFILE to the profile of your upload role (or use an upload link from the security team: see docs/agencies.md)',
      { cause: err },
    );
  }
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'ExpiredToken') {
    return new CliError(
      CliErrorCode.BadArgument,
      `S3 refused: ${(err as Error).message}`,
      "check that your credentials are those of this agency's upload role and that --agency is your agency",
      { cause: err },
    );
  }
  return err;
}

interface Opts extends S3Flags {
  agency?: string;
  grant?: string;
  partSize: string;
  concurrency: string;
  wait?: boolean;
  receipt?: string;
  lakeBucket?: string;
  waitTimeout: string;
  poll: string;
  queries: string;
  stateDir?: string;
  json?: boolean;
}

/** `sweep upload`: uploads archives into the agency's prefix (multipart, resumable), optionally waits for the receipt. */
export function registerUpload(program: Command): void {
  program
    .command('upload')
    .description("Upload archives into your agency's prefix (resumable multipart upload), and optionally wait for the receipt.")
    .argument('[archive...]', 'archives or log files to upload (one upload id each)')
    .option('--agency <id>', 'your agency id (not needed with --grant)')
    .option('--grant <file>', 'upload with a large-archive link file from the security team (no AWS identity needed)')
    .option('--bucket <name>', 'upload bucket (default: $SWEEP_UPLOAD_BUCKET)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option('--endpoint <url>', 'S3-compatible endpoint instead of AWS (testing)')
    .option('--part-size <size>', 'multipart part size (min 5MiB)', '16MiB')
    .option('--concurrency <n>', 'parts sent at the same time', '4')
    .option('--wait', 'wait for the normalizer and print the receipt')
    .option('--receipt <upload-id>', 'only print the receipt of an earlier upload (waits for it)')
    .option(
      '--lake-bucket <name>',
      'bucket holding the receipts, the LakeBucketName output (default: $SWEEP_LAKE_BUCKET; needed by --wait and --receipt)',
    )
    .option('--wait-timeout <duration>', 'how long --wait waits', '15m')
    .option('--poll <duration>', 'time between two looks for the receipt', '5s')
    .option('--queries <dir>', 'hunt queries, to say in the receipt which hunts cannot run', 'queries')
    .option('--state-dir <dir>', 'where resume records are kept (default: ~/.cache/hafnium-sweep/uploads)')
    .option('--json', 'print one JSON object per archive instead of text')
    .addHelpText(
      'after',
      [
        '',
        "Credentials come from the usual AWS places (AWS_PROFILE, environment, SSO, instance role): use your agency's upload role.",
        'An interrupted upload resumes when you run the same command again (parts already sent are kept).',
        'Exit codes: 0 uploaded, 2 usage error, 3 upload failed (run again to resume).',
      ].join('\n'),
    )
    .action(async (archives: string[], opts: Opts) => {
      try {
        await upload(archives, opts);
      } catch (err) {
        throw toCliError(err);
      }
    });
}

async function upload(archives: string[], opts: Opts): Promise<void> {
  if (archives.length === 0 && !opts.receipt)
    throw new CliError(CliErrorCode.BadArgument, 'no archive given', 'sweep upload <archive.zip> --agency <id>');
  if (opts.grant) return uploadByGrant(archives, opts);
  if (!opts.agency) throw new CliError(CliErrorCode.BadArgument, 'no agency given', 'pass --agency <your agency id>');
  const agency = opts.agency;
  const partSize = parseSize(opts.partSize);
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new CliError(CliErrorCode.BadArgument, `--concurrency must be 1-64, got ${opts.concurrency}`);
  const waitTimeoutMs = parseDuration(opts.waitTimeout) * 1000;
  const pollMs = parseDuration(opts.poll) * 1000;
  const bucket = uploadBucket(opts);
  // Receipts are in the lake bucket: the upload bucket holds none, and the upload role reads none there.
  const lakeBucket = opts.lakeBucket ?? process.env.SWEEP_LAKE_BUCKET;
  if ((opts.wait || opts.receipt) && !lakeBucket) {
    throw new CliError(
      CliErrorCode.BadArgument,
      'waiting for a receipt needs the lake bucket',
      'add --lake-bucket <LakeBucketName> or set SWEEP_LAKE_BUCKET',
    );
  }
  const client = s3ClientFromFlags(opts);
  const out = process.stdout;
  const err = process.stderr;
  const stateDir = stateDirOf(opts);
  const controller = new AbortController();
  const onSigint = () => {
    err.write('\ninterrupted: finishing the parts in flight and saving the resume record...\n');
    controller.abort(new Error('interrupted by the user'));
  };
  process.once('SIGINT', onSigint);
  try {
    const uploaded: { result: MultipartUploadResult; file: string }[] = [];
    for (const archive of archives) {
      const file = userPath(archive);
      const stateKey = createHash('sha256').update(`${file}\n${bucket}\n${agency}`).digest('hex').slice(0, 32);
      const started = Date.now();
      let lastDraw = 0;
      let lastDecile = -1;
      const draw = (p: UploadProgress) => {
        if (opts.json) return;
        const now = Date.now();
        const line = formatProgressLine(p, now - started);
        if (err.isTTY) {
          if (now - lastDraw < 200 && p.bytesDone < p.bytesTotal) return;
          lastDraw = now;
          err.write(`\r${path.basename(file)} ${line}\u001b[K`);
        } else {
          const decile = Math.floor((p.bytesDone / p.bytesTotal) * 10);
          if (decile === lastDecile) return;
          lastDecile = decile;
          err.write(`${path.basename(file)} ${line}\n`);
        }
      };
      const result = await uploadArchive({
        client,
        bucket,
        agency,
        filePath: file,
        state: fileStateStore(path.join(stateDir, `${stateKey}.json`)),
        partSize,
        concurrency,
        onProgress: draw,
        signal: controller.signal,
      });
      if (!opts.json && err.isTTY) err.write('\n');
      const seconds = (Date.now() - started) / 1000;
      if (!opts.json) {
        out.write(
          `uploaded ${path.basename(file)}: ${formatBytes(result.size)} in ${result.partsTotal} parts` +
            `${result.partsResumed ? ` (${result.partsResumed} resumed)` : ''}, ${seconds.toFixed(1)} s -> s3://${bucket}/${result.key}\n`,
        );
        out.write(`upload id: ${result.uploadId}\n`);
      }
      uploaded.push({ result, file });
    }
    const waitFor = opts.receipt ? [opts.receipt] : opts.wait ? uploaded.map((u) => u.result.uploadId) : [];
    const receipts: Record<string, unknown> = {};
    if (waitFor.length > 0) {
      const store = new S3ObjectStore({ client, bucket: lakeBucket! });
      const hunts = huntNeeds(opts.queries);
      for (const uploadId of waitFor) {
        if (!opts.json) err.write(`waiting for the receipt of ${uploadId} (up to ${opts.waitTimeout})...\n`);
        const manifest = await waitForManifest({ store, agency, uploadId, timeoutMs: waitTimeoutMs, intervalMs: pollMs });
        const msg = receiptMessage(manifest, hunts);
        receipts[uploadId] = {
          subject: msg.subject,
          severity: msg.attributes.severity,
          totals: manifest.totals,
          coverage: manifest.coverage,
        };
        if (!opts.json) out.write(`\n${msg.subject}\n\n${msg.body}`);
      }
    }
    if (opts.json) {
      for (const { result, file } of uploaded) {
        out.write(
          JSON.stringify({
            file,
            bucket: result.bucket,
            key: result.key,
            upload_id: result.uploadId,
            size: result.size,
            parts: result.partsTotal,
            parts_resumed: result.partsResumed,
            receipt: receipts[result.uploadId] ?? null,
          }) + '\n',
        );
      }
      if (opts.receipt) out.write(JSON.stringify({ upload_id: opts.receipt, receipt: receipts[opts.receipt] }) + '\n');
    }
  } finally {
    process.off('SIGINT', onSigint);
    client.destroy();
  }
}

/** Where resume records live: --state-dir, else ~/.cache/hafnium-sweep/uploads (XDG_CACHE_HOME honoured). */
function stateDirOf(opts: Opts): string {
  return opts.stateDir
    ? userPath(opts.stateDir)
    : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hafnium-sweep', 'uploads');
}

/** `sweep upload --grant <file> <archive>`: the large-archive link path, with no AWS credentials at all. */
async function uploadByGrant(archives: string[], opts: Opts): Promise<void> {
  if (archives.length !== 1)
    throw new CliError(
      CliErrorCode.BadArgument,
      `a link file is for one archive, got ${archives.length}`,
      'sweep upload --grant <link file> <archive.zip>',
    );
  const grantFile = userPath(opts.grant!);
  let text: string;
  try {
    text = readFileSync(grantFile, 'utf8');
  } catch (err) {
    throw new CliError(CliErrorCode.NotFound, `cannot read the link file ${grantFile}: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
  const grant = parseMultipartGrant(text);
  const file = userPath(archives[0]);
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new CliError(CliErrorCode.BadArgument, `--concurrency must be 1-64, got ${opts.concurrency}`);
  const started = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  const err = process.stderr;
  const result = await uploadWithGrant({
    grant,
    filePath: file,
    concurrency,
    store: fileGrantProgressStore(path.join(stateDirOf(opts), `grant-${grant.uploadId}.json`)),
    onProgress: (p) => {
      if (opts.json) return;
      const line = `${path.basename(file)} ${formatProgressLine(p, Date.now() - started)}`;
      if (err.isTTY) {
        if (Date.now() - lastDraw < 200 && p.bytesDone < p.bytesTotal) return;
        lastDraw = Date.now();
        err.write(`\r${line}\u001b[K`);
      } else {
        const decile = Math.floor((p.bytesDone / p.bytesTotal) * 10);
        if (decile !== lastDecile) err.write(`${line}\n`);
        lastDecile = decile;
      }
    },
  });
  if (!opts.json && err.isTTY) err.write('\n');
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        file,
        key: result.key,
        upload_id: result.uploadId,
        size: result.size,
        parts: grant.parts.length,
        parts_resumed: result.partsResumed,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `uploaded ${path.basename(file)}: ${formatBytes(result.size)} in ${grant.parts.length} parts${result.partsResumed ? ` (${result.partsResumed} resumed)` : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s -> ${result.key}\n`,
    );
    process.stdout.write(`upload id: ${result.uploadId}\n`);
  }
}
