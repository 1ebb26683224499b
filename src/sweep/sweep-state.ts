/**
 * Incremental retro-hunts: what the last completed scheduled sweep covered, and what the next one must read.
 *
 * The sweep state records, after a scheduled sweep, the digest of every hunt that completed, the digest of the
 * indicator feeds, and one digest per lake partition (table, agency, day) of the files it held. The next scheduled
 * sweep compares and decides per hunt:
 *
 * - full history, all agencies: no state yet, a new hunt, a hunt whose file changed (SQL or header: key fields and
 *   severity shape its findings), a hunt that failed last time, indicator feeds changed for a hunt that reads the
 *   `indicators` table, or a window that now starts earlier than the recorded one;
 * - only the changed partitions: a hunt with one (since, until) pair that bounds `dt` (`dt BETWEEN ? AND ?`) sees
 *   each row on its own, so the days with new or changed files (of the tables it reads) are all it needs;
 * - the changed days widened by the hunt's declared `correlation_days` on both sides, for the agencies with changes:
 *   a hunt that correlates rows at most that many days apart (a late upload of old days can complete a correlation
 *   with later days, and the reverse);
 * - the whole window for the agencies with changes: any other hunt (it correlates several reads, maybe across days);
 * - nothing: no new or changed file in the tables it reads.
 *
 * Findings are keyed by fingerprints that leave out times and counts, so the fingerprints found by a sequence of
 * incremental sweeps are those one full sweep would find. Partitions that disappeared are not swept again.
 * The state is a JSON object in the lake's store (`sweep-state/state.json`): the plan step writes the candidate
 * state beside it (`sweep-state/pending/<run>.json`) and the commit step, after the hunts ran, promotes it without
 * the hunts that failed.
 */
import { createHash } from 'node:crypto';
import { INDICATORS_PREFIX, pendingSweepStateKey, SWEEP_STATE_KEY, ObjectNotFoundError, readText, type ObjectStore } from '../core';
import { TABLE_NAMES, type TableName } from '../lake';
import { stripSqlComments, type Hunt, type HuntWindow, partitionLocalBody, bodyForRanges } from '../hunt';

export { partitionLocalBody, bodyForRanges };

/** Most day ranges one incremental query lists (beyond, the closest ranges merge: fewer, wider reads). */
export const MAX_RANGES = 8;

export { SWEEP_STATE_KEY };

/** Where the plan step puts the candidate state of a run (a run id outside the layout is a {@link SweepStateError}). */
export function pendingStateKey(runId: string): string {
  try {
    return pendingSweepStateKey(runId);
  } catch (err) {
    throw new SweepStateError((err as Error).message, { cause: err });
  }
}

/** What a completed scheduled sweep covered. */
export interface SweepState {
  readonly version: 1;
  readonly run_id: string;
  readonly planned_at: string;
  /** The window the partitions were listed for. */
  readonly window: HuntWindow;
  readonly indicators_digest: string;
  /** Hunts that swept every partition below (hunt id -> digest of its file). */
  readonly hunts: Readonly<Record<string, string>>;
  /** `table/agency/day` -> digest of the partition's file keys and sizes. */
  readonly partitions: Readonly<Record<string, string>>;
}

export type HuntMode = 'full' | 'partitions' | 'bounded' | 'agencies' | 'skip';

/** What one hunt reads in the next sweep, and why. */
export interface HuntDecision {
  readonly hunt_id: string;
  readonly mode: HuntMode;
  readonly reason: string;
  readonly agencies: string[];
  /** Day ranges (both ends included) the query reads: one range for the whole window, several for partitions. */
  readonly ranges: HuntWindow[];
  /** `group_days` hunts: the new or changed days; only the findings whose first_seen..last_seen touches them count. */
  readonly touch?: HuntWindow[];
}

export class SweepStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SweepStateError';
  }
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 20);

/** Digest of a hunt file: any change to its SQL or header re-runs it over all history. */
export function huntDigest(hunt: Hunt): string {
  return digest(hunt.sql);
}

