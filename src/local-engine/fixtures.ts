/**
 * Hunt fixtures: `<stem>.test.yml` beside each query, with positive and negative cases that are executed on the
 * real DuckDB engine (inline normalized rows, or raw log text through detection and the real parsers).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TABLE_NAMES, type Row, type TableName } from '../lake';
import { ALL_TIME, FixtureFileError, SEVERITIES, windowParams, type Hunt, type IndicatorRow, type Severity, type TableRows } from '../hunt';
import type { DuckDbQueryEngine } from './duckdb-query-engine';

/** Result columns every hunt must return (query-format.md). */
export const REQUIRED_RESULT_COLUMNS = ['agency', 'host', 'first_seen', 'last_seen', 'hits'] as const;

const RowSchema = z.record(z.string(), z.unknown());

const RawInputSchema = z
  .object({
    file: z.string().optional(),
    text: z.string().optional(),
    name: z.string().optional(),
    host: z.string().optional(),
    agency: z.string().optional(),
  })
  .strict()
  .refine((r) => (r.file === undefined) !== (r.text === undefined), { message: 'a raw input needs exactly one of file or text' })
  .refine((r) => r.file !== undefined || r.name !== undefined, { message: 'inline raw text needs a file name hint (name:)' });

const CaseSchema = z
  .object({
    name: z.string().min(3),
    expect: z
      .object({
        rows: z.number().int().min(0),
        includes: z.array(RowSchema).optional(),
        severity: z.enum(SEVERITIES).optional(),
      })
      .strict(),
    rows: z.partialRecord(z.enum(['indicators', ...TABLE_NAMES] as [string, ...string[]]), z.array(RowSchema)).optional(),
    raw: z.array(RawInputSchema).min(1).optional(),
  })
  .strict();

const FixtureFileSchema = z.object({ cases: z.array(CaseSchema).min(1) }).strict();

export type FixtureCase = z.infer<typeof CaseSchema>;
export type RawInput = z.infer<typeof RawInputSchema>;

/** A raw input made ready for the normalizer: the text or file resolved. */
export interface ResolvedRawInput {
  /** File name the detection sees (the hint, or the file's base name). */
  readonly name: string;
  /** Absolute path of the file, or null for inline text. */
  readonly file: string | null;
  readonly text: string | null;
  readonly host: string | null;
  readonly agency: string;
}

/**
 * Turns raw log inputs into normalized rows through detection and the real parsers. Injected, so the fixture runner
 * does not depend on how the pipeline is assembled.
 */
export type RawNormalizer = (inputs: readonly ResolvedRawInput[]) => Promise<TableRows & { rejected?: number }>;

/** The fixtures of one hunt. */
export interface FixtureFile {
  readonly path: string;
  readonly cases: readonly FixtureCase[];
}

/** Path of the fixture file of a query (`<stem>.test.yml` beside it). */
export function fixturePathFor(queryPath: string): string {
  return queryPath.replace(/\.sql$/, '.test.yml');
}

/** Reads and validates a fixture file; throws {@link FixtureFileError} naming the file. */
export function loadFixtureFile(file: string): FixtureFile {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FixtureFileError(file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  const parsed = FixtureFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new FixtureFileError(file, issues, { cause: parsed.error });
  }
  const names = parsed.data.cases.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new FixtureFileError(file, `case name "${dup}" is used twice`);
  return { path: file, cases: parsed.data.cases };
}

/** Outcome of one case. */
export interface CaseResult {
  readonly huntId: string;
  readonly huntPath: string;
  readonly caseName: string;
  readonly ok: boolean;
  /** Why it failed (expected vs got), empty when it passed. */
  readonly message: string;
  readonly rows: readonly Record<string, unknown>[];
  readonly ms: number;
}

export interface RunCaseOptions {
  readonly engine: DuckDbQueryEngine;
  /** The pack's indicators (from indicators/); a case's own `rows.indicators` replace them. */
  readonly indicators: readonly IndicatorRow[];
  /** @default - raw cases fail with a message saying no normalizer is available */
  readonly normalizeRaw?: RawNormalizer;
}

/** Runs one case of a hunt and checks its expectations. Never throws: a failure is a result with a message. */
export async function runCase(hunt: Hunt, fixtureFile: string, c: FixtureCase, opts: RunCaseOptions): Promise<CaseResult> {
  const t0 = performance.now();
  const result = (ok: boolean, message: string, rows: Record<string, unknown>[] = []): CaseResult => ({
    huntId: hunt.meta.id,
    huntPath: hunt.path,
    caseName: c.name,
    ok,
    message,
    rows,
    ms: performance.now() - t0,
  });
  try {
    const tables: Record<string, Row[]> = {};
    for (const [t, rows] of Object.entries(c.rows ?? {})) tables[t] = rows as Row[];
    if (c.raw) {
      if (!opts.normalizeRaw) return result(false, 'raw case, but no raw normalizer is available (the parsers are not built in)');
      const resolved = c.raw.map((r) => resolveRaw(fixtureFile, r));
      const normalized = await opts.normalizeRaw(resolved);
      for (const t of TABLE_NAMES) {
        const extra = normalized[t];
        if (extra?.length) tables[t] = [...(tables[t] ?? []), ...extra];
      }
      const got = TABLE_NAMES.reduce((n, t) => n + (normalized[t]?.length ?? 0), 0);
      if (got === 0)
        return result(
          false,
          `the raw input produced no normalized rows (rejected lines: ${normalized.rejected ?? 0}): check the file and its name hint`,
        );
    }
    const { indicators: caseIndicators, ...lake } = tables;
    await opts.engine.loadTables(lake as Partial<Record<TableName, Row[]>>);
    await opts.engine.setIndicators((caseIndicators as unknown as IndicatorRow[] | undefined) ?? opts.indicators);
    const rows = await opts.engine.run(hunt.sql, windowParams(hunt.sql, ALL_TIME));
    const problems = checkExpectations(hunt, c, rows);
    return result(problems.length === 0, problems.join('\n'), rows);
  } catch (err) {
    return result(false, `error: ${(err as Error).message}`);
  }
}

