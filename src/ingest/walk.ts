/**
 * The archive walker: turns inputs (files, folders, streams) into leaf entries,
 * opening every container layer (gzip, tar, zip, nested to `maxDepth`) on the
 * way, streaming entry by entry and enforcing every limit. Each refused entry is
 * reported through `onProblem` and the walk goes on with the next one.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type * as yauzl from 'yauzl';
import { BytePuller, peekChunks, prepend } from './byte-puller';
import { IngestError, IngestErrorCode, asIngestError } from './errors';
import { guardedInflate, type ByteBudget, type GuardSpec } from './inflate';
import { resolveLimits } from './limits';
import { SNIFF_BYTES, baseName, gunzippedName, sniff, unsafeNameReason } from './sniff';
import { readTar } from './tar-reader';
import { listZipEntries, openRawEntry, openZip, type ZipEntryInfo } from './zip-reader';
import type { IngestLimits, IngestProblem, InputEntry, InputSource, WalkOptions } from './types';

/** Chunk size of file reads: 64 KiB bounds what one inflate call is given. */
const FILE_CHUNK = 64 * 1024;
/** A declared zip ratio is judged only for entries larger than this. */
const DECLARED_RATIO_FLOOR = 1024 * 1024;

/** State of one walk. */
interface Walk {
  readonly limits: IngestLimits;
  readonly tmpDir: string;
  readonly onProblem: (p: IngestProblem) => void;
  /** Errors already reported: an error can surface at several levels, it is reported once. */
  readonly reported: WeakSet<object>;
}

/** Counters of one top-level input (all its levels). */
interface InputBudget extends ByteBudget {
  entries: number;
  declared: number;
}

/** Something to open: an input, a decompressed layer or an archive member. */
interface WalkNode {
  readonly path: string;
  readonly name: string;
  readonly size: number | null;
  readonly mtime: Date | null;
  /** Containers opened above this node. */
  readonly depth: number;
  /** True for the content of a gzip layer: a tar inside it is the same archive level (.tar.gz). */
  readonly gunzipped?: boolean;
  /** A file on this machine (random access for zip, no spooling). */
  readonly file?: string;
  /** The node's bytes; called at most once. */
  open(): AsyncIterator<Buffer>;
}

function report(walk: Walk, problem: IngestProblem | IngestError): void {
  if (problem instanceof IngestError) {
    if (walk.reported.has(problem)) return;
    walk.reported.add(problem);
    walk.onProblem(problem.toProblem());
  } else {
    walk.onProblem(problem);
  }
}

function iterable(it: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  return { [Symbol.asyncIterator]: () => it };
}

