/** Ports shared by the CLI, the Lambdas and the tests. */
export {
  type ObjectStore,
  type ObjectInfo,
  type PutCondition,
  type VersionedObject,
  ObjectNotFoundError,
  InvalidKeyError,
  ConditionalWriteError,
  assertValidKey,
  readText,
} from './object-store';
export { LocalObjectStore } from './local-object-store';
export { parseSize, formatBytes, SizeFormatError } from './units';
export {
  AGENCY_ID_MAX_LENGTH,
  UPLOAD_ID_MAX_LENGTH,
  UPLOADS_PREFIX,
  LAKE_PREFIX,
  MANIFESTS_PREFIX,
  COMMITS_PREFIX,
  commitRecordKey,
  INDICATORS_PREFIX,
  HUNTS_PREFIX,
  SWEEP_STATE_PREFIX,
  BOARD_PREFIX,
  SWEEP_STATE_KEY,
  LayoutError,
  type LayoutSubject,
  type UploadObjectKey,
  isAgencyId,
  isUploadId,
  assertAgencyId,
  assertUploadId,
  newUploadId,
  agencyUploadPrefix,
  uploadKey,
  manifestKey,
  agencyPrefix,
  lakeFileKey,
  isUploadFileKey,
  lakeGlob,
  pendingSweepStateKey,
  parseUploadKey,
  parseManifestKey,
} from './layout';
export { crc32 } from './crc32';
export { normalizeIp, rawAddressText, isPublicIp, chainAddresses, firstPublicAddress } from './ip-address';
