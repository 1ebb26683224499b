/**
 * Hunt query files: `queries/<pack>/<log_source>/<tactic>_<subject>_<behaviour>.sql`, one hunt per file, with a YAML
 * header inside the leading block comment (`/* --- ... --- *\/`), so the file stays valid SQL for the Athena console.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FAMILIES } from '../formats';
import { TABLE_NAMES, type TableName } from '../lake';
import { SEVERITIES } from './types';
import { QueryFileError } from './errors';

/** MITRE tactics in snake_case: the first word(s) of every query file name. */
export const MITRE_TACTICS = [
  'initial_access',
  'execution',
  'persistence',
  'privilege_escalation',
  'defense_evasion',
  'credential_access',
  'discovery',
  'lateral_movement',
  'collection',
  'exfiltration',
  'command_and_control',
  'impact',
  'resource_development',
  'reconnaissance',
] as const;

export const QUERY_STATUSES = ['experimental', 'test', 'stable', 'deprecated'] as const;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MITRE = /^TA\d{4}:T\d{4}(\.\d{3})?$/;
const CVE = /^CVE-\d{4}-\d{4,}$/;

/** The header schema (query-format.md). Unknown keys are rejected so that typos (`severtiy:`) do not pass silently. */
export const QueryMetaSchema = z
  .object({
    id: z.string().regex(UUID_V4, 'must be a lower-case UUID v4'),
    name: z.string().min(5),
    status: z.enum(QUERY_STATUSES),
    severity: z.enum(SEVERITIES),
    cves: z.array(z.string().regex(CVE, 'must look like CVE-2021-26855')),
    mitre: z.array(z.string().regex(MITRE, 'must look like TA0001:T1190 or TA0003:T1505.003')).min(1),
    log_families: z.array(z.enum(FAMILIES)).min(1),
    key_fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).optional(),
    description: z.string().min(10),
    false_positives: z.array(z.string()).optional(),
    references: z.array(z.string().url()).min(1),
    runbook: z.string().optional(),
    deprecated_reason: z.string().min(5).optional(),
    author: z.string().optional(),
    variant_of: z.string().regex(UUID_V4).optional(),
    why_severity: z.string().optional(),
    /**
     * Per lake table, the rows the hunt may use, as a SQL predicate over the table's columns (it may read the
     * indicators or the table again, with its own `dt BETWEEN ? AND ?`): replaces the predicate derived from the
     * hunt's WHERE clauses when a staged sweep selects the candidate rows (src/sweep/candidates.ts).
     */
    /**
     * How far apart in days the rows behind one finding can be (0: the same day): every row that makes a finding, or
     * sets its key fields or severity, lies within this many days of the finding's other rows. An incremental sweep
     * then reads the new or changed days widened by it on both sides instead of the whole history. Leave it out when a
     * finding can depend on any day of the history (first-seen baselines, counts or gates over the whole window).
     */
    correlation_days: z.number().int().min(0).max(366).optional(),
    /**
     * For a hunt whose findings are groups of rows (a share or count per client and week, say) whose rows lie at most
     * this many days apart: an incremental sweep reads the new or changed days widened by it on both sides, and keeps
     * only the findings whose first_seen..last_seen touches a new or changed day (a group cut at the edge of the
     * widened days is not the whole group). Unlike correlation_days, fewer rows may make a finding here.
     */
    group_days: z.number().int().min(0).max(366).optional(),
    prefilter: z.partialRecord(z.enum(TABLE_NAMES as [TableName, ...TableName[]]), z.string().min(3)).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.status === 'deprecated' && !m.deprecated_reason) {
      ctx.addIssue({ code: 'custom', path: ['deprecated_reason'], message: 'a deprecated query needs deprecated_reason' });
    }
    if (m.correlation_days !== undefined && m.group_days !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['group_days'], message: 'declare correlation_days or group_days, not both' });
    }
  });

export type QueryMeta = z.infer<typeof QueryMetaSchema>;

/** One hunt: where it lives, its metadata and its SQL. */
export interface Hunt {
  /** Path of the .sql file (as given to the loader, joined). */
  readonly path: string;
  /** File name without `.sql`. */
  readonly stem: string;
  readonly meta: QueryMeta;
  /** The whole file text (header comment included): what is sent to the engine, pasteable as is. */
  readonly sql: string;
  /** The SQL after the header comment. */
  readonly body: string;
}

/** A file that could not be loaded; the sweep goes on without it and reports it. */
export interface BrokenQuery {
  readonly path: string;
  readonly error: QueryFileError;
}

const HEADER = /^\s*\/\*\s*---\s*\r?\n([\s\S]*?)\r?\n\s*---\s*\*\//;

/** Parses one query file's text; throws {@link QueryFileError} naming the file. */
export function parseQueryFile(file: string, text: string): Hunt {
  const m = HEADER.exec(text);
  if (!m) throw new QueryFileError(file, 'no YAML header: the file must start with "/* ---", the YAML, then "--- */"');
  let raw: unknown;
  try {
    raw = parseYaml(m[1]);
  } catch (err) {
    throw new QueryFileError(file, `header is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = QueryMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(header)'}: ${i.message}`).join('; ');
    throw new QueryFileError(file, `header: ${issues}`, { cause: parsed.error });
  }
  const body = text.slice(m[0].length);
  if (!/\bselect\b/i.test(stripSqlComments(body))) throw new QueryFileError(file, 'no SQL after the header');
  return { path: file, stem: path.basename(file).replace(/\.sql$/, ''), meta: parsed.data, sql: text, body };
}

/** Removes `--` and block comments (string literals are kept intact). */
export function stripSqlComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length;) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const end = skipQuoted(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Index just past a quoted literal starting at `start` (doubled quotes are escapes, as in SQL). */
export function skipQuoted(sql: string, start: number, q: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}

/** All `.sql` files under `dir`, sorted, skipping `templates/` (examples, not hunts). */
export function listQueryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'templates' && e.name !== 'fixtures' && !e.name.startsWith('.')) walk(p);
      } else if (e.isFile() && e.name.endsWith('.sql')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/**
 * Loads every hunt under `dir`. A broken file never stops the others: it is returned in `broken` with its reason.
 * Duplicate ids are broken too (the second file with an id already seen).
 */
export function loadQueries(dir: string): { hunts: Hunt[]; broken: BrokenQuery[] } {
  const hunts: Hunt[] = [];
  const broken: BrokenQuery[] = [];
  const ids = new Map<string, string>();
  for (const file of listQueryFiles(dir)) {
    try {
      const h = parseQueryFile(file, fs.readFileSync(file, 'utf8'));
      const prev = ids.get(h.meta.id);
      if (prev) throw new QueryFileError(file, `id ${h.meta.id} is already used by ${prev}`);
      ids.set(h.meta.id, file);
      hunts.push(h);
    } catch (err) {
      broken.push({ path: file, error: err instanceof QueryFileError ? err : new QueryFileError(file, String(err), { cause: err }) });
    }
  }
  return { hunts, broken };
}