function fileChunks(file: string): AsyncIterator<Buffer> {
  return fs.createReadStream(file, { highWaterMark: FILE_CHUNK })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

async function readFileHead(file: string, n: number): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Walks files, folders and streams, yielding every leaf file in a deterministic order.
 *
 * Containers are recognized by their magic bytes: gzip (also multi-member), tar, tar.gz,
 * zip, and archives nested in archives up to `maxDepth`. Display paths join the levels
 * with "!": `upload.zip!logs/x.tar.gz!W3SVC1/u_ex210302.log`. Folders are walked
 * recursively, sorted by name.
 *
 * Contract with the consumer: read each entry's stream to its end (or destroy it)
 * before asking for the next entry; the walker then releases what is left of it.
 * An entry stream may fail with an `IngestError` (truncated gzip after the bytes it
 * could inflate, ratio bomb, CRC mismatch...): that error has already been passed to
 * `onProblem`. Refused entries (zip-slip names, encrypted, overlapping, too large,
 * too deep, too many) are only reported; the rest of the archive goes on.
 * Zips that arrive as streams or nested in archives are spooled to `tmpDir` and deleted after.
 *
 * @throws InvalidLimitError (synchronously on first iteration) for invalid limits.
 * @example
 * for await (const entry of walkInputs(['upload.zip'], { onProblem: (p) => problems.push(p) })) {
 *   await readLines(entry.open(), { maxLineBytes }, onLine, onLongLine);
 * }
 */
export async function* walkInputs(inputs: readonly (string | InputSource)[], opts: WalkOptions): AsyncGenerator<InputEntry> {
  const walk: Walk = {
    limits: resolveLimits(opts.limits),
    tmpDir: opts.tmpDir ?? os.tmpdir(),
    onProblem: opts.onProblem,
    reported: new WeakSet(),
  };
  for (const input of inputs) {
    if (typeof input === 'string') {
      yield* walkPath(walk, input, true);
    } else {
      const src = input;
      yield* walkTop(walk, {
        path: src.path,
        name: baseName(src.path),
        size: src.size ?? null,
        mtime: src.mtime ?? null,
        depth: 0,
        open: () => src.open()[Symbol.asyncIterator]() as AsyncIterator<Buffer>,
      });
    }
  }
}

async function* walkPath(walk: Walk, p: string, top: boolean): AsyncGenerator<InputEntry> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? IngestErrorCode.NotFound : IngestErrorCode.Unreadable;
    report(
      walk,
      new IngestError(code, p, code === IngestErrorCode.NotFound ? 'no such file or folder' : (err as Error).message, { cause: err }),
    );
    return;
  }
  if (st.isDirectory()) {
    let names: fs.Dirent[];
    try {
      names = await fsp.readdir(p, { withFileTypes: true });
    } catch (err) {
      report(walk, new IngestError(IngestErrorCode.Unreadable, p, (err as Error).message, { cause: err }));
      return;
    }
    // Sorted by code unit, not locale: the same order on every machine.
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      const child = path.join(p, d.name);
      if (d.isSymbolicLink()) {
        const target = await fsp.stat(child).catch(() => null);
        if (!target?.isFile()) {
          // Linked folders could loop; a dangling link has nothing to read.
          report(walk, { path: child, code: IngestErrorCode.LinkSkipped, reason: 'symbolic link to a folder or to nothing: skipped' });
          continue;
        }
      } else if (!d.isDirectory() && !d.isFile()) {
        report(walk, { path: child, code: IngestErrorCode.SpecialFileSkipped, reason: 'not a regular file: skipped' });
        continue;
      }
      yield* walkPath(walk, child, false);
    }
    return;
  }
  if (!st.isFile()) {
    report(walk, { path: p, code: IngestErrorCode.SpecialFileSkipped, reason: 'not a regular file: skipped' });
    return;
  }
  void top;
  yield* walkTop(walk, { path: p, name: path.basename(p), size: st.size, mtime: st.mtime, depth: 0, file: p, open: () => fileChunks(p) });
}

async function* walkTop(walk: Walk, node: WalkNode): AsyncGenerator<InputEntry> {
  const budget: InputBudget = { inflated: 0, maxTotalBytes: walk.limits.maxTotalBytes, entries: 0, declared: 0 };
  yield* walkNode(walk, budget, node);
}

/** Opens a node: recognizes what it is and yields its leaves. Never throws for bad data (reports it). */
async function* walkNode(walk: Walk, budget: InputBudget, node: WalkNode): AsyncGenerator<InputEntry> {
  let head: Buffer;
  let bytes: () => AsyncIterator<Buffer>;
  let release: () => Promise<void> = async () => {};
  if (node.file) {
    const file = node.file;
    try {
      head = await readFileHead(file, SNIFF_BYTES);
    } catch (err) {
      report(walk, new IngestError(IngestErrorCode.Unreadable, node.path, (err as Error).message, { cause: err }));
      return;
    }
    bytes = () => fileChunks(file);
  } else {
    let it: AsyncIterator<Buffer>;
    let peeked: Awaited<ReturnType<typeof peekChunks>>;
    try {
      it = node.open();
      peeked = await peekChunks(it, SNIFF_BYTES);
    } catch (err) {
      // Only opening can throw here (peekChunks keeps read errors).
      report(walk, asIngestError(err, node.path));
      return;
    }
    if (peeked.error !== undefined && peeked.length === 0) {
      // Failed before its first byte (bad local header, bomb stopped at once): nothing to hand out.
      report(walk, asIngestError(peeked.error, node.path));
      return;
    }
    const chunks = peeked.head;
    head = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let used = false;
    // A failure after some bytes is replayed after them, where it happened.
    bytes = () => {
      used = true;
      return prepend(chunks, it, peeked.ended, peeked.error);
    };
    release = async () => {
      if (!used && !peeked.ended) await it.return?.();
    };
  }

  try {
    const kind = sniff(head);
    if (kind === 'leaf') {
      yield* yieldLeaf(walk, node, bytes);
    } else if (kind === 'gzip') {
      yield* walkGzip(walk, budget, node, bytes);
    } else if (kind === 'tar') {
      yield* walkTar(walk, budget, node, bytes);
    } else {
      yield* walkZip(walk, budget, node, bytes);
    }
  } finally {
    await release().catch(() => undefined);
  }
}

