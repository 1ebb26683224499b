import type { Command } from 'commander';
import {
  createUploadGrant,
  curlCommand,
  formatBytes,
  parseDuration,
  parseSize,
  powershellCommand,
} from '../../upload';
import { CliError, CliErrorCode } from '../errors';
import { s3ClientFromFlags, toCliError, uploadBucket, type S3Flags } from './upload';

interface Opts extends S3Flags {
  agency: string;
  expires: string;
  maxSize: string;
  file: string;
  json?: boolean;
}

/** `sweep grant-upload`: a presigned upload link for an agency with no AWS identity. */
export function registerGrantUpload(program: Command): void {
  program
    .command('grant-upload')
    .description('Make a presigned upload link for an agency with no AWS identity (write-only, one folder of its prefix, size-limited, expiring).')
    .requiredOption('--agency <id>', 'agency the link uploads for')
    .option('--expires <duration>', 'lifetime of the link: 90m, 72h, 7d (at most 7d)', '72h')
    .option('--max-size <size>', 'largest accepted archive (at most 5GB)', '5GB')
    .option('--file <name>', 'archive name to show in the ready-to-paste lines', 'logs.zip')
    .option('--bucket <name>', 'upload bucket (default: $SWEEP_UPLOAD_BUCKET)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option('--endpoint <url>', 'S3-compatible endpoint instead of AWS (testing)')
    .option('--json', 'print the grant as JSON (url, fields, upload id, expiry, commands)')
    .addHelpText('after', [
      '',
      'Sign with long-term credentials (an IAM user allowed to upload for the agency): a link signed with',
      'temporary credentials (assumed role, SSO) stops working when they expire, and is refused here if that is before --expires.',
    ].join('\n'))
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
    const grant = await createUploadGrant({ client, bucket, agency: opts.agency, expiresInSeconds: parseDuration(opts.expires), maxBytes: parseSize(opts.maxSize) });
    if (/['\r\n]/.test(opts.file)) throw new CliError(CliErrorCode.BadArgument, `--file must not contain quotes or line breaks, got ${JSON.stringify(opts.file)}`);
    const curl = curlCommand(grant, opts.file);
    const curlWindows = curlCommand(grant, opts.file, { windows: true });
    const powershell = powershellCommand(grant, opts.file);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ ...grant, curl, curl_windows: curlWindows, powershell }) + '\n');
      return;
    }
    process.stdout.write([
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
    ].join('\n'));
  } finally {
    client.destroy();
  }
}
