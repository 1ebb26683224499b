/**
 * Hunts: query files and their lint, the engines, fixtures, findings, coverage and the verdict per host.
 */
export { loadQueries, parseQueryFile, QueryMetaSchema, MITRE_TACTICS, type Hunt, type QueryMeta, type BrokenQuery } from './query-file';
export { lintHunt, lintSql, type LintProblem } from './lint';
export { DuckDbQueryEngine, type IndicatorRow, type TableRows, type DuckDbEngineOptions } from './engines/duckdb';
export { TRINO_SHIMS } from './engines/trino-shims';
export { runFixtures, runCase, loadFixtureFile, fixturePathFor, type CaseResult, type FixtureCase, type RawNormalizer } from './fixtures';
export { defaultRawNormalizer } from './raw-normalizer';
export { rowsToFindings, fingerprint, sortFindings, severityRank, CONTRACT_COLUMNS } from './findings';
export { LocalDedupStore } from './local-dedup-store';
export { readCoverage, lakeDayBounds, dayRanges, type FamilyCoverage, type DayRange } from './coverage';
export { buildVerdicts, formatRange, type HostVerdict, type VerdictLevel } from './verdict';
export { runHunts, type HuntRunStat, type HuntRunError, type RunHuntsResult } from './run';
export { loadPack, type HuntPack } from './pack';
export { windowParams, parseDay, DEFAULT_SINCE, ALL_TIME, type HuntWindow } from './window';
export { QueryFileError, FixtureFileError, EngineError } from './errors';
export { SEVERITIES, type Severity, type Finding, type QueryEngine } from './types';