function tooDeep(walk: Walk, node: WalkNode, what: string): IngestProblem {
  return {
    path: node.path,
    code: IngestErrorCode.TooDeep,
    reason: `${what} nested deeper than the limit of ${walk.limits.maxDepth} archive levels: not opened`,
  };
}

async function* yieldLeaf(walk: Walk, node: WalkNode, bytes: () => AsyncIterator<Buffer>): AsyncGenerator<InputEntry> {
  let stream: Readable | null = null;
  const entry: InputEntry = {
    path: node.path,
    name: node.name,
    size: node.size,
    mtime: node.mtime,
    open: () => {
      if (stream) throw new Error(`open() called twice for ${node.path}`);
      const s = node.file
        ? fs.createReadStream(node.file, { highWaterMark: FILE_CHUNK * 4 })
        : Readable.from(iterable(bytes()), { objectMode: false });
      // Reported here, whoever consumes the stream; also keeps an unhandled 'error' from crashing the process.
      s.on('error', (err: Error) => report(walk, asIngestError(err, node.path)));
      stream = s;
      return s;
    },
  };
  try {
    yield entry;
  } finally {
    // The consumer asked for the next entry (or stopped walking): release this one.
    const s = stream as Readable | null;
    if (s && !s.closed) {
      if (!s.readableEnded && !s.destroyed) s.destroy();
      await new Promise<void>((resolve) => {
        if (s.closed) resolve();
        else s.once('close', () => resolve());
      });
    }
  }
}

function guardSpec(walk: Walk, budget: InputBudget, p: string, extra: Partial<GuardSpec> = {}): GuardSpec {
  return { path: p, maxEntryBytes: walk.limits.maxEntryBytes, maxRatio: walk.limits.maxRatio, budget, ...extra };
}

async function* walkGzip(walk: Walk, budget: InputBudget, node: WalkNode, bytes: () => AsyncIterator<Buffer>): AsyncGenerator<InputEntry> {
  const depth = node.depth + 1;
  if (depth > walk.limits.maxDepth) {
    report(walk, tooDeep(walk, node, 'gzip'));
    return;
  }
  const spec = guardSpec(walk, budget, node.path);
  yield* walkNode(walk, budget, {
    path: node.path,
    name: gunzippedName(node.name),
    size: null,
    mtime: node.mtime,
    depth,
    gunzipped: true,
    open: () => guardedInflate(iterable(bytes()), 'gzip', spec)[Symbol.asyncIterator](),
  });
}

/** Counts one archive member against the entry limit; false (and reported) past it. */
function countEntry(walk: Walk, budget: InputBudget, archive: WalkNode): boolean {
  budget.entries++;
  if (budget.entries <= walk.limits.maxEntries) return true;
  report(walk, {
    path: archive.path,
    code: IngestErrorCode.TooManyEntries,
    reason: `more than ${walk.limits.maxEntries} entries in this input: the rest of this archive is skipped`,
  });
  return false;
}

