/**
 * Parquet format constants (parquet-format's `parquet.thrift`), only those
 * this writer uses, and the Parquet shape of each lake column type.
 */
import type { ColumnType } from '../schema';

export const MAGIC = Buffer.from('PAR1', 'ascii');

export const enum PhysicalType {
  Boolean = 0,
  Int32 = 1,
  Int64 = 2,
  Double = 5,
  ByteArray = 6,
}

export const enum ConvertedType {
  Utf8 = 0,
  TimestampMicros = 10,
  Int32 = 17,
  Int64 = 18,
}

export const enum Repetition {
  Required = 0,
  Optional = 1,
}

export const enum Encoding {
  Plain = 0,
  PlainDictionary = 2,
  Rle = 3,
}

export const enum Codec {
  Uncompressed = 0,
  Snappy = 1,
  Gzip = 2,
  Zstd = 6,
}

export const enum PageType {
  Data = 0,
  Dictionary = 2,
}

/** How a lake column type is stored: the same physical and converted types DuckDB writes for these SQL types. */
export interface ParquetColumnShape {
  readonly physical: PhysicalType;
  readonly converted: ConvertedType | null;
  /** TIMESTAMP logical type (isAdjustedToUTC = false, MICROS), as DuckDB writes a TIMESTAMP column. */
  readonly timestampMicros: boolean;
}

export function columnShape(t: ColumnType): ParquetColumnShape {
  switch (t) {
    case 'string':
      return { physical: PhysicalType.ByteArray, converted: ConvertedType.Utf8, timestampMicros: false };
    case 'int':
      return { physical: PhysicalType.Int32, converted: ConvertedType.Int32, timestampMicros: false };
    case 'bigint':
      return { physical: PhysicalType.Int64, converted: ConvertedType.Int64, timestampMicros: false };
    case 'double':
      return { physical: PhysicalType.Double, converted: null, timestampMicros: false };
    case 'boolean':
      return { physical: PhysicalType.Boolean, converted: null, timestampMicros: false };
    case 'timestamp':
      return { physical: PhysicalType.Int64, converted: ConvertedType.TimestampMicros, timestampMicros: true };
  }
}
