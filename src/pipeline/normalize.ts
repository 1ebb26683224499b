/**
 * One upload -> lake files + manifest.
 *
 * For each leaf entry the archive walker yields: peek its head, detect the log
 * family, run the family's parser (text: line by line through `readLines`;
 * binary: the parser reads the stream), fill the common columns, and append
 * the rows to the {@link LakeWriter}. Unknown entries are listed as
 * unrecognized; entries refused by the walker are listed as problems; a stream
 * that fails half-way (truncated gzip) keeps the rows read before the cut.
 * One bad file never stops the rest.
 *
 * At the end the Parquet files and the manifest are published to the store
 * (a local folder for the CLI, S3 in Lambda), replacing an earlier run of the
 * same upload (same keys: no duplicates).
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { LocalObjectStore, assertAgencyId, assertUploadId } from '../core';
import type { ObjectStore, VersionedObject } from '../core';
import * as formats from '../formats';
import { type WebLogKernel, readBlock, parseZone, UTC_ZONE, type LocalZone } from '../formats';
import type { FamilyParser, ParseContext, Detection, TextFamilyParser } from '../formats';
import * as ingest from '../ingest';
import type { IngestLimits, IngestProblem, InputEntry, InputSource } from '../ingest';
import {
  DayFormatter,
  validTime,
  LakeWriter,
  type LakeWriterOptions,
  MANIFEST_VERSION,
  manifestToJson,
  type Manifest,
  type ManifestEntry,
  type ManifestProblem,
  type UnrecognizedEntry,
  describeStagedFiles,
  publishUpload,
} from '../lake';
import type { Row, TableName } from '../lake';
import { CoverageAccumulator } from './coverage';
import { EntryStats } from './entry-stats';
import { NormalizeError } from './errors';
import { deriveUploadId, fingerprintPaths, type InputFingerprint } from './upload-id';

/** The format functions the pipeline uses (src/formats); replaceable in tests. */
export interface FormatSeam {
  detectFamily(head: Buffer, name: string): Detection | null;
  describeUnrecognized(head: Buffer, name: string, size: number | null): string;
  parserFor(family: Detection['family']): FamilyParser;
  hostFromPath(displayPath: string): string | null;
}

/** Progress, reported at most every 200 ms and after each entry. */
export interface NormalizeProgress {
  readonly entries: number;
  /** Decompressed bytes read so far. */
  readonly bytes: number;
  readonly rows: number;
  readonly current: string | null;
}

/** Options of {@link normalizeUpload}. */
export interface NormalizeOptions {
  /** Files, folders (local paths) or streams (S3 objects). */
  readonly inputs: readonly (string | InputSource)[];
  readonly agency: string;
  /** @default - derived from the input names, sizes and mtimes */
  readonly uploadId?: string;
  /** Host for records that name none and whose path names none (`--host`). @default - none: host stays null */
  readonly hostOverride?: string | null;
  /**
   * Zone of export times written without an offset (Export-Csv `TimeCreated`, NXLog `EventTime`, file listings):
   * `UTC`, an offset (`+01:00`) or an IANA name (`Europe/Brussels`). IIS, HttpProxy and ECP logs are UTC by design
   * and are not affected. @default 'UTC'
   */
  readonly localTimeZone?: string;
  readonly limits?: Partial<IngestLimits>;
  /** Where the lake and manifests go. Give `store` or `lakeRoot` (a local storage root). */
  readonly store?: ObjectStore;
  readonly lakeRoot?: string;
  /**
   * Stores with conditional writes (S3): the upload's manifest as it was when this run started (null: none); the
   * manifest is committed only if it is still that one (src/lake/publish.ts). @default - read just before publishing
   */
  readonly commitOver?: VersionedObject | null;
  /** Scratch space (nested archives, staged Parquet). @default os.tmpdir() */
  readonly tmpDir?: string;
  /**
   * Day for rows without event time whose entry has no mtime either.
   * @default - the latest mtime of the inputs, else the time of this run
   */
  readonly uploadTime?: Date;
  /** Tuning of the Parquet writer (row group and file sizes, memory budget, compression level). */
  readonly writer?: Partial<Omit<LakeWriterOptions, 'workDir' | 'uploadId'>>;
  readonly onProgress?: (p: NormalizeProgress) => void;
  /** Replaces the format functions (tests). @default - src/formats */
  readonly formats?: Partial<FormatSeam>;
  /**
   * Read IIS and HttpProxy logs' common lines with the WebAssembly kernel (src/formats/iis-kernel): the same rows
   * and Parquet bytes as the JS parsers (tested), faster. @default true
   */
  readonly iisKernel?: boolean;
  /** Clock for `normalized_at`. @default () => new Date() */
  readonly now?: () => Date;
}

