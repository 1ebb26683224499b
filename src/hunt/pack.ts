/**
 * A hunt pack as the CLI runs it: the query files of a folder and the indicators of another.
 */
import { loadQueries, type BrokenQuery, type Hunt } from './query-file';
import type { IndicatorRow } from './engines/duckdb';
import { loadIndicators } from './indicators';

export interface HuntPack {
  readonly hunts: readonly Hunt[];
  readonly broken: readonly BrokenQuery[];
  readonly indicators: readonly IndicatorRow[];
}

/**
 * Loads the queries under `queriesDir` (broken files are reported, not thrown) and the indicator feeds of
 * `indicatorsDir` (null: an empty indicators table).
 */
export async function loadPack(queriesDir: string, indicatorsDir: string | null): Promise<HuntPack> {
  const { hunts, broken } = loadQueries(queriesDir);
  const indicators = indicatorsDir ? await loadIndicatorRows(indicatorsDir) : [];
  return { hunts, broken, indicators };
}

/** The indicator loader (src/hunt/indicators.ts, written by the pack author) when present; else an empty table. */
async function loadIndicatorRows(dir: string): Promise<IndicatorRow[]> {
  // Rejected feed entries are returned by loadIndicators(dir).rejects; surfacing them is the CLI's job.
  return (await loadIndicators(dir)).rows;
}
