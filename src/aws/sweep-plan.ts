/**
 * Plans one hunt run on Athena: which window, which agencies, and for each
 * hunt the exact query text and positional parameters. Pure apart from the
 * injected store (to find an upload's days in the lake).
 *
 * Every hunt is wrapped as `SELECT * FROM (<hunt>) WHERE agency IN (?, ...)`:
 * the agency predicate is pushed down to the partition projection, so a sweep
 * after one agency's upload reads only that agency's partitions, and every query
 * has at least one parameter (Step Functions passes ExecutionParameters always).
 *
 * With a sweep state (src/sweep/sweep-state.ts), a scheduled retro-hunt is incremental: each hunt reads only what
 * is new or changed for it since the last completed scheduled sweep (or all history, or nothing), with the reason;
 * the plan step then writes the candidate state that the commit step promotes once the hunts ran.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../core';
import { isUploadFileKey, parseManifestKey } from '../core';
import { TABLE_NAMES } from '../lake';
import { rangedQuery, stripSqlComments, type Hunt, windowParams, type HuntWindow } from '../hunt';
import {
  batchHunts,
  candidatesName,
  candidateState,
  ctasStatement,
  findingsTouchClause,
  huntReads,
  outputColumns,
  planStages,
  type CandidateSelection,
  type StagedHuntScope,
  decideHunts,
  lakeSnapshot,
  pendingStateKey,
  queryTextBytes,
  readSweepState,
  SWEEP_STATE_KEY,
  widenDays,
  type HuntDecision,
  type HuntMode,
} from '../sweep';

/** What starts a run: the schedule, a new upload manifest, or an analyst. */
export type SweepRequest =
  | { readonly trigger: 'schedule' }
  | { readonly trigger: 'upload'; readonly manifest_key: string }
  | {
      readonly trigger: 'manual';
      readonly since?: string;
      readonly until?: string;
      readonly agencies?: readonly string[];
      readonly hunt_ids?: readonly string[];
    };

/** One Map item of the state machine. */
export interface PlannedHunt {
  readonly hunt_id: string;
  readonly name: string;
  readonly query_string: string;
  /** Athena ExecutionParameters: SQL literals, in placeholder order. */
  readonly params: string[];
  /** What the hunt reads (full history, changed partitions, the changed agencies' whole window) and why. */
  readonly mode?: HuntMode;
  readonly reason?: string;
}

export interface SweepPlan {
  readonly run_id: string;
  readonly trigger: SweepRequest['trigger'];
  readonly since: string;
  readonly until: string;
  readonly agencies: string[];
  readonly hunts: PlannedHunt[];
  /** Why nothing is planned (e.g. an upload with no rows), when hunts is empty. */
  readonly note?: string;
  /** Hunts an incremental sweep leaves out, and why. */
  readonly skipped?: { hunt_id: string; reason: string }[];
  /** The candidate sweep state the commit step promotes after the hunts ran; null when the run keeps no state. */
  readonly state_key: string | null;
  /** A staged run: the candidate selections and the batches over them (`hunts` then holds only the hunts run alone). */
  readonly staged?: StagedRun;
}

/** Where a staged run keeps its candidate tables: a Glue database of their own and a run-scoped prefix of a bucket. */
export interface StagedContext {
  /** Glue database the CTAS statements create the candidate tables in (nothing else lives there). */
  readonly database: string;
  /** Bucket (the Athena results bucket) whose `candidates/<run_id>/<id>/` prefixes (one per selection) hold the candidate files. */
  readonly bucket: string;
}

/** One candidate selection as the state machine runs it: a CTAS, then (success or failure) a DROP TABLE. */
export interface PlannedSelection {
  readonly table: string;
  /** The candidate table, qualified by its database. */
  readonly name: string;
  /**
   * `s3://<bucket>/candidates/<run_id>/<id>/` (`<id>`: the table, or `<table>_<n>` when the table has one selection
   * per scope group): empty before the CTAS (Athena's rule), deleted after the run.
   */
  readonly location: string;
  readonly ctas: string;
  /** Key in `bucket` of the CTAS text, which the state machine reads and runs (the state carries only the key). */
  readonly query_key: string;
  readonly drop: string;
}

