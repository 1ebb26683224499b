/** AWS adapters of the ports (S3, Athena, SNS, DynamoDB) and the cores the Lambdas run. */
export { AthenaQueryEngine, type AthenaQueryEngineOptions, type AthenaRunStats } from './athena-query-engine';
export { DynamoDbDedupStore, type DynamoDbDedupStoreOptions } from './dynamodb-dedup-store';
export { AthenaQueryError, AthenaTimeoutError, AwsAdapterConfigError, PublishError } from './errors';
export { INDICATORS_PARQUET_NAME, writeIndicatorsAsset, writeIndicatorsParquet } from './indicators-parquet';
export { normalizeS3Upload, type NormalizeS3UploadOptions, type NormalizeS3UploadResult } from './normalize-s3-upload';
export { publishBatchResults, type BatchHuntOutcome, type PublishBatchRequest } from './publish-hunt-results';
export { publishHuntResults, type PublishOutcome, type PublishPorts, type PublishRequest, UnknownHuntError } from './publish-hunt-results';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
export { estimateScans, type ScanEstimate, type HuntScanEstimate } from './scan-estimate';
export { estimateStaged, type StagedEstimate, type StagedQueryEstimate } from './scan-estimate';
export { SnsNotifier, type PublishResult, type SnsNotifierOptions } from './sns-notifier';
export { planSweep, planHunt, type SweepPlan, type SweepRequest, type PlannedHunt, SweepPlanError } from './sweep-plan';
export { parseManifestKey, parseUploadKey, LayoutError } from '../core';
export { DEFAULT_PRICE_PER_TB, estimateScopes, listLakeFiles } from './scan-estimate';
export {
  planSweepDetailed,
  planStagedQueries,
  candidatesPrefix,
  queryTextKey,
  splitQueryTexts,
  ATHENA_MAX_QUERY_BYTES,
  MAX_STAGED_BATCH_BYTES,
  QUERY_TEXTS_FOLDER,
} from './sweep-plan';
export type { StagedContext, StagedRun, StagedRunState, SweepPlanState, PlannedBatch, PlannedSelection } from './sweep-plan';
export { runSmoke, type SmokeOptions } from './smoke';
export { DynamoDbTriageStore } from './dynamodb-triage-store';
export { runAwsBoardJob, type AwsBoardRequest } from './board-job';
export { getStringFromEnv } from './env';
export { LargeUploadTask, routeUpload } from './large-upload-task';
export { normalizeUploadJob } from './normalize-upload-job';
export { UPLOAD_KEY_VARIABLE, uploadEventOf } from './upload-event';
export { verifyLakeJob, uploadsNamedByFailure, repairMessage, type LakeVerifyReport, type LakeRepair } from './lake-verify-job';
