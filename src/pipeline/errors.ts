/** Errors of the normalize pipeline. Bad input is never one of them: it goes to the manifest. */

/** The upload could not be normalized at all (bad options, lake not writable). */
export class NormalizeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NormalizeError';
  }
}
