/**
 * `sweep plan`: what a hunt would scan on Athena for a window, and what it would
 * cost, before a large retro-hunt is run. Works from the lake's keys alone
 * (partition pruning on agency and dt is exactly what Athena does) and, when a
 * column-size reader is given, from the Parquet footers (Athena reads only the
 * column chunks a query references).
 */
import { INDICATORS_PREFIX } from '../core';
import type { ObjectInfo, ObjectStore } from '../core';
import { INDICATORS_TABLE, TABLE_NAMES, tableDef, PARTITION_COLUMNS, type TableName } from '../lake';
import { stripSqlComments, type Hunt } from '../hunt';
import type { HuntWindow } from '../hunt';
import { predicateRereads, type CandidateSelection, type StagedHuntScope } from '../sweep';
import { planHunt, planStagedQueries, type StagedContext } from './sweep-plan';

/** Athena's price per TB scanned in most regions (us-east-1, 2026), in USD. */
export const DEFAULT_PRICE_PER_TB = 5;
/** Athena bills at least 10 MB per query, rounded up to the next MB. */
export const MIN_BILLED_BYTES = 10 * 1024 * 1024;
const MB = 1024 * 1024;
const TB = 1024 ** 4;

export interface ScanEstimateOptions {
  /** Store over the lake (local folder or S3 bucket). */
  readonly lake: ObjectStore;
  readonly hunts: readonly Hunt[];
  readonly window: HuntWindow;
  /** @default - every agency present in the lake */
  readonly agencies?: readonly string[];
  /** USD per TB. @default 5 */
  readonly pricePerTb?: number;
  /**
   * Compressed bytes of the given columns in the given lake files (Parquet
   * footers). @default - none: the whole file size counts (an upper bound)
   */
  readonly columnBytes?: (keys: readonly string[], columns: readonly string[]) => Promise<number>;
}

export interface TableScan {
  readonly table: string;
  /** Times the hunt reads the table (self-joins and unions read it again). */
  readonly scans: number;
  readonly files: number;
  readonly partitions: number;
  /** Columns the hunt references in this table. */
  readonly columns: string[];
  /** Whole-file bytes of the files in the window: the most Athena could read. */
  readonly fileBytes: number;
  /** Bytes of the referenced columns (when footers were read), else the file bytes. */
  readonly estimatedBytes: number;
}

export interface HuntScanEstimate {
  readonly hunt_id: string;
  readonly name: string;
  readonly tables: TableScan[];
  /** Estimated bytes scanned (sum over tables x scans). */
  readonly bytes: number;
  /** Upper bound (whole files). */
  readonly upperBoundBytes: number;
  /** What Athena would bill: at least 10 MB, rounded up to the MB. */
  readonly billedBytes: number;
  readonly costUsd: number;
}

export interface ScanEstimate {
  readonly window: HuntWindow;
  readonly agencies: string[];
  readonly pricePerTb: number;
  /** True when column sizes came from Parquet footers; false when whole files were counted. */
  readonly columnLevel: boolean;
  readonly hunts: HuntScanEstimate[];
  readonly totalBytes: number;
  readonly totalBilledBytes: number;
  readonly totalCostUsd: number;
}

/**
 * Estimates every hunt's scan for the window.
 *
 * @example
 * const est = await estimateScans({ lake: new LocalObjectStore('out/lake-root'), hunts, window: { since: '2019-01-01', until: '2026-11-27' } });
 */
export async function estimateScans(opts: ScanEstimateOptions): Promise<ScanEstimate> {
  if (opts.window.since > opts.window.until) throw new RangeError(`since (${opts.window.since}) is after until (${opts.window.until})`);
  const files = await listLakeFiles(opts.lake);
  const agencies = opts.agencies ? [...opts.agencies] : [...files.agencies].sort();
  const scopes = opts.hunts.map((hunt) => ({ hunt, agencies: opts.agencies ?? null, ranges: [opts.window] }));
  const est = await estimateScopes(files, scopes, opts);
  return { window: opts.window, agencies, ...est };
}

/** One hunt as planned: the agencies (null: all) and day ranges its query reads. */
export interface HuntScope {
  readonly hunt: Hunt;
  readonly agencies: readonly string[] | null;
  readonly ranges: readonly HuntWindow[];
  /** Tables the hunt reads elsewhere (a staged sweep's candidates): not priced here. */
  readonly skipTables?: readonly string[];
}

