import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  MAX_POST_BYTES,
  createMultipartGrant,
  createUploadGrant,
  curlCommand,
  formatBytes,
  parseDuration,
  parseSize,
  powershellCommand,
} from '../../upload';
import { CliError, CliErrorCode } from '../errors';
import { s3ClientFromFlags, toCliError, uploadBucket, userPath, type S3Flags } from './upload';

interface Opts extends S3Flags {
  agency: string;
  expires: string;
  maxSize: string;
  file: string;
  size?: string;
  out?: string;
  json?: boolean;
}

/** `sweep grant-upload`: a presigned upload link for an agency with no AWS identity. */
export function registerGrantUpload(program: Command): void {
  program
    .command('grant-upload')
    .description(
      'Make a presigned upload link for an agency with no AWS identity (write-only, one folder of its prefix, size-limited, expiring).',
    )
    .requiredOption('--agency <id>', 'agency the link uploads for')
    .option('--expires <duration>', 'lifetime of the link: 90m, 72h, 7d (at most 7d)', '72h')
    .option('--max-size <size>', 'largest accepted archive (at most 5GiB)', '5GiB')
    .option('--file <name>', 'archive name (shown in the lines; with --size, the name it is stored under)', 'logs.zip')
    .option('--size <bytes>', 'archives over 5 GB: the exact size in bytes; makes a link file for "sweep upload --grant"')
    .option('--out <file>', 'with --size: where to write the link file (default: <file>.link.json)')
    .option('--bucket <name>', 'upload bucket (default: $SWEEP_UPLOAD_BUCKET)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option('--endpoint <url>', 'S3-compatible endpoint instead of AWS (testing)')
    .option('--json', 'print the grant as JSON (url, fields, upload id, expiry, commands)')
    .addHelpText(
      'after',
      [
        '',
        'Sign with long-term credentials (an IAM user allowed to upload for the agency): a link signed with',
        'temporary credentials (assumed role, SSO) stops working when they expire, and is refused here if that is before --expires.',
      ].join('\n'),
    )
    .action(async (opts: Opts) => {
      try {
        await grantUpload(opts);
      } catch (err) {
        throw toCliError(err);
      }
    });
}

async function grantUpload(opts: Opts): Promise<void> {
  const bucket = uploadBucket(opts);
  const client = s3ClientFromFlags(opts);
  try {
    if (opts.size !== undefined) {
      await grantLargeUpload(opts, client, bucket);
      return;
    }
    const grant = await createUploadGrant({
      client,
      bucket,
      agency: opts.agency,
      expiresInSeconds: parseDuration(opts.expires),
      maxBytes: parseSize(opts.maxSize),
    });
    if (/['\r\n]/.test(opts.file))
      throw new CliError(CliErrorCode.BadArgument, `--file must not contain quotes or line breaks, got ${JSON.stringify(opts.file)}`);
    const curl = curlCommand(grant, opts.file);
    const curlWindows = curlCommand(grant, opts.file, { windows: true });
    const powershell = powershellCommand(grant, opts.file);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ ...grant, curl, curl_windows: curlWindows, powershell }) + '\n');
      return;
    }
    process.stdout.write(
      [
        `Upload link for agency ${grant.agency}`,
        `  upload id:  ${grant.uploadId}`,
        `  writes to:  s3://${bucket}/${grant.keyPrefix}<file name>  (nothing else)`,
        `  expires:    ${grant.expiresAt}`,
        `  size limit: ${formatBytes(grant.maxBytes)} per archive`,
        '',
        `Send the agency the lines below (they replace ${opts.file} with the path of their archive). One archive per link.`,
        '',
        '# Windows 10 / Server 2019 and later, in PowerShell (one line):',
        curlWindows,
        '',
        '# Linux or macOS:',
        curl,
        '',
        '# PowerShell 7 (Windows PowerShell 5.1 has no -Form: use the curl.exe line there):',
        powershell,
        '',
        `The receipt goes to the agency's contacts once the upload is normalized. To print it here:`,
        `  npm run sweep -- upload --receipt ${grant.uploadId} --agency ${grant.agency} --bucket ${bucket} --lake-bucket <lake bucket>`,
        '',
      ].join('\n'),
    );
  } finally {
    client.destroy();
  }
}

/** The large-archive link: a presigned multipart upload written to a file the agency runs `sweep upload --grant` with. */
async function grantLargeUpload(opts: Opts, client: ReturnType<typeof s3ClientFromFlags>, bucket: string): Promise<void> {
  const size = Number(opts.size);
  if (!/^\d+$/.test(opts.size ?? '') || !Number.isSafeInteger(size)) {
    throw new CliError(
      CliErrorCode.BadArgument,
      `--size must be the exact size in bytes, got ${JSON.stringify(opts.size)}`,
      'the agency reads it with: (Get-Item .\\EXCH01-logs.zip).Length',
    );
  }
  const grant = await createMultipartGrant({
    client,
    bucket,
    agency: opts.agency,
    fileName: opts.file,
    size,
    expiresInSeconds: parseDuration(opts.expires),
  });
  const out = opts.out ?? `${opts.file}.link.json`;
  writeFileSync(userPath(out), JSON.stringify(grant, null, 1) + '\n');
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        file: userPath(out),
        uploadId: grant.uploadId,
        key: grant.key,
        size: grant.size,
        parts: grant.parts.length,
        expiresAt: grant.expiresAt,
      }) + '\n',
    );
    return;
  }
  process.stdout.write(
    [
      `Large-archive link for agency ${grant.agency}, written to ${out}`,
      `  upload id:  ${grant.uploadId}`,
      `  writes to:  s3://${bucket}/${grant.key}  (nothing else)`,
      `  size:       exactly ${grant.size} bytes (${formatBytes(grant.size)}), in ${grant.parts.length} parts`,
      `  expires:    ${grant.expiresAt}`,
      '',
      `Send ${out} to the agency. With this tool installed, they run (no AWS account needed; run it again to resume):`,
      `  npm run sweep -- upload --grant ${out} ${opts.file}`,
      '',
      size <= MAX_POST_BYTES ? 'Note: this archive is under 5 GB: a plain link (without --size) lets them use curl instead.\n' : '',
    ].join('\n'),
  );
}
