/**
 * CLI errors: a code, a message, and a suggestion for the user. `handleError`
 * is the only place that prints an error and exits.
 */

export const CliErrorCode = {
  BadArgument: 'BAD_ARGUMENT',
  NotFound: 'NOT_FOUND',
  NotImplemented: 'NOT_IMPLEMENTED',
  QueryFailed: 'QUERY_FAILED',
  FixturesFailed: 'FIXTURES_FAILED',
  Internal: 'INTERNAL',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** Exit codes: 0 ok, 1 findings or failed checks, 2 usage errors, 3 runtime errors. */
const EXIT: Record<CliErrorCode, number> = {
  BAD_ARGUMENT: 2,
  NOT_FOUND: 2,
  NOT_IMPLEMENTED: 3,
  QUERY_FAILED: 3,
  FIXTURES_FAILED: 1,
  INTERNAL: 3,
};

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly suggestion?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }

  toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, suggestion: this.suggestion } };
  }
}

/** Prints the error (as JSON with --json) and exits with its code. Never returns. */
export function handleError(err: unknown, opts: { json?: boolean } = {}): never {
  const e =
    err instanceof CliError
      ? err
      : new CliError(CliErrorCode.Internal, err instanceof Error ? err.message : String(err), undefined, { cause: err });
  if (opts.json) {
    process.stdout.write(JSON.stringify(e.toJSON()) + '\n');
  } else {
    process.stderr.write(`error: ${e.message}\n`);
    if (e.suggestion) process.stderr.write(`  ${e.suggestion}\n`);
    if (e.code === CliErrorCode.Internal && err instanceof Error && err.stack && process.env.SWEEP_DEBUG)
      process.stderr.write(err.stack + '\n');
  }
  process.exit(EXIT[e.code]);
}
