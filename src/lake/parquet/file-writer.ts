/**
 * Writes one Parquet file, row group by row group, from pages already encoded
 * by the page worker (compress.ts: encoding and Snappy or GZIP compression on
 * the other core while JS parses on), then
 * appends them with their page headers and, on {@link ParquetFileWriter.close},
 * the footer (FileMetaData).
 *
 * Row groups are written in the order {@link ParquetFileWriter.writeRowGroup}
 * was called; the file is byte-for-byte a function of the pages (deterministic).
 */
import * as fsp from 'node:fs/promises';
import type { ColumnDef } from '../schema';
import { encodeRowGroup, zstdAvailable, type PageCodec } from './compress';
import type { ColumnSnapshot } from './page-encoder';
import { CompactWriter, CType } from './thrift';
import { Codec, columnShape, Encoding, MAGIC, PageType, PhysicalType, Repetition } from './format';

interface ChunkMeta {
  readonly encodings: Encoding[];
  readonly numValues: number;
  readonly uncompressed: number;
  readonly compressed: number;
  readonly dataPageOffset: number;
  readonly dictPageOffset: number | null;
  readonly nullCount: number;
  readonly min: Uint8Array | null;
  readonly max: Uint8Array | null;
  readonly minExact: boolean;
  readonly maxExact: boolean;
}

interface RowGroupMeta {
  readonly numRows: number;
  readonly offset: number;
  readonly uncompressed: number;
  readonly compressed: number;
  readonly chunks: ChunkMeta[];
}

export interface ParquetFileWriterOptions {
  /**
   * Page codec. Snappy: DuckDB reads it faster; GZIP: a smaller lake (less for Athena to scan). Figures:
   * docs/benchmarks.md.
   * @default 'snappy'
   */
  readonly compression?: 'snappy' | 'gzip' | 'zstd';
  /**
   * ZSTD level of ZSTD pages (Node >= 22.15 only: node:zlib has no ZSTD before; the writer refuses ZSTD there).
   * @default 1
   */
  readonly zstdLevel?: number;
  /** zlib level of GZIP pages. @default 1 (measured: level 6 makes the lake ~8% smaller for ~3x the compression CPU) */
  readonly gzipLevel?: number;
  /** `created_by` in the footer. */
  readonly createdBy?: string;
}

export class ParquetFileWriter {
  private offset = 0;
  private readonly rowGroups: RowGroupMeta[] = [];
  private tail: Promise<void>;
  private failure: unknown = null;
  private closed = false;

  private readonly fh: Promise<fsp.FileHandle>;
  private readonly opts: Required<ParquetFileWriterOptions>;