/** One batch of hunts: one Athena query; its rows are split back per hunt by the publish step. */
export interface PlannedBatch {
  readonly batch_id: string;
  readonly sql: string;
  /** Key in `bucket` of the batch's text, which the state machine reads and runs (the state carries only the key). */
  readonly query_key: string;
  readonly hunts: { readonly hunt_id: string; readonly columns: string[] }[];
}

export interface StagedRun {
  readonly database: string;
  /** The run's candidates prefix in `bucket` (deleted by the cleanup step). */
  readonly bucket: string;
  readonly prefix: string;
  readonly selections: PlannedSelection[];
  readonly batches: PlannedBatch[];
}

/** What one hunt reads in a run: its agencies and day ranges (and, for `group_days`, the days its findings touch). */
export interface HuntReadScope {
  readonly hunt: Hunt;
  readonly agencies: readonly string[];
  readonly ranges: readonly HuntWindow[];
  readonly touch?: readonly HuntWindow[];
}

/** The staged queries of a run, and what `sweep plan` needs to price them. */
export interface StagedQueries {
  readonly run: StagedRun;
  /** The selections as built (qualified names), for pricing. */
  readonly selections: CandidateSelection[];
  /** Hunts in batches, and the lake tables each reads directly rather than from candidates. */
  readonly batched: Hunt[];
  readonly lakeReads: { readonly hunt_id: string; readonly tables: string[]; readonly reason: string }[];
  /** Hunts run on their own over the lake (planHunt): output columns not nameable, or a lake read narrower than the run. */
  readonly alone: HuntReadScope[];
  readonly scopes: ReadonlyMap<string, StagedHuntScope>;
}

/** Athena's longest query string: StartQueryExecution's QueryString is at most 262,144 bytes. */
export const ATHENA_MAX_QUERY_BYTES = 262_144;

/**
 * Largest staged query (a batch or a CTAS): its text as {@link queryTextBytes} measures it, plus a batch's hunt list
 * (ids and columns as JSON). Each batch pays Athena's 10 MB minimum, so batches are as large as this allows. The state
 * carries only each text's S3 key, but one state holds a text for one step, between reading it from S3 and starting
 * the query, beside the batch's hunt list: both must fit there, under Step Functions' 262,144-byte state payload, and
 * the text under Athena's query string limit ({@link ATHENA_MAX_QUERY_BYTES}, which the escaped size never
 * undercounts). The margin is for the rest of that state (run id, bucket, key) and the GetObject response's fields.
 */
export const MAX_STAGED_BATCH_BYTES = 240_000;

/** The run's candidates prefix (relative to the bucket). */
export function candidatesPrefix(runId: string): string {
  return `candidates/${runId}/`;
}

/**
 * Folder of a run's query texts under its candidates prefix: beside the candidate tables' folders, never in one
 * (a CTAS location must be empty), and hidden from Hive and Athena (a name starting with `_`).
 */
export const QUERY_TEXTS_FOLDER = '_queries/';

/** Where the text of one staged query of a run lives in the results bucket. */
export function queryTextKey(runId: string, name: string): string {
  return `${candidatesPrefix(runId)}${QUERY_TEXTS_FOLDER}${name}.sql`;
}

/** A staged run as the state machine carries it: the selections and batches without their query texts. */
export interface StagedRunState extends Omit<StagedRun, 'selections' | 'batches'> {
  readonly selections: Omit<PlannedSelection, 'ctas'>[];
  readonly batches: Omit<PlannedBatch, 'sql'>[];
}

/** A plan as the plan Lambda returns it to the state machine. */
export type SweepPlanState = Omit<SweepPlan, 'staged'> & { readonly staged?: StagedRunState };

/**
 * A plan split into what the state carries and the query texts the plan Lambda writes to the results bucket first
 * (key -> text), one per CTAS and one per batch.
 */
export function splitQueryTexts(plan: SweepPlan): { state: SweepPlanState; texts: { key: string; text: string }[] } {
  if (!plan.staged) return { state: plan, texts: [] };
  const { selections, batches, ...rest } = plan.staged;
  const texts = [
    ...selections.map((s) => ({ key: s.query_key, text: s.ctas })),
    ...batches.map((b) => ({ key: b.query_key, text: b.sql })),
  ];
  return {
    state: {
      ...plan,
      staged: {
        ...rest,
        selections: selections.map(({ ctas: _ctas, ...s }) => s),
        batches: batches.map(({ sql: _sql, ...b }) => b),
      },
    },
    texts,
  };
}

