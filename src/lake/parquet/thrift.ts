/**
 * The write half of Thrift's compact protocol, as much as Parquet's footer and
 * page headers need (parquet-format's `parquet.thrift`): structs, i32/i64
 * (zigzag varints), booleans, binary/strings and lists.
 *
 * Usage: `w.i32(1, 7); w.beginStruct(5); ...; w.endStruct(); w.stop()`; a
 * struct's fields must be written in increasing field id order.
 */

/** Compact protocol type ids. */
export const enum CType {
  Stop = 0,
  True = 1,
  False = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

/** A growable byte buffer with Thrift compact field writers. */
export class CompactWriter {
  private buf: Buffer;
  private pos = 0;
  private lastField = 0;
  private readonly stack: number[] = [];

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** The bytes written so far (a view: copy it before writing more). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private zigzag(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`thrift integer out of range: ${n}`);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private header(id: number, type: CType): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  i32(id: number, v: number): void {
    if (v !== (v | 0)) throw new RangeError(`thrift i32 out of range: ${v}`);
    this.header(id, CType.I32);
    this.zigzag(v);
  }

  i64(id: number, v: number): void {
    this.header(id, CType.I64);
    this.zigzag(v);
  }

  bool(id: number, v: boolean): void {
    this.header(id, v ? CType.True : CType.False);
  }

  binary(id: number, v: Uint8Array | string): void {
    this.header(id, CType.Binary);
    this.rawBinary(v);
  }

  /** A binary or string value without a field header (a list element). */
  rawBinary(v: Uint8Array | string): void {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A zigzag i32 without a field header (a list element). */
  rawI32(v: number): void {
    this.zigzag(v);
  }

  /** Starts a struct-typed field; close it with {@link endStruct}. */
  beginStruct(id: number): void {
    this.header(id, CType.Struct);
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  endStruct(): void {
    this.byte(CType.Stop);
    this.lastField = this.stack.pop() ?? 0;
  }

  /** Starts a list-typed field of `size` elements of `elem` type. */
  list(id: number, elem: CType, size: number): void {
    this.header(id, CType.List);
    if (size < 15) this.byte((size << 4) | elem);
    else {
      this.byte(0xf0 | elem);
      this.varint(size);
    }
  }

  /** Starts a struct that is a list element; close it with {@link endStruct}. */
  beginElement(): void {
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  /** Ends the top-level struct. */
  stop(): void {
    this.byte(CType.Stop);
  }
}
