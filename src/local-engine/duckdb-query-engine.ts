/**
 * The local QueryEngine: an in-memory DuckDB with the Trino shims, views named like the Athena tables over a local
 * lake (`<root>/lake/<table>/agency=<id>/dt=<day>/*.parquet`), or tables filled from fixture rows.
 *
 * The views read the files committed manifests list, each checked against its manifest (src/lake/committed.ts):
 * an upload being published is invisible until its manifest is written, and a damaged or missing file is left out
 * and reported in {@link DuckDbQueryEngine.lakeCheck} (the sweep lists it as a gap) instead of failing every query.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  INDICATORS_TABLE,
  PARTITION_COLUMNS,
  TABLE_NAMES,
  duckDbType,
  tableDef,
  type ColumnDef,
  type ColumnType,
  type Row,
  type TableName,
} from '../lake';
import { LocalObjectStore } from '../core';
import { readCommittedLake, type CommittedFile, type CommittedLake } from '../lake';
import { EngineError, type IndicatorRow, type QueryEngine, type TableRows } from '../hunt';
import { strictCasts } from './strict-casts';
import { TRINO_SHIMS } from './trino-shims';

export interface DuckDbEngineOptions {
  /**
   * Lake root: views over `<lakeRoot>/lake/<table>/**\/*.parquet` (hive partitions agency, dt as strings).
   * @default - no lake: every lake table is an empty typed table until {@link DuckDbQueryEngine.loadTables}
   */
  readonly lakeRoot?: string;
  /** Rows of the `indicators` table. @default - empty */
  readonly indicators?: readonly IndicatorRow[];
  /**
   * Parent folder for DuckDB's spill files (a private subfolder is made and removed on close).
   * @default - the OS temp folder (never the current directory, which DuckDB would use otherwise)
   */
  readonly tempDir?: string;
  /**
   * Read every Parquet file under `lake/`, committed or not, unchecked (lakes made by hand, without manifests).
   * @default false - only files listed in committed manifests, checked
   */
  readonly readUncommitted?: boolean;
  /** Check each committed file's SHA-256 against its manifest (else its size only). @default true */
  readonly checksums?: boolean;
  /**
   * With `readUncommitted`: lay the lake out as the Glue catalog does for Athena (lib/lake-catalog.ts): every file
   * under `lake/<table>/` as `<table>_files`, with Athena's `"$path"` column (`<uriPrefix><key>`), leaving the table
   * names to the caller's views. Used by the rehearsal to run the catalog's own view SQL. @default - lake views named as the tables
   */
  readonly athenaFiles?: { readonly uriPrefix: string };
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** All columns of a lake table as the views expose them: data columns, then agency and dt. */
export function viewColumns(table: TableName): readonly ColumnDef[] {
  return [...tableDef(table).columns, ...PARTITION_COLUMNS];
}

/** Converts one result value to the engine-neutral shape of {@link QueryEngine}. */
function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toPlain);
  if (typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = toPlain(x);
    return o;
  }
  return v;
}