/**
 * The queries of a staged run, for the plan Lambda and for `sweep plan` alike (the same text): one CTAS per lake table
 * the batched hunts have a row predicate for and per scope group (candidateSelections: a full sweep has one group; an
 * incremental one a group for each wide scope and one for the narrow ones), then the hunts in UNION ALL batches, each
 * member reading its own group's candidates, within its own agencies and days, and kept to the run's agencies. A hunt
 * whose output columns cannot be named, that reads some table from the lake over less than the run's whole window
 * and agencies, or that reads days beyond the run's window (an upload's days widened by its group_days), runs alone
 * (planHunt).
 */
export function planStagedQueries(
  scopes: readonly HuntReadScope[],
  window: HuntWindow,
  agencies: readonly string[],
  runId: string,
  ctx: StagedContext,
  tablesWithData?: ReadonlySet<string>,
): StagedQueries {
  if (!/^[a-z][a-z0-9_]*$/.test(ctx.database))
    throw new SweepPlanError(`candidates database must be lower case letters, digits and "_": ${ctx.database}`);
  const runWide = (s: HuntReadScope): boolean =>
    s.ranges.length === 1 &&
    s.ranges[0].since === window.since &&
    s.ranges[0].until === window.until &&
    s.agencies.length === agencies.length &&
    s.agencies.every((a) => agencies.includes(a)) &&
    s.touch === undefined;
  const alone: HuntReadScope[] = [];
  const batched: HuntReadScope[] = [];
  // Days beyond the run's window (an upload's days widened by a hunt's group_days) are not in its candidates.
  const beyondWindow = (s: HuntReadScope): boolean => s.ranges.some((r) => r.since < window.since || r.until > window.until);
  for (const s of scopes) {
    const readsLake = huntReads(s.hunt).some((r) => r.predicate === null);
    if (outputColumns(s.hunt) === null || (readsLake && !runWide(s)) || beyondWindow(s)) alone.push(s);
    else batched.push(s);
  }
  const scoped = new Map<string, StagedHuntScope>(
    batched.filter((s) => !runWide(s)).map((s) => [s.hunt.meta.id, { agencies: s.agencies, ranges: s.ranges, touch: s.touch }]),
  );
  const stages = planStages(
    batched.map((s) => s.hunt),
    { runTag: runId, agencies, scopes: scoped },
  );
  // A table with no file in the run's window and agencies gets no selection (a CTAS over nothing would still pay
  // Athena's 10 MB minimum): its hunts read it from the lake, where it has nothing in the window either.
  const selections = stages.selections
    .filter((s) => tablesWithData === undefined || tablesWithData.has(s.table))
    .map((s) => ({ ...s, name: `${ctx.database}.${candidatesName(s.id, runId)}` }));
  const prefix = candidatesPrefix(runId);
  const members = batched.map((s) => ({
    hunt: s.hunt,
    selections: selections.filter((c) => c.hunts.includes(s.hunt.meta.id)),
    scope: scoped.get(s.hunt.meta.id),
  }));
  const { batches, alone: unnamed } = batchHunts(members, window, MAX_STAGED_BATCH_BYTES, agencies);
  // outputColumns was checked above: batchHunts sets none apart.
  if (unnamed.length > 0) throw new Error(`hunts ${unnamed.map((h) => h.meta.id).join(', ')} cannot be batched`);
  const run: StagedRun = {
    database: ctx.database,
    bucket: ctx.bucket,
    prefix,
    selections: selections.map((s) => {
      const location = `s3://${ctx.bucket}/${prefix}${s.id}/`;
      return {
        table: s.table,
        name: s.name,
        location,
        ctas: ctasStatement(s, location, window),
        query_key: queryTextKey(runId, `select-${s.id}`),
        drop: `DROP TABLE IF EXISTS ${s.name}`,
      };
    }),
    batches: batches.map((b, i) => ({
      batch_id: `batch-${i + 1}`,
      sql: b.sql,
      query_key: queryTextKey(runId, `batch-${i + 1}`),
      hunts: b.hunts,
    })),
  };
  for (const [what, bytes] of [
    ...run.selections.map((s) => [`the candidate selection of ${s.table}`, queryTextBytes(s.ctas)] as const),
    ...run.batches.map(
      (b) =>
        [`${b.batch_id} (${b.hunts.length} hunts)`, queryTextBytes(b.sql) + Buffer.byteLength(JSON.stringify(b.hunts), 'utf8')] as const,
    ),
  ]) {
    if (bytes > MAX_STAGED_BATCH_BYTES)
      throw new SweepPlanError(
        `${what} is ${bytes} bytes of query text and hunt list, over the ${MAX_STAGED_BATCH_BYTES}-byte limit of one staged query`,
      );
  }
  return {
    run,
    selections,
    batched: stages.staged.concat(stages.direct.map((d) => d.hunt)),
    lakeReads: stages.lakeReads,
    alone,
    scopes: scoped,
  };
}

