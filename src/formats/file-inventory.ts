/**
 * File hash inventories: `Get-FileHash | Export-Csv` (`"Algorithm","Hash","Path"`,
 * an optional `#TYPE Microsoft.PowerShell.Commands.FileHashInfo` line, and extra
 * columns such as Length and LastWriteTime(Utc) when the admin added them).
 */
import type { ParseContext, TextFamilyParser, TextParser } from './types';
import { CsvRecordJoiner, cleanLine } from './text/csv-line';
import { parseLocalDateTime } from './text/time';
import { col, headerIndex, nullIfEmpty, toInt } from './text/values';

interface Layout {
  readonly width: number;
  readonly algorithm: number;
  readonly hash: number;
  readonly path: number;
  readonly length: number;
  readonly lastWriteUtc: number;
  readonly lastWrite: number;
  readonly computer: number;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return s.length > 0;
}

/** Hex length per algorithm, to catch truncated values. */
const HASH_LENGTHS: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha384: 96, sha512: 128, mactripledes: 16, ripemd160: 40 };

/** Splits a Windows or POSIX path into directory (no trailing separator) and base name. */
export function splitPath(p: string): { directory: string | null; fileName: string } {
  const cut = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  if (cut < 0) return { directory: null, fileName: p };
  return { directory: cut === 0 ? p.slice(0, 1) : p.slice(0, cut), fileName: p.slice(cut + 1) };
}

class FileInventoryParser implements TextParser {
  private layout: Layout | null = null;
  /** Line of a header row without Hash and Path: every later record is rejected with that reason. */
  private badHeaderLine = 0;
  private readonly joiner: CsvRecordJoiner;

  constructor(private readonly ctx: ParseContext) {
    this.joiner = new CsvRecordJoiner((n, r) => ctx.reject(n, r));
  }

  line(raw: string, lineNo: number): void {
    const text = cleanLine(raw, lineNo);
    if (!this.joiner.isPending) {
      if (text.length === 0) return;
      if (text.startsWith('#TYPE ') || text.startsWith('#')) return;
    }
    if (!this.joiner.push(text, lineNo)) return;
    const csv = this.joiner.csv;
    const at = this.joiner.startLine;
    if (this.badHeaderLine) {
      this.ctx.reject(at, `no usable header: the header on line ${this.badHeaderLine} has no Hash and Path columns`);
      return;
    }
    if (this.layout === null) {
      const names = csv.all();
      const h = headerIndex(names);
      const layout: Layout = {
        width: names.length,
        algorithm: col(h, 'algorithm'),
        hash: col(h, 'hash'),
        path: col(h, 'path', 'fullname'),
        length: col(h, 'length', 'size'),
        lastWriteUtc: col(h, 'lastwritetimeutc'),
        lastWrite: col(h, 'lastwritetime'),
        computer: col(h, 'pscomputername', 'computername'),
      };
      if (layout.hash < 0 || layout.path < 0) {
        this.ctx.reject(at, `header has no Hash and Path columns: ${names.slice(0, 8).join(',')}`);
        this.badHeaderLine = at;
        return;
      }
      this.layout = layout;
      return;
    }
    const L = this.layout;
    if (csv.count !== L.width) {
      this.ctx.reject(at, `wrong column count: ${csv.count} fields, header has ${L.width}`);
      return;
    }
    const hash = csv.field(L.hash).trim();
    if (!isHex(hash)) {
      this.ctx.reject(at, `bad hash "${hash.slice(0, 80)}" (not hexadecimal)`);
      return;
    }
    const algorithm = L.algorithm >= 0 ? nullIfEmpty(csv.field(L.algorithm).trim()) : null;
    const expected = algorithm ? HASH_LENGTHS[algorithm.toLowerCase()] : undefined;
    if (expected !== undefined && hash.length !== expected) {
      this.ctx.reject(at, `bad hash: ${hash.length} hex digits for ${algorithm} (expected ${expected})`);
      return;
    }
    const path = csv.field(L.path);
    if (path.length === 0) {
      this.ctx.reject(at, 'empty Path');
      return;
    }
    let lastWrite: number | null = null;
    let eventTime: number | null = null;
    if (L.lastWriteUtc >= 0 && csv.fieldLength(L.lastWriteUtc) > 0) {
      const v = csv.field(L.lastWriteUtc);
      const t = parseLocalDateTime(v);
      if (Number.isNaN(t)) {
        this.ctx.reject(at, `bad LastWriteTimeUtc "${v.slice(0, 40)}"`);
        return;
      }
      lastWrite = eventTime = t;
    } else if (L.lastWrite >= 0 && csv.fieldLength(L.lastWrite) > 0) {
      // Local time of the server: read in the upload's zone (UTC when none is given); not used as event_time.
      const t = parseLocalDateTime(csv.field(L.lastWrite), this.ctx.localZone);
      lastWrite = Number.isNaN(t) ? null : t;
    }
    const { directory, fileName } = splitPath(path);
    const computer = L.computer >= 0 ? nullIfEmpty(csv.field(L.computer)) : null;
    this.ctx.emit('file_inventory', {
      event_time: eventTime,
      host: computer ? computer.split('.')[0].toUpperCase() : this.ctx.hostHint,
      source_line: at,
      algorithm,
      hash: hash.toLowerCase(),
      path,
      file_name: fileName,
      directory,
      size_bytes: L.length >= 0 ? toInt(csv.field(L.length).trim()) : null,
      last_write_time: lastWrite,
    });
  }

  end(): void {
    this.joiner.end();
  }
}

/** Get-FileHash inventory parser (`file_inventory`). */
export const fileInventoryParser: TextFamilyParser<'file_inventory'> = {
  family: 'file_inventory',
  kind: 'text',
  facts: {
    label: 'File hash inventory',
    tables: ['file_inventory'],
    whereOnServer: 'a hash list of the web folders: Get-ChildItem -Recurse <folders> | Get-FileHash | Export-Csv inventory.csv',
    localTime: true,
    untimed: 'a file listing without LastWriteTimeUtc shows which file was on disk, not when it was written',
  },
  create: (ctx) => new FileInventoryParser(ctx),
};
