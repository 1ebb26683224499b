/**
 * Builds small, valid .evtx files for tests (the real corpus cannot be
 * committed): file header and chunk headers with correct CRC32s, records whose
 * Binary XML uses templates (resident on first use in a chunk, referenced by
 * offset afterwards), inline and referenced names, and substitutions of every
 * value type. Tests then damage the bytes (checksums, truncation, garbage).
 */
import { crc32 } from '../../src/formats/evtx/crc32';

/** Variant type codes. */
export const T = {
  NULL: 0x00,
  WSTRING: 0x01,
  STRING: 0x02,
  INT8: 0x03,
  UINT8: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  REAL32: 0x0b,
  REAL64: 0x0c,
  BOOL: 0x0d,
  BINARY: 0x0e,
  GUID: 0x0f,
  SIZE_T: 0x10,
  FILETIME: 0x11,
  SYSTEMTIME: 0x12,
  SID: 0x13,
  HEX32: 0x14,
  HEX64: 0x15,
  BINXML: 0x21,
  ARRAY: 0x80,
} as const;

/** A substitution slot in a template. */
export interface Sub {
  readonly sub: number;
  readonly type: number;
  /** Conditional substitution (token 0x0e): the element is optional. */
  readonly optional?: boolean;
}
export type AttrSpec = string | Sub;
export type ContentSpec = string | Sub | ElementSpec;
export interface ElementSpec {
  readonly name: string;
  readonly attrs?: ReadonlyArray<readonly [string, AttrSpec]>;
  readonly children?: readonly ContentSpec[];
}
export interface Template {
  readonly id: number;
  readonly root: ElementSpec;
}
/** A substitution value: its type and a writer that puts its bytes at a chunk offset, returning the length. */
export interface Value {
  readonly type: number;
  write(w: ChunkWriter, at: number): number;
}

export const el = (name: string, attrs: ReadonlyArray<readonly [string, AttrSpec]> = [], ...children: ContentSpec[]): ElementSpec => ({
  name,
  attrs,
  children,
});
export const sub = (index: number, type: number, optional = false): Sub => ({ sub: index, type, optional });

let nextTemplateId = 1;
export function template(root: ElementSpec): Template {
  return { id: nextTemplateId++, root };
}

const bytesValue = (type: number, b: Buffer): Value => ({ type, write: (w, at) => w.put(at, b) });
const le = (n: number, size: number, signed = false) => {
  const b = Buffer.alloc(size);
  if (size === 1) {
    if (signed) b.writeInt8(n);
    else b.writeUInt8(n);
  } else if (size === 2) {
    if (signed) b.writeInt16LE(n);
    else b.writeUInt16LE(n);
  } else if (size === 4) {
    if (signed) b.writeInt32LE(n);
    else b.writeUInt32LE(n);
  }
  return b;
};
const ticks = (d: Date | bigint) => (typeof d === 'bigint' ? d : BigInt(d.getTime()) * 10000n + 116444736000000000n);