  /** Creates (truncates) `file`; the open happens in the background, like every write. */
  constructor(
    readonly file: string,
    private readonly columns: readonly ColumnDef[],
    options: ParquetFileWriterOptions = {},
  ) {
    this.opts = { compression: 'snappy', gzipLevel: 1, zstdLevel: 1, createdBy: 'hafnium-sweep lake writer', ...options };
    if (this.opts.compression === 'zstd' && !zstdAvailable())
      throw new Error(`ZSTD Parquet pages need node:zlib's ZSTD (Node >= 22.15); this is Node ${process.version}: use snappy or gzip`);
    this.fh = fsp.open(file, 'w');
    this.tail = this.write([MAGIC]).catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /**
   * Compresses the row group's pages now (off the JS thread; the page bodies are handed over: do not reuse them) and
   * appends them after the row groups given before. Resolves when they are on disk; a failure also fails {@link close}.
   */
  writeRowGroup(numRows: number, cols: readonly ColumnSnapshot[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('row group after close'));
    if (cols.length !== this.columns.length)
      return Promise.reject(new Error(`row group has ${cols.length} columns, the file ${this.columns.length}`));
    const c = this.opts.compression;
    const codec: PageCodec =
      c === 'gzip'
        ? { codec: c, level: this.opts.gzipLevel }
        : c === 'zstd'
          ? { codec: c, level: this.opts.zstdLevel }
          : { codec: 'snappy' };
    const compressed = encodeRowGroup(cols, codec);
    // Awaited below, in order; a failure before then must not count as an unhandled rejection.
    compressed.catch(() => undefined);
    this.tail = this.tail
      .then(async () => {
        const done = await compressed;
        if (this.failure) return;
        const bufs: Uint8Array[] = [];
        const start = this.offset;
        let off = start;
        const chunks: ChunkMeta[] = [];
        let rgUncompressed = 0;
        for (const col of done) {
          let dictPageOffset: number | null = null;
          let dataPageOffset = -1;
          let uncompressed = 0;
          let compressedBytes = 0;
          const encodings = new Set<Encoding>([Encoding.Rle]);
          for (const page of col.pages) {
            const header = pageHeader(page.type, page.numValues, page.encoding, page.rawSize, page.body.length);
            if (page.type === PageType.Dictionary) dictPageOffset = off;
            else if (dataPageOffset < 0) dataPageOffset = off;
            encodings.add(page.encoding);
            bufs.push(header, page.body);
            off += header.length + page.body.length;
            uncompressed += header.length + page.rawSize;
            compressedBytes += header.length + page.body.length;
          }
          rgUncompressed += uncompressed;
          chunks.push({
            encodings: [...encodings].sort((a, b) => a - b),
            numValues: col.numValues,
            uncompressed,
            compressed: compressedBytes,
            dataPageOffset,
            dictPageOffset,
            nullCount: col.nullCount,
            min: col.min,
            max: col.max,
            minExact: col.minExact,
            maxExact: col.maxExact,
          });
        }
        await this.write(bufs);
        this.rowGroups.push({ numRows, offset: start, uncompressed: rgUncompressed, compressed: off - start, chunks });
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    return this.tail.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Writes the footer and closes the file; returns the file size. */
  async close(): Promise<number> {
    this.closed = true;
    try {
      await this.tail;
      if (this.failure) throw this.failure;
      const meta = this.footer();
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(meta.length, 0);
      await this.write([meta, len, MAGIC]);
      return this.offset;
    } finally {
      await (await this.fh.catch(() => null))?.close();
    }
  }

  /** Closes the file without a footer (after a failure; the caller removes it). */
  async abort(): Promise<void> {
    this.closed = true;
    await this.tail.catch(() => undefined);
    await (await this.fh.catch(() => null))?.close().catch(() => undefined);
  }

  private async write(bufs: Uint8Array[]): Promise<void> {
    let total = 0;
    for (const b of bufs) total += b.length;
    let done = 0;
    // writev may write less than asked: go on from where it stopped.
    while (done < total) {
      let skip = done;
      const rest: Uint8Array[] = [];
      for (const b of bufs) {
        if (skip >= b.length) skip -= b.length;
        else {
          rest.push(skip ? b.subarray(skip) : b);
          skip = 0;
        }
      }
      const { bytesWritten } = await (await this.fh).writev(rest, this.offset + done);
      done += bytesWritten;
    }
    this.offset += total;
  }

  private footer(): Buffer {
    const w = new CompactWriter(4096 + this.rowGroups.length * this.columns.length * 64);
    w.i32(1, 1); // version
    w.list(2, CType.Struct, this.columns.length + 1); // schema
    w.beginElement();
    w.binary(4, 'schema');
    w.i32(5, this.columns.length);
    w.endStruct();
    for (const c of this.columns) {
      const shape = columnShape(c.type);
      w.beginElement();
      w.i32(1, shape.physical);
      w.i32(3, Repetition.Optional);
      w.binary(4, c.name);
      if (shape.converted !== null) w.i32(6, shape.converted);
      if (shape.timestampMicros) {
        w.beginStruct(10); // LogicalType
        w.beginStruct(8); // TIMESTAMP
        w.bool(1, false); // isAdjustedToUTC
        w.beginStruct(2); // unit
        w.beginStruct(2); // MICROS
        w.endStruct();
        w.endStruct();
        w.endStruct();
        w.endStruct();
      }
      w.endStruct();
    }
    w.i64(
      3,
      this.rowGroups.reduce((s, g) => s + g.numRows, 0),
    );
    w.list(4, CType.Struct, this.rowGroups.length);
    for (const g of this.rowGroups) {
      w.beginElement();
      w.list(1, CType.Struct, g.chunks.length);
      g.chunks.forEach((ch, ci) => {
        const first = ch.dictPageOffset ?? ch.dataPageOffset;
        w.beginElement(); // ColumnChunk
        w.i64(2, first); // file_offset
        w.beginStruct(3); // ColumnMetaData
        w.i32(1, columnShape(this.columns[ci].type).physical);
        w.list(2, CType.I32, ch.encodings.length);
        for (const e of ch.encodings) w.rawI32(e);
        w.list(3, CType.Binary, 1);
        w.rawBinary(this.columns[ci].name);
        w.i32(4, this.opts.compression === 'gzip' ? Codec.Gzip : this.opts.compression === 'zstd' ? Codec.Zstd : Codec.Snappy);
        w.i64(5, ch.numValues);
        w.i64(6, ch.uncompressed);
        w.i64(7, ch.compressed);
        w.i64(9, ch.dataPageOffset);
        if (ch.dictPageOffset !== null) w.i64(11, ch.dictPageOffset);
        // Statistics. Strings: min_value / max_value only (UTF-8 bytes, unsigned order), with is_*_exact, as
        // parquet-format asks and Trino's writer does: the deprecated min/max are signed-order, which readers
        // distrust for strings. Numbers: both pairs (signed order, the same values).
        const str = columnShape(this.columns[ci].type).physical === PhysicalType.ByteArray;
        w.beginStruct(12);
        if (!str && ch.max) w.binary(1, ch.max);
        if (!str && ch.min) w.binary(2, ch.min);
        w.i64(3, ch.nullCount);
        if (ch.max && ch.min) {
          w.binary(5, ch.max);
          w.binary(6, ch.min);
          if (str) {
            w.bool(7, ch.maxExact);
            w.bool(8, ch.minExact);
          }
        }
        w.endStruct();
        w.endStruct();
        w.endStruct();
      });
      w.i64(2, g.uncompressed);
      w.i64(3, g.numRows);
      w.i64(5, g.offset);
      w.i64(6, g.compressed);
      w.endStruct();
    }
    w.binary(6, this.opts.createdBy);
    // column_orders: TYPE_ORDER for every column, without which readers ignore min_value/max_value.
    w.list(7, CType.Struct, this.columns.length);
    for (let i = 0; i < this.columns.length; i++) {
      w.beginElement();
      w.beginStruct(1);
      w.endStruct();
      w.endStruct();
    }
    w.stop();
    return Buffer.from(w.bytes());
  }
}

function pageHeader(type: PageType, numValues: number, encoding: Encoding, uncompressedSize: number, compressedSize: number): Buffer {
  const w = new CompactWriter(64);
  w.i32(1, type);
  w.i32(2, uncompressedSize);
  w.i32(3, compressedSize);
  if (type === PageType.Dictionary) {
    w.beginStruct(7);
    w.i32(1, numValues);
    w.i32(2, encoding);
    w.endStruct();
  } else {
    w.beginStruct(5);
    w.i32(1, numValues);
    w.i32(2, encoding);
    w.i32(3, Encoding.Rle);
    w.i32(4, Encoding.Rle);
    w.endStruct();
  }
  w.stop();
  return Buffer.from(w.bytes());
}
