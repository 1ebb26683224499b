/**
 * The deployment configuration: which agencies, who owns their findings, the
 * retro-hunt schedule and the Athena guard rails. bin/app.ts reads it (a JSON
 * file or cdk.json context) and hands it to the stacks as props.
 */
import { AGENCY_ID_MAX_LENGTH, isAgencyId } from '../src/core';
import { DEFAULT_LARGE_UPLOAD_BYTES } from '../src/upload';
import { parseZone } from '../src/formats';
import { z } from 'zod';

/** One agency: an upload prefix, an upload role and owners who receive its findings. */
export interface AgencyConfig {
  /** Agency id: the `agency=<id>` prefix and partition value (the agency id rule of src/core/layout.ts: 1-64 letters, digits, `_`, `-`, `.`). */
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

/** The rule of src/core/layout.ts: agency ids are key segments, SNS attribute values and part of IAM role names. */
const AGENCY_ID_RULE = `must match the agency id rule (1-${AGENCY_ID_MAX_LENGTH} letters, digits, ".", "_" or "-", starting with a letter or digit, no "..")`;
const PREFIX = /^[a-z][a-z0-9-]{1,20}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_LARGE_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Thrown for a configuration that cannot be deployed; the message names the field and the bad value. */
export class AppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

/*
 * Each schema's error text follows the field name; the bad value is appended ("..., got <value>") unless the issue
 * says `bare` (its message already tells everything).
 */
const bare = (message: string) => ({ code: 'custom' as const, message, params: { bare: true } });
/** Absent or null: the default (as a JSON config written by hand may say `null`). */
const orDefault = <T extends z.ZodType>(value: unknown, schema: T) => z.preprocess((v) => v ?? value, schema);
const integer = (min: number, max: number, error: string) => z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
const list = (re: RegExp, what: string) =>
  z
    .array(z.string({ error: `must be ${what}` }).regex(re, { error: `must be ${what}` }), { error: 'must be a list' })
    .nullish()
    .transform((v) => v ?? []);

const AgencySchema = z.object(
  {
    id: z.string({ error: AGENCY_ID_RULE }).refine(isAgencyId, { error: AGENCY_ID_RULE }),
    name: z.unknown().optional(),
    owners: list(EMAIL, 'an e-mail address'),
    uploadPrincipals: list(ARN, 'an IAM role, user or root ARN'),
    timeZone: z
      .string({ error: 'must be a string' })
      .transform((tz, ctx) => {
        try {
          return parseZone(tz).name;
        } catch (err) {
          ctx.addIssue(bare(`: ${(err as Error).message}`));
          return z.NEVER;
        }
      })
      .optional(),
  },
  { error: 'must be an object' },
);

const AppConfigSchema = z.object(
  {
    prefix: orDefault('sweep', z.string({ error: `must match ${PREFIX}` }).regex(PREFIX, { error: `must match ${PREFIX}` })),
    agencies: z
      .array(AgencySchema, { error: 'must be a non-empty list' })
      .min(1, { error: 'must be a non-empty list' })
      .superRefine((agencies, ctx) => {
        const seen = new Set<string>();
        agencies.forEach((a, i) => {
          if (seen.has(a.id)) ctx.addIssue({ ...bare(` "${a.id}" is listed twice`), path: [i, 'id'] });
          seen.add(a.id);
        });
      }),
    securityTeam: list(EMAIL, 'an e-mail address'),
    retroHunt: orDefault(
      {},
      z.object(
        {
          since: orDefault(
            '2019-01-01',
            z
              .string({ error: 'must be a day as YYYY-MM-DD' })
              .refine((d) => DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'must be a day as YYYY-MM-DD' }),
          ),
          schedule: orDefault(
            'cron(0 3 ? * SUN *)',
            z
              .string({ error: 'must be an EventBridge cron(...) or rate(...) expression' })
              .regex(/^(cron|rate)\(.+\)$/, { error: 'must be an EventBridge cron(...) or rate(...) expression' }),
          ),
          enabled: orDefault(true, z.boolean({ error: 'must be true or false' })),
        },
        { error: 'must be an object' },
      ),
    ),
    athena: orDefault(
      {},
      z.object(
        {
          bytesScannedCutoffPerQuery: orDefault(
            1024 ** 4,
            integer(10_000_000, Number.MAX_SAFE_INTEGER, "must be an integer of at least 10000000 (Athena's minimum)"),
          ),
          resultRetentionDays: orDefault(30, integer(1, Number.MAX_SAFE_INTEGER, 'must be at least 1')),
        },
        { error: 'must be an object' },
      ),
    ),
    huntConcurrency: orDefault(4, integer(1, 20, "must be an integer in 1..20 (Athena's default limit is 20 active DML queries)")),
    normalizer: orDefault(
      {},
      z.object(
        {
          memoryMb: orDefault(4096, integer(1024, 10240, 'must be an integer in 1024..10240')),
          ephemeralStorageMb: orDefault(10240, integer(512, 10240, 'must be an integer in 512..10240')),
          maxConcurrency: orDefault(10, integer(2, 1000, 'must be an integer in 2..1000 (SQS event source limits)')),
          largeUploadBytes: orDefault(
            DEFAULT_LARGE_UPLOAD_BYTES,
            integer(
              1,
              MAX_LARGE_UPLOAD_BYTES,
              `must be an integer in 1..${MAX_LARGE_UPLOAD_BYTES} (the Lambda's 10 GiB of /tmp holds the archive and its Parquet)`,
            ),
          ),
        },
        { error: 'must be an object' },
      ),
    ),
    analystPrincipals: list(ARN, 'an IAM role, user or root ARN'),
    uploadReaders: list(ARN, 'an IAM role, user or root ARN'),
  },
  { error: 'must be an object' },
);

/**
 * Validates a raw configuration object and fills the defaults.
 *
 * @example
 * const config = parseAppConfig(JSON.parse(fs.readFileSync('config/deploy.json', 'utf8')));
 */
export function parseAppConfig(raw: unknown): AppConfig {
  const parsed = AppConfigSchema.safeParse(raw);
  if (!parsed.success) throw new AppConfigError(describeIssue(parsed.error.issues[0], raw));
  const r = parsed.data;
  const agencies: AgencyConfig[] = r.agencies.map((a) => ({
    id: a.id,
    name: typeof a.name === 'string' ? a.name : a.id,
    owners: a.owners,
    uploadPrincipals: a.uploadPrincipals.length ? a.uploadPrincipals : undefined,
    ...(a.timeZone ? { timeZone: a.timeZone } : {}),
  }));
  return {
    prefix: r.prefix,
    agencies,
    securityTeam: r.securityTeam,
    analystPrincipals: r.analystPrincipals.length ? r.analystPrincipals : undefined,
    uploadReaders: r.uploadReaders.length ? r.uploadReaders : undefined,
    retroHunt: r.retroHunt,
    athena: r.athena,
    huntConcurrency: r.huntConcurrency,
    normalizer: r.normalizer,
  };
}

/** `agencies[0].id must be ..., got "../x"`: the field as written in the config, the rule, and the bad value. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const field =
    issue.path.length === 0
      ? 'config'
      : issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
  if (issue.code === 'custom' && issue.params?.bare) return `${field}${issue.message}`;
  const value = issue.path.reduce<unknown>(
    (v, k) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    raw,
  );
  return `${field} ${issue.message}, got ${JSON.stringify(value)}`;
}
