/**
 * Errors of the AWS adapters. Each keeps the SDK error as `cause`.
 */

/** An Athena query ended FAILED or CANCELLED, or could not be started or read. */
export class AthenaQueryError extends Error {
  constructor(
    message: string,
    /** The query execution id, when Athena gave one. */
    readonly queryExecutionId?: string,
    /** Athena's final state (FAILED, CANCELLED) when the query ran. */
    readonly state?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AthenaQueryError';
  }
}

/** An Athena query did not finish within the engine's time limit (it is cancelled). */
export class AthenaTimeoutError extends AthenaQueryError {
  constructor(message: string, queryExecutionId: string) {
    super(message, queryExecutionId, 'TIMEOUT');
    this.name = 'AthenaTimeoutError';
  }
}

/** A value cannot be passed to Athena or an option is invalid. */
export class AwsAdapterConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsAdapterConfigError';
  }
}

/** SNS refused a message. */
export class PublishError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** Indexes (in the publish call's list) of the messages that did go out before or despite the failure. */
    readonly published: readonly number[] = [],
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}
