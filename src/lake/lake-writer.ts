/**
 * Rows -> Parquet files of one upload, partitioned by table and day.
 *
 * Why this shape (measured, see toolchain.md and bench/ingest.ts): JS Parquet
 * writers cost 12-33 s per million rows, DuckDB's `read_csv` -> `COPY` about
 * 3 s. So rows are appended, synchronously (the parsers' hot loop has no
 * promises), to a CSV spool file per (table, day); when a spool reaches
 * `spoolBytes`, or too many are open, it is handed to DuckDB, which converts
 * it into one Parquet file on its own thread while JS goes on parsing (two
 * cores busy). Splitting by day in JS (not DuckDB's PARTITION_BY) measured
 * ~35% less DuckDB CPU and half the memory.
 * Memory stays bounded whatever the input: spools are on disk, DuckDB has a
 * memory limit and a temp directory, and at most `maxPendingBatches` spools
 * wait for conversion (callers await {@link LakeWriter.waitForCapacity}).
 *
 * Output is deterministic: spool boundaries depend only on the row sequence,
 * and the files of each (table, day) are named `<upload-id>-<n>.parquet` in
 * batch order.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SPOOL_MAX_LINE_BYTES, SpoolEncoder, spoolType } from './csv-spool';
import { LakeWriteError } from './errors';
import { TABLE_NAMES, tableDef, type Row, type TableName } from './schema';

/** Options of {@link LakeWriter.create}. */
export interface LakeWriterOptions {
  /** Private scratch folder (spools, DuckDB temp, staged Parquet); removed by {@link LakeWriter.close}. */
  readonly workDir: string;
  readonly uploadId: string;
  /**
   * Spool size that triggers a conversion (one Parquet file). Larger: fewer, better-compressed files; smaller: earlier overlap.
   * @default 64 MiB
   */
  readonly spoolBytes?: number;
  /** Spools open at once (one per table and day being written); the least recently written is converted beyond it. @default 32 */
  readonly maxOpenSpools?: number;
  /** DuckDB threads. @default 1 (JS parses on the other core) */
  readonly threads?: number;
  /** DuckDB memory limit, DuckDB syntax. @default '192MB' */
  readonly memoryLimit?: string;
  /** Parquet compression. @default 'zstd' */
  readonly compression?: 'zstd' | 'snappy';
  /** Rows per Parquet row group (DuckDB buffers one per conversion: 61440 measured ~110 MB less RSS than 122880, same CPU). @default 61440 */
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
  /** Spool batches converted, and the wall time DuckDB spent converting them (for the benchmark). */
  readonly batches: number;
  readonly conversionMs: number;
}

/** Write buffer per open spool. */
const SPOOL_BUFFER_BYTES = 1 << 20;
/** Columns given as SQL constants, not spooled: `upload_id` is the writer's {@link LakeWriterOptions.uploadId} on every row. */
const CONSTANT_COLUMNS: ReadonlySet<string> = new Set(['upload_id']);

interface Spool {
  readonly table: TableName;
  readonly dt: string;
  /** Index of this spool among the (table, dt) spools of the upload. */
  readonly batch: number;
  readonly file: string;
  fd: number | null;
  /** UTF-8 bytes not yet written to the file, and how many of `buf` are used. */
  buf: Buffer;
  used: number;
  /** Bytes written to the file so far. */
  bytes: number;
  /** Write counter value at the last write: the least recently written spool is converted first. */
  lastUse: number;
  /** Rows in this spool (added to the per-table and per-partition counts when it is converted). */
  rows: number;
  readonly encoder: SpoolEncoder;
}