/** Value constructors, one per variant type. */
export const v = {
  null: (): Value => bytesValue(T.NULL, Buffer.alloc(0)),
  wstr: (s: string, nulTerminated = false): Value => bytesValue(T.WSTRING, Buffer.from(nulTerminated ? `${s}\0` : s, 'utf16le')),
  str: (s: string): Value => bytesValue(T.STRING, Buffer.from(s, 'latin1')),
  i8: (n: number) => bytesValue(T.INT8, le(n, 1, true)),
  u8: (n: number) => bytesValue(T.UINT8, le(n, 1)),
  i16: (n: number) => bytesValue(T.INT16, le(n, 2, true)),
  u16: (n: number) => bytesValue(T.UINT16, le(n, 2)),
  i32: (n: number) => bytesValue(T.INT32, le(n, 4, true)),
  u32: (n: number) => bytesValue(T.UINT32, le(n, 4)),
  i64: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return bytesValue(T.INT64, b);
  },
  u64: (n: bigint | number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return bytesValue(T.UINT64, b);
  },
  f32: (n: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    return bytesValue(T.REAL32, b);
  },
  f64: (n: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    return bytesValue(T.REAL64, b);
  },
  bool: (x: boolean) => bytesValue(T.BOOL, le(x ? 1 : 0, 4)),
  bin: (b: Buffer) => bytesValue(T.BINARY, b),
  /** GUID from its text form `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` (mixed-endian layout, as Windows stores it). */
  guid: (text: string) => {
    const h = text.replace(/[{}-]/g, '');
    const b = Buffer.from(h, 'hex');
    b.subarray(0, 4).reverse();
    b.subarray(4, 6).reverse();
    b.subarray(6, 8).reverse();
    return bytesValue(T.GUID, b);
  },
  sizeT: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return bytesValue(T.SIZE_T, b);
  },
  filetime: (d: Date | bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(ticks(d));
    return bytesValue(T.FILETIME, b);
  },
  systemtime: (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => {
    const b = Buffer.alloc(16);
    [y, mo, 0, d, h, mi, s, ms].forEach((x, i) => b.writeUInt16LE(x, i * 2));
    return bytesValue(T.SYSTEMTIME, b);
  },
  /** SID from `S-1-5-21-...`. */
  sid: (text: string) => bytesValue(T.SID, sidBytes(text)),
  hex32: (n: number) => bytesValue(T.HEX32, le(n, 4)),
  hex64: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return bytesValue(T.HEX64, b);
  },
  /** UTF-16 string array (type 0x81): NUL-terminated strings back to back. */
  wstrArray: (items: string[]) => bytesValue(T.ARRAY | T.WSTRING, Buffer.from(items.map((s) => `${s}\0`).join(''), 'utf16le')),
  u32Array: (items: number[]) => bytesValue(T.ARRAY | T.UINT32, Buffer.concat(items.map((n) => le(n, 4)))),
  /** A nested Binary XML fragment (type 0x21): its own template instance and values. */
  bxml: (t: Template, values: Value[]): Value => ({ type: T.BINXML, write: (w, at) => w.fragment(at, t, values) - at }),
  /** Any bytes under any type code (for malformed values). */
  raw: (type: number, b: Buffer) => bytesValue(type, b),
};

export function sidBytes(text: string): Buffer {
  const parts = text.split('-').slice(1).map(Number);
  const [rev, auth, ...subs] = parts;
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = rev;
  b[1] = subs.length;
  b.writeUInt16BE(Math.floor(auth / 2 ** 32), 2);
  b.writeUInt32BE(auth % 2 ** 32, 4);
  subs.forEach((s, i) => b.writeUInt32LE(s, 8 + 4 * i));
  return b;
}

/** Writes one chunk: records from 0x200, names and templates resident on first use. */
export class ChunkWriter {
  readonly buf = Buffer.alloc(0x10000);
  pos = 0x200;
  private readonly names = new Map<string, number>();
  private readonly templates = new Map<number, number>();
  firstRecord = -1;
  lastRecord = -1;

  put(at: number, b: Buffer): number {
    if (at + b.length > this.buf.length) throw new Error('chunk full');
    b.copy(this.buf, at);
    return b.length;
  }

  /** Room left for records. */
  get free(): number {
    return this.buf.length - this.pos;
  }

  /** Appends one record; returns false (writing nothing) when it does not fit. */
  record(recordNumber: number, t: Template, values: Value[], written = new Date(Date.UTC(2021, 2, 3, 4, 5, 6))): boolean {
    const start = this.pos;
    if (start + 24 > this.buf.length) return false;
    const saveNames = new Map(this.names);
    const saveTemplates = new Map(this.templates);
    try {
      this.buf.writeUInt32LE(0x2a2a, start);
      this.buf.writeBigUInt64LE(BigInt(recordNumber), start + 8);
      this.buf.writeBigUInt64LE(ticks(written), start + 16);
      let p = this.fragment(start + 24, t, values);
      p += 4;
      const size = p - start;
      if (p > this.buf.length) throw new Error('chunk full');
      this.buf.writeUInt32LE(size, start + 4);
      this.buf.writeUInt32LE(size, p - 4);
      this.pos = p;
    } catch (e) {
      if ((e as Error).message !== 'chunk full') throw e;
      this.buf.fill(0, start);
      this.names.clear();
      saveNames.forEach((o, n) => this.names.set(n, o));
      this.templates.clear();
      saveTemplates.forEach((o, n) => this.templates.set(n, o));
      return false;
    }
    if (this.firstRecord < 0) this.firstRecord = recordNumber;
    this.lastRecord = recordNumber;
    return true;
  }