/** Where the sweep state lives and how the indicator feeds are fingerprinted. */
export interface SweepStateContext {
  /** Store holding `sweep-state/` (the lake bucket). */
  readonly store: ObjectStore;
  /** Digest of the indicator feeds the hunts will read. */
  readonly indicatorsDigest: () => Promise<string>;
  /** Plan only: do not write the candidate state (`sweep plan`). @default false */
  readonly dryRun?: boolean;
  /** Clock for the state's planned_at. @default () => new Date() */
  readonly now?: () => Date;
}

export interface PlanContext {
  /** Store over the lake bucket. */
  readonly lake: ObjectStore;
  readonly hunts: readonly Hunt[];
  /** Configured agencies. */
  readonly agencies: readonly string[];
  /** First day of scheduled retro-hunts. */
  readonly retroSince: string;
  /** Today, UTC (YYYY-MM-DD). */
  readonly today: string;
  /** @default randomUUID */
  readonly newRunId?: () => string;
  /** Makes scheduled sweeps incremental. @default - none: every scheduled sweep reads all history */
  readonly state?: SweepStateContext;
  /** Plans staged runs (candidate selections, then batches). @default - none: one query per hunt */
  readonly staged?: StagedContext;
}

/** Thrown for a request that cannot be planned (unknown agency, bad day). */
export class SweepPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepPlanError';
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Step Functions passes at most 256 KiB between states: keep a margin for the Map's context. A staged plan is measured
 * as the state carries it (its query texts are in S3); the hunts that run alone carry theirs.
 */
export const MAX_PLAN_BYTES = 200_000;

/**
 * Plans a run.
 *
 * @example
 * const plan = await planSweep({ trigger: 'upload', manifest_key: 'manifests/agency=doj/u1.json' }, ctx);
 */
export async function planSweep(req: SweepRequest, ctx: PlanContext): Promise<SweepPlan> {
  return (await planSweepDetailed(req, ctx)).plan;
}

