/**
 * Uploads too large for the normalizer Lambda (15 minutes, 10 GiB of /tmp) are normalized by the same code in an
 * ECS Fargate task (no time limit, up to 200 GiB of disk). The Lambda measures the upload and, past the threshold,
 * starts the task with the object key and returns; the task publishes the lake files, the manifest and the receipt.
 */
import { createHash } from 'node:crypto';
import { RunTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { ObjectStore } from '../core';
import { UPLOAD_KEY_VARIABLE } from './upload-event';
import { parseUploadKey } from '../core';

export { DEFAULT_LARGE_UPLOAD_BYTES, MAX_UPLOAD_BYTES } from '../upload';

export interface LargeUploadTaskOptions {
  readonly client: ECSClient;
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly containerName: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** A URL the container fetches its code from (a presigned GET of the task bundle asset). */
  readonly codeUrl: () => Promise<string>;
}

/** Where an upload is normalized, and why. */
export interface UploadRoute {
  readonly where: 'lambda' | 'task';
  readonly bytes: number;
  readonly objects: number;
}

/** Thrown when ECS does not start the task (capacity, configuration); the message is ECS's reason. */
export class LargeUploadTaskError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LargeUploadTaskError';
  }
}

/** Sizes the whole upload the key belongs to (every object of `uploads/agency=<id>/<upload-id>/`). */
export async function routeUpload(uploads: ObjectStore, key: string, thresholdBytes: number): Promise<UploadRoute> {
  const { prefix } = parseUploadKey(key);
  const objects = (await uploads.list(prefix)).filter((o) => !o.key.endsWith('/'));
  const bytes = objects.reduce((s, o) => s + o.size, 0);
  return { where: bytes > thresholdBytes ? 'task' : 'lambda', bytes, objects: objects.length };
}

/** Starts Fargate tasks that normalize one upload each. */
export class LargeUploadTask {
  constructor(private readonly options: LargeUploadTaskOptions) {}

  /**
   * Starts the task for the upload `key` belongs to. `requestId` (the SQS message id) makes a redelivered message
   * start no second task (ECS idempotency token).
   */
  async start(key: string, requestId: string): Promise<string> {
    const o = this.options;
    const out = await o.client.send(
      new RunTaskCommand({
        cluster: o.cluster,
        taskDefinition: o.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        startedBy: 'sweep-normalizer',
        clientToken: createHash('sha256').update(requestId).digest('hex').slice(0, 64),
        networkConfiguration: {
          // Public subnets without NAT: the task reaches S3 through the gateway endpoint, other AWS APIs directly.
          awsvpcConfiguration: { subnets: [...o.subnets], securityGroups: [...o.securityGroups], assignPublicIp: 'ENABLED' },
        },
        overrides: {
          containerOverrides: [
            {
              name: o.containerName,
              environment: [
                { name: UPLOAD_KEY_VARIABLE, value: key },
                { name: 'TASK_CODE_URL', value: await o.codeUrl() },
              ],
            },
          ],
        },
      }),
    );
    const failure = out.failures?.[0];
    const task = out.tasks?.[0]?.taskArn;
    if (failure || !task)
      throw new LargeUploadTaskError(
        `ECS did not start the task for ${key}: ${failure?.reason ?? 'no task returned'} ${failure?.detail ?? ''}`.trim(),
      );
    return task;
  }
}
