/** Event times and partition days of lake rows. */
import { TIME_MAX, TIME_MIN } from './column-buffer';

/** Valid epoch-ms event time for partitioning (years 0001..9999, what DuckDB and Athena both accept), else null. */
export function validTime(v: unknown): number | null {
  return typeof v === 'number' && v >= TIME_MIN && v <= TIME_MAX ? v : null;
}

const DAY_MS = 86_400_000;

/** UTC day `YYYY-MM-DD` of an epoch-ms time, with a one-entry cache (rows come in time order). */
export class DayFormatter {
  private lastDay = NaN;
  private lastText = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.lastDay) {
      this.lastDay = day;
      this.lastText = new Date(day * DAY_MS).toISOString().slice(0, 10);
    }
    return this.lastText;
  }
}
