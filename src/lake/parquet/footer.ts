/**
 * Reads a Parquet footer (FileMetaData, Thrift compact protocol) into what a scan planner needs per row group and
 * column: compressed bytes, null count, min and max. No engine and no I/O: the caller hands over the file's last
 * bytes (local read or an S3 range GET of `footerLength` + 8 bytes), so Lambdas and `sweep plan` can price a query
 * and see which row groups a predicate lets Athena skip.
 *
 * Which bounds are trusted follows Trino's reader (io.trino.parquet.ParquetMetadataConverter.fromParquetStatistics),
 * the engine Athena runs: `min_value`/`max_value` when the column order is TYPE_DEFINED_ORDER (or when they are
 * equal); the deprecated `min`/`max` only for signed-order columns (numbers), never for strings unless equal.
 */

/** Thrift compact protocol field types. */
const T_TRUE = 1,
  T_FALSE = 2,
  T_BYTE = 3,
  T_I16 = 4,
  T_I32 = 5,
  T_I64 = 6,
  T_DOUBLE = 7,
  T_BINARY = 8,
  T_LIST = 9,
  T_SET = 10,
  T_MAP = 11,
  T_STRUCT = 12;

type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
interface ThriftStruct {
  [field: number]: ThriftValue | undefined;
}

class CompactReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.b.length) throw new Error('Parquet footer ends early');
    return this.b[this.pos++];
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const x = this.byte();
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
      mul *= 128;
      if (mul > 2 ** 63) throw new Error('Parquet footer: varint too long');
    }
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  value(type: number): ThriftValue {
    switch (type) {
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_BYTE:
        return (this.byte() << 24) >> 24;
      case T_I16:
      case T_I32:
      case T_I64:
        return this.zigzag();
      case T_DOUBLE: {
        if (this.pos + 8 > this.b.length) throw new Error('Parquet footer ends early');
        const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T_BINARY: {
        const len = this.varint();
        if (this.pos + len > this.b.length) throw new Error('Parquet footer ends early');
        const v = this.b.subarray(this.pos, this.pos + len);
        this.pos += len;
        return v;
      }
      case T_LIST:
      case T_SET: {
        const head = this.byte();
        const size = head >> 4 === 15 ? this.varint() : head >> 4;
        const elem = head & 0x0f;
        const out: ThriftValue[] = [];
        // A bool element of a list is one byte (1 true), not a field type.
        for (let i = 0; i < size; i++) out.push(elem === T_TRUE || elem === T_FALSE ? this.byte() === 1 : this.value(elem));
        return out;
      }
      case T_MAP: {
        const size = this.varint();
        if (size === 0) return [];
        const kinds = this.byte();
        for (let i = 0; i < size; i++) {
          this.value(kinds >> 4);
          this.value(kinds & 0x0f);
        }
        return [];
      }
      case T_STRUCT:
        return this.struct();
      default:
        throw new Error(`Parquet footer: unknown Thrift type ${type}`);
    }
  }

  struct(): ThriftStruct {
    const out: ThriftStruct = {};
    let id = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const delta = head >> 4;
      id = delta === 0 ? this.zigzag() : id + delta;
      out[id] = this.value(head & 0x0f);
    }
  }
}

/** One column chunk of one row group, as a planner sees it. */
export interface ColumnChunkStats {
  /** Column name (the top-level path element). */
  readonly column: string;
  /** Parquet physical type: 0 BOOLEAN, 1 INT32, 2 INT64, 4 FLOAT, 5 DOUBLE, 6 BYTE_ARRAY, ... */
  readonly physicalType: number;
  /** Compressed bytes of the chunk (pages and their headers): what Athena reads for this column of this row group. */
  readonly compressedBytes: number;
  readonly nullCount: number | null;
  /** Trusted bounds, plain-encoded (strings: their bytes), or null when the file gives none the engine would use. */
  readonly min: Uint8Array | null;
  readonly max: Uint8Array | null;
}

export interface RowGroupStats {
  readonly numRows: number;
  readonly columns: readonly ColumnChunkStats[];
}

export interface FooterStats {
  readonly numRows: number;
  readonly createdBy: string | null;
  /** Bytes of the footer itself (Thrift FileMetaData), which every query also reads. */
  readonly footerBytes: number;
  readonly rowGroups: readonly RowGroupStats[];
}

