/**
 * The engine the CLI embeds: DuckDB over a local lake, with the Trino functions the hunts use as DuckDB macros, and
 * what runs on it alone (hunt fixtures, raw fixtures normalized for a query). Only CLI-side code imports this folder:
 * Lambda bundles never load DuckDB's native module (`npm run lint:boundaries` checks).
 */
export { DuckDbQueryEngine, viewColumns, type DuckDbEngineOptions } from './duckdb-query-engine';
export { TRINO_SHIMS, SHIMMED_FUNCTIONS } from './trino-shims';
export { runFixtures, runCase, loadFixtureFile, fixturePathFor, type CaseResult, type FixtureCase, type RawNormalizer } from './fixtures';
export { defaultRawNormalizer } from './raw-normalizer';
export { createEngine, type EngineOptions } from './create-engine';
export { buildLocalBoard, type LocalBoardOptions } from './local-board';
export { localParquetColumnBytes } from './parquet-column-bytes';
export { localCandidateBytes } from './candidate-bytes';