/** The lake's files per table, with each file's agency and day; and the indicators files. */
export interface LakeFiles {
  readonly tables: Map<string, { o: ObjectInfo; agency: string; dt: string }[]>;
  readonly agencies: Set<string>;
}

/** Lists the lake once (every table, every partition) for pricing several scopes. */
export async function listLakeFiles(lake: ObjectStore): Promise<LakeFiles> {
  const tables = new Map<string, { o: ObjectInfo; agency: string; dt: string }[]>();
  const agencies = new Set<string>();
  for (const table of TABLE_NAMES) {
    const list: { o: ObjectInfo; agency: string; dt: string }[] = [];
    for (const o of await lake.list(`lake/${table}/`)) {
      const m = /^lake\/[^/]+\/agency=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+\.parquet$/.exec(o.key);
      if (!m) continue;
      agencies.add(m[1]);
      list.push({ o, agency: m[1], dt: m[2] });
    }
    tables.set(table, list);
  }
  tables.set(
    INDICATORS_TABLE.name,
    (await lake.list(INDICATORS_PREFIX)).filter((o) => !o.key.endsWith('/')).map((o) => ({ o, agency: '', dt: '' })),
  );
  return { tables, agencies };
}

/** Prices each scope: the files of the tables its hunt names, in its agencies and day ranges, and its columns. */
export async function estimateScopes(
  files: LakeFiles,
  scopes: readonly HuntScope[],
  opts: { pricePerTb?: number; columnBytes?: ScanEstimateOptions['columnBytes'] },
): Promise<Omit<ScanEstimate, 'window' | 'agencies'>> {
  const price = opts.pricePerTb ?? DEFAULT_PRICE_PER_TB;
  if (!(price >= 0)) throw new RangeError(`pricePerTb must be a non-negative number, got ${price}`);
  const hunts: HuntScanEstimate[] = [];
  for (const { hunt, agencies, ranges, skipTables } of scopes) {
    const tokens = identifierTokens(hunt.sql);
    const tables: TableScan[] = [];
    for (const [table, all] of files.tables) {
      const scans = tokens.filter((t) => t === table).length;
      if (scans === 0 || skipTables?.includes(table)) continue;
      const isIndicators = table === INDICATORS_TABLE.name;
      const tableFiles = (
        isIndicators
          ? all
          : all.filter((f) => (!agencies || agencies.includes(f.agency)) && ranges.some((r) => f.dt >= r.since && f.dt <= r.until))
      ).map((f) => f.o);
      const defs = isIndicators ? INDICATORS_TABLE.columns : [...tableDef(table as TableName).columns, ...PARTITION_COLUMNS];
      const columns = defs.map((c) => c.name).filter((c) => tokens.includes(c));
      const fileBytes = tableFiles.reduce((s, o) => s + o.size, 0);
      // The indicators file (small) is counted whole; lake Parquet only for the referenced column chunks.
      const estimatedBytes =
        opts.columnBytes && !isIndicators && tableFiles.length > 0
          ? await opts.columnBytes(
              tableFiles.map((o) => o.key),
              columns,
            )
          : fileBytes;
      const partitions = new Set(tableFiles.map((o) => o.key.slice(0, o.key.lastIndexOf('/')))).size;
      tables.push({ table, scans, files: tableFiles.length, partitions, columns, fileBytes, estimatedBytes });
    }
    const bytes = tables.reduce((s, t) => s + t.estimatedBytes * t.scans, 0);
    const upperBoundBytes = tables.reduce((s, t) => s + t.fileBytes * t.scans, 0);
    const billedBytes = Math.max(MIN_BILLED_BYTES, Math.ceil(bytes / MB) * MB);
    hunts.push({
      hunt_id: hunt.meta.id,
      name: hunt.meta.name,
      tables,
      bytes,
      upperBoundBytes,
      billedBytes,
      costUsd: (billedBytes / TB) * price,
    });
  }
  const totalBilledBytes = hunts.reduce((s, h) => s + h.billedBytes, 0);
  return {
    pricePerTb: price,
    columnLevel: opts.columnBytes !== undefined,
    hunts,
    totalBytes: hunts.reduce((s, h) => s + h.bytes, 0),
    totalBilledBytes,
    totalCostUsd: (totalBilledBytes / TB) * price,
  };
}