/** DuckDB engine for hunts (CLI, tests, fixtures). */
export class DuckDbQueryEngine implements QueryEngine {
  /** Names currently defined as views (lake) rather than tables (fixtures), to drop the right kind. */
  private readonly views = new Set<string>();
  /** What the lake views read and left out (null without a lake, or with `readUncommitted`). */
  lakeCheck: CommittedLake | null = null;
  private lakeRoot: string | null = null;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly spillDir: string,
  ) {}

  /** Opens an in-memory DuckDB: UTC, integer division, Trino shims, lake views (or empty tables), indicators. */
  static async open(opts: DuckDbEngineOptions = {}): Promise<DuckDbQueryEngine> {
    // Large sweeps spill to disk; by default DuckDB would spill into ./.tmp of whatever folder the user is in.
    const spillDir = fs.mkdtempSync(path.join(opts.tempDir ?? os.tmpdir(), 'sweep-duckdb-'));
    const instance = await DuckDBInstance.create(':memory:', { temp_directory: spillDir });
    const conn = await instance.connect();
    const engine = new DuckDbQueryEngine(instance, conn, spillDir);
    try {
      await conn.run("SET TimeZone='UTC'");
      await conn.run('SET integer_division=true');
      // A sweep reads the same Parquet footers once per hunt: keep them in memory.
      await conn.run('SET parquet_metadata_cache=true');
      for (const stmt of TRINO_SHIMS) await conn.run(stmt);
      if (opts.lakeRoot && !opts.readUncommitted) {
        engine.lakeRoot = opts.lakeRoot;
        engine.lakeCheck = await readCommittedLake(new LocalObjectStore(opts.lakeRoot), { checksums: opts.checksums ?? true });
      }
      for (const t of TABLE_NAMES) {
        if (opts.lakeRoot) await engine.buildLakeView(opts.lakeRoot, t, opts.readUncommitted ? opts.athenaFiles : undefined);
        else await engine.createTable(t, viewColumns(t), []);
      }
      await engine.setIndicators(opts.indicators ?? []);
    } catch (err) {
      await engine.close();
      throw new EngineError(`cannot open DuckDB engine: ${(err as Error).message}`, { cause: err });
    }
    return engine;
  }

  /** Glob of a table's Parquet files under a lake root. */
  static lakeGlob(lakeRoot: string, table: TableName): string {
    return path.join(path.resolve(lakeRoot), 'lake', table, '**', '*.parquet').split(path.sep).join('/');
  }

  private async createLakeView(lakeRoot: string, table: TableName, athena?: { readonly uriPrefix: string }): Promise<void> {
    const name = athena ? `${table}_files` : table;
    const cols = athena
      ? [...viewColumns(table), { name: '$path', type: 'string' as const, description: "Athena's file address" }]
      : viewColumns(table);
    const dir = path.join(lakeRoot, 'lake', table);
    const store = new LocalObjectStore(lakeRoot);
    const committed = this.lakeCheck
      ? this.lakeCheck.files.filter((f) => f.table === table).map((f) => store.pathOf(f.key).split(path.sep).join('/'))
      : null;
    if (committed ? committed.length === 0 : !fs.existsSync(dir) || !hasParquet(dir)) {
      // No files: an empty table with the full schema, so hunts over it return no rows instead of failing.
      await this.createTable(name, cols, []);
      return;
    }
    const files = committed ? `[${committed.map(q).join(', ')}]` : q(DuckDbQueryEngine.lakeGlob(lakeRoot, table));
    const root = `${path.resolve(lakeRoot).split(path.sep).join('/')}/`;
    const src = `read_parquet(${files}, hive_partitioning = true, union_by_name = true, hive_types = {'agency': VARCHAR, 'dt': VARCHAR}${athena ? ', filename = true' : ''})`;
    const described = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    const present = new Map<string, string>();
    for (const r of described.getRowObjectsJS()) present.set(String(r.column_name), String(r.column_type));
    // Columns missing from every file become typed NULLs; present ones are cast only when the file type differs.
    const select = cols.map((c) => {
      if (athena && c.name === '$path') return `${q(athena.uriPrefix)} || substr(filename, ${root.length + 1}) AS "$path"`;
      const want = duckDbType(c.type);
      const have = present.get(c.name);
      if (!have) return `CAST(NULL AS ${want}) AS ${ident(c.name)}`;
      if (have === want) return ident(c.name);
      return `CAST(${ident(c.name)} AS ${want}) AS ${ident(c.name)}`;
    });
    if (!this.views.has(name)) await this.conn.run(`DROP TABLE IF EXISTS ${ident(name)}`);
    await this.conn.run(`CREATE OR REPLACE VIEW ${ident(name)} AS SELECT ${select.join(', ')} FROM ${src}`);
    this.views.add(name);
  }

  private async createTable(name: string, cols: readonly ColumnDef[], rows: readonly Row[]): Promise<void> {
    if (this.views.delete(name)) await this.conn.run(`DROP VIEW IF EXISTS ${ident(name)}`);
    await this.conn.run(`CREATE OR REPLACE TABLE ${ident(name)} (${cols.map((c) => `${ident(c.name)} ${duckDbType(c.type)}`).join(', ')})`);
    if (rows.length === 0) return;
    const known = new Set(cols.map((c) => c.name));
    for (const [i, r] of rows.entries()) {
      for (const k of Object.keys(r)) {
        if (!known.has(k)) throw new EngineError(`${name} row ${i + 1}: unknown column "${k}" (known: ${[...known].join(', ')})`);
      }
    }
    const placeholders = `(${cols.map((c) => castParam(c.type)).join(', ')})`;
    // Batches keep the statement small; fixture tables hold a handful of rows, raw cases a few thousand.
    const BATCH = 200;
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const params: (string | null)[] = [];
      for (const r of batch) for (const c of cols) params.push(paramValue(r[c.name], c.type));
      await this.conn.run(`INSERT INTO ${ident(name)} VALUES ${batch.map(() => placeholders).join(', ')}`, params);
    }
  }

  /**
   * Replaces lake tables with the given rows (fixtures). `agency` defaults to "test", `upload_id` to "fixture",
   * `dt` to the UTC day of `event_time`. Tables not named are emptied.
   */
  async loadTables(tables: TableRows): Promise<void> {
    for (const t of TABLE_NAMES) {
      const rows = (tables[t] ?? []).map((r) => withDefaults(r));
      await this.createTable(t, viewColumns(t), rows);
    }
  }

  /**
   * Copies every lake view into an in-memory table (same name, same columns): many queries over a small lake then
   * read memory instead of listing and opening the Parquet files each time (the rehearsal's sweeps).
   */
  async materializeLake(): Promise<void> {
    for (const t of [...this.views]) {
      await this.conn.run(`CREATE TABLE ${ident(`${t}__copy`)} AS SELECT * FROM ${ident(t)}`);
      await this.conn.run(`DROP VIEW ${ident(t)}`);
      await this.conn.run(`ALTER TABLE ${ident(`${t}__copy`)} RENAME TO ${ident(t)}`);
      this.views.delete(t);
    }
  }

  /** Replaces the `indicators` table. */
  async setIndicators(rows: readonly IndicatorRow[]): Promise<void> {
    await this.createTable(INDICATORS_TABLE.name, INDICATORS_TABLE.columns, rows as unknown as Row[]);
  }

  /**
   * Replaces the `indicators` table with the Parquet file(s) Athena reads (`<lake>/indicators/*.parquet`, written by
   * src/aws/indicators-parquet.ts): the columns of INDICATORS_TABLE, read by name.
   */
  async setIndicatorsFromParquet(fileOrGlob: string): Promise<void> {
    const cols = INDICATORS_TABLE.columns;
    await this.createTable(INDICATORS_TABLE.name, cols, []);
    const select = cols.map((c) => `CAST(${ident(c.name)} AS ${duckDbType(c.type)})`).join(', ');
    await this.conn.run(
      `INSERT INTO ${ident(INDICATORS_TABLE.name)} SELECT ${select} FROM read_parquet(${q(fileOrGlob.split(path.sep).join('/'))})`,
    );
  }

  /**
   * Runs a query with `?` parameters bound in order. Rows: ISO timestamps, numbers for integers, null for NULL.
   * Casts raise where Trino's raise (see strict-casts.ts).
   * A query that fails on one lake file (damaged after the checks, or without a checksum in its manifest, or removed
   * by a concurrent re-publish) leaves that file out of the views, records it as a gap, and runs again.
   */
  async run(sql: string, params: readonly string[]): Promise<Record<string, unknown>[]> {
    for (;;) {
      try {
        const reader = await this.conn.runAndReadAll(strictCasts(sql), [...params]);
        return reader.getRowObjectsJS().map((r) => toPlain(r) as Record<string, unknown>);
      } catch (err) {
        const bad = this.leaveOutFailedFile(err);
        if (!bad || !this.lakeRoot) throw err;
        await this.buildLakeView(this.lakeRoot, bad.table);
      }
    }
  }

  /** (Re)creates a table's lake view, leaving out each file DuckDB fails on (see {@link run}). */
  private async buildLakeView(lakeRoot: string, table: TableName, athena?: { readonly uriPrefix: string }): Promise<void> {
    for (;;) {
      try {
        await this.createLakeView(lakeRoot, table, athena);
        return;
      } catch (err) {
        if (!this.leaveOutFailedFile(err)) throw err;
      }
    }
  }

  /** When the error names a committed lake file: drop it from the lake files, record the gap, return it. */
  private leaveOutFailedFile(err: unknown): CommittedFile | null {
    const check = this.lakeCheck;
    if (!check || !this.lakeRoot) return null;
    const message = (err as Error).message ?? String(err);
    const store = new LocalObjectStore(this.lakeRoot);
    const bad = check.files.find(
      (f) => message.includes(store.pathOf(f.key).split(path.sep).join('/')) || message.includes(store.pathOf(f.key)),
    );
    if (!bad) return null;
    const reason = `unreadable: ${message.split('\n')[0].slice(0, 300)}`;
    this.lakeCheck = {
      ...check,
      files: check.files.filter((f) => f !== bad),
      gaps: [
        ...check.gaps,
        {
          key: bad.key,
          agency: bad.agency,
          uploadId: bad.uploadId,
          table: bad.table,
          dt: bad.dt,
          problem: 'unreadable',
          reason,
          sources: bad.sources,
        },
      ],
    };
    return bad;
  }

  /** As {@link run}, with the result's column names and DuckDB types (to answer as Athena's GetQueryResults does). */
  /** Keeps a SELECT's result as a temporary table (a staged sweep's candidate rows). */
  async materialize(name: string, select: string, params: readonly string[]): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} AS ${strictCasts(select)}`, [...params]);
  }

  /** Writes a SELECT's result as one ZSTD Parquet file (what a CTAS would write): `sweep plan` measures candidates. */
  async exportParquet(select: string, params: readonly string[], file: string): Promise<void> {
    await this.conn.run(`COPY (${strictCasts(select)}) TO ${q(file)} (FORMAT parquet, COMPRESSION zstd)`, [...params]);
  }

  /** Drops a table made by {@link materialize}. */
  async dropMaterialized(name: string): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${ident(name)}`);
  }

  async runWithTypes(
    sql: string,
    params: readonly string[],
  ): Promise<{ columns: { name: string; type: string }[]; rows: Record<string, unknown>[] }> {
    const reader = await this.conn.runAndReadAll(strictCasts(sql), [...params]);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowObjectsJS().map((r) => toPlain(r) as Record<string, unknown>);
    return { columns: names.map((name, i) => ({ name, type: types[i] })), rows };
  }

  /**
   * Runs a query under EXPLAIN ANALYZE and returns DuckDB's profile as JSON text (for the bench: rows and bytes read).
   */
  async profile(sql: string, params: readonly string[]): Promise<string> {
    await this.conn.run("SET enable_profiling = 'json'");
    await this.conn.run("SET profiling_mode = 'detailed'");
    try {
      const reader = await this.conn.runAndReadAll(`EXPLAIN ANALYZE ${strictCasts(sql)}`, [...params]);
      const rows = reader.getRows();
      return String(rows[0]?.[1] ?? '');
    } finally {
      await this.conn.run('RESET enable_profiling');
    }
  }

  async close(): Promise<void> {
    try {
      this.conn.closeSync();
    } finally {
      this.instance.closeSync();
      fs.rmSync(this.spillDir, { recursive: true, force: true });
    }
  }
}

function hasParquet(dir: string): boolean {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? hasParquet(p) : e.name.endsWith('.parquet')) return true;
  }
  return false;
}

function castParam(t: ColumnType): string {
  // Timestamps go through TIMESTAMPTZ so that offsets (+02:00) are converted to UTC, then stored as plain TIMESTAMP.
  if (t === 'timestamp') return 'CAST(CAST(? AS TIMESTAMPTZ) AS TIMESTAMP)';
  return `CAST(? AS ${duckDbType(t)})`;
}

function paramValue(v: unknown, t: ColumnType): string | null {
  if (v === null || v === undefined) return null;
  if (t === 'timestamp') {
    if (typeof v === 'number') return new Date(v).toISOString();
    if (v instanceof Date) return v.toISOString();
  }
  return String(v);
}

function isoOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || v instanceof Date) return new Date(v as number).toISOString();
  const d = new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function withDefaults(r: Row): Row {
  const out: Row = { agency: 'test', upload_id: 'fixture', ...r };
  if (out.dt == null) out.dt = isoOf(r.event_time)?.slice(0, 10) ?? null;
  return out;
}
