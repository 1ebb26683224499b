/**
 * A hunt pack as the CLI runs it: the query files of a folder and the indicators of another.
 */
import { loadQueries, type BrokenQuery, type Hunt } from './query-file';
import type { IndicatorRow } from './types';
import { loadIndicators, type IndicatorReject } from './indicators';

export interface HuntPack {
  readonly hunts: readonly Hunt[];
  readonly broken: readonly BrokenQuery[];
  readonly indicators: readonly IndicatorRow[];
  /** Feed entries the indicator loader could not use (file, place, reason): to be shown, never dropped silently. */
  readonly indicatorRejects: readonly IndicatorReject[];
}

/**
 * Loads the queries under `queriesDir` (broken files are reported, not thrown) and the indicator feeds of
 * `indicatorsDir` (null: an empty indicators table).
 */
export async function loadPack(queriesDir: string, indicatorsDir: string | null): Promise<HuntPack> {
  const { hunts, broken } = loadQueries(queriesDir);
  const loaded = indicatorsDir ? await loadIndicators(indicatorsDir) : { rows: [], rejects: [] };
  return { hunts, broken, indicators: loaded.rows, indicatorRejects: loaded.rejects };
}