/** Lower-case identifiers of the SQL outside comments and string literals. */
function identifiers(sql: string): Set<string> {
  const noStrings = stripSqlComments(sql).replace(/'(?:[^']|'')*'/g, "''");
  return new Set((noStrings.match(/"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((t) => t.replace(/^"|"$/g, '').toLowerCase()));
}

/** Lake tables the hunt reads. */
export function huntTables(hunt: Hunt): TableName[] {
  const ids = identifiers(hunt.sql);
  return TABLE_NAMES.filter((t) => ids.has(t));
}

/** Does the hunt read the indicators table? */
export function readsIndicators(hunt: Hunt): boolean {
  return identifiers(hunt.sql).has('indicators');
}

const PARTITION_KEY = /^lake\/([^/]+)\/agency=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+\.parquet$/;

/** The lake's partitions in the window, for the agencies, each with the digest of its files (keys and sizes). */
export async function lakeSnapshot(lake: ObjectStore, window: HuntWindow, agencies: readonly string[]): Promise<Record<string, string>> {
  const files = new Map<string, string[]>();
  const wanted = new Set(agencies);
  for (const table of TABLE_NAMES) {
    for (const o of await lake.list(`lake/${table}/`)) {
      const m = PARTITION_KEY.exec(o.key);
      if (!m || !wanted.has(m[2]) || m[3] < window.since || m[3] > window.until) continue;
      const k = `${m[1]}/${m[2]}/${m[3]}`;
      const list = files.get(k) ?? [];
      list.push(`${o.key}\t${o.size}`);
      files.set(k, list);
    }
  }
  const out: Record<string, string> = {};
  for (const k of [...files.keys()].sort()) out[k] = digest(files.get(k)!.sort().join('\n'));
  return out;
}

/** Digest of the indicator feeds as deployed: every object under `indicators/` (key and content). */
export async function storedIndicatorsDigest(store: ObjectStore): Promise<string> {
  const h = createHash('sha256');
  for (const o of await store.list(INDICATORS_PREFIX)) {
    if (o.key.endsWith('/')) continue;
    h.update(`${o.key}\n${await readText(store, o.key)}\n`);
  }
  return h.digest('hex').slice(0, 20);
}

/** Digest of loaded indicator rows (the local engine's indicators). */
export function rowsIndicatorsDigest(rows: readonly unknown[]): string {
  return digest(rows.map((r) => JSON.stringify(r)).join('\n'));
}

/** Contiguous day ranges of sorted days, at most `max` (the closest ranges merge first). */
export function dayRanges(days: readonly string[], max = MAX_RANGES): HuntWindow[] {
  const sorted = [...new Set(days)].sort();
  const ranges: { since: string; until: string }[] = [];
  const next = (d: string): string => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const d of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && next(last.until) === d) last.until = d;
    else ranges.push({ since: d, until: d });
  }
  const gap = (i: number): number => Date.parse(ranges[i + 1].since) - Date.parse(ranges[i].until);
  while (ranges.length > max) {
    let best = 0;
    for (let i = 1; i < ranges.length - 1; i++) if (gap(i) < gap(best)) best = i;
    ranges.splice(best, 2, { since: ranges[best].since, until: ranges[best + 1].until });
  }
  return ranges;
}

const DAY_MS = 86_400_000;

/** The days within `bound` days of any of `days`, inside the window. */
export function widenDays(days: readonly string[], bound: number, window: HuntWindow): string[] {
  const out = new Set<string>();
  const first = Date.parse(`${window.since}T00:00:00Z`);
  const last = Date.parse(`${window.until}T00:00:00Z`);
  for (const d of new Set(days)) {
    const t = Date.parse(`${d}T00:00:00Z`);
    for (let x = Math.max(first, t - bound * DAY_MS); x <= Math.min(last, t + bound * DAY_MS); x += DAY_MS)
      out.add(new Date(x).toISOString().slice(0, 10));
  }
  return [...out].sort();
}

export interface DecideOptions {
  readonly hunts: readonly Hunt[];
  readonly previous: SweepState | null;
  readonly snapshot: Readonly<Record<string, string>>;
  readonly indicatorsDigest: string;
  readonly window: HuntWindow;
  readonly agencies: readonly string[];
}

