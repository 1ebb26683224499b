/** AWS adapters of the ports (S3, Athena, SNS, DynamoDB) and the cores the Lambdas run. */
export { AthenaQueryEngine, type AthenaQueryEngineOptions, type AthenaRunStats } from './athena-query-engine';
export { DynamoDbDedupStore, type DynamoDbDedupStoreOptions } from './dynamodb-dedup-store';
export { AthenaQueryError, AthenaTimeoutError, AwsAdapterConfigError, PublishError } from './errors';
export { INDICATORS_PARQUET_NAME, writeIndicatorsAsset, writeIndicatorsParquet } from './indicators-parquet';
export { normalizeS3Upload, type NormalizeS3UploadOptions, type NormalizeS3UploadResult } from './normalize-s3-upload';
export { publishHuntResults, type PublishOutcome, type PublishPorts, type PublishRequest, UnknownHuntError } from './publish-hunt-results';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
export { estimateScans, type ScanEstimate, type HuntScanEstimate } from './scan-estimate';
export { SnsNotifier, type PublishResult, type SnsNotifierOptions } from './sns-notifier';
export { planSweep, planHunt, type SweepPlan, type SweepRequest, type PlannedHunt, SweepPlanError } from './sweep-plan';
export { parseManifestKey, parseUploadKey, LayoutError } from '../core/layout';