/** Lower-case identifier tokens of the SQL outside comments and string literals. */
function identifierTokens(sql: string): string[] {
  const noStrings = stripSqlComments(sql).replace(/'(?:[^']|'')*'/g, "''");
  return (noStrings.match(/"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((t) => t.replace(/^"|"$/g, '').toLowerCase());
}

/** One query of a staged sweep, priced. */
export interface StagedQueryEstimate {
  readonly kind: 'selection' | 'batch' | 'alone';
  /** The table (selection), or the hunts the query runs. */
  readonly label: string;
  readonly hunts: number;
  readonly bytes: number;
  readonly billedBytes: number;
  /** The query text, exactly as the state machine runs it (planStagedQueries). */
  readonly sql: string;
}

/** A staged sweep priced: the candidate selections, then the hunts in batches. */
export interface StagedEstimate {
  readonly queries: StagedQueryEstimate[];
  /** Bytes of each candidate table by selection id (measured when a measurer was given, else its scanned bytes). */
  readonly candidateBytes: Record<string, number>;
  readonly candidatesMeasured: boolean;
  /** Hunts that read some table from the lake rather than candidates, and why. */
  readonly direct: { hunt_id: string; reason: string }[];
  readonly totalBytes: number;
  readonly totalBilledBytes: number;
  readonly totalCostUsd: number;
}

/** The candidates database and bucket `sweep plan` names in the SQL it prices when none is given. */
export const PRICED_CANDIDATES: StagedContext = { database: 'sweep_candidates', bucket: 'athena-results' };

const billed = (bytes: number): number => Math.max(MIN_BILLED_BYTES, Math.ceil(bytes / MB) * MB);

/**
 * Prices a staged full sweep of the window (src/sweep/candidates.ts, batch.ts): one query per candidate selection
 * with files in the window (its columns over the table's files in the window and agencies), then one per batch and
 * per hunt run alone. A hunt over candidates reads, per reference of a candidate table, the candidate column chunks
 * of the columns it names (measured when a measurer is given; else the whole selection's scanned bytes, an upper
 * bound); a hunt over the lake its own columns, as {@link estimateScopes}.
 */
export async function estimateStaged(
  files: LakeFiles,
  hunts: readonly Hunt[],
  window: HuntWindow,
  agencies: readonly string[],
  opts: {
    pricePerTb?: number;
    columnBytes?: ScanEstimateOptions['columnBytes'];
    /** Compressed bytes per column of a selection's result written as Parquet (the local engine runs it). */
    measureCandidates?: (selection: CandidateSelection, window: HuntWindow) => Promise<Record<string, number>>;
    /** Incremental sweep: what each hunt reads (agencies, day ranges). @default - the window, every agency */
    scopes?: ReadonlyMap<string, StagedHuntScope>;
    /** The run id and candidates location the SQL names (the plan Lambda's). @default 'plan', PRICED_CANDIDATES */
    runId?: string;
    candidates?: StagedContext;
  },
): Promise<StagedEstimate> {
  const price = opts.pricePerTb ?? DEFAULT_PRICE_PER_TB;
  const scopeOf = (id: string): { agencies: readonly string[]; ranges: readonly HuntWindow[] } =>
    opts.scopes?.get(id) ?? { agencies, ranges: [window] };
  const wanted = new Set(agencies);
  const tablesWithData = new Set(
    [...files.tables]
      .filter(([, list]) => list.some((f) => wanted.has(f.agency) && f.dt >= window.since && f.dt <= window.until))
      .map(([t]) => t),
  );
  const plan = planStagedQueries(
    hunts.map((hunt) => ({ hunt, ...scopeOf(hunt.meta.id) })),
    window,
    agencies,
    opts.runId ?? 'plan',
    opts.candidates ?? PRICED_CANDIDATES,
    tablesWithData,
  );
  const byId = new Map(hunts.map((h) => [h.meta.id, h]));
  const inScope = (f: { agency: string; dt: string }, huntIds: readonly string[]): boolean =>
    huntIds.some((id) => {
      const sc = scopeOf(id);
      return sc.agencies.includes(f.agency) && sc.ranges.some((r) => f.dt >= r.since && f.dt <= r.until);
    });
  const queries: StagedQueryEstimate[] = [];
  const candidateColumns = new Map<string, Record<string, number>>();
  for (const [i, s] of plan.selections.entries()) {
    const keys = (files.tables.get(s.table) ?? []).filter((f) => inScope(f, s.hunts)).map((f) => f.o);
    // Files in the window but none in its hunts' scopes: the selection reads no file, and still pays the minimum.
    if (keys.length === 0) {
      candidateColumns.set(s.name, {});
      queries.push({
        kind: 'selection',
        label: s.id,
        hunts: s.hunts.length,
        bytes: 0,
        billedBytes: MIN_BILLED_BYTES,
        sql: plan.run.selections[i].ctas,
      });
      continue;
    }
    // The selection reads its columns; a declared prefilter that reads the table again reads the columns it names.
    const read = async (columns: readonly string[]): Promise<number> =>
      opts.columnBytes
        ? opts.columnBytes(
            keys.map((o) => o.key),
            columns,
          )
        : keys.reduce((n, o) => n + o.size, 0);
    const perScan = await read(s.columns);
    let bytes = perScan;
    for (const cols of predicateRereads(s)) bytes += await read(cols);
    queries.push({
      kind: 'selection',
      label: s.id,
      hunts: s.hunts.length,
      bytes,
      billedBytes: billed(bytes),
      sql: plan.run.selections[i].ctas,
    });
    // Not measured: at most every row of each column (per column from the footers, else the whole selection).
    let upper: Record<string, number> = { '*': perScan };
    if (!opts.measureCandidates && opts.columnBytes) {
      upper = {};
      for (const c of s.columns) upper[c] = await read([c]);
    }
    candidateColumns.set(s.name, opts.measureCandidates ? await opts.measureCandidates(s, window) : upper);
  }
  const overCandidates = (hunt: Hunt): number => {
    const tokens = identifierTokens(hunt.sql);
    let n = 0;
    for (const s of plan.selections) {
      const refs = tokens.filter((t) => t === s.table).length;
      if (refs === 0 || !s.hunts.includes(hunt.meta.id)) continue;
      const cols = candidateColumns.get(s.name) ?? {};
      const read = Object.entries(cols).reduce((sum, [c, b]) => sum + (c === '*' || c === '' || tokens.includes(c) ? b : 0), 0);
      n += refs * read;
    }
    return n;
  };
  // What each batched hunt reads from the lake (the tables it has no candidates for), and what the lone hunts read.
  const selected = (hunt: Hunt): string[] => plan.selections.filter((s) => s.hunts.includes(hunt.meta.id)).map((s) => s.table);
  const lake = await estimateScopes(
    files,
    [
      ...plan.lakeReads.map((l) => byId.get(l.hunt_id)!).map((hunt) => ({ hunt, ...scopeOf(hunt.meta.id), skipTables: selected(hunt) })),
      ...plan.alone.map((a) => ({ hunt: a.hunt, agencies: a.agencies, ranges: a.ranges })),
    ],
    opts,
  );
  const lakeBytes = new Map(lake.hunts.map((h) => [h.hunt_id, h.bytes]));
  const cost = (hunt: Hunt): number => (lakeBytes.get(hunt.meta.id) ?? 0) + overCandidates(hunt);
  for (const b of plan.run.batches) {
    const bytes = b.hunts.reduce((n, m) => n + cost(byId.get(m.hunt_id)!), 0);
    queries.push({ kind: 'batch', label: `${b.hunts.length} hunts`, hunts: b.hunts.length, bytes, billedBytes: billed(bytes), sql: b.sql });
  }
  for (const a of plan.alone) {
    const bytes = lakeBytes.get(a.hunt.meta.id) ?? 0;
    const sql = planHunt(a.hunt, window, a.agencies, a.ranges).query_string;
    queries.push({ kind: 'alone', label: a.hunt.meta.name, hunts: 1, bytes, billedBytes: billed(bytes), sql });
  }
  const totalBilledBytes = queries.reduce((n, q) => n + q.billedBytes, 0);
  return {
    queries,
    candidateBytes: Object.fromEntries(
      plan.selections.map((s) => [s.id, Object.values(candidateColumns.get(s.name) ?? {}).reduce((a, b) => a + b, 0)]),
    ),
    candidatesMeasured: opts.measureCandidates !== undefined,
    direct: [
      ...plan.lakeReads.map((l) => ({ hunt_id: l.hunt_id, reason: l.reason })),
      ...plan.alone.map((a) => ({ hunt_id: a.hunt.meta.id, reason: 'it runs alone over the lake' })),
    ],
    totalBytes: queries.reduce((n, q) => n + q.bytes, 0),
    totalBilledBytes,
    totalCostUsd: (totalBilledBytes / TB) * price,
  };
}