/** Decides, per hunt, what the next scheduled sweep reads (see the module comment). */
export function decideHunts(o: DecideOptions): HuntDecision[] {
  const full = (hunt: Hunt, reason: string): HuntDecision => ({
    hunt_id: hunt.meta.id,
    mode: 'full',
    reason,
    agencies: [...o.agencies],
    ranges: [o.window],
  });
  const changed = o.previous ? Object.keys(o.snapshot).filter((k) => o.previous!.partitions[k] !== o.snapshot[k]) : [];
  return o.hunts.map((hunt) => {
    const prev = o.previous;
    if (!prev) return full(hunt, 'no completed sweep recorded yet');
    const was = prev.hunts[hunt.meta.id];
    if (was === undefined) return full(hunt, 'new hunt, or its last sweep did not complete');
    if (was !== huntDigest(hunt)) return full(hunt, 'the hunt file changed');
    if (readsIndicators(hunt) && prev.indicators_digest !== o.indicatorsDigest)
      return full(hunt, 'it reads the indicators, and the feeds changed');
    if (o.window.since < prev.window.since) return full(hunt, `the window now starts ${o.window.since}, before ${prev.window.since}`);
    const tables = huntTables(hunt);
    const mine = changed.filter((k) => tables.includes(k.slice(0, k.indexOf('/')) as TableName));
    if (mine.length === 0)
      return {
        hunt_id: hunt.meta.id,
        mode: 'skip',
        reason: `nothing new in ${tables.join(', ') || 'its tables'}`,
        agencies: [],
        ranges: [],
      };
    const agencies = [...new Set(mine.map((k) => k.split('/')[1]))].sort();
    if (partitionLocalBody(hunt)) {
      const ranges = dayRanges(mine.map((k) => k.split('/')[2]));
      return {
        hunt_id: hunt.meta.id,
        mode: 'partitions',
        reason: `${mine.length} new or changed partitions of ${tables.join(', ')}`,
        agencies,
        ranges,
      };
    }
    const group = hunt.meta.group_days;
    const bound = hunt.meta.correlation_days ?? group;
    if (bound !== undefined) {
      const changedDays = mine.map((k) => k.split('/')[2]);
      const why =
        group === undefined
          ? `its findings span at most ${bound} days (correlation_days), so those days +/- ${bound} of ${agencies.length} agencies`
          : `each finding is a group of rows at most ${bound} days apart (group_days), so those days +/- ${bound} of ${agencies.length} agencies, keeping the findings that touch the new days`;
      return {
        hunt_id: hunt.meta.id,
        mode: 'bounded',
        reason: `${mine.length} new or changed partitions of ${tables.join(', ')}; ${why}`,
        agencies,
        ranges: dayRanges(widenDays(changedDays, bound, o.window)),
        ...(group === undefined ? {} : { touch: dayRanges(changedDays) }),
      };
    }
    return {
      hunt_id: hunt.meta.id,
      mode: 'agencies',
      agencies,
      ranges: [o.window],
      reason: `${mine.length} new or changed partitions; it correlates several reads, so the whole window of ${agencies.length} agencies`,
    };
  });
}

/** The state a sweep will have covered once every planned hunt completes. */
export function candidateState(runId: string, plannedAt: Date, o: DecideOptions): SweepState {
  return {
    version: 1,
    run_id: runId,
    planned_at: plannedAt.toISOString(),
    window: o.window,
    indicators_digest: o.indicatorsDigest,
    hunts: Object.fromEntries(o.hunts.map((h) => [h.meta.id, huntDigest(h)])),
    partitions: { ...o.snapshot },
  };
}

/** Reads a state object; null when there is none. */
export async function readSweepState(store: ObjectStore, key = SWEEP_STATE_KEY): Promise<SweepState | null> {
  let text: string;
  try {
    text = await readText(store, key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return null;
    throw new SweepStateError(`cannot read the sweep state ${key}`, { cause: err });
  }
  let s: SweepState;
  try {
    s = JSON.parse(text) as SweepState;
  } catch (err) {
    throw new SweepStateError(`the sweep state ${key} is not JSON: delete it to sweep all history again`, { cause: err });
  }
  if (s.version !== 1 || typeof s.hunts !== 'object' || typeof s.partitions !== 'object' || !s.window) {
    throw new SweepStateError(`the sweep state ${key} is not a version-1 state: delete it to sweep all history again`);
  }
  return s;
}

/**
 * Promotes a run's candidate state after its hunts ran: hunts that failed are left out (they sweep all history next
 * time). Returns the hunts recorded, or null when the run had no candidate state.
 */
export async function commitSweepState(
  store: ObjectStore,
  runId: string,
  results: readonly { hunt_id: string; ok: boolean }[],
): Promise<string[] | null> {
  const key = pendingStateKey(runId);
  const pending = await readSweepState(store, key);
  if (!pending) return null;
  const failed = new Set(results.filter((r) => !r.ok).map((r) => r.hunt_id));
  const hunts = Object.fromEntries(Object.entries(pending.hunts).filter(([id]) => !failed.has(id)));
  await store.put(SWEEP_STATE_KEY, JSON.stringify({ ...pending, hunts }));
  await store.delete(key);
  return Object.keys(hunts);
}