/** Result of {@link normalizeUpload}. */
export interface NormalizeResult {
  readonly manifest: Manifest;
  readonly manifestKey: string;
  /** Lake keys written, sorted. */
  readonly written: string[];
  /** Lake keys of an earlier run of this upload that were removed. */
  readonly removed: string[];
  /** Writer figures (not in the manifest: they vary between runs): row groups written and the JS time spent encoding them. */
  readonly stats: { readonly rowGroups: number; readonly encodeMs: number };
}

const HEAD_BYTES = 64 * 1024;
const PROGRESS_MS = 200;

/** Inputs described for the upload id and the manifest. */
interface DescribedInputs {
  readonly fingerprints: InputFingerprint[];
  readonly manifestInputs: Manifest['inputs'];
}

/** Fingerprints (for the upload id) and sizes and mtimes (for the manifest) of the inputs. */
async function describeInputs(inputs: readonly (string | InputSource)[]): Promise<DescribedInputs> {
  const fingerprints: InputFingerprint[] = [];
  const manifestInputs: Manifest['inputs'] = [];
  for (const input of inputs) {
    if (typeof input === 'string') {
      let fps: InputFingerprint[];
      try {
        fps = await fingerprintPaths([input]);
      } catch {
        // A missing input is reported by the walker as a problem; it still counts in the id.
        fps = [{ name: path.basename(input), size: null, mtimeMs: null }];
      }
      fingerprints.push(...fps);
      const size = fps.every((f) => f.size !== null) ? fps.reduce((s, f) => s + (f.size ?? 0), 0) : null;
      const mt = fps.map((f) => f.mtimeMs).filter((m): m is number => m !== null);
      manifestInputs.push({
        path: input,
        resolved_path: path.resolve(input),
        size,
        mtime: mt.length ? new Date(Math.max(...mt)).toISOString() : null,
      });
    } else {
      fingerprints.push({
        name: path.posix.basename(input.path),
        size: input.size ?? null,
        mtimeMs: input.mtime ? input.mtime.getTime() : null,
      });
      manifestInputs.push({ path: input.path, size: input.size ?? null, mtime: input.mtime ? input.mtime.toISOString() : null });
    }
  }
  return { fingerprints, manifestInputs };
}

/** What one upload's entries share while they are parsed: options, the writer, the running totals. */
interface UploadRun {
  readonly opts: NormalizeOptions;
  readonly fmt: FormatSeam;
  readonly uploadId: string;
  readonly localZone: LocalZone;
  readonly limits: IngestLimits;
  readonly writer: LakeWriter;
  readonly dayFmt: DayFormatter;
  /** Day of rows without event time whose entry has no mtime. */
  readonly uploadDt: string;
  readonly entries: ManifestEntry[];
  readonly unrecognized: UnrecognizedEntry[];
  readonly problems: ManifestProblem[];
  readonly coverage: CoverageAccumulator;
  /** One kernel per upload and family, reused by every file of the family: its memory is allocated once. */
  readonly kernels: Map<string, WebLogKernel>;
  totalBytes: number;
  totalRows: number;
  entryCount: number;
  progress(current: string | null, force?: boolean): void;
}

/**
 * Normalizes one upload into the lake and writes its manifest.
 *
 * @throws NormalizeError for bad options (agency/upload id), or when the lake cannot be written;
 *   never for bad input, which is reported in the manifest.
 * @example
 * const { manifest } = await normalizeUpload({ inputs: ['logs.zip'], agency: 'dhs', lakeRoot: 'out/lake-root' });
 */
