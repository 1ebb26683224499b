/**
 * Errors of the hunt module. Each keeps the `cause` and names the file or query it is about.
 */

/** A query file whose header or body cannot be used (bad YAML, schema violation, missing body). */
export class QueryFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'QueryFileError';
  }
}

/** A fixture file (`<stem>.test.yml`) that cannot be read or does not follow the format. */
export class FixtureFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'FixtureFileError';
  }
}

/** The engine could not be opened or prepared (lake views, shims, indicators). */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}
