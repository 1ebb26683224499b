/**
 * Rows -> Parquet files of one upload, partitioned by table and day.
 *
 * Why this shape (measured, see README.md and `npm run bench -- ingest`): the
 * rows are appended, synchronously (the parsers' hot loop has no promises), to
 * an in-memory row group per (table, day) held in columns
 * ({@link ColumnBuffer}). A full row group's column arrays are handed to a
 * worker thread that encodes and compresses its Parquet pages, and
 * {@link ParquetFileWriter} writes them while JS parses on. No CSV spool and no SQL engine:
 * the normalizer is plain JS and a small Lambda bundle.
 *
 * Memory stays bounded whatever the input: a row group is at most
 * `rowGroupRows` rows, the row groups buffered across all open days are
 * bounded by `bufferBytes` (the largest is written early beyond it), at most
 * `maxOpenFiles` files are open (the least recently written is finished), and at
 * most `maxPendingRowGroups` row groups wait for compression (callers await
 * {@link LakeWriter.waitForCapacity}).
 *
 * Output is deterministic: row group and file boundaries depend only on the row
 * sequence, and the files of each (table, day) are named
 * `<upload-id>-<n>.parquet` in order.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ColumnBuffer, type RowBatch } from './column-buffer';
import { LakeWriteError } from './errors';
import { ParquetFileWriter } from './parquet/file-writer';
import { TABLE_NAMES, tableDef, type Row, type TableName } from './schema';

/** Options of {@link LakeWriter.create}. */
export interface LakeWriterOptions {
  /** Private scratch folder (staged Parquet); removed by {@link LakeWriter.close}. */
  readonly workDir: string;
  readonly uploadId: string;
  /** Rows per Parquet row group. @default 65536 */
  readonly rowGroupRows?: number;
  /** Rows per file: a (table, day) with more rows gets several files (a file ends at the first row group boundary at or past it). @default 4194304 */
  readonly fileRows?: number;
  /** Files open at once (one per table and day being written); the least recently written is finished beyond it. @default 32 */
  readonly maxOpenFiles?: number;
  /**
   * Memory for the days being written, all together: their column arrays and buffered strings. Past it, the least
   * recently written days write their rows early and give their arrays back, then the largest buffers are written.
   * @default 96 MiB
   */
  readonly bufferBytes?: number;
  /**
   * Row groups allowed to wait for compression and writing before {@link LakeWriter.waitForCapacity} blocks (fewer
   * leave the JS thread waiting for the page worker). @default 4
   */
  readonly maxPendingRowGroups?: number;
  /** Page codec (see {@link ParquetFileWriterOptions.compression}). @default 'snappy' */
  readonly compression?: 'snappy' | 'gzip' | 'zstd';
  /** ZSTD level of ZSTD pages (Node >= 22.15). @default 1 */
  readonly zstdLevel?: number;
  /** zlib level of GZIP pages. @default 1 */
  readonly gzipLevel?: number;
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
  /** Row groups written, and the JS time spent handing them to the page worker (for the benchmark). */
  readonly rowGroups: number;
  readonly encodeMs: number;
}

/** Bytes per buffered cell (a typed-array slot or a string pointer) in the memory estimate. */
const CELL_BYTES = 9;
/** Rows between two checks of the buffered-memory estimate. */
const BUDGET_CHECK_ROWS = 4096;

interface Part {
  readonly table: TableName;
  readonly dt: string;
  readonly key: string;
  /** Index of this part's file among the (table, dt) files of the upload. */
  readonly n: number;
  readonly localPath: string;
  readonly buffer: ColumnBuffer;
  file: ParquetFileWriter | null;
  rowsInFile: number;
  /** Write counter value at the last row: the least recently written part is finished first. */
  lastUse: number;
}

/** Writes one upload's rows to Parquet. Create with {@link LakeWriter.create}. */
export class LakeWriter {
  private readonly opts: Required<LakeWriterOptions>;
  /** Open parts by `table/dt`. */
  private readonly parts = new Map<string, Part>();
  /** Last part written per table: rows come in time order, so this skips the map lookup almost always. */
  private readonly last = new Map<TableName, Part>();
  /** Next file index per `table/dt`. */
  private readonly nextFile = new Map<string, number>();
  private readonly rowsPerTable = new Map<TableName, number>();
  private readonly rowsPerPartition = new Map<TableName, Map<string, number>>();
  private readonly coercions = new Map<TableName, Map<string, number>>();
  /** Finished files by `table/dt`, indexed by n: size once closed. */
  private readonly outputs = new Map<string, { table: TableName; dt: string; files: { localPath: string; bytes: Promise<number> }[] }>();
  /** Row-group writes and file closes not yet finished, oldest first. */
  private readonly inFlight: Promise<unknown>[] = [];
  private pending = 0;
  private failure: unknown = null;
  private rowGroups = 0;
  private encodeMs = 0;
  private writes = 0;
  private sinceCheck = 0;
  private finished = false;

