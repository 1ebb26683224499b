/**
 * Errors of the upload module. Each keeps its `cause`; the CLI turns them into
 * exit codes and suggestions.
 */

/** Base class: anything that went wrong while uploading, granting or waiting for a receipt. */
export class UploadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadError';
  }
}

/** A bad argument (agency id, file name, size, expiry), with the bad value in the message. */
export class UploadArgumentError extends UploadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadArgumentError';
  }
}

/** The bytes the server stored for a part differ from the bytes read from disk. */
export class PartChecksumMismatchError extends UploadError {
  constructor(
    readonly partNumber: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`part ${partNumber}: the server stored different bytes than were sent (expected ${expected}, server reported ${actual})`);
    this.name = 'PartChecksumMismatchError';
  }
}

/**
 * The upload stopped before it was complete (connection lost, part failed
 * after retries, or cancelled). The parts already stored are kept and
 * recorded in the state file: running the same command again resumes.
 */
export class UploadInterruptedError extends UploadError {
  constructor(
    message: string,
    readonly partsDone: number,
    readonly partsTotal: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UploadInterruptedError';
  }
}

/** The receipt (manifest) did not appear in time. */
export class ReceiptTimeoutError extends UploadError {
  constructor(
    readonly manifestKey: string,
    readonly waitedMs: number,
  ) {
    super(`no manifest at ${manifestKey} after ${Math.round(waitedMs / 1000)} s`);
    this.name = 'ReceiptTimeoutError';
  }
}
