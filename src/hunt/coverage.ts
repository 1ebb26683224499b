/**
 * Log coverage per agency, host and log family, read from the lake with SQL: which periods each host's logs cover,
 * so the verdict can say what could not be judged instead of calling it clean.
 */
import { TABLE_NAMES } from '../lake';
import type { QueryEngine } from './types';
import type { HuntWindow } from './window';

/** A run of days with logs (both ends included, `YYYY-MM-DD`). */
export interface DayRange {
  readonly from: string;
  readonly to: string;
  /** Days in the range that have logs (the others are short gaps, at most the gap threshold each). */
  readonly days: number;
}

/** Coverage of one log family on one host. */
export interface FamilyCoverage {
  readonly agency: string;
  /** null when the rows name no host. */
  readonly host: string | null;
  readonly family: string;
  readonly rows: number;
  readonly files: number;
  /** ISO-8601 UTC of the first and last event. */
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  /** Periods with logs; a gap longer than the gap threshold splits them. */
  readonly ranges: readonly DayRange[];
  /** Windows event channels and their row counts (windows_events only, else empty). */
  readonly channels: Readonly<Record<string, number>>;
}

/**
 * Days without logs that still count as one period: a server's logs have quiet days, and a list of every day is
 * unreadable. Each range says how many of its days have logs, so short gaps are not hidden.
 */
export const DEFAULT_GAP_DAYS = 10;

const DAY_MS = 86_400_000;

/** Merges sorted days into ranges, splitting where more than `gapDays` days in a row have no logs. */
export function dayRanges(days: readonly string[], gapDays = DEFAULT_GAP_DAYS): DayRange[] {
  const sorted = [...new Set(days)].sort();
  const out: { from: string; to: string; days: number }[] = [];
  for (const d of sorted) {
    const last = out[out.length - 1];
    if (last && (Date.parse(d) - Date.parse(last.to)) / DAY_MS - 1 <= gapDays) {
      last.to = d;
      last.days++;
    } else out.push({ from: d, to: d, days: 1 });
  }
  return out;
}

/** Reads the coverage of every table in the window: one SQL query per table, grouped by host, family and day. */
export async function readCoverage(engine: QueryEngine, window: HuntWindow, gapDays = DEFAULT_GAP_DAYS): Promise<FamilyCoverage[]> {
  const acc = new Map<
    string,
    {
      agency: string;
      host: string | null;
      family: string;
      rows: number;
      files: number;
      first: string | null;
      last: string | null;
      days: string[];
      channels: Record<string, number>;
    }
  >();
  for (const t of TABLE_NAMES) {
    const perDay = await engine.run(
      `SELECT agency, host, source_family AS family, dt, count(*) AS n, min(event_time) AS first_event, max(event_time) AS last_event
       FROM ${t} WHERE dt BETWEEN ? AND ? GROUP BY agency, host, source_family, dt`,
      [window.since, window.until],
    );
    const files = await engine.run(
      `SELECT agency, host, source_family AS family, count(DISTINCT source_file) AS files
       FROM ${t} WHERE dt BETWEEN ? AND ? GROUP BY agency, host, source_family`,
      [window.since, window.until],
    );
    for (const r of perDay) {
      const key = JSON.stringify([r.agency, r.host, r.family]);
      const a = acc.get(key) ?? {
        agency: String(r.agency ?? ''),
        host: (r.host as string | null) ?? null,
        family: String(r.family ?? 'unknown'),
        rows: 0,
        files: 0,
        first: null,
        last: null,
        days: [],
        channels: {},
      };
      a.rows += Number(r.n);
      const f = r.first_event as string | null;
      const l = r.last_event as string | null;
      if (f && (!a.first || f < a.first)) a.first = f;
      if (l && (!a.last || l > a.last)) a.last = l;
      a.days.push(String(r.dt));
      acc.set(key, a);
    }
    for (const r of files) {
      const a = acc.get(JSON.stringify([r.agency, r.host, r.family]));
      if (a) a.files += Number(r.files);
    }
    if (t === 'windows_events') {
      // Which channels: Application-only exports cannot show process creation (Sysmon 1, Security 4688).
      const channels = await engine.run(
        `SELECT agency, host, source_family AS family, coalesce(channel, '(no channel)') AS channel, count(*) AS n
         FROM windows_events WHERE dt BETWEEN ? AND ? GROUP BY agency, host, source_family, channel`,
        [window.since, window.until],
      );
      for (const r of channels) {
        const a = acc.get(JSON.stringify([r.agency, r.host, r.family]));
        if (a) a.channels[String(r.channel)] = Number(r.n);
      }
    }
  }
  return [...acc.values()]
    .map((a) => ({
      agency: a.agency,
      host: a.host,
      family: a.family,
      rows: a.rows,
      files: a.files,
      firstEvent: a.first,
      lastEvent: a.last,
      ranges: dayRanges(a.days, gapDays),
      channels: a.channels,
    }))
    .sort((x, y) => x.agency.localeCompare(y.agency) || (x.host ?? '').localeCompare(y.host ?? '') || x.family.localeCompare(y.family));
}

/** The days with data in the lake (min and max `dt` over all tables), or null for an empty lake. */
export async function lakeDayBounds(engine: QueryEngine): Promise<{ first: string; last: string } | null> {
  const parts = TABLE_NAMES.map((t) => `SELECT min(dt) AS lo, max(dt) AS hi FROM ${t}`).join(' UNION ALL ');
  const rows = await engine.run(`SELECT min(lo) AS lo, max(hi) AS hi FROM (${parts}) b`, []);
  const lo = rows[0]?.lo as string | null;
  const hi = rows[0]?.hi as string | null;
  return lo && hi ? { first: lo, last: hi } : null;
}
