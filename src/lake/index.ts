/** The normalized lake: schema, layout, Parquet writer, publisher and manifest types. */
export * from './schema';
export { LakeWriter, type LakeWriterOptions, type LakeWriteResult, type StagedFile } from './lake-writer';
export { publishUpload, ManifestConflictError, sameCommit, commitRecord, type PublishResult, type PublishOptions } from './publish';
export { lakeGlob, lakeFileKey, manifestKey, agencyPrefix, isUploadFileKey } from '../core';
export { LakeWriteError } from './errors';
export * from './manifest';
export { ColumnBuffer, type BatchColumn, type RowBatch } from './column-buffer';
export { ParquetFileWriter } from './parquet/file-writer';
export { stopPageWorker, zstdAvailable } from './parquet/compress';
export { DayFormatter, validTime } from './day';
export { describeStagedFiles } from './publish';
export { createRunStaging, sweepStaleStaging } from './staging';
export {
  readCommittedLake,
  type BadCommitRecord,
  type BadManifest,
  type CommittedFile,
  type CommittedLake,
  type LakeGap,
} from './committed';
export {
  footerLength,
  parseFooter,
  stringChunkMayContain,
  type ColumnChunkStats,
  type FooterStats,
  type RowGroupStats,
} from './parquet/footer';