  /** Stream start, template instance (+ resident template on first use), substitution array. Returns the end offset. */
  fragment(at: number, t: Template, values: Value[]): number {
    let p = at;
    p += this.put(p, Buffer.from([0x0f, 0x01, 0x01, 0x00]));
    const known = this.templates.get(t.id);
    const inst = Buffer.alloc(10);
    inst[0] = 0x0c;
    inst.writeUInt32LE(t.id, 2);
    if (known !== undefined) {
      inst.writeUInt32LE(known, 6);
      p += this.put(p, inst);
    } else {
      const defAt = p + 10;
      inst.writeUInt32LE(defAt, 6);
      p += this.put(p, inst);
      this.templates.set(t.id, defAt);
      // next(4) guid(16: starts with the template id) size(4), then the body.
      this.u32(p, 0);
      this.u32(p + 4, t.id);
      const bodyAt = p + 24;
      let q = bodyAt;
      q += this.put(q, Buffer.from([0x0f, 0x01, 0x01, 0x00]));
      q = this.element(q, t.root);
      q += this.put(q, Buffer.from([0x00]));
      this.u32(p + 20, q - bodyAt);
      p = q;
    }
    this.u32(p, values.length);
    p += 4;
    const desc = p;
    p += 4 * values.length;
    values.forEach((val, i) => {
      const n = val.write(this, p);
      this.put(desc + 4 * i, Buffer.from([n & 0xff, n >> 8, val.type, 0]));
      p += n;
    });
    return p;
  }

  private u32(at: number, n: number): void {
    if (at + 4 > this.buf.length) throw new Error('chunk full');
    this.buf.writeUInt32LE(n, at);
  }

  /** A name reference at `refAt`; writes the name inline at `inlineAt` on first use. Returns bytes written inline. */
  private nameRef(refAt: number, inlineAt: number, name: string): number {
    const known = this.names.get(name);
    if (known !== undefined) {
      this.u32(refAt, known);
      return 0;
    }
    this.u32(refAt, inlineAt);
    this.names.set(name, inlineAt);
    const b = Buffer.alloc(8 + name.length * 2 + 2);
    b.writeUInt16LE(name.length, 6);
    b.write(name, 8, 'utf16le');
    return this.put(inlineAt, b);
  }

  private element(at: number, e: ElementSpec): number {
    const attrs = e.attrs ?? [];
    const children = e.children ?? [];
    let p = at;
    this.put(p, Buffer.from([attrs.length ? 0x41 : 0x01, 0xff, 0xff]));
    const headerLen = attrs.length ? 15 : 11;
    p += headerLen + this.nameRef(at + 7, at + headerLen, e.name);
    const attrsStart = p;
    attrs.forEach(([name, value], i) => {
      const a = p;
      this.put(a, Buffer.from([i < attrs.length - 1 ? 0x46 : 0x06]));
      p += 5 + this.nameRef(a + 1, a + 5, name);
      p = this.content(p, value);
    });
    if (attrs.length) this.u32(at + 11, p - attrsStart);
    if (!children.length) {
      p += this.put(p, Buffer.from([0x03]));
    } else {
      p += this.put(p, Buffer.from([0x02]));
      for (const c of children) p = typeof c === 'object' && 'name' in c ? this.element(p, c) : this.content(p, c);
      p += this.put(p, Buffer.from([0x04]));
    }
    this.u32(at + 3, p - (at + 7));
    return p;
  }

