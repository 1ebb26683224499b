/**
 * Rows -> Parquet files of one upload, partitioned by table and day.
 *
 * Why this shape (measured, see toolchain.md and bench/ingest.ts): JS Parquet
 * writers cost 12-33 s per million rows, DuckDB's `read_csv` -> `COPY` about
 * 3 s. So rows are appended, synchronously (the parsers' hot loop has no
 * promises), to a CSV spool file per table; when a spool reaches
 * `spoolBytes` it is handed to DuckDB, which converts it on its own thread
 * while JS goes on parsing (two cores busy), and a new spool is started.
 * Memory stays bounded whatever the input: spools are on disk, DuckDB has a
 * memory limit and a temp directory, and at most `maxPendingBatches` spools
 * wait for conversion (callers await {@link LakeWriter.waitForCapacity}).
 *
 * Output is deterministic: spool boundaries depend only on the rows, and the
 * files of each (table, day) are named `<upload-id>-<n>.parquet` in batch order.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SPOOL_MAX_LINE_BYTES, SpoolEncoder, spoolType } from './csv-spool';
import { LakeWriteError } from './errors';
import { tableDef, type Row, type TableName } from './schema';

/** Options of {@link LakeWriter.create}. */
export interface LakeWriterOptions {
  /** Private scratch folder (spools, DuckDB temp, staged Parquet); removed by {@link LakeWriter.close}. */
  readonly workDir: string;
  readonly uploadId: string;
  /**
   * Spool size that triggers a conversion. Larger: fewer, better-compressed files; smaller: earlier overlap.
   * @default 64 MiB
   */
  readonly spoolBytes?: number;
  /** DuckDB threads. @default 1 (JS parses on the other core) */
  readonly threads?: number;
  /** DuckDB memory limit, DuckDB syntax. @default '256MB' */
  readonly memoryLimit?: string;
  /** Parquet compression. @default 'zstd' */
  readonly compression?: 'zstd' | 'snappy';
  /** Rows per Parquet row group. @default 122880 */
  readonly rowGroupSize?: number;
  /** Spools allowed to wait for conversion before {@link LakeWriter.waitForCapacity} blocks. @default 1 */
  readonly maxPendingBatches?: number;
}

/** One Parquet file written for the upload, ready to publish. */
export interface StagedFile {
  readonly table: TableName;
  readonly dt: string;
  /** Index n in `<upload-id>-<n>.parquet`, per (table, dt). */
  readonly n: number;
  readonly localPath: string;
  readonly bytes: number;
}

/** What {@link LakeWriter.finish} returns. */
export interface LakeWriteResult {
  readonly files: StagedFile[];
  /** Rows per table (all tables listed, zeros included). */
  readonly rowsPerTable: Record<TableName, number>;
  /** Rows per table and day. */
  readonly rowsPerPartition: Record<string, Record<string, number>>;
  /** Values written as NULL because they did not fit the column type: table -> column -> count. */
  readonly coercions: Record<string, Record<string, number>>;
}

const FLUSH_CHARS = 1 << 20;

interface Spool {
  readonly encoder: SpoolEncoder;
  fd: number | null;
  file: string;
  buf: string;
  bytes: number;
  rows: number;
  batch: number;
}

/** Writes one upload's rows to Parquet through DuckDB. Create with {@link LakeWriter.create}. */
export class LakeWriter {
  private readonly spools = new Map<TableName, Spool>();
  private readonly rowsPerTable = new Map<TableName, number>();
  private readonly rowsPerPartition = new Map<TableName, Map<string, number>>();
  /** table -> batch directories, in batch order. */
  private readonly batchDirs = new Map<TableName, string[]>();
  private queue: Promise<void> = Promise.resolve();
  /** One promise per conversion not yet finished, oldest first. */
  private readonly inFlight: Promise<void>[] = [];
  private pending = 0;
  private failure: unknown = null;
  private finished = false;

