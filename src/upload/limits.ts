/**
 * Size limits of an upload that the deployed pipeline can process, shared by the grants, the CLI upload and the
 * normalizer's routing (src/aws/large-upload-task.ts). docs/deploy.md explains the figures.
 */

const GiB = 1024 ** 3;

/** Uploads up to this size are normalized by the Lambda (15 minutes, 10 GiB of /tmp); larger ones by the Fargate task. */
export const DEFAULT_LARGE_UPLOAD_BYTES = 2 * GiB;

/**
 * The largest upload the pipeline accepts: the Fargate task's 200 GiB disk holds the staged archive and the Parquet
 * files of one upload (about 17.5% of the inflated logs, whose total the ingest limits to 200 GiB: 35 GiB), with
 * room to spare for nested archives spooled while reading.
 */
export const MAX_UPLOAD_BYTES = 100 * GiB;
