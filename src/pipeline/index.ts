/** The normalize pipeline: one upload -> Parquet lake files + manifest. */
export { normalizeUpload, type NormalizeOptions, type NormalizeResult, type NormalizeProgress, type FormatSeam } from './normalize';
export { deriveUploadId, fingerprintPaths, type InputFingerprint } from './upload-id';
export { NormalizeError } from './errors';
export { differingKeys, planLocalRepairs } from './repair';