  private content(at: number, c: string | Sub): number {
    if (typeof c === 'string') {
      const b = Buffer.alloc(4 + c.length * 2);
      b[0] = 0x05;
      b[1] = T.WSTRING;
      b.writeUInt16LE(c.length, 2);
      b.write(c, 4, 'utf16le');
      return at + this.put(at, b);
    }
    const b = Buffer.from([c.optional ? 0x0e : 0x0d, 0, 0, c.type]);
    b.writeUInt16LE(c.sub, 1);
    return at + this.put(at, b);
  }

  /** Writes bytes that are not a record between records (damage). */
  gap(bytes: Buffer): void {
    this.pos += this.put(this.pos, bytes);
  }

  /** Finishes the chunk header: record numbers, end of data, both checksums. */
  finish(): Buffer {
    const b = this.buf;
    b.write('ElfChnk\0', 0, 'latin1');
    const first = BigInt(Math.max(this.firstRecord, 0));
    const last = BigInt(Math.max(this.lastRecord, 0));
    b.writeBigUInt64LE(first, 8);
    b.writeBigUInt64LE(last, 16);
    b.writeBigUInt64LE(first, 24);
    b.writeBigUInt64LE(last, 32);
    b.writeUInt32LE(0x80, 0x28);
    b.writeUInt32LE(this.pos, 0x30);
    b.writeUInt32LE(crc32(b, 0x200, this.pos), 0x34);
    b.writeUInt32LE(crc32(b, 0x80, 0x200, crc32(b, 0, 0x78)), 0x7c);
    return b;
  }
}

/** One record to write. */
export interface RecordSpec {
  readonly template: Template;
  readonly values: Value[];
}

export interface EvtxSpec {
  /** Records, filled into chunks in order (a new chunk starts when one is full, or per `chunks`). */
  readonly records?: RecordSpec[];
  /** Explicit chunk split (takes precedence over `records`). */
  readonly chunks?: RecordSpec[][];
  readonly firstRecordNumber?: number;
  /** File header dirty flag (log copied while open). */
  readonly dirty?: boolean;
  /** Chunk count written in the file header (default: the real count). */
  readonly headerChunkCount?: number;
  /** All-zero unused chunks appended (pre-allocated space). */
  readonly emptyChunks?: number;
}

/** Builds a whole .evtx file. */
export function buildEvtx(spec: EvtxSpec): Buffer {
  let recNo = spec.firstRecordNumber ?? 1;
  const chunks: Buffer[] = [];
  const groups = spec.chunks ?? [spec.records ?? []];
  for (const group of groups) {
    let w = new ChunkWriter();
    for (const r of group) {
      if (!w.record(recNo, r.template, r.values)) {
        if (spec.chunks) throw new Error('records do not fit in one chunk');
        chunks.push(w.finish());
        w = new ChunkWriter();
        if (!w.record(recNo, r.template, r.values)) throw new Error('record larger than a chunk');
      }
      recNo++;
    }
    chunks.push(w.finish());
  }
  for (let i = 0; i < (spec.emptyChunks ?? 0); i++) chunks.push(Buffer.alloc(0x10000));
  return evtxFile(chunks, { dirty: spec.dirty, headerChunkCount: spec.headerChunkCount, nextRecordNumber: recNo });
}

/** A file header (correct checksum) followed by the given chunks. */
export function evtxFile(chunks: Buffer[], opts: { dirty?: boolean; headerChunkCount?: number; nextRecordNumber?: number } = {}): Buffer {
  const h = Buffer.alloc(0x1000);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(Math.max(chunks.length - 1, 0)), 16);
  h.writeBigUInt64LE(BigInt(opts.nextRecordNumber ?? 1), 24);
  h.writeUInt32LE(0x80, 0x20);
  h.writeUInt16LE(1, 0x24);
  h.writeUInt16LE(3, 0x26);
  h.writeUInt16LE(0x1000, 0x28);
  h.writeUInt16LE(opts.headerChunkCount ?? chunks.length, 0x2a);
  h.writeUInt32LE(opts.dirty ? 1 : 0, 0x78);
  h.writeUInt32LE(crc32(h, 0, 0x78), 0x7c);
  return Buffer.concat([h, ...chunks]);
}

