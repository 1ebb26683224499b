/**
 * The hunt window: every `?` pair in a hunt is (since, until) as `YYYY-MM-DD` strings, bound by the runner.
 */
import { skipQuoted } from './query-file';

/** A window of UTC days, both ends included, as `YYYY-MM-DD`. */
export interface HuntWindow {
  readonly since: string;
  readonly until: string;
}

/** Earliest day the default window starts at: the campaign traces back to spring 2019. */
export const DEFAULT_SINCE = '2019-01-01';

/** The whole of time, for fixtures. */
export const ALL_TIME: HuntWindow = { since: '0001-01-01', until: '9999-12-31' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Validates a `YYYY-MM-DD` day (a real calendar day); returns it or throws with the bad value. */
export function parseDay(value: string, what: string): string {
  const ok = DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!ok) throw new RangeError(`${what} must be a day as YYYY-MM-DD, got "${value}"`);
  return value;
}

/** Offsets of the `?` placeholders outside string literals, quoted identifiers and comments. */
export function placeholderOffsets(sql: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < sql.length;) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') i = skipQuoted(sql, i, ch);
    else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      if (ch === '?') out.push(i);
      i++;
    }
  }
  return out;
}

/** The parameters for a hunt: (since, until) repeated once per `?` pair. Throws on an odd count. */
export function windowParams(sql: string, window: HuntWindow): string[] {
  const n = placeholderOffsets(sql).length;
  if (n % 2 !== 0) throw new RangeError(`the query has ${n} "?" placeholders; they must come in (since, until) pairs`);
  const params: string[] = [];
  for (let i = 0; i < n; i += 2) params.push(window.since, window.until);
  return params;
}
