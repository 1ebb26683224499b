/**
 * Raw Windows event logs (.evtx): a streaming reader (file header, then one
 * 64 KiB chunk at a time; Binary XML templates per chunk) and the `evtx`
 * family parser that turns records into `windows_events` rows.
 */
export { evtxParser } from './parser';
export { readEvtx, EvtxDecoder, type EvtxSummary, type EvtxFileHeader } from './reader';
export type { EvtxProblem, RecordSink, ProblemSink } from './chunk';
export type { EvtxRecord } from './record';
export { toWindowsEvent } from './record';
export type { BinXmlOptions } from './binxml';
export { EvtxFormatError } from './errors';