/** Declared-size checks before opening a member; false (and reported) when refused. */
function declaredSizeOk(walk: Walk, budget: InputBudget, entryPath: string, size: number): boolean {
  if (size > walk.limits.maxEntryBytes) {
    report(walk, {
      path: entryPath,
      code: IngestErrorCode.EntryTooLarge,
      reason: `declares ${size} bytes, above the per-entry limit of ${walk.limits.maxEntryBytes}: not opened`,
    });
    return false;
  }
  if (budget.declared + size > walk.limits.maxTotalBytes) {
    report(walk, {
      path: entryPath,
      code: IngestErrorCode.TotalTooLarge,
      reason: `its declared ${size} bytes would take the input past the total limit of ${walk.limits.maxTotalBytes}: not opened`,
    });
    return false;
  }
  budget.declared += size;
  return true;
}

async function* walkTar(walk: Walk, budget: InputBudget, node: WalkNode, bytes: () => AsyncIterator<Buffer>): AsyncGenerator<InputEntry> {
  // A tar inside a gzip layer is one archive level (.tar.gz), not two.
  const depth = node.gunzipped ? node.depth : node.depth + 1;
  if (depth > walk.limits.maxDepth) {
    report(walk, tooDeep(walk, node, 'tar'));
    return;
  }
  const puller = new BytePuller(bytes());
  try {
    for await (const m of readTar(puller, node.path, (err) => report(walk, err))) {
      // "./logs/x.log" (tar -C dir .) is shown as "logs/x.log".
      const shown = m.name.replace(/^(\.\/)+/, '');
      const entryPath = `${node.path}!${shown}`;
      if (!countEntry(walk, budget, node)) break;
      if (m.kind === 'directory') continue;
      if (m.kind === 'link') {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.LinkSkipped,
          reason: `tar ${m.type === '2' ? 'symbolic' : 'hard'} link: skipped`,
        });
        continue;
      }
      if (m.kind === 'special') {
        report(walk, { path: entryPath, code: IngestErrorCode.SpecialFileSkipped, reason: `tar device or fifo (type ${m.type}): skipped` });
        continue;
      }
      if (m.kind === 'unsupported') {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.UnsupportedEntry,
          reason: `unsupported tar entry type "${m.type}": skipped`,
        });
        continue;
      }
      const bad = unsafeNameReason(m.name);
      if (bad) {
        report(walk, { path: entryPath, code: bad.code, reason: `${bad.reason}: skipped` });
        continue;
      }
      if (!declaredSizeOk(walk, budget, entryPath, m.size)) continue;
      const member = m;
      yield* walkNode(walk, budget, {
        path: entryPath,
        name: baseName(shown),
        size: m.size,
        mtime: m.mtime,
        depth,
        open: () => member.data()[Symbol.asyncIterator](),
      });
    }
  } catch (err) {
    report(walk, asIngestError(err, node.path, IngestErrorCode.CorruptTar));
  } finally {
    await puller.close().catch(() => undefined);
  }
}