export async function normalizeUpload(opts: NormalizeOptions): Promise<NormalizeResult> {
  const fmt: FormatSeam = {
    detectFamily: formats.detectFamily,
    describeUnrecognized: formats.describeUnrecognized,
    parserFor: formats.parserFor,
    hostFromPath: formats.hostFromPath,
    ...opts.formats,
  };
  const now = opts.now ?? (() => new Date());
  let localZone: LocalZone;
  try {
    assertAgencyId(opts.agency);
    if (opts.uploadId !== undefined) assertUploadId(opts.uploadId);
    localZone = opts.localTimeZone === undefined ? UTC_ZONE : parseZone(opts.localTimeZone);
  } catch (err) {
    throw new NormalizeError((err as Error).message, { cause: err });
  }
  if (!opts.store && !opts.lakeRoot) throw new NormalizeError('normalizeUpload needs a store or a lakeRoot');
  if (opts.inputs.length === 0) throw new NormalizeError('normalizeUpload needs at least one input');
  const store = opts.store ?? new LocalObjectStore(opts.lakeRoot!);
  const limits = ingest.resolveLimits(opts.limits ?? {});

  const { fingerprints, manifestInputs } = await describeInputs(opts.inputs);
  const uploadId = opts.uploadId ?? deriveUploadId(fingerprints);
  const normalizedAt = now();
  const inputMtimes = fingerprints.map((f) => f.mtimeMs).filter((m): m is number => m !== null);
  const uploadTime = opts.uploadTime
    ? { time: opts.uploadTime, source: 'given' }
    : inputMtimes.length
      ? { time: new Date(Math.max(...inputMtimes)), source: 'latest input mtime' }
      : { time: normalizedAt, source: 'normalized_at' };
  const dayFmt = new DayFormatter();

  const tmpRoot = opts.tmpDir ?? os.tmpdir();
  await fsp.mkdir(tmpRoot, { recursive: true });
  const workDir = await fsp.mkdtemp(path.join(tmpRoot, 'sweep-normalize-'));
  const writer = await LakeWriter.create({ ...opts.writer, workDir: path.join(workDir, 'lake'), uploadId });

  let lastProgress = 0;
  const run: UploadRun = {
    opts,
    fmt,
    uploadId,
    localZone,
    limits,
    writer,
    dayFmt,
    uploadDt: dayFmt.format(uploadTime.time.getTime()),
    entries: [],
    unrecognized: [],
    problems: [],
    coverage: new CoverageAccumulator(),
    kernels: new Map(),
    totalBytes: 0,
    totalRows: 0,
    entryCount: 0,
    progress(current, force = false) {
      if (!opts.onProgress) return;
      const t = Date.now();
      if (!force && t - lastProgress < PROGRESS_MS) return;
      lastProgress = t;
      opts.onProgress({ entries: run.entryCount, bytes: run.totalBytes, rows: run.totalRows, current });
    },
  };

  try {
    const walk = ingest.walkInputs(opts.inputs as (string | InputSource)[], {
      limits,
      tmpDir: workDir,
      onProblem: (p: IngestProblem) => run.problems.push({ path: p.path, code: p.code, reason: p.reason }),
    });
    for await (const entry of walk) {
      run.entryCount++;
      run.progress(entry.path, true);
      await parseEntry(run, entry);
      await writer.waitForCapacity();
    }

    const written = await writer.finish();
    const files = await describeStagedFiles(written.files, opts.agency, uploadId);
    const manifest = buildManifest(run, written, { normalizedAt, uploadTime, manifestInputs, files });
    const pub = await publishUpload(store, opts.agency, uploadId, written.files, manifestToJson(manifest), { replaces: opts.commitOver });
    run.progress(null, true);
    return {
      manifest,
      manifestKey: pub.manifestKey,
      written: pub.written,
      removed: pub.removed,
      stats: { rowGroups: written.rowGroups, encodeMs: written.encodeMs },
    };
  } finally {
    await writer.close().catch(() => undefined);
    await fsp.rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Reads one leaf entry: peeks its head, detects its family, runs the family's parser (text: line by line, through
 * the family's kernel when it has one; binary: the parser reads the stream), fills the common columns, and adds
 * the entry to the manifest lists. A stream that fails half-way keeps the rows read before the cut.
 */
async function parseEntry(run: UploadRun, entry: InputEntry): Promise<void> {
  const { opts, fmt, writer } = run;
  const stats = new EntryStats();
  const source = entry.open();
  // Counts bytes for the manifest and progress, and pauses reading while compression is behind (bounded memory).
  // A generator, not a piped Transform: a Transform destroyed on the source's error drops the chunks it buffers,
  // i.e. the lines just before a truncated gzip's cut.
  const counted = Readable.from(
    countChunks(
      source,
      (n) => {
        stats.bytes += n;
        run.totalBytes += n;
        run.progress(entry.path);
        return writer.pendingBatches > 1 ? writer.waitForCapacity() : undefined;
      },
      () => counted,
    ),
    { objectMode: false },
  );
  let stream: Readable;
  let head: Buffer;
  try {
    ({ head, stream } = await ingest.peek(counted, HEAD_BYTES));
  } catch (err) {
    // Unreadable from the first byte (the walker has reported it): nothing to parse.
    source.destroy();
    noteStreamFailure(err, entry.path, run.problems);
    return;
  }
  // The display path (folders such as W3SVC1, HttpProxy or OABGeneratorLog are hints), ending in the
  // entry's own name (a gzip layer's content is named without ".gz").
  const hintPath = formats.detectionHint(entry.path, entry.name);
  const detection = fmt.detectFamily(head, hintPath);
  if (!detection) {
    run.unrecognized.push({
      path: entry.path,
      size: entry.size ?? (head.length < HEAD_BYTES ? head.length : null),
      hint: fmt.describeUnrecognized(head, entry.name, entry.size),
    });
    stream.destroy();
    source.destroy();
    return;
  }
  const hostHint = fmt.hostFromPath(entry.path) ?? opts.hostOverride ?? null;
  const family = detection.family;
  stats.dtFallback = entry.mtime
    ? { source: 'entry-mtime', dt: run.dayFmt.format(entry.mtime.getTime()) }
    : { source: 'upload-time', dt: run.uploadDt };
  const fallbackDt = stats.dtFallback.dt;
  const line = { cur: 0, emitted: false, rejected: false };
  const entryDayFmt = new DayFormatter();
  const ctx: ParseContext = {
    sourceFile: entry.path,
    hostHint,
    localZone: run.localZone.isUtc ? null : run.localZone,
    emit(table: TableName, row: Row): void {
      row.source_family = family;
      row.source_file = entry.path;
      row.upload_id = run.uploadId;
      if (row.source_line === undefined || row.source_line === null) row.source_line = line.cur > 0 ? line.cur : null;
      let host = row.host;
      if (host === undefined || host === null || host === '') host = row.host = hostHint;
      const t = validTime(row.event_time);
      writer.write(table, row, t === null ? fallbackDt : entryDayFmt.format(t));
      stats.row(table, host === null || host === undefined ? null : String(host), t);
      run.totalRows++;
      line.emitted = true;
    },
    reject(lineNo: number, reason: string): void {
      stats.reject(lineNo, reason);
      line.rejected = true;
    },
  };
  try {
    const parser = fmt.parserFor(family);
    if (parser.kind === 'text') await parseText(run, parser, stream, ctx, stats, line, entryDayFmt);
    else await parser.parse(stream, ctx);
  } catch (err) {
    stats.status = 'partial';
    stats.error = noteStreamFailure(err, entry.path, run.problems);
    stream.destroy();
    source.destroy();
  }
  const untimedReason = formats.familyFacts(family)?.untimed ?? 'the records carry no time field';
  run.entries.push(
    stats.toEntry({
      path: entry.path,
      declaredSize: entry.size,
      mtime: entry.mtime,
      family,
      detection: detection.reason,
      hostHint,
      untimedReason,
    }),
  );
  run.coverage.add(family, stats.hosts);
  run.progress(entry.path, true);
}

/**
 * Pushes a text entry's lines to its parser, counting each line by what the parser did with it. A family with a
 * kernel (IIS, HttpProxy) has its common lines read into column batches by the kernel (the same Parquet bytes).
 */
async function parseText(
  run: UploadRun,
  parser: TextFamilyParser,
  stream: Readable,
  ctx: ParseContext,
  stats: EntryStats,
  line: { cur: number; emitted: boolean; rejected: boolean },
  entryDayFmt: DayFormatter,
): Promise<void> {
  const { limits, writer } = run;
  const family = parser.family;
  const p = parser.create(ctx);
  const kernel = run.opts.iisKernel === false || !parser.kernel ? null : (run.kernels.get(family) ?? newKernel(run, family, parser.kernel));
  const takeBatch = (k: WebLogKernel): void => {
    const batch = k.takeColumns(ctx, family);
    if (batch === null) return k.nextBatch();
    const times = (batch.cols.get('event_time') as { vals: Float64Array }).vals;
    const t0 = validTime(times[0]);
    if (t0 === null) {
      // Out of the lake's time range: row by row, through emit (fallback day).
      for (const row of k.takeRows(ctx)) {
        line.cur = row.source_line as number;
        ctx.emit('web_requests', row);
        stats.linesRead++;
        stats.linesWithRows++;
      }
      return;
    }
    writer.writeBatch('web_requests', batch, entryDayFmt.format(t0));
    const host = batch.cols.get('host') as { ids: Int32Array; entries: readonly (string | null)[] } | undefined;
    stats.rowsOf('web_requests', batch.rows, times, host ? host.ids : null, host ? host.entries : []);
    run.totalRows += batch.rows;
    stats.linesRead += batch.rows;
    stats.linesWithRows += batch.rows;
    k.nextBatch();
  };
  kernel?.configure(null);
  kernel?.setMaxLine(limits.maxLineBytes);
  const onLine = (text: string, lineNo: number): void => {
    kernel?.observe(text, lineNo);
    line.cur = lineNo;
    line.emitted = false;
    line.rejected = false;
    try {
      p.line(text, lineNo);
    } catch (err) {
      ctx.reject(lineNo, `parser failed on this line: ${err instanceof Error ? err.message : String(err)}`);
    }
    stats.linesRead++;
    if (line.emitted) stats.linesWithRows++;
    else if (line.rejected) stats.linesRejected++;
    else stats.linesSkipped++;
  };
  const onLongLine = (lineNo: number, bytes: number): void => {
    stats.linesRead++;
    stats.linesRejected++;
    stats.reject(lineNo, `line longer than ${limits.maxLineBytes} bytes (${bytes} bytes)`);
  };
  try {
    const res = await ingest.readLines(
      stream,
      {
        maxLineBytes: limits.maxLineBytes,
        onBlock: kernel
          ? (buf, start, end, first) => readBlock(kernel, buf, start, end, first, limits.maxLineBytes, onLine, onLongLine, takeBatch)
          : undefined,
      },
      onLine,
      onLongLine,
    );
    stats.encoding = res.encoding;
  } finally {
    // Flush a pending record even when the stream broke: rows read before the cut are kept.
    line.cur = 0;
    line.rejected = false;
    p.end();
  }
}

function newKernel(run: UploadRun, family: string, make: () => WebLogKernel): WebLogKernel {
  const k = make();
  run.kernels.set(family, k);
  return k;
}

/** The manifest of the upload, from the entries read and the files written. */
function buildManifest(
  run: UploadRun,
  written: Awaited<ReturnType<LakeWriter['finish']>>,
  at: { normalizedAt: Date; uploadTime: { time: Date; source: string }; manifestInputs: Manifest['inputs']; files: Manifest['files'] },
): Manifest {
  const { opts, entries, uploadId } = run;
  const files = at.files;
  const sum = (f: (e: ManifestEntry) => number) => entries.reduce((s, e) => s + f(e), 0);
  return {
    manifest_version: MANIFEST_VERSION,
    agency: opts.agency,
    upload_id: uploadId,
    normalized_at: at.normalizedAt.toISOString(),
    upload_time: { time: at.uploadTime.time.toISOString(), source: at.uploadTime.source },
    local_time_zone: run.localZone.name,
    inputs: at.manifestInputs,
    limits: { ...run.limits },
    totals: {
      entries: run.entryCount,
      entries_parsed: entries.length,
      entries_partial: entries.filter((e) => e.status === 'partial').length,
      entries_unrecognized: run.unrecognized.length,
      problems: run.problems.length,
      lines_read: sum((e) => e.lines.read),
      lines_with_rows: sum((e) => e.lines.with_rows),
      lines_rejected: sum((e) => e.lines.rejected),
      lines_skipped: sum((e) => e.lines.skipped),
      rejections: sum((e) => e.rejections.total),
      rows: run.totalRows,
    },
    rows_per_table: written.rowsPerTable,
    rows_per_partition: written.rowsPerPartition,
    coerced_values: written.coercions,
    entries,
    unrecognized: run.unrecognized,
    problems: dedupeProblems(run.problems),
    coverage: run.coverage.lines(),
    files,
  };
}

/**
 * Yields the chunks of `source`, calling `onChunk` (which may return a promise to wait on) for each.
 * When the source fails, the error is held until the consumer has taken the chunks already pushed
 * into `out()` (destroying a Readable drops its buffer), so every byte before the failure is parsed.
 */
/**
 * Bytes pulled from an entry stream ahead of the parser. An entry's inflater (gzip, zip) works in libuv's thread
 * pool only when asked for data: asking for the next chunk as soon as one arrives, not when the parser wants it,
 * keeps inflating and parsing overlapped (500 MB of logs: 7.9-8.3 s with it, 8.3-9.0 s without, on a noisy machine).
 */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * Yields the entry's chunks, read ahead by up to {@link READ_AHEAD_BYTES}, calling `onChunk` for each (byte counts,
 * back-pressure). A read error is thrown only after every chunk read before it was yielded (nothing is lost before
 * a truncated gzip's cut), and after `out()` (the stream wrapping this generator) has handed them on.
 */
async function* countChunks(
  source: Readable,
  onChunk: (bytes: number) => Promise<void> | undefined,
  out: () => Readable,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const queue: Buffer[] = [];
  let queued = 0;
  let done = false;
  let stopped = false;
  let failure: { err: unknown } | null = null;
  let wakeReader: (() => void) | null = null;
  let wakePump: (() => void) | null = null;
  const resumeReader = (): void => {
    const w = wakeReader;
    wakeReader = null;
    w?.();
  };
  const resumePump = (): void => {
    const w = wakePump;
    wakePump = null;
    w?.();
  };
  const pump = (async () => {
    try {
      for (;;) {
        while (queued >= READ_AHEAD_BYTES && !stopped) await new Promise<void>((resolve) => (wakePump = resolve));
        if (stopped) return;
        const r = await it.next();
        if (r.done) return;
        const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        queue.push(chunk);
        queued += chunk.length;
        resumeReader();
      }
    } catch (err) {
      failure = { err };
    } finally {
      done = true;
      resumeReader();
    }
  })();
  try {
    for (;;) {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wakeReader = resolve));
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        resumePump();
        const wait = onChunk(chunk.length);
        if (wait) await wait;
        yield chunk;
        continue;
      }
      if (failure) {
        const s = out();
        while (s.readableLength > 0 && !s.destroyed) await new Promise<void>((resolve) => setImmediate(resolve));
        throw (failure as { err: unknown }).err;
      }
      return;
    }
  } finally {
    stopped = true;
    resumePump();
    if (!done) source.destroy();
    await pump;
  }
}

/** Records a failed entry stream or parser; returns the entry's error. Walker errors were already reported. */
function noteStreamFailure(err: unknown, entryPath: string, problems: ManifestProblem[]): { code: string; reason: string } {
  if (err instanceof ingest.IngestError) {
    const p = err.toProblem();
    if (!problems.some((q) => q.path === p.path && q.code === p.code)) problems.push(p);
    return { code: p.code, reason: p.reason };
  }
  const reason = err instanceof Error ? err.message : String(err);
  const p = { path: entryPath, code: 'parser-failed', reason };
  problems.push(p);
  return { code: p.code, reason };
}

/** Keeps the first of identical (path, code, reason) problems, in order. */
function dedupeProblems(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.code}\u0000${p.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