/** Writes one upload's rows to Parquet through DuckDB. Create with {@link LakeWriter.create}. */
export class LakeWriter {
  /** Open spools by `table/dt`. */
  private readonly spools = new Map<string, Spool>();
  /** Last spool written per table: rows come in time order, so this skips the map lookup almost always. */
  private readonly last = new Map<TableName, Spool>();
  private readonly encoders = new Map<TableName, SpoolEncoder>();
  /** Next batch index per `table/dt`. */
  private readonly nextBatch = new Map<string, number>();
  private readonly rowsPerTable = new Map<TableName, number>();
  private readonly rowsPerPartition = new Map<TableName, Map<string, number>>();
  /** Converted files, by `table/dt`, indexed by batch. */
  private readonly outputs = new Map<string, { table: TableName; dt: string; files: string[] }>();
  private queue: Promise<void> = Promise.resolve();
  /** One promise per conversion not yet finished, oldest first. */
  private readonly inFlight: Promise<void>[] = [];
  private pending = 0;
  private failure: unknown = null;
  private batches = 0;
  private conversionMs = 0;
  private writes = 0;
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
      maxOpenSpools: 32,
      threads: 1,
      memoryLimit: '192MB',
      compression: 'zstd',
      rowGroupSize: 61_440,
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
      // Row order inside a file is the spool's: with one thread the files are byte-for-byte reproducible.
      preserve_insertion_order: 'true',
    });
    const conn = await db.connect();
    return new LakeWriter(opts, db, conn);
  }

  /**
   * Appends one row (synchronous: called from the parsers' hot loop).
   * `row.event_time` is epoch ms or null; `dt` is its UTC day, or the fallback day the caller chose.
   * `row.upload_id` is not read: every row of the writer gets its `uploadId`.
   */
  write(table: TableName, row: Row, dt: string): void {
    if (this.finished) throw new LakeWriteError('write after finish');
    let sp = this.last.get(table);
    if (sp === undefined || sp.dt !== dt || sp.fd === null) {
      sp = this.spools.get(`${table}/${dt}`) ?? this.openSpool(table, dt);
      this.last.set(table, sp);
    }
    sp.lastUse = ++this.writes;
    const line = sp.encoder.encode(row);
    // Encoded straight into the spool's buffer (no joined megastring): at most 3 bytes per UTF-16 unit, plus the newline.
    const need = line.length * 3 + 1;
    if (sp.used + need > sp.buf.length) this.flush(sp);
    if (need > sp.buf.length) {
      this.writeAll(sp, Buffer.from(line + '\n', 'utf8'));
    } else {
      sp.used += sp.buf.write(line, sp.used, 'utf8');
      sp.buf[sp.used++] = 0x0a;
    }
    sp.rows++;
    if (sp.bytes + sp.used >= this.opts.spoolBytes) this.rotate(sp);
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
    // Deterministic order (table, day) for the last conversions.
    for (const key of [...this.spools.keys()].sort()) this.rotate(this.spools.get(key)!);
    await this.queue.catch(() => undefined);
    if (this.failure) throw this.failure;

    const files: StagedFile[] = [];
    for (const key of [...this.outputs.keys()].sort()) {
      const out = this.outputs.get(key)!;
      for (let n = 0; n < out.files.length; n++) {
        files.push({ table: out.table, dt: out.dt, n, localPath: out.files[n], bytes: (await fsp.stat(out.files[n])).size });
      }
    }
    const rowsPerTable = {} as Record<TableName, number>;
    for (const t of TABLE_NAMES) rowsPerTable[t] = this.rowsPerTable.get(t) ?? 0;
    const rowsPerPartition: Record<string, Record<string, number>> = {};
    for (const [t, parts] of [...this.rowsPerPartition].sort(([a], [b]) => (a < b ? -1 : 1))) {
      rowsPerPartition[t] = Object.fromEntries([...parts].sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    const coercions: Record<string, Record<string, number>> = {};
    for (const [t, enc] of [...this.encoders].sort(([a], [b]) => (a < b ? -1 : 1))) if (enc.coercions.size) coercions[t] = Object.fromEntries([...enc.coercions].sort());
    return { files, rowsPerTable, rowsPerPartition, coercions, batches: this.batches, conversionMs: this.conversionMs };
  }

  /** Closes DuckDB and removes the scratch folder (staged files included: publish before closing). */
  async close(): Promise<void> {
    for (const sp of this.spools.values()) this.closeFd(sp);
    await this.queue.catch(() => undefined);
    try {
      this.conn.closeSync();
      this.db.closeSync();
    } finally {
      await fsp.rm(this.opts.workDir, { recursive: true, force: true });
    }
  }

  private encoder(table: TableName): SpoolEncoder {
    let e = this.encoders.get(table);
    if (!e) this.encoders.set(table, (e = new SpoolEncoder(tableDef(table), CONSTANT_COLUMNS)));
    return e;
  }

  private openSpool(table: TableName, dt: string): Spool {
    if (this.spools.size >= this.opts.maxOpenSpools) {
      // Too many days open at once (an export spanning years, out of order): convert the stalest.
      let stalest: Spool | null = null;
      for (const s of this.spools.values()) if (stalest === null || s.lastUse < stalest.lastUse) stalest = s;
      if (stalest) this.rotate(stalest);
    }
    const key = `${table}/${dt}`;
    const batch = this.nextBatch.get(key) ?? 0;
    this.nextBatch.set(key, batch + 1);
    const file = path.join(this.opts.workDir, 'spool', `${table}-${dt}-${batch}.csv`);
    const sp: Spool = { table, dt, batch, file, fd: fs.openSync(file, 'w'), buf: Buffer.allocUnsafe(SPOOL_BUFFER_BYTES), used: 0, bytes: 0, lastUse: 0, rows: 0, encoder: this.encoder(table) };
    this.spools.set(key, sp);
    return sp;
  }

  private flush(sp: Spool): void {
    if (sp.used === 0 || sp.fd === null) return;
    this.writeAll(sp, sp.buf.subarray(0, sp.used));
    sp.used = 0;
  }

  private writeAll(sp: Spool, b: Buffer): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(sp.fd!, b, off);
    sp.bytes += b.length;
  }

  private closeFd(sp: Spool): void {
    if (sp.fd !== null) {
      fs.closeSync(sp.fd);
      sp.fd = null;
    }
  }

  /** Hands a spool to DuckDB (queued: one conversion at a time); the next row of its (table, day) opens a new one. */
  private rotate(sp: Spool): void {
    // Row counts per spool, not per row (two map updates per row were a measurable part of the hot loop).
    if (sp.rows > 0) {
      this.rowsPerTable.set(sp.table, (this.rowsPerTable.get(sp.table) ?? 0) + sp.rows);
      let parts = this.rowsPerPartition.get(sp.table);
      if (!parts) this.rowsPerPartition.set(sp.table, (parts = new Map()));
      parts.set(sp.dt, (parts.get(sp.dt) ?? 0) + sp.rows);
      sp.rows = 0;
    }
    this.flush(sp);
    this.closeFd(sp);
    const key = `${sp.table}/${sp.dt}`;
    this.spools.delete(key);
    if (this.last.get(sp.table) === sp) this.last.delete(sp.table);
    if (sp.bytes === 0) {
      fs.rmSync(sp.file, { force: true });
      return;
    }
    const outFile = path.join(this.opts.workDir, 'parquet', `${sp.table}-${sp.dt}-${sp.batch}.parquet`);
    let out = this.outputs.get(key);
    if (!out) this.outputs.set(key, (out = { table: sp.table, dt: sp.dt, files: [] }));
    out.files[sp.batch] = outFile;
    const sql = this.copySql(sp.table, sp.file, outFile);
    const spoolFile = sp.file;
    this.pending++;
    this.queue = this.queue.then(async () => {
      try {
        if (this.failure) return;
        const t0 = Date.now();
        await this.conn.run(sql);
        this.conversionMs += Date.now() - t0;
        this.batches++;
      } catch (err) {
        this.failure = new LakeWriteError(`converting ${sp.table} rows of ${sp.dt} to Parquet failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        this.pending--;
        this.inFlight.shift();
        await fsp.rm(spoolFile, { force: true });
      }
    });
    this.inFlight.push(this.queue);
  }

  private copySql(table: TableName, spoolFile: string, outFile: string): string {
    const def = tableDef(table);
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const id = (s: string) => `"${s}"`;
    const columns = def.columns.filter((c) => !CONSTANT_COLUMNS.has(c.name)).map((c) => `${q(c.name)}: ${q(spoolType(c.type))}`).join(', ');
    const select = def.columns
      .map((c) => (c.name === 'upload_id' ? `${q(this.opts.uploadId)} AS ${id(c.name)}` : c.type === 'timestamp' ? `epoch_ms(${id(c.name)}) AS ${id(c.name)}` : id(c.name)))
      .join(', ');
    return (
      `COPY (SELECT ${select} FROM read_csv(${q(spoolFile)}, columns = {${columns}}, header = false, auto_detect = false, ` +
      `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, max_line_size = ${SPOOL_MAX_LINE_BYTES}, buffer_size = ${SPOOL_MAX_LINE_BYTES}, strict_mode = true, new_line = '\\n')) ` +
      `TO ${q(outFile)} (FORMAT parquet, COMPRESSION ${this.opts.compression}, ROW_GROUP_SIZE ${this.opts.rowGroupSize})`
    );
  }
}
