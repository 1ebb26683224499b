/**
 * Hunts: query files and their lint, findings, coverage and the verdict per host, over any QueryEngine (the
 * engines themselves live apart: Athena in src/aws, DuckDB in src/local-engine, so that Lambda code never loads DuckDB).
 */
export { loadQueries, parseQueryFile, QueryMetaSchema, MITRE_TACTICS, type Hunt, type QueryMeta, type BrokenQuery } from './query-file';
export { lintHunt, lintSql, type LintProblem } from './lint';
export { rowsToFindings, fingerprint, sortFindings, severityRank, CONTRACT_COLUMNS } from './findings';
export { LocalDedupStore } from './local-dedup-store';
export { readCoverage, lakeDayBounds, dayRanges, type FamilyCoverage, type DayRange } from './coverage';
export { buildVerdicts, formatRange, type HostVerdict, type VerdictLevel } from './verdict';
export { runHunts, type HuntRunStat, type HuntRunError, type RunHuntsResult } from './run';
export { loadPack, type HuntPack } from './pack';
export { windowParams, parseDay, DEFAULT_SINCE, ALL_TIME, type HuntWindow } from './window';
export { QueryFileError, FixtureFileError, EngineError } from './errors';
export { SEVERITIES, type Severity, type Finding, type QueryEngine, type IndicatorRow, type TableRows } from './types';
export { loadIndicators } from './indicators';
export { stripSqlComments } from './query-file';
export { placeholderOffsets } from './window';
export { partitionLocalBody, bodyForRanges, rangedQuery } from './locality';
export {
  TRIAGE_STATUSES,
  TriageError,
  findByFingerprint,
  isTriageStatus,
  makeDecision,
  openFindings,
  triageLabel,
  triageStates,
  withTriage,
  type DecidableFinding,
  type TriageDecision,
  type TriageState,
  type TriageStore,
} from './triage';
export { feedVersions, folderVersion, readSweepRecord, writeSweepRecord, type SweepRecord } from './sweep-record';
export { LocalTriageStore } from './local-triage-store';