const utf8 = new TextDecoder();
const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Length of the footer, from the file's last 8 bytes (4-byte little-endian length, then `PAR1`). Read that many
 * bytes + 8 from the end of the file and give them to {@link parseFooter}.
 */
export function footerLength(last8: Uint8Array): number {
  const n = last8.length;
  if (n < 8 || last8[n - 4] !== 0x50 || last8[n - 3] !== 0x41 || last8[n - 2] !== 0x52 || last8[n - 1] !== 0x31)
    throw new Error('not a Parquet file (no PAR1 at its end)');
  return last8[n - 8] | (last8[n - 7] << 8) | (last8[n - 6] << 16) | (last8[n - 5] * 2 ** 24);
}

/** Parses the footer at the end of `tail` (the file's last bytes: at least the footer, its length and `PAR1`). */
export function parseFooter(tail: Uint8Array): FooterStats {
  const len = footerLength(tail);
  if (len + 8 > tail.length) throw new Error(`Parquet footer is ${len} bytes; ${tail.length - 8} given`);
  const meta = new CompactReader(tail.subarray(tail.length - 8 - len, tail.length - 8)).struct();
  const schema = (meta[2] as ThriftStruct[] | undefined) ?? [];
  // Leaf columns in schema order (a flat schema: the lake has no nested columns; nested leaves are named by their path).
  const leafTypes = schema.filter((e) => e[1] !== undefined).map((e) => e[1] as number);
  const orders = (meta[7] as ThriftStruct[] | undefined) ?? [];
  const rowGroups = ((meta[4] as ThriftStruct[] | undefined) ?? []).map((g): RowGroupStats => {
    const columns = ((g[1] as ThriftStruct[] | undefined) ?? []).map((ch, ci): ColumnChunkStats => {
      const md = (ch[3] as ThriftStruct | undefined) ?? {};
      const path = ((md[3] as Uint8Array[] | undefined) ?? []).map((p) => utf8.decode(p));
      const physicalType = (md[1] as number | undefined) ?? leafTypes[ci] ?? -1;
      const st = (md[12] as ThriftStruct | undefined) ?? {};
      const typeDefined = orders[ci] !== undefined && (orders[ci] as ThriftStruct)[1] !== undefined;
      let min: Uint8Array | null = null;
      let max: Uint8Array | null = null;
      const minValue = st[6] as Uint8Array | undefined;
      const maxValue = st[5] as Uint8Array | undefined;
      const oldMin = st[2] as Uint8Array | undefined;
      const oldMax = st[1] as Uint8Array | undefined;
      if (minValue && maxValue) {
        if (typeDefined || bytesEqual(minValue, maxValue)) [min, max] = [minValue.slice(), maxValue.slice()];
      } else if (oldMin && oldMax && (physicalType !== 6 || bytesEqual(oldMin, oldMax))) {
        // Signed-order bounds: right for numbers; for strings only when they are one value.
        [min, max] = [oldMin.slice(), oldMax.slice()];
      }
      return {
        column: path.join('.'),
        physicalType,
        compressedBytes: (md[7] as number | undefined) ?? 0,
        nullCount: (st[3] as number | undefined) ?? null,
        min,
        max,
      };
    });
    return { numRows: (g[3] as number | undefined) ?? 0, columns };
  });
  const createdBy = meta[6] as Uint8Array | undefined;
  return {
    numRows: (meta[3] as number | undefined) ?? 0,
    createdBy: createdBy ? utf8.decode(createdBy) : null,
    footerBytes: len,
    rowGroups,
  };
}

/**
 * Whether a string column chunk may hold `value` (false: every row group reader that trusts the bounds skips it on
 * `column = value`). Compares UTF-8 bytes, unsigned, as Parquet orders UTF8 and Trino and DuckDB compare. A chunk
 * without bounds may hold anything.
 */
export function stringChunkMayContain(chunk: ColumnChunkStats, value: string): boolean {
  if (chunk.min === null || chunk.max === null) return true;
  const v = Buffer.from(value, 'utf8');
  return Buffer.compare(chunk.min, v) <= 0 && Buffer.compare(v, chunk.max) <= 0;
}