/** {@link planSweep}, with the decision per hunt (what it reads and why) that `sweep plan` prices. */
export async function planSweepDetailed(req: SweepRequest, ctx: PlanContext): Promise<{ plan: SweepPlan; decisions: HuntDecision[] }> {
  const run_id = (ctx.newRunId ?? randomUUID)();
  let window: HuntWindow;
  let agencies: string[];
  let hunts = ctx.hunts.filter((h) => h.meta.status !== 'deprecated');
  if (req.trigger === 'schedule') {
    window = { since: ctx.retroSince, until: ctx.today };
    agencies = [...ctx.agencies];
    if (ctx.state) return planIncremental(run_id, window, agencies, hunts, ctx, ctx.state);
  } else if (req.trigger === 'upload') {
    const { agency, uploadId } = parseManifestKey(req.manifest_key);
    assertAgency(agency, ctx.agencies);
    const days = await uploadDays(ctx.lake, agency, uploadId);
    agencies = [agency];
    if (days.length === 0) {
      const note = `upload ${uploadId} of ${agency} wrote no lake rows: nothing to sweep`;
      return {
        plan: { run_id, trigger: req.trigger, since: ctx.today, until: ctx.today, agencies, hunts: [], note, state_key: null },
        decisions: [],
      };
    }
    // One window from the first to the last day: hunts aggregate over it; already-reported findings are deduplicated.
    window = { since: days[0], until: days[days.length - 1] };
  } else {
    window = { since: day(req.since ?? ctx.retroSince, 'since'), until: day(req.until ?? ctx.today, 'until') };
    if (window.since > window.until) throw new SweepPlanError(`since (${window.since}) is after until (${window.until})`);
    agencies = req.agencies && req.agencies.length > 0 ? [...req.agencies] : [...ctx.agencies];
    for (const a of agencies) assertAgency(a, ctx.agencies);
    if (req.hunt_ids && req.hunt_ids.length > 0) {
      const known = new Set(hunts.map((h) => h.meta.id));
      const unknown = req.hunt_ids.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new SweepPlanError(`unknown hunt ids: ${unknown.join(', ')}`);
      hunts = hunts.filter((h) => req.hunt_ids!.includes(h.meta.id));
    }
  }
  const decisions: HuntDecision[] = hunts.map((h) => {
    const n = h.meta.group_days;
    // After an upload, a hunt whose findings are groups of rows at most N days apart reads the upload's days +/- N (the
    // rest of the groups they cut) and keeps the findings that touch the upload's days.
    if (req.trigger === 'upload' && n !== undefined) {
      const days = widenDays([window.since, window.until], n, { since: ctx.retroSince, until: ctx.today });
      const widened = { since: days[0], until: days[days.length - 1] };
      return {
        hunt_id: h.meta.id,
        mode: 'bounded',
        reason: `the upload's days +/- ${n} (group_days), keeping the findings that touch the upload's days`,
        agencies,
        ranges: [widened],
        touch: [window],
      };
    }
    return { hunt_id: h.meta.id, mode: 'full', reason: 'the whole window', agencies, ranges: [window] };
  });
  const byDecision = new Map(decisions.map((d) => [d.hunt_id, d]));
  const plan: SweepPlan = {
    run_id,
    trigger: req.trigger,
    since: window.since,
    until: window.until,
    agencies,
    hunts: hunts.map((h) => {
      const d = byDecision.get(h.meta.id)!;
      return d.touch ? planHunt(h, window, agencies, d.ranges, d.touch) : planHunt(h, window, agencies);
    }),
    state_key: null,
  };
  const out = ctx.staged ? withStages(plan, decisions, hunts, window, ctx, tablesIn(await lakeSnapshot(ctx.lake, window, agencies))) : plan;
  checkSize(out);
  return { plan: out, decisions };
}

/** A scheduled sweep against the recorded state: each hunt reads what is new for it, all history, or nothing. */
async function planIncremental(
  run_id: string,
  window: HuntWindow,
  agencies: string[],
  hunts: readonly Hunt[],
  ctx: PlanContext,
  state: SweepStateContext,
): Promise<{ plan: SweepPlan; decisions: HuntDecision[] }> {
  const previous = await readSweepState(state.store, SWEEP_STATE_KEY);
  const snapshot = await lakeSnapshot(ctx.lake, window, agencies);
  const options = { hunts, previous, snapshot, indicatorsDigest: await state.indicatorsDigest(), window, agencies };
  const decisions = decideHunts(options);
  const byId = new Map(hunts.map((h) => [h.meta.id, h]));
  const planned: PlannedHunt[] = [];
  const skipped: { hunt_id: string; reason: string }[] = [];
  for (const d of decisions) {
    if (d.mode === 'skip') skipped.push({ hunt_id: d.hunt_id, reason: d.reason });
    else planned.push({ ...planHunt(byId.get(d.hunt_id)!, window, d.agencies, d.ranges, d.touch), mode: d.mode, reason: d.reason });
  }
  const state_key = pendingStateKey(run_id);
  const plan = withStages(
    { run_id, trigger: 'schedule', since: window.since, until: window.until, agencies, hunts: planned, skipped, state_key },
    decisions,
    hunts,
    window,
    ctx,
    tablesIn(snapshot),
  );
  checkSize(plan);
  if (!state.dryRun) await state.store.put(state_key, JSON.stringify(candidateState(run_id, (state.now ?? (() => new Date()))(), options)));
  return { plan, decisions };
}

