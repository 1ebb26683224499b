/**
 * Coverage per host and log family across an upload: first and last event
 * time, files and rows ("HttpProxy logs on EXCH01 cover 2021-01-03 .. 2021-03-09").
 */
import type { CoverageLine } from '../lake';
import type { HostSpan } from './entry-stats';

interface Acc {
  host: string | null;
  family: string;
  first: number | null;
  last: number | null;
  files: number;
  rows: number;
}

/** Accumulates coverage from each entry's host spans. */
export class CoverageAccumulator {
  private readonly acc = new Map<string, Acc>();

  add(family: string, hosts: ReadonlyMap<string | null, HostSpan>): void {
    for (const [host, span] of hosts) {
      const key = `${host ?? ''}\u0000${family}`;
      let a = this.acc.get(key);
      if (!a) this.acc.set(key, (a = { host, family, first: null, last: null, files: 0, rows: 0 }));
      a.files++;
      a.rows += span.rows;
      if (span.first !== null && (a.first === null || span.first < a.first)) a.first = span.first;
      if (span.last !== null && (a.last === null || span.last > a.last)) a.last = span.last;
    }
  }

  /** Lines sorted by host (unknown host last), then family. */
  lines(): CoverageLine[] {
    return [...this.acc.values()]
      .sort((x, y) => {
        if (x.host !== y.host) {
          if (x.host === null) return 1;
          if (y.host === null) return -1;
          return x.host < y.host ? -1 : 1;
        }
        return x.family < y.family ? -1 : x.family > y.family ? 1 : 0;
      })
      .map((a) => ({
        host: a.host,
        family: a.family,
        first_event: a.first === null ? null : new Date(a.first).toISOString(),
        last_event: a.last === null ? null : new Date(a.last).toISOString(),
        files: a.files,
        rows: a.rows,
      }));
  }
}