function resolveRaw(fixtureFile: string, r: RawInput): ResolvedRawInput {
  const file = r.file !== undefined ? path.resolve(path.dirname(fixtureFile), r.file) : null;
  if (file && !fs.existsSync(file)) throw new FixtureFileError(fixtureFile, `raw file not found: ${r.file}`);
  return {
    name: r.name ?? path.basename(file!),
    file,
    text: r.text ?? null,
    host: r.host ?? null,
    agency: r.agency ?? 'test',
  };
}

/** Effective severity of a result row: its `severity` column, else the hunt's. */
export function rowSeverity(hunt: Hunt, row: Record<string, unknown>): Severity {
  const s = row.severity;
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : hunt.meta.severity;
}

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Does an actual result value equal an expected fixture value? Timestamps compare as instants. */
export function valueMatches(expected: unknown, actual: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof expected === 'string' && typeof actual === 'string' && ISO.test(expected) && ISO.test(actual)) {
    const a = Date.parse(/[Zz]|[+-]\d{2}:?\d{2}$/.test(expected) ? expected : `${expected}Z`);
    return a === Date.parse(actual);
  }
  if (typeof expected === 'number' || typeof actual === 'number') return Number(expected) === Number(actual);
  if (typeof expected === 'boolean' || typeof actual === 'boolean') return String(expected) === String(actual);
  if (typeof expected === 'object') return JSON.stringify(expected) === JSON.stringify(actual);
  return String(expected) === String(actual);
}

const show = (v: unknown): string => JSON.stringify(v, null, 0);

/** The list of broken expectations of a case (empty when it passed). */
export function checkExpectations(hunt: Hunt, c: FixtureCase, rows: readonly Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  const gotRows = (): string => (rows.length ? rows.map((r, i) => `  row ${i + 1}: ${show(r)}`).join('\n') : '  (no rows)');
  if (rows.length > 0) {
    const missing = REQUIRED_RESULT_COLUMNS.filter((k) => !(k in rows[0]));
    if (missing.length)
      problems.push(`result lacks the required column(s) ${missing.join(', ')} (got: ${Object.keys(rows[0]).join(', ')})`);
  }
  if (rows.length !== c.expect.rows) problems.push(`expected ${c.expect.rows} row(s), got ${rows.length}:\n${gotRows()}`);
  for (const inc of c.expect.includes ?? []) {
    const hit = rows.some((r) => Object.entries(inc).every(([k, v]) => valueMatches(v, r[k])));
    if (!hit) {
      // Name the closest row and the columns that differ, so the analyst sees what to fix.
      let best: { i: number; diffs: string[] } | null = null;
      rows.forEach((r, i) => {
        const diffs = Object.entries(inc)
          .filter(([k, v]) => !valueMatches(v, r[k]))
          .map(([k, v]) => `${k}: expected ${show(v)}, got ${k in r ? show(r[k]) : '(no such column)'}`);
        if (!best || diffs.length < best.diffs.length) best = { i, diffs };
      });
      const b = best as { i: number; diffs: string[] } | null;
      problems.push(
        b
          ? `no row includes ${show(inc)}; closest is row ${b.i + 1}: ${b.diffs.join('; ')}`
          : `no row includes ${show(inc)}: the query returned no rows`,
      );
    }
  }
  if (c.expect.severity) {
    rows.forEach((r, i) => {
      const s = rowSeverity(hunt, r);
      if (s !== c.expect.severity) problems.push(`row ${i + 1} has severity ${s}, expected ${c.expect.severity}: ${show(r)}`);
    });
  }
  return problems;
}

/** Outcome of all fixtures of a set of hunts. */
export interface FixtureReport {
  readonly results: readonly CaseResult[];
  /** Hunts whose fixture file is missing or broken, with the reason. */
  readonly fileErrors: readonly { path: string; message: string }[];
}

/** Runs every case of every hunt on one engine, in order. */
export async function runFixtures(hunts: readonly Hunt[], opts: RunCaseOptions): Promise<FixtureReport> {
  const results: CaseResult[] = [];
  const fileErrors: { path: string; message: string }[] = [];
  for (const hunt of hunts) {
    const file = fixturePathFor(hunt.path);
    if (!fs.existsSync(file)) {
      fileErrors.push({ path: file, message: `no fixture file for ${hunt.stem} (expected ${path.basename(file)} beside the query)` });
      continue;
    }
    let fx: FixtureFile;
    try {
      fx = loadFixtureFile(file);
    } catch (err) {
      fileErrors.push({ path: file, message: (err as Error).message });
      continue;
    }
    for (const c of fx.cases) results.push(await runCase(hunt, file, c, opts));
  }
  return { results, fileErrors };
}
