/** One sweep module for either engine: run the pack, dedup, write findings and the report, summarise. */
export {
  runSweep,
  chooseWindow,
  hasFindingsAtLeast,
  sweepSummaryJson,
  type SweepOptions,
  type SweepResult,
  type IndicatorSummary,
} from './run-sweep';
export {
  SWEEP_STATE_KEY,
  bodyForRanges,
  candidateState,
  commitSweepState,
  decideHunts,
  lakeSnapshot,
  partitionLocalBody,
  pendingStateKey,
  readSweepState,
  rowsIndicatorsDigest,
  storedIndicatorsDigest,
  widenDays,
  type HuntDecision,
  type HuntMode,
} from './sweep-state';
export {
  candidateSelections,
  bindWindow,
  candidatesName,
  ctasStatement,
  findingsTouchClause,
  huntOverCandidates,
  huntReads,
  planStages,
  predicateRereads,
  selectionParams,
  type CandidateSelection,
  type HuntScope as StagedHuntScope,
  type StagedPlan,
  type TableRead,
} from './candidates';
export { canMaterialize, runStagedHunts, type MaterializingEngine, type StagedQueries } from './staged-run';
export { batchHunts, outputColumns, unbatchRows, queryTextBytes, MAX_BATCH_BYTES, type HuntBatch } from './batch';