  private constructor(options: LakeWriterOptions) {
    this.opts = {
      rowGroupRows: 65_536,
      fileRows: 4 * 1024 * 1024,
      maxOpenFiles: 32,
      bufferBytes: 96 * 1024 * 1024,
      maxPendingRowGroups: 4,
      compression: 'snappy',
      gzipLevel: 1,
      zstdLevel: 1,
      ...options,
    };
  }

  /** Prepares the scratch folder. */
  static async create(options: LakeWriterOptions): Promise<LakeWriter> {
    await fsp.mkdir(path.join(options.workDir, 'parquet'), { recursive: true });
    return new LakeWriter(options);
  }

  /**
   * Appends one row (synchronous: called from the parsers' hot loop).
   * `row.event_time` is epoch ms or null; `dt` is its UTC day, or the fallback day the caller chose.
   * `row.upload_id` is not read: every row of the writer gets its `uploadId`.
   */
  write(table: TableName, row: Row, dt: string): void {
    if (this.finished) throw new LakeWriteError('write after finish');
    let p = this.last.get(table);
    if (p === undefined || p.dt !== dt) {
      p = this.parts.get(`${table}/${dt}`) ?? this.openPart(table, dt);
      this.last.set(table, p);
    }
    p.lastUse = ++this.writes;
    const buf = p.buffer;
    buf.add(row);
    if (buf.rows >= this.opts.rowGroupRows || buf.chars * 2 >= this.opts.bufferBytes / 2) this.flush(p);
    if (++this.sinceCheck >= BUDGET_CHECK_ROWS) {
      this.sinceCheck = 0;
      this.checkBudget();
    }
  }

  /**
   * Appends the rows of a column batch, all of day `dt` (the IIS kernel's output), with the same files and bytes as
   * {@link write} called for each row in order: the row group is written and the memory budget checked after the
   * same rows.
   */
  writeBatch(table: TableName, batch: RowBatch, dt: string): void {
    if (this.finished) throw new LakeWriteError('write after finish');
    let from = 0;
    while (from < batch.rows) {
      let p = this.last.get(table);
      if (p === undefined || p.dt !== dt) {
        p = this.parts.get(`${table}/${dt}`) ?? this.openPart(table, dt);
        this.last.set(table, p);
      }
      const buf = p.buffer;
      const maxRows = Math.min(this.opts.rowGroupRows, buf.rows + BUDGET_CHECK_ROWS - this.sinceCheck);
      const k = buf.addBatch(batch, from, batch.rows, maxRows, this.opts.bufferBytes / 2);
      from += k;
      this.writes += k;
      p.lastUse = this.writes;
      if (buf.rows >= this.opts.rowGroupRows || buf.chars * 2 >= this.opts.bufferBytes / 2) this.flush(p);
      this.sinceCheck += k;
      if (this.sinceCheck >= BUDGET_CHECK_ROWS) {
        this.sinceCheck = 0;
        this.checkBudget();
      }
    }
  }

  /** Resolves when no more than `maxPendingRowGroups` row groups wait; rejects if a write failed. */
  async waitForCapacity(): Promise<void> {
    while (this.pending > this.opts.maxPendingRowGroups && this.inFlight.length) await this.inFlight[0];
    if (this.failure) throw this.failure;
  }

  /** Row groups waiting for compression or writing. */
  get pendingBatches(): number {
    return this.pending;
  }

  /** Writes what is buffered, finishes every file, and lists them. */
  async finish(): Promise<LakeWriteResult> {
    this.finished = true;
    // Deterministic order (table, day) for the last row groups.
    for (const key of [...this.parts.keys()].sort()) this.finishPart(this.parts.get(key)!);
    await Promise.allSettled(this.inFlight);
    if (this.failure) throw this.failure;

    const files: StagedFile[] = [];
    for (const key of [...this.outputs.keys()].sort()) {
      const out = this.outputs.get(key)!;
      for (let n = 0; n < out.files.length; n++) {
        files.push({ table: out.table, dt: out.dt, n, localPath: out.files[n].localPath, bytes: await out.files[n].bytes });
      }
    }
    const byName = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const rowsPerTable = {} as Record<TableName, number>;
    for (const t of TABLE_NAMES) rowsPerTable[t] = this.rowsPerTable.get(t) ?? 0;
    const rowsPerPartition: Record<string, Record<string, number>> = {};
    for (const [t, parts] of byName(this.rowsPerPartition)) rowsPerPartition[t] = Object.fromEntries(byName(parts));
    const coercions: Record<string, Record<string, number>> = {};
    for (const [t, c] of byName(this.coercions)) if (c.size) coercions[t] = Object.fromEntries(byName(c));
    return { files, rowsPerTable, rowsPerPartition, coercions, rowGroups: this.rowGroups, encodeMs: this.encodeMs };
  }

  /** Closes open files and removes the scratch folder (staged files included: publish before closing). */
  async close(): Promise<void> {
    this.finished = true;
    try {
      await Promise.allSettled(this.inFlight);
      await Promise.allSettled([...this.parts.values()].map((p) => p.file?.abort() ?? Promise.resolve()));
    } finally {
      await fsp.rm(this.opts.workDir, { recursive: true, force: true });
    }
  }

