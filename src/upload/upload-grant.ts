/**
 * Upload links for agencies with no AWS identity: a presigned S3 POST whose
 * signed policy lets its holder write only under one new upload folder of the
 * agency's prefix, only until it expires, and only up to a size limit.
 *
 * The policy is enforced by S3 itself: the link holds no credentials, only a
 * signature over these conditions.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { parseSize as parseSizeText, SizeFormatError, agencyUploadPrefix, assertAgencyId, newUploadId } from '../core';
import { UploadArgumentError } from './errors';

/** S3 refuses a single POST or PUT above 5 GiB. */
export const MAX_POST_BYTES = 5 * 1024 ** 3;
/** A SigV4 signature is valid for at most 7 days. */
export const MAX_GRANT_SECONDS = 7 * 24 * 3600;

export interface UploadGrantParams {
  /** A client whose credentials sign the link (the security team's; see the README on temporary credentials). */
  readonly client: S3Client;
  readonly bucket: string;
  readonly agency: string;
  /** Lifetime of the link in seconds, at most 7 days. */
  readonly expiresInSeconds: number;
  /** Largest accepted archive in bytes, at most 5 GiB. @default 5 GiB */
  readonly maxBytes?: number;
  /** @default - the system clock */
  readonly now?: () => Date;
}

export interface UploadGrant {
  readonly agency: string;
  /** The upload folder this link writes to; also the name of the manifest and the receipt. */
  readonly uploadId: string;
  /** Every key the link can write starts with this. */
  readonly keyPrefix: string;
  readonly url: string;
  /** Form fields to send before the file, in this order; `key` ends in S3's `${filename}` placeholder. */
  readonly fields: Readonly<Record<string, string>>;
  readonly expiresAt: string;
  readonly maxBytes: number;
}

/**
 * Parses a duration such as `72h`, `3d`, `90m` or `3600s` into seconds.
 * Throws {@link UploadArgumentError} on anything else.
 */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim());
  if (!m) throw new UploadArgumentError(`duration must be a number followed by s, m, h or d (e.g. 72h), got ${JSON.stringify(text)}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * Parses a size flag for an upload link: the project's one size rule (src/core/units.ts: KB/MB/GB decimal,
 * KiB/MiB/GiB binary).
 */
export function parseSize(text: string): number {
  try {
    return parseSizeText(text);
  } catch (err) {
    if (!(err instanceof SizeFormatError)) throw err;
    throw new UploadArgumentError(`size must be a number with an optional unit (500MB, 2GiB), got ${JSON.stringify(text)}`, { cause: err });
  }
}

/**
 * Makes a presigned upload link for one archive of one agency.
 *
 * @example
 * const grant = await createUploadGrant({ client, bucket: 'sweep-uploads', agency: 'doe', expiresInSeconds: parseDuration('72h') });
 * console.log(curlCommand(grant, 'logs.zip'));
 */
export async function createUploadGrant(params: UploadGrantParams): Promise<UploadGrant> {
  const agency = assertAgencyId(params.agency);
  const maxBytes = params.maxBytes ?? MAX_POST_BYTES;
  if (!Number.isInteger(params.expiresInSeconds) || params.expiresInSeconds < 60 || params.expiresInSeconds > MAX_GRANT_SECONDS) {
    throw new UploadArgumentError(`expiry must be between 1 minute and 7 days (a signature limit), got ${params.expiresInSeconds} s`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_POST_BYTES) {
    throw new UploadArgumentError(
      `size limit must be between 1 byte and 5 GiB (the S3 limit of one POST), got ${maxBytes} bytes; larger archives: split them (one per server or log folder) or use "sweep upload"`,
    );
  }
  const now = (params.now ?? (() => new Date()))();
  await assertCredentialsOutlive(params.client, now.getTime() + params.expiresInSeconds * 1000);
  const uploadId = newUploadId(now);
  const keyPrefix = `${agencyUploadPrefix(agency)}${uploadId}/`;
  const post = await createPresignedPost(params.client, {
    Bucket: params.bucket,
    // S3 replaces ${filename} with the name of the sent file; the policy then
    // only requires the key to start with the prefix (added by the SDK).
    Key: `${keyPrefix}\${filename}`,
    Conditions: [
      ['starts-with', '$key', keyPrefix],
      ['content-length-range', 1, maxBytes],
    ],
    Expires: params.expiresInSeconds,
  });
  return {
    agency,
    uploadId,
    keyPrefix,
    url: post.url,
    fields: post.fields,
    // The expiry the signed policy states (a second clock read could fall in the next second).
    expiresAt: grantPolicy({ fields: post.fields } as UploadGrant).expiration,
    maxBytes,
  };
}

/**
 * Throws unless the client's credentials stay valid until `linkEnd` (epoch ms):
 * a link signed with temporary credentials (an assumed role, SSO) dies with them,
 * whatever its own expiry says.
 */
export async function assertCredentialsOutlive(client: S3Client, linkEnd: number): Promise<void> {
  const credentials = await client.config.credentials();
  if (credentials.expiration && credentials.expiration.getTime() < linkEnd) {
    throw new UploadArgumentError(
      `the signing credentials expire at ${credentials.expiration.toISOString()}, before the link would (${new Date(linkEnd).toISOString()}): ` +
        'sign with long-term credentials of an IAM user allowed to upload for this agency, or shorten --expires',
    );
  }
}

/** The decoded policy document of a grant: what S3 will enforce. */
export function grantPolicy(grant: UploadGrant): { expiration: string; conditions: unknown[] } {
  const policy = grant.fields.Policy;
  if (!policy) throw new UploadArgumentError('grant has no Policy field');
  return JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
}

// Field values are base64, hex, dates, ids and keys: never a single quote, so single quoting is safe in both shells.
const quote = (s: string): string => {
  if (s.includes("'")) throw new UploadArgumentError(`unexpected quote in grant value ${JSON.stringify(s)}`);
  return `'${s}'`;
};

/**
 * A ready-to-paste curl line. `--form-string` sends values verbatim; the file
 * goes last, as S3 requires. POSIX shells get `\` line breaks; `windows: true`
 * gives one line calling `curl.exe` (built into Windows 10 / Server 2019 and
 * later), for PowerShell, where single quotes are literal too (not for cmd.exe).
 */
export function curlCommand(grant: UploadGrant, file = 'logs.zip', options: { windows?: boolean } = {}): string {
  const fields = Object.entries(grant.fields).map(([k, v]) => `--form-string ${quote(`${k}=${v}`)}`);
  const parts = [
    options.windows ? 'curl.exe --fail --show-error' : 'curl --fail --show-error',
    ...fields,
    `--form ${quote(`file=@${file}`)}`,
    quote(grant.url),
  ];
  return parts.join(options.windows ? ' ' : ' \\\n  ');
}

/**
 * A ready-to-paste PowerShell 7 line (`Invoke-WebRequest -Form`). Windows
 * PowerShell 5.1 has no `-Form`: there, use the curl.exe line.
 */
export function powershellCommand(grant: UploadGrant, file = 'logs.zip'): string {
  const fields = Object.entries(grant.fields).map(([k, v]) => `  ${quote(k)} = ${quote(v)}`);
  return [
    '$form = [ordered]@{',
    ...fields,
    `  'file' = Get-Item -LiteralPath ${quote(file.replace(/\//g, '\\'))}`,
    '}',
    `Invoke-WebRequest -Uri ${quote(grant.url)} -Method Post -Form $form`,
  ].join('\n');
}
