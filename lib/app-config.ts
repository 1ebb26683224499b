/**
 * The deployment configuration: which agencies, who owns their findings, the
 * retro-hunt schedule and the Athena guard rails. bin/app.ts reads it (a JSON
 * file or cdk.json context) and hands it to the stacks as props.
 */
import { DEFAULT_LARGE_UPLOAD_BYTES } from '../src/upload';
import { parseZone } from '../src/formats';

/** One agency: an upload prefix, an upload role and owners who receive its findings. */
export interface AgencyConfig {
  /** Agency id: the `agency=<id>` prefix and partition value (letters, digits, `_`, `-`, `.`). */
  readonly id: string;
  /** Human name for descriptions. @default - the id */
  readonly name?: string;
  /** E-mail addresses subscribed to this agency's findings only (SNS filter policy on `agency`). @default - none */
  readonly owners?: readonly string[];
  /**
   * Principals (IAM ARNs) allowed to assume the agency's upload role.
   * @default - the deploying account's root (delegate through IAM policies)
   */
  readonly uploadPrincipals?: readonly string[];
  /**
   * Zone of the agency's export times written without an offset (Export-Csv, NXLog, file listings): an IANA name
   * (`Europe/Brussels`), an offset (`+01:00`) or `UTC`. IIS, HttpProxy and ECP logs are UTC anyway.
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

export interface AppConfig {
  /** Prefix of named resources (Glue database, workgroup, role names). @default 'sweep' */
  readonly prefix: string;
  readonly agencies: readonly AgencyConfig[];
  /** E-mail addresses that receive every finding, receipt and alarm. */
  readonly securityTeam: readonly string[];
  /** Principals allowed to assume the analyst role. @default - the deploying account's root */
  readonly analystPrincipals?: readonly string[];
  /** Break-glass principals that may read raw uploads besides the normalizer. @default - none */
  readonly uploadReaders?: readonly string[];
  readonly retroHunt: {
    /** EventBridge schedule expression. @default 'cron(0 3 ? * SUN *)' (Sundays 03:00 UTC) */
    readonly schedule: string;
    /** First day of the retro-hunt window (YYYY-MM-DD). @default '2019-01-01' */
    readonly since: string;
    /** @default true */
    readonly enabled: boolean;
  };
  readonly athena: {
    /** Per-query bytes-scanned cutoff (Athena cancels a query past it). @default 1 TiB */
    readonly bytesScannedCutoffPerQuery: number;
    /** Days Athena results are kept. @default 30 */
    readonly resultRetentionDays: number;
  };
  /** Hunts run in parallel by the state machine's Map. @default 4 */
  readonly huntConcurrency: number;
  readonly normalizer: {
    /** @default 4096 */
    readonly memoryMb: number;
    /** @default 10240 (10 GiB of /tmp for the staged archive and the Parquet files of one upload) */
    readonly ephemeralStorageMb: number;
    /** Concurrent normalizer invocations. @default 10 */
    readonly maxConcurrency: number;
    /** Uploads larger than this (bytes, all objects of the upload) are normalized by the Fargate task. @default 2 GiB */
    readonly largeUploadBytes: number;
  };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PREFIX = /^[a-z][a-z0-9-]{1,20}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Thrown for a configuration that cannot be deployed; the message names the field and the bad value. */
export class AppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

/**
 * Validates a raw configuration object and fills the defaults.
 *
 * @example
 * const config = parseAppConfig(JSON.parse(fs.readFileSync('config/deploy.json', 'utf8')));
 */
export function parseAppConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null) throw new AppConfigError(`config must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, any>;
  const prefix = r.prefix ?? 'sweep';
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    throw new AppConfigError(`prefix must match ${PREFIX}, got ${JSON.stringify(prefix)}`);
  if (!Array.isArray(r.agencies) || r.agencies.length === 0)
    throw new AppConfigError(`agencies must be a non-empty list, got ${JSON.stringify(r.agencies)}`);
  const seen = new Set<string>();
  const agencies: AgencyConfig[] = r.agencies.map((a: any, i: number) => {
    if (typeof a?.id !== 'string' || !ID.test(a.id) || a.id.includes('..'))
      throw new AppConfigError(`agencies[${i}].id must match ${ID}, got ${JSON.stringify(a?.id)}`);
    if (seen.has(a.id)) throw new AppConfigError(`agencies[${i}].id "${a.id}" is listed twice`);
    seen.add(a.id);
    const owners = list(a.owners, `agencies[${i}].owners`, EMAIL, 'an e-mail address');
    const uploadPrincipals = list(a.uploadPrincipals, `agencies[${i}].uploadPrincipals`, ARN, 'an IAM role, user or root ARN');
    let timeZone: string | undefined;
    if (a.timeZone !== undefined) {
      if (typeof a.timeZone !== 'string')
        throw new AppConfigError(`agencies[${i}].timeZone must be a string, got ${JSON.stringify(a.timeZone)}`);
      try {
        timeZone = parseZone(a.timeZone).name;
      } catch (err) {
        throw new AppConfigError(`agencies[${i}].timeZone: ${(err as Error).message}`);
      }
    }
    return {
      id: a.id,
      name: typeof a.name === 'string' ? a.name : a.id,
      owners,
      uploadPrincipals: uploadPrincipals.length ? uploadPrincipals : undefined,
      ...(timeZone ? { timeZone } : {}),
    };
  });
  const securityTeam = list(r.securityTeam, 'securityTeam', EMAIL, 'an e-mail address');
  const since = r.retroHunt?.since ?? '2019-01-01';
  if (typeof since !== 'string' || !DAY.test(since) || Number.isNaN(Date.parse(`${since}T00:00:00Z`)))
    throw new AppConfigError(`retroHunt.since must be a day as YYYY-MM-DD, got ${JSON.stringify(since)}`);
  const schedule = r.retroHunt?.schedule ?? 'cron(0 3 ? * SUN *)';
  if (typeof schedule !== 'string' || !/^(cron|rate)\(.+\)$/.test(schedule))
    throw new AppConfigError(
      `retroHunt.schedule must be an EventBridge cron(...) or rate(...) expression, got ${JSON.stringify(schedule)}`,
    );
  const cutoff = r.athena?.bytesScannedCutoffPerQuery ?? 1024 ** 4;
  if (!Number.isInteger(cutoff) || cutoff < 10_000_000)
    throw new AppConfigError(
      `athena.bytesScannedCutoffPerQuery must be an integer of at least 10000000 (Athena's minimum), got ${JSON.stringify(cutoff)}`,
    );
  const retention = r.athena?.resultRetentionDays ?? 30;
  if (!Number.isInteger(retention) || retention < 1)
    throw new AppConfigError(`athena.resultRetentionDays must be at least 1, got ${JSON.stringify(retention)}`);
  const huntConcurrency = r.huntConcurrency ?? 4;
  if (!Number.isInteger(huntConcurrency) || huntConcurrency < 1 || huntConcurrency > 20)
    throw new AppConfigError(
      `huntConcurrency must be an integer in 1..20 (Athena's default limit is 20 active DML queries), got ${JSON.stringify(huntConcurrency)}`,
    );
  const memoryMb = r.normalizer?.memoryMb ?? 4096;
  if (!Number.isInteger(memoryMb) || memoryMb < 1024 || memoryMb > 10240)
    throw new AppConfigError(`normalizer.memoryMb must be an integer in 1024..10240, got ${JSON.stringify(memoryMb)}`);
  const ephemeralStorageMb = r.normalizer?.ephemeralStorageMb ?? 10240;
  if (!Number.isInteger(ephemeralStorageMb) || ephemeralStorageMb < 512 || ephemeralStorageMb > 10240)
    throw new AppConfigError(`normalizer.ephemeralStorageMb must be an integer in 512..10240, got ${JSON.stringify(ephemeralStorageMb)}`);
  const maxConcurrency = r.normalizer?.maxConcurrency ?? 10;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)
    throw new AppConfigError(
      `normalizer.maxConcurrency must be an integer in 2..1000 (SQS event source limits), got ${JSON.stringify(maxConcurrency)}`,
    );
  const largeUploadBytes = r.normalizer?.largeUploadBytes ?? DEFAULT_LARGE_UPLOAD_BYTES;
  if (!Number.isInteger(largeUploadBytes) || largeUploadBytes < 1 || largeUploadBytes > 8 * 1024 ** 3) {
    throw new AppConfigError(
      `normalizer.largeUploadBytes must be an integer in 1..${8 * 1024 ** 3} (the Lambda's 10 GiB of /tmp holds the archive and its Parquet), got ${JSON.stringify(largeUploadBytes)}`,
    );
  }
  const analystPrincipals = list(r.analystPrincipals, 'analystPrincipals', ARN, 'an IAM role, user or root ARN');
  const uploadReaders = list(r.uploadReaders, 'uploadReaders', ARN, 'an IAM role, user or root ARN');
  return {
    prefix,
    agencies,
    securityTeam,
    analystPrincipals: analystPrincipals.length ? analystPrincipals : undefined,
    uploadReaders: uploadReaders.length ? uploadReaders : undefined,
    retroHunt: { schedule, since, enabled: r.retroHunt?.enabled ?? true },
    athena: { bytesScannedCutoffPerQuery: cutoff, resultRetentionDays: retention },
    huntConcurrency,
    normalizer: { memoryMb, ephemeralStorageMb, maxConcurrency, largeUploadBytes },
  };
}

function list(v: unknown, field: string, re: RegExp, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new AppConfigError(`${field} must be a list, got ${JSON.stringify(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !re.test(x)) throw new AppConfigError(`${field}[${i}] must be ${what}, got ${JSON.stringify(x)}`);
  });
  return v as string[];
}