/** Recomputes a chunk's data and header checksums in place (after a test edited it on purpose). */
export function resealChunk(file: Buffer, chunkNo: number): void {
  const c = file.subarray(0x1000 + chunkNo * 0x10000, 0x1000 + (chunkNo + 1) * 0x10000);
  c.writeUInt32LE(crc32(c, 0x200, c.readUInt32LE(0x30)), 0x34);
  c.writeUInt32LE(crc32(c, 0x80, 0x200, crc32(c, 0, 0x78)), 0x7c);
}

/** File offsets of the records of one chunk (walking the size fields). */
export function recordOffsets(file: Buffer, chunkNo: number): number[] {
  const base = 0x1000 + chunkNo * 0x10000;
  const end = base + file.readUInt32LE(base + 0x30);
  const out: number[] = [];
  for (let p = base + 0x200; p < end; p += file.readUInt32LE(p + 4)) out.push(p);
  return out;
}

/**
 * The usual event template: System (Provider, EventID+Qualifiers, Level,
 * TimeCreated, EventRecordID, Execution, Channel, Computer, Security) and
 * EventData with one `<Data Name=...>` per name (or unnamed `<Data>` when the
 * name is null). Substitutions 0..10 are the System fields (see {@link systemValues}),
 * data values start at 11.
 */
export function eventTemplate(dataNames: Array<string | null>, dataTypes: number[] = dataNames.map(() => T.WSTRING)): Template {
  return template(
    systemEvent(
      el(
        'EventData',
        [],
        ...dataNames.map((n, i) =>
          n === null ? el('Data', [], sub(11 + i, dataTypes[i], true)) : el('Data', [['Name', n]], sub(11 + i, dataTypes[i], true)),
        ),
      ),
    ),
  );
}

/** Event with UserData: `<UserData><{wrapper}><name>value</name>...`. */
export function userDataTemplate(wrapper: string, names: string[]): Template {
  return template(
    systemEvent(
      el(
        'UserData',
        [],
        el(
          wrapper,
          [['xmlns', 'http://manifests.microsoft.com/win/2004/08/windows/eventlog']],
          ...names.map((n, i) => el(n, [], sub(11 + i, T.WSTRING, true))),
        ),
      ),
    ),
  );
}

function systemEvent(body: ElementSpec): ElementSpec {
  return el(
    'Event',
    [['xmlns', 'http://schemas.microsoft.com/win/2004/08/events/event']],
    el(
      'System',
      [],
      el('Provider', [['Name', sub(0, T.WSTRING)]]),
      el('EventID', [['Qualifiers', sub(2, T.UINT16, true)]], sub(1, T.UINT16)),
      el('Level', [], sub(3, T.UINT8)),
      el('TimeCreated', [['SystemTime', sub(4, T.FILETIME)]]),
      el('EventRecordID', [], sub(5, T.UINT64)),
      el('Execution', [
        ['ProcessID', sub(9, T.UINT32)],
        ['ThreadID', sub(10, T.UINT32)],
      ]),
      el('Channel', [], sub(6, T.WSTRING)),
      el('Computer', [], sub(7, T.WSTRING)),
      el('Security', [['UserID', sub(8, T.SID, true)]]),
    ),
    body,
  );
}

export interface SystemFields {
  provider: string;
  eventId: number;
  qualifiers?: number;
  level?: number;
  time: Date;
  recordId: number;
  channel: string;
  computer: string;
  userSid?: string;
  pid?: number;
  tid?: number;
}

/** Substitution values 0..10 for {@link eventTemplate} / {@link userDataTemplate}. */
export function systemValues(s: SystemFields): Value[] {
  return [
    v.wstr(s.provider),
    v.u16(s.eventId),
    s.qualifiers === undefined ? v.null() : v.u16(s.qualifiers),
    v.u8(s.level ?? 4),
    v.filetime(s.time),
    v.u64(s.recordId),
    v.wstr(s.channel),
    v.wstr(s.computer),
    s.userSid === undefined ? v.null() : v.sid(s.userSid),
    v.u32(s.pid ?? 4),
    v.u32(s.tid ?? 8),
  ];
}
