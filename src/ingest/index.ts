/** Ingestion: the archive walker, limits, and text decoding. */
export { walkInputs } from './walk';
export { DEFAULT_LIMITS, resolveLimits, InvalidLimitError } from './limits';
export { IngestError, IngestErrorCode } from './errors';
export { peek, readLines } from './text';
export type { TextEncodingName, ReadLinesOptions, ReadLinesResult } from './text';
export type { IngestLimits, IngestProblem, InputEntry, InputSource, WalkOptions } from './types';