/** Writes a byte source to a new temp file, at most `max` bytes. */
async function spool(walk: Walk, node: WalkNode, bytes: () => AsyncIterator<Buffer>): Promise<{ dir: string; file: string }> {
  const dir = await fsp.mkdtemp(path.join(walk.tmpDir, 'sweep-zip-'));
  const file = path.join(dir, 'spool.zip');
  const fh = await fsp.open(file, 'w');
  let written = 0;
  try {
    for await (const chunk of iterable(bytes())) {
      written += chunk.length;
      if (written > walk.limits.maxEntryBytes) {
        throw new IngestError(
          IngestErrorCode.EntryTooLarge,
          node.path,
          `zip larger than the per-entry limit of ${walk.limits.maxEntryBytes} bytes: not opened`,
        );
      }
      await fh.write(chunk);
    }
    return { dir, file };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function* walkZip(walk: Walk, budget: InputBudget, node: WalkNode, bytes: () => AsyncIterator<Buffer>): AsyncGenerator<InputEntry> {
  const depth = node.depth + 1;
  if (depth > walk.limits.maxDepth) {
    report(walk, tooDeep(walk, node, 'zip'));
    return;
  }
  let spooled: { dir: string; file: string } | null = null;
  let zf: yauzl.ZipFile | null = null;
  try {
    let file = node.file;
    if (!file) {
      try {
        spooled = await spool(walk, node, bytes);
      } catch (err) {
        report(walk, asIngestError(err, node.path));
        return;
      }
      file = spooled.file;
    }
    let entries: ZipEntryInfo[];
    let truncated: boolean;
    let damage: Error | undefined;
    try {
      zf = await openZip(file);
      const allowance = Math.max(0, walk.limits.maxEntries - budget.entries);
      ({ entries, truncated, error: damage } = await listZipEntries(zf, allowance));
    } catch (err) {
      report(walk, new IngestError(IngestErrorCode.CorruptZip, node.path, `corrupt zip: ${(err as Error).message}`, { cause: err }));
      return;
    }
    if (damage) {
      report(
        walk,
        new IngestError(
          IngestErrorCode.CorruptZip,
          node.path,
          `corrupt zip central directory after entry ${entries.length} of ${zf.entryCount} (${damage.message}): the entries before it are read`,
          { cause: damage },
        ),
      );
    }
    budget.entries += entries.length;
    if (truncated) {
      report(walk, {
        path: node.path,
        code: IngestErrorCode.TooManyEntries,
        reason: `zip declares ${zf.entryCount} entries, more than the ${walk.limits.maxEntries} allowed per input: only the first ${entries.length} are read`,
      });
    }
    for (const e of entries) {
      const entryPath = `${node.path}!${e.name}`;
      if (e.isDirectory) continue;
      const bad = unsafeNameReason(e.name);
      if (bad) {
        report(walk, { path: entryPath, code: bad.code, reason: `${bad.reason}: skipped` });
        continue;
      }
      if (e.encrypted) {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.Encrypted,
          reason: 'encrypted zip entry: cannot be read without the password, skipped',
        });
        continue;
      }
      if (e.overlaps) {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.OverlappingEntries,
          reason: `its data overlaps another entry's (local header at byte ${e.localHeaderOffset}): overlapping-entry zip bomb, skipped`,
        });
        continue;
      }
      if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.UnsupportedCompression,
          reason: `zip compression method ${e.compressionMethod} is not supported (only stored and deflate): skipped`,
        });
        continue;
      }
      if (
        e.compressionMethod === 8 &&
        e.uncompressedSize > DECLARED_RATIO_FLOOR &&
        e.uncompressedSize > walk.limits.maxRatio * Math.max(1, e.compressedSize)
      ) {
        report(walk, {
          path: entryPath,
          code: IngestErrorCode.RatioBomb,
          reason: `declares ${e.uncompressedSize} bytes from ${e.compressedSize} compressed (ratio above ${walk.limits.maxRatio}): not opened`,
        });
        continue;
      }
      if (!declaredSizeOk(walk, budget, entryPath, e.uncompressedSize)) continue;
      const zipFile = zf;
      const entry = e;
      const spec = guardSpec(walk, budget, entryPath, { expectedSize: e.uncompressedSize, expectedCrc: e.crc32 });
      yield* walkNode(walk, budget, {
        path: entryPath,
        name: baseName(e.name),
        size: e.uncompressedSize,
        mtime: e.mtime,
        depth,
        open: () =>
          guardedInflate(rawZipChunks(zipFile, entry, entryPath), entry.compressionMethod === 8 ? 'deflate-raw' : 'stored', spec)[
            Symbol.asyncIterator
          ](),
      });
    }
  } finally {
    zf?.close();
    if (spooled) await fsp.rm(spooled.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function* rawZipChunks(zf: yauzl.ZipFile, entry: ZipEntryInfo, entryPath: string): AsyncGenerator<Buffer> {
  let stream: Readable;
  try {
    stream = await openRawEntry(zf, entry);
  } catch (err) {
    throw new IngestError(IngestErrorCode.CorruptZip, entryPath, `corrupt zip entry: ${(err as Error).message}`, { cause: err });
  }
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}
