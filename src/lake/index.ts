/** The normalized lake: schema, layout, Parquet writer, publisher and manifest types. */
export * from './schema';
export { LakeWriter, type LakeWriterOptions, type LakeWriteResult, type StagedFile } from './lake-writer';
export { publishUpload, type PublishResult } from './publish';
export { lakeGlob, lakeFileKey, manifestKey, agencyPrefix, isUploadFileKey } from '../core/layout';
export { LakeWriteError } from './errors';
export * from './manifest';