  private openPart(table: TableName, dt: string): Part {
    if (this.parts.size >= this.opts.maxOpenFiles) {
      // Too many days open at once (an export spanning years, out of order): finish the stalest.
      let stalest: Part | null = null;
      for (const s of this.parts.values()) if (stalest === null || s.lastUse < stalest.lastUse) stalest = s;
      if (stalest) this.finishPart(stalest);
    }
    const key = `${table}/${dt}`;
    const n = this.nextFile.get(key) ?? 0;
    this.nextFile.set(key, n + 1);
    const localPath = path.join(this.opts.workDir, 'parquet', `${table}-${dt}-${n}.parquet`);
    const buffer = new ColumnBuffer(tableDef(table), { upload_id: this.opts.uploadId });
    const p: Part = { table, dt, key, n, localPath, buffer, file: null, rowsInFile: 0, lastUse: 0 };
    this.parts.set(key, p);
    return p;
  }

  /**
   * Over the memory budget (rows being buffered, and the arrays every open day holds): the least recently written
   * days write their rows early and give their arrays back, then the largest buffers are written early.
   */
  private checkBudget(): void {
    const held = (p: Part) => p.buffer.allocatedBytes() + p.buffer.chars * 2;
    let total = 0;
    for (const p of this.parts.values()) total += held(p);
    if (total <= this.opts.bufferBytes) return;
    const byAge = [...this.parts.values()].sort((a, b) => a.lastUse - b.lastUse);
    for (const p of byAge) {
      if (total <= this.opts.bufferBytes) return;
      // The day being written now is the last to give up its arrays.
      if (this.last.get(p.table) === p) continue;
      total -= held(p);
      this.flush(p);
      if (this.parts.get(p.key) === p) p.buffer.release();
      total += this.parts.get(p.key) === p ? held(p) : 0;
    }
    const estimate = (p: Part) => p.buffer.chars * 2 + p.buffer.rows * p.buffer.names.length * CELL_BYTES;
    while (total > this.opts.bufferBytes) {
      let largest: Part | null = null;
      for (const p of this.parts.values()) if (largest === null || estimate(p) > estimate(largest)) largest = p;
      if (largest === null || largest.buffer.rows === 0) break;
      total -= estimate(largest);
      this.flush(largest);
    }
  }

  /** Hands the part's buffered rows to its file as a row group (encoding, compression and writing go on off the JS thread). */
  private flush(p: Part): void {
    const rows = p.buffer.rows;
    if (rows === 0) return;
    const t0 = performance.now();
    const snapshot = p.buffer.snapshot();
    p.buffer.reset();
    this.encodeMs += performance.now() - t0;
    // Row counts per row group, not per row (two map updates per row were a measurable part of the hot loop).
    this.rowsPerTable.set(p.table, (this.rowsPerTable.get(p.table) ?? 0) + rows);
    let parts = this.rowsPerPartition.get(p.table);
    if (!parts) this.rowsPerPartition.set(p.table, (parts = new Map()));
    parts.set(p.dt, (parts.get(p.dt) ?? 0) + rows);
    if (p.file === null)
      p.file = new ParquetFileWriter(p.localPath, p.buffer.table.columns, {
        compression: this.opts.compression,
        gzipLevel: this.opts.gzipLevel,
        zstdLevel: this.opts.zstdLevel,
      });
    this.rowGroups++;
    this.track(p.file.writeRowGroup(rows, snapshot), p);
    p.rowsInFile += rows;
    if (p.rowsInFile >= this.opts.fileRows) this.finishPart(p);
  }

  /** Writes the part's last row group and its footer; the next row of its (table, day) opens the next file. */
  private finishPart(p: Part): void {
    this.flush(p);
    if (this.parts.get(p.key) !== p) return; // flush may have finished it (fileRows reached)
    this.parts.delete(p.key);
    if (this.last.get(p.table) === p) this.last.delete(p.table);
    let tc = this.coercions.get(p.table);
    if (!tc) this.coercions.set(p.table, (tc = new Map()));
    for (const [k, v] of p.buffer.coercions) tc.set(k, (tc.get(k) ?? 0) + v);
    if (p.file === null) return;
    let out = this.outputs.get(p.key);
    if (!out) this.outputs.set(p.key, (out = { table: p.table, dt: p.dt, files: [] }));
    const bytes = p.file.close();
    out.files[p.n] = { localPath: p.localPath, bytes };
    this.track(bytes, p);
  }

  private track(work: Promise<unknown>, p: Part): void {
    this.pending++;
    const done: Promise<unknown> = work
      .catch((err: unknown) => {
        this.failure ??= new LakeWriteError(
          `writing ${p.table} rows of ${p.dt} to Parquet failed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      })
      .finally(() => {
        this.pending--;
        const i = this.inFlight.indexOf(done);
        if (i >= 0) void this.inFlight.splice(i, 1);
      });
    this.inFlight.push(done);
  }
}