  private constructor(
    private readonly opts: Required<LakeWriterOptions>,
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Opens DuckDB (in memory) and prepares the scratch folder. */
  static async create(options: LakeWriterOptions): Promise<LakeWriter> {
    const opts: Required<LakeWriterOptions> = {
      spoolBytes: 64 * 1024 * 1024,
      threads: 1,
      memoryLimit: '256MB',
      compression: 'zstd',
      rowGroupSize: 122_880,
      maxPendingBatches: 1,
      ...options,
    };
    await fsp.mkdir(path.join(opts.workDir, 'spool'), { recursive: true });
    await fsp.mkdir(path.join(opts.workDir, 'duckdb-tmp'), { recursive: true });
    await fsp.mkdir(path.join(opts.workDir, 'parquet'), { recursive: true });
    const db = await DuckDBInstance.create(':memory:', {
      threads: String(opts.threads),
      memory_limit: opts.memoryLimit,
      temp_directory: path.join(opts.workDir, 'duckdb-tmp'),
      // Row order inside a batch is kept: with one thread the files are byte-for-byte reproducible.
      preserve_insertion_order: 'true',
      enable_external_access: 'true',
    });
    const conn = await db.connect();
    return new LakeWriter(opts, db, conn);
  }

  /**
   * Appends one row (synchronous: called from the parsers' hot loop).
   * `row.event_time` is epoch ms or null; `dt` is its UTC day, or the fallback day the caller chose.
   */
  write(table: TableName, row: Row, dt: string): void {
    if (this.finished) throw new LakeWriteError('write after finish');
    let sp = this.spools.get(table);
    if (!sp) sp = this.openSpool(table, 0);
    const line = sp.encoder.encode(row, dt);
    sp.buf += line;
    sp.buf += '\n';
    sp.rows++;
    this.rowsPerTable.set(table, (this.rowsPerTable.get(table) ?? 0) + 1);
    let parts = this.rowsPerPartition.get(table);
    if (!parts) this.rowsPerPartition.set(table, (parts = new Map()));
    parts.set(dt, (parts.get(dt) ?? 0) + 1);
    if (sp.buf.length >= FLUSH_CHARS || sp.bytes + sp.buf.length >= this.opts.spoolBytes) this.flush(sp);
  }

  /** Resolves when no more than `maxPendingBatches` spools wait for DuckDB; rejects if a conversion failed. */
  async waitForCapacity(): Promise<void> {
    while (this.pending > this.opts.maxPendingBatches && this.inFlight.length) await this.inFlight[0];
    if (this.failure) throw this.failure;
  }

  /** Spools waiting for or in conversion. */
  get pendingBatches(): number {
    return this.pending;
  }

  /** Converts what is left, waits for every conversion, and names the files. */
  async finish(): Promise<LakeWriteResult> {
    this.finished = true;
    for (const [table, sp] of this.spools) {
      this.flush(sp);
      if (sp.rows > 0) this.rotate(table, sp, false);
      else this.closeSpool(sp);
    }
    await this.queue.catch(() => undefined);
    if (this.failure) throw this.failure;

    const files: StagedFile[] = [];
    for (const [table, dirs] of [...this.batchDirs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const perDay = new Map<string, string[]>();
      for (const dir of dirs) {
        for (const part of (await fsp.readdir(dir)).sort()) {
          const m = /^dt=(\d{4}-\d{2}-\d{2})$/.exec(part);
          if (!m) continue;
          const names = (await fsp.readdir(path.join(dir, part))).filter((f) => f.endsWith('.parquet'));
          // DuckDB numbers a partition's files f0, f1, ...: numeric order, not text order.
          names.sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')));
          const list = perDay.get(m[1]) ?? [];
          for (const f of names) list.push(path.join(dir, part, f));
          perDay.set(m[1], list);
        }
      }
      for (const dt of [...perDay.keys()].sort()) {
        const list = perDay.get(dt)!;
        for (let n = 0; n < list.length; n++) {
          files.push({ table, dt, n, localPath: list[n], bytes: (await fsp.stat(list[n])).size });
        }
      }
    }
    const rowsPerTable = {} as Record<TableName, number>;
    for (const t of ['web_requests', 'exchange_logs', 'windows_events', 'file_inventory'] as TableName[]) rowsPerTable[t] = this.rowsPerTable.get(t) ?? 0;
    const rowsPerPartition: Record<string, Record<string, number>> = {};
    for (const [t, parts] of [...this.rowsPerPartition].sort(([a], [b]) => (a < b ? -1 : 1))) {
      rowsPerPartition[t] = Object.fromEntries([...parts].sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    const coercions: Record<string, Record<string, number>> = {};
    for (const [t, sp] of this.spools) if (sp.encoder.coercions.size) coercions[t] = Object.fromEntries([...sp.encoder.coercions].sort());
    return { files, rowsPerTable, rowsPerPartition, coercions };
  }

  /** Closes DuckDB and removes the scratch folder (staged files included: publish before closing). */
  async close(): Promise<void> {
    for (const sp of this.spools.values()) this.closeSpool(sp);
    await this.queue.catch(() => undefined);
    try {
      this.conn.closeSync();
      this.db.closeSync();
    } finally {
      await fsp.rm(this.opts.workDir, { recursive: true, force: true });
    }
  }

  private openSpool(table: TableName, batch: number, encoder?: SpoolEncoder): Spool {
    const file = path.join(this.opts.workDir, 'spool', `${table}-${batch}.csv`);
    const sp: Spool = { encoder: encoder ?? new SpoolEncoder(tableDef(table)), fd: fs.openSync(file, 'w'), file, buf: '', bytes: 0, rows: 0, batch };
    this.spools.set(table, sp);
    return sp;
  }

  private flush(sp: Spool): void {
    if (!sp.buf || sp.fd === null) return;
    const b = Buffer.from(sp.buf, 'utf8');
    sp.buf = '';
    let off = 0;
    while (off < b.length) off += fs.writeSync(sp.fd, b, off);
    sp.bytes += b.length;
    if (sp.bytes >= this.opts.spoolBytes && !this.finished) {
      const table = sp.encoder.table.name;
      this.rotate(table, sp, true);
    }
  }

  private closeSpool(sp: Spool): void {
    if (sp.fd !== null) {
      fs.closeSync(sp.fd);
      sp.fd = null;
    }
  }

  /** Hands a full spool to DuckDB (queued: one conversion at a time) and, when `reopen`, starts the next one. */
  private rotate(table: TableName, sp: Spool, reopen: boolean): void {
    this.closeSpool(sp);
    const outDir = path.join(this.opts.workDir, 'parquet', `${table}-${sp.batch}`);
    const dirs = this.batchDirs.get(table) ?? [];
    dirs.push(outDir);
    this.batchDirs.set(table, dirs);
    const sql = this.copySql(table, sp.file, outDir);
    const spoolFile = sp.file;
    this.pending++;
    this.queue = this.queue.then(async () => {
      try {
        if (this.failure) return;
        await this.conn.run(sql);
      } catch (err) {
        this.failure = new LakeWriteError(`converting ${table} rows to Parquet failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        this.pending--;
        this.inFlight.shift();
        await fsp.rm(spoolFile, { force: true });
      }
    });
    this.inFlight.push(this.queue);
    if (reopen) this.openSpool(table, sp.batch + 1, sp.encoder);
  }

  private copySql(table: TableName, spoolFile: string, outDir: string): string {
    const def = tableDef(table);
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const id = (s: string) => `"${s}"`;
    const columns = [...def.columns.map((c) => `${q(c.name)}: ${q(spoolType(c.type))}`), `'dt': 'VARCHAR'`].join(', ');
    const select = def.columns.map((c) => (c.type === 'timestamp' ? `epoch_ms(${id(c.name)}) AS ${id(c.name)}` : id(c.name))).join(', ');
    return (
      `COPY (SELECT ${select}, dt FROM read_csv(${q(spoolFile)}, columns = {${columns}}, header = false, auto_detect = false, ` +
      `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, max_line_size = ${SPOOL_MAX_LINE_BYTES}, buffer_size = ${SPOOL_MAX_LINE_BYTES}, strict_mode = true)) ` +
      `TO ${q(outDir)} (FORMAT parquet, PARTITION_BY (dt), FILENAME_PATTERN 'f{i}', COMPRESSION ${this.opts.compression}, ` +
      `ROW_GROUP_SIZE ${this.opts.rowGroupSize})`
    );
  }
}
