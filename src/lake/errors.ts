/** Errors of the lake writer and publisher. */

/** Writing rows to Parquet, or moving the result into place, failed. */
export class LakeWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LakeWriteError';
  }
}
