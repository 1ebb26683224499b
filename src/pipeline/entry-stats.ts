/**
 * Per-entry accounting for the manifest: lines, rows, rejections (capped
 * samples, counts per reason), hosts and event-time coverage.
 */
import type { DtFallback, ManifestEntry, RejectionSummary, TableName } from '../lake';

const MAX_SAMPLES = 20;
const MAX_REASONS = 50;
const OTHER_REASONS = '(other reasons)';

/** Coverage of one host within one entry. */
export interface HostSpan {
  rows: number;
  first: number | null;
  last: number | null;
}

/** Counters of one entry, filled while it is parsed. */
export class EntryStats {
  linesRead = 0;
  linesWithRows = 0;
  linesRejected = 0;
  linesSkipped = 0;
  rejections = 0;
  rowsWithoutTime = 0;
  bytes = 0;
  encoding: string | null = null;
  status: 'ok' | 'partial' = 'ok';
  error: { code: string; reason: string } | null = null;
  dtFallback: { source: DtFallback; dt: string } | null = null;
  readonly rows = new Map<TableName, number>();
  readonly hosts = new Map<string | null, HostSpan>();
  private readonly reasons = new Map<string, number>();
  private readonly samples: { line: number; reason: string }[] = [];

  /** Records one rejection (line or record number, reason). */
  reject(line: number, reason: string): void {
    this.rejections++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push({ line, reason });
    const key = this.reasons.has(reason) || this.reasons.size < MAX_REASONS ? reason : OTHER_REASONS;
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
  }

  /** Records one row of `table` for `host` at `time` (epoch ms or null). */
  row(table: TableName, host: string | null, time: number | null): void {
    this.rows.set(table, (this.rows.get(table) ?? 0) + 1);
    let span = this.hosts.get(host);
    if (!span) this.hosts.set(host, (span = { rows: 0, first: null, last: null }));
    span.rows++;
    if (time !== null) {
      if (span.first === null || time < span.first) span.first = time;
      if (span.last === null || time > span.last) span.last = time;
    } else {
      this.rowsWithoutTime++;
    }
  }

  /**
   * Records rows 0..n-1 of `table`, as {@link row} would one by one: row r at `times[r]`, for host
   * `hostEntries[hostIds[r]]` (null where the id is negative, or with no ids). Counted per distinct id.
   */
  rowsOf(table: TableName, n: number, times: Float64Array, hostIds: Int32Array | null, hostEntries: readonly (string | null)[]): void {
    if (n <= 0) return;
    this.rows.set(table, (this.rows.get(table) ?? 0) + n);
    // Slot 0: no host; slot e + 1: entry e.
    const slots = hostIds === null ? 1 : hostEntries.length + 1;
    const count = new Int32Array(slots);
    const lo = new Float64Array(slots).fill(Infinity);
    const hi = new Float64Array(slots).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      const id = hostIds === null ? -1 : hostIds[r];
      const k = id < 0 ? 0 : id + 1;
      const t = times[r];
      count[k]++;
      if (t < lo[k]) lo[k] = t;
      if (t > hi[k]) hi[k] = t;
    }
    for (let k = 0; k < slots; k++) {
      if (count[k] === 0) continue;
      const host = k === 0 ? null : hostEntries[k - 1];
      let span = this.hosts.get(host);
      if (!span) this.hosts.set(host, (span = { rows: 0, first: null, last: null }));
      span.rows += count[k];
      if (span.first === null || lo[k] < span.first) span.first = lo[k];
      if (span.last === null || hi[k] > span.last) span.last = hi[k];
    }
  }

  get totalRows(): number {
    let n = 0;
    for (const v of this.rows.values()) n += v;
    return n;
  }

  rejectionSummary(): RejectionSummary {
    const byReason = [...this.reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { total: this.rejections, by_reason: Object.fromEntries(byReason), samples: [...this.samples] };
  }

  /** The manifest entry. */
  toEntry(base: {
    path: string;
    declaredSize: number | null;
    mtime: Date | null;
    family: string;
    detection: string;
    hostHint: string | null;
    /** Why rows of this family may lack a time (the family's words). */
    untimedReason: string;
  }): ManifestEntry {
    const rows: Partial<Record<TableName, number>> = {};
    for (const [t, n] of [...this.rows].sort(([a], [b]) => (a < b ? -1 : 1))) rows[t] = n;
    return {
      path: base.path,
      declared_size: base.declaredSize,
      bytes: this.bytes,
      mtime: base.mtime ? base.mtime.toISOString() : null,
      family: base.family,
      detection: base.detection,
      host_hint: base.hostHint,
      hosts: [...this.hosts.keys()].filter((h): h is string => h !== null).sort(),
      status: this.status,
      error: this.error,
      encoding: this.encoding,
      rows,
      lines: { read: this.linesRead, with_rows: this.linesWithRows, rejected: this.linesRejected, skipped: this.linesSkipped },
      rejections: this.rejectionSummary(),
      rows_without_time: this.rowsWithoutTime,
      rows_without_time_reason: this.rowsWithoutTime > 0 ? base.untimedReason : null,
      dt_fallback: this.rowsWithoutTime > 0 ? this.dtFallback : null,
      rows_without_host: this.hosts.get(null)?.rows ?? 0,
    };
  }
}