/** A staged plan: the hunts that run alone stay in `hunts`, the others run in the batches over the candidates. */
function withStages(
  plan: SweepPlan,
  decisions: readonly HuntDecision[],
  hunts: readonly Hunt[],
  window: HuntWindow,
  ctx: PlanContext,
  tablesWithData: ReadonlySet<string>,
): SweepPlan {
  if (!ctx.staged || plan.hunts.length === 0) return plan;
  const byId = new Map(hunts.map((h) => [h.meta.id, h]));
  const planned = new Set(plan.hunts.map((h) => h.hunt_id));
  const scopes = decisions
    .filter((d) => d.mode !== 'skip' && planned.has(d.hunt_id))
    .map((d) => ({ hunt: byId.get(d.hunt_id)!, agencies: d.agencies, ranges: d.ranges, touch: d.touch }));
  const q = planStagedQueries(scopes, window, plan.agencies, plan.run_id, ctx.staged, tablesWithData);
  const alone = new Set(q.alone.map((s) => s.hunt.meta.id));
  return { ...plan, hunts: plan.hunts.filter((h) => alone.has(h.hunt_id)), staged: q.run };
}

/** The lake tables a snapshot (`<table>/<agency>/<dt>` keys) holds files of. */
function tablesIn(snapshot: Record<string, string>): Set<string> {
  return new Set(Object.keys(snapshot).map((k) => k.slice(0, k.indexOf('/'))));
}

function checkSize(plan: SweepPlan): void {
  const size = Buffer.byteLength(JSON.stringify(splitQueryTexts(plan).state), 'utf8');
  if (size > MAX_PLAN_BYTES) {
    throw new SweepPlanError(
      `the plan for ${plan.hunts.length} hunts is ${size} bytes, over the ${MAX_PLAN_BYTES}-byte Step Functions payload budget: split the pack into several state machines or shorten the queries`,
    );
  }
}

/**
 * The query text and parameters of one hunt for a window and a set of agencies (over several day ranges when given;
 * keeping only the findings that touch `touch`'s days when given: a hunt that declares `group_days`).
 */
export function planHunt(
  hunt: Hunt,
  window: HuntWindow,
  agencies: readonly string[],
  ranges?: readonly HuntWindow[],
  touch?: readonly HuntWindow[],
): PlannedHunt {
  if (agencies.length === 0) throw new SweepPlanError('a hunt needs at least one agency');
  let body = stripSqlComments(hunt.sql).trim().replace(/;\s*$/, '');
  let params: string[];
  if (ranges && ranges.length > 1) {
    // Several day ranges: every window of the hunt reads all of them.
    const ranged = rangedQuery(hunt, ranges);
    if (!ranged) throw new SweepPlanError(`hunt ${hunt.meta.id} cannot read several day ranges: some "?" is not in a "dt BETWEEN ? AND ?"`);
    ({ body, params } = ranged);
  } else {
    params = windowParams(body, ranges?.[0] ?? window);
  }
  const query_string = [
    // The name is only a label for Athena's history; no "?" that a parser could take for a parameter.
    `-- hunt ${hunt.meta.id}: ${hunt.meta.name.replace(/[\r\n?]+/g, ' ')}`,
    'SELECT * FROM (',
    body,
    `) AS hunt_result WHERE hunt_result.agency IN (${agencies.map(() => '?').join(', ')})` +
      (touch?.length ? ` AND (${findingsTouchClause('hunt_result', touch)})` : ''),
  ].join('\n');
  return { hunt_id: hunt.meta.id, name: hunt.meta.name, query_string, params: [...params, ...agencies].map(literal) };
}

/** The distinct days (sorted) of the lake files an upload wrote, from the lake keys alone. */
export async function uploadDays(lake: ObjectStore, agency: string, uploadId: string): Promise<string[]> {
  const days = new Set<string>();
  for (const table of TABLE_NAMES) {
    for (const o of await lake.list(`lake/${table}/agency=${agency}/`)) {
      if (!isUploadFileKey(o.key, uploadId)) continue;
      const m = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key);
      if (m) days.add(m[1]);
    }
  }
  return [...days].sort();
}

function literal(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function day(v: string, what: string): string {
  if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new SweepPlanError(`${what} must be a day as YYYY-MM-DD, got "${v}"`);
  return v;
}

function assertAgency(a: string, known: readonly string[]): void {
  if (!known.includes(a)) throw new SweepPlanError(`unknown agency "${a}"; configured: ${known.join(', ')}`);
}
