/**
 * Agencies upload: resumable multipart upload, presigned upload grants,
 * the before-upload check and the receipt.
 */
export * from './errors';
export { agencyUploadPrefix, assertAgencyId, manifestKey, newUploadId, uploadKey } from '../core';
export { fileStateStore, memoryStateStore, type UploadState, type UploadStateStore } from './upload-state';
export {
  effectivePartSize,
  uploadArchive,
  verifyStoredPart,
  type MultipartUploadParams,
  type MultipartUploadResult,
  type UploadProgress,
} from './multipart-upload';
export {
  MAX_GRANT_SECONDS,
  MAX_POST_BYTES,
  createUploadGrant,
  curlCommand,
  grantPolicy,
  parseDuration,
  parseSize,
  powershellCommand,
  type UploadGrant,
  type UploadGrantParams,
} from './upload-grant';
export {
  DISCLOSURE_DAY,
  assessCoverage,
  formatCoverageLines,
  formatDating,
  formatIntake,
  localTimeExports,
  type CoverageGap,
  type CoverageReport,
  type FamilyCoverage,
  type HuntNeed,
} from './coverage-check';
export { receiptMessage, receiptSeverity } from './receipt';
export { waitForManifest, type WaitForManifestParams } from './wait-for-manifest';
export { formatDuration, formatProgressLine } from './progress-bar';
export { formatBytes } from '../core';
export { checkLogs, huntNeed, type CheckLogsParams, type CheckLogsResult } from './check-logs';
export {
  createMultipartGrant,
  fileGrantProgressStore,
  parseMultipartGrant,
  uploadWithGrant,
  type GrantProgressStore,
  type MultipartGrant,
  type MultipartGrantParams,
} from './multipart-grant';
export { DEFAULT_LARGE_UPLOAD_BYTES, MAX_UPLOAD_BYTES } from './limits';
