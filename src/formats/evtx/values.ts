/**
 * Binary XML substitution values (the EVTX "variant" types) rendered as text,
 * the way the reference parser (python-evtx) renders them, so that a record
 * reads the same here as in `evtx_dump.py`:
 * integers in decimal, hex32/hex64 as zero-padded `0x...`, GUIDs in braces,
 * binary as base64, FILETIME as `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC), SIDs as
 * `S-1-5-...`, booleans as True/False, floats as Python's `repr`.
 */
import { EvtxFormatError } from './errors';

/** Variant type codes (libevtx / MS-EVEN6). Arrays are `type | 0x80`. */
export const VT = {
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

/** Fixed element sizes of the array types (0 = variable). */
const FIXED_SIZE: Record<number, number> = {
  [VT.INT8]: 1,
  [VT.UINT8]: 1,
  [VT.INT16]: 2,
  [VT.UINT16]: 2,
  [VT.INT32]: 4,
  [VT.UINT32]: 4,
  [VT.INT64]: 8,
  [VT.UINT64]: 8,
  [VT.REAL32]: 4,
  [VT.REAL64]: 8,
  [VT.BOOL]: 4,
  [VT.GUID]: 16,
  [VT.SIZE_T]: 8,
  [VT.FILETIME]: 8,
  [VT.SYSTEMTIME]: 16,
  [VT.HEX32]: 4,
  [VT.HEX64]: 8,
};

function need(buf: Buffer, off: number, len: number, what: string): void {
  if (off < 0 || off + len > buf.length)
    throw new EvtxFormatError(`${what} value runs past the end of the data (offset ${off}, ${len} bytes)`);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * UTF-16LE text as Python's `bytes.decode("utf16")` gives it for little-endian
 * data: a leading FF FE byte-order mark is dropped. An odd trailing byte is ignored.
 */
export function utf16(buf: Buffer, start: number, end: number): string {
  if (end - start >= 2 && buf[start] === 0xff && buf[start + 1] === 0xfe) start += 2;
  if ((end - start) & 1) end--;
  return end > start ? buf.toString('utf16le', start, end) : '';
}

function rstripNul(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Python's `repr(float)`: shortest round-trip digits, `1.0`, `1e-05`, `1e+16`, `inf`, `nan`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, like repr.
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${pad2(Math.abs(exp))}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length > exp + 1) {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  }
  return neg ? `-${out}` : out;
}

/** Round half to even, as CPython's _PyTime_ROUND_HALF_EVEN. */
function roundHalfEven(x: number): number {
  const r = Math.sign(x) * Math.round(Math.abs(x)); // C round(): half away from zero
  if (Math.abs(x - r) === 0.5) return 2 * (Math.sign(x / 2) * Math.round(Math.abs(x / 2)));
  return r;
}

function isoFromSeconds(secs: number, micros: number): string {
  const d = new Date(secs * 1000);
  const y = d.getUTCFullYear();
  if (!(y >= 1 && y <= 9999)) return '0001-01-01 00:00:00'; // python-evtx: datetime.min when out of range
  const base = `${pad(y, 4)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return micros ? `${base}.${pad(micros, 6)}` : base;
}

/**
 * A FILETIME (100 ns ticks since 1601-01-01 UTC) as python-evtx renders it:
 * `datetime.utcfromtimestamp(float(ticks) * 1e-7 - 11644473600).isoformat(' ')`,
 * reproduced step by step (same double arithmetic, same half-even rounding to
 * microseconds) so the last digit agrees.
 */
export function filetimeText(lo: number, hi: number): string {
  const t = (hi * 4294967296 + lo) * 1e-7 - 11644473600;
  let intpart = Math.trunc(t);
  let us = roundHalfEven((t - intpart) * 1e6);
  if (us >= 1e6) {
    us -= 1e6;
    intpart += 1;
  } else if (us < 0) {
    us += 1e6;
    intpart -= 1;
  }
  return isoFromSeconds(intpart, us);
}

/** A FILETIME as epoch milliseconds (exact integer arithmetic, floor to the millisecond). */
export function filetimeMs(lo: number, hi: number): number {
  return Number(((BigInt(hi) << 32n) | BigInt(lo)) / 10000n) - 11644473600000;
}

function systemtimeText(buf: Buffer, off: number): string {
  const y = buf.readUInt16LE(off);
  const mo = buf.readUInt16LE(off + 2);
  const d = buf.readUInt16LE(off + 6);
  const h = buf.readUInt16LE(off + 8);
  const mi = buf.readUInt16LE(off + 10);
  const s = buf.readUInt16LE(off + 12);
  const ms = buf.readUInt16LE(off + 14);
  // python-evtx passes the milliseconds as microseconds (.000123 for 123 ms); we render them correctly.
  const base = `${pad(y, 4)}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
  return ms ? `${base}.${pad(ms * 1000, 6)}` : base;
}

function hexBytesReversed(buf: Buffer, off: number, len: number): string {
  let s = '0x';
  for (let i = off + len - 1; i >= off; i--) s += (buf[i] < 16 ? '0' : '') + buf[i].toString(16);
  return s;
}

function guidText(buf: Buffer, off: number): string {
  const h = (i: number) => (buf[off + i] < 16 ? '0' : '') + buf[off + i].toString(16);
  return `{${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}}`;
}

/** Reads a SID at `off`; returns its text and byte length. */
function sidAt(buf: Buffer, off: number, limit: number): { text: string; length: number } {
  if (off + 8 > limit) throw new EvtxFormatError(`SID value runs past the end of the data (offset ${off})`);
  const rev = buf[off];
  const count = buf[off + 1];
  const authority = buf.readUInt32BE(off + 2) * 65536 + buf.readUInt16BE(off + 6);
  const length = 8 + 4 * count;
  if (off + length > limit) throw new EvtxFormatError(`SID with ${count} sub-authorities runs past the end of the data (offset ${off})`);
  let text = `S-${rev}-${authority}`;
  for (let i = 0; i < count; i++) text += `-${buf.readUInt32LE(off + 8 + 4 * i)}`;
  return { text, length };
}

/**
 * Renders one scalar value of type `type` stored in `buf[off, off+size)`.
 * `size` is the substitution's declared size (template values pass their own).
 */
export function scalarText(buf: Buffer, off: number, size: number, type: number): string {
  switch (type) {
    case VT.NULL:
      return '';
    case VT.WSTRING:
      need(buf, off, size, 'string');
      return rstripNul(utf16(buf, off, off + size));
    case VT.STRING:
      need(buf, off, size, 'ansi string');
      return rstripNul(buf.toString('latin1', off, off + size));
    case VT.INT8:
      need(buf, off, 1, 'int8');
      return String(buf.readInt8(off));
    case VT.UINT8:
      need(buf, off, 1, 'uint8');
      return String(buf[off]);
    case VT.INT16:
      need(buf, off, 2, 'int16');
      return String(buf.readInt16LE(off));
    case VT.UINT16:
      need(buf, off, 2, 'uint16');
      return String(buf.readUInt16LE(off));
    case VT.INT32:
      need(buf, off, 4, 'int32');
      return String(buf.readInt32LE(off));
    case VT.UINT32:
      need(buf, off, 4, 'uint32');
      return String(buf.readUInt32LE(off));
    case VT.INT64:
      need(buf, off, 8, 'int64');
      return buf.readBigInt64LE(off).toString();
    case VT.UINT64:
      need(buf, off, 8, 'uint64');
      return buf.readBigUInt64LE(off).toString();
    case VT.REAL32:
      need(buf, off, 4, 'real32');
      return pyFloat(buf.readFloatLE(off));
    case VT.REAL64:
      need(buf, off, 8, 'real64');
      return pyFloat(buf.readDoubleLE(off));
    case VT.BOOL:
      need(buf, off, 4, 'bool');
      return buf.readInt32LE(off) > 0 ? 'True' : 'False';
    case VT.BINARY:
      need(buf, off, size, 'binary');
      return buf.toString('base64', off, off + size);
    case VT.GUID:
      need(buf, off, 16, 'GUID');
      return guidText(buf, off);
    case VT.SIZE_T:
      if (size === 4) {
        need(buf, off, 4, 'size_t');
        return String(buf.readUInt32LE(off));
      }
      need(buf, off, 8, 'size_t');
      return buf.readBigUInt64LE(off).toString();
    case VT.FILETIME:
      need(buf, off, 8, 'FILETIME');
      return filetimeText(buf.readUInt32LE(off), buf.readUInt32LE(off + 4));
    case VT.SYSTEMTIME:
      need(buf, off, 16, 'SYSTEMTIME');
      return systemtimeText(buf, off);
    case VT.SID:
      return sidAt(buf, off, buf.length).text;
    case VT.HEX32:
      need(buf, off, 4, 'hex32');
      return hexBytesReversed(buf, off, 4);
    case VT.HEX64:
      need(buf, off, 8, 'hex64');
      return hexBytesReversed(buf, off, 8);
    default:
      throw new EvtxFormatError(`unknown value type 0x${type.toString(16)}`);
  }
}

/** Splits an array value (type | 0x80) into its rendered items. */
export function arrayItems(buf: Buffer, off: number, size: number, type: number): string[] {
  const el = type & 0x7f;
  need(buf, off, size, 'array');
  const end = off + size;
  const items: string[] = [];
  if (el === VT.WSTRING) {
    // NUL-terminated UTF-16 strings, one after the other.
    let s = off;
    for (let i = off; i + 1 < end; i += 2) {
      if (buf[i] === 0 && buf[i + 1] === 0) {
        items.push(utf16(buf, s, i));
        s = i + 2;
      }
    }
    if (s + 1 < end) items.push(rstripNul(utf16(buf, s, end)));
    return items;
  }
  if (el === VT.STRING) {
    let s = off;
    for (let i = off; i < end; i++) {
      if (buf[i] === 0) {
        items.push(buf.toString('latin1', s, i));
        s = i + 1;
      }
    }
    if (s < end) items.push(buf.toString('latin1', s, end));
    return items;
  }
  if (el === VT.SID) {
    for (let p = off; p < end;) {
      const sid = sidAt(buf, p, end);
      items.push(sid.text);
      p += sid.length;
    }
    return items;
  }
  const w = FIXED_SIZE[el];
  if (!w) return [scalarText(buf, off, size, el === VT.BINARY ? VT.BINARY : el)];
  for (let p = off; p + w <= end; p += w) items.push(scalarText(buf, p, w, el));
  return items;
}

/**
 * A UTF-16 string array exactly as python-evtx renders it (one text,
 * `<string>a</string>\n<string>b</string>\n`), ported byte for byte from
 * `WstringArrayTypeNode.string()` including its slicing quirks. Used only in
 * reference-compatible mode, for the record-for-record comparison.
 */
export function pythonWstringArray(buf: Buffer, off: number, size: number): string {
  need(buf, off, size, 'string array');
  const end = off + size;
  let pos = off;
  let acc = '';
  while (pos < end) {
    // re.search(b"((?:[^\x00].)+)"): first byte offset i with b[i] != 0 and b[i+1] != '\n', extended by pairs.
    let i = pos;
    while (i + 1 < end && !(buf[i] !== 0 && buf[i + 1] !== 0x0a)) i++;
    const before = pos;
    if (i + 1 < end) {
      let j = i;
      while (j + 1 < end && buf[j] !== 0 && buf[j + 1] !== 0x0a) j += 2;
      acc += `<string>${utf16(buf, i, j)}</string>\n`;
      pos += j - i + 2; // python slices from the start of what is left, not from the match
      if (pos >= end) break;
    }
    let k = pos;
    while (k < end && buf[k] === 0) k++;
    if ((k - pos) & 1) throw new EvtxFormatError('uneven run of NULs in a string array');
    acc += '<string></string>\n'.repeat((k - pos) / 2);
    pos = k;
    if (pos === before) break; // python would loop forever here
  }
  return acc;
}
