/**
 * Default ingest limits and their validation.
 */
import type { IngestLimits } from './types';

const GiB = 1024 ** 3;

/** The defaults documented on `IngestLimits`. */
export const DEFAULT_LIMITS: IngestLimits = Object.freeze({
  maxEntries: 100_000,
  maxEntryBytes: 20 * GiB,
  maxTotalBytes: 200 * GiB,
  maxRatio: 200,
  maxDepth: 4,
  maxLineBytes: 1024 * 1024,
});

/** Thrown for an invalid limit value; the message shows the bad value. */
export class InvalidLimitError extends Error {
  constructor(
    readonly limit: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidLimitError';
  }
}

/**
 * Merges `partial` over `DEFAULT_LIMITS` and validates every value.
 *
 * @throws InvalidLimitError for an unknown limit name, or a value that is not a
 *   positive integer (maxRatio may be fractional, but at least 1).
 * @example resolveLimits({ maxRatio: 500 }).maxEntries // 100000
 */
export function resolveLimits(partial: Partial<IngestLimits> = {}): IngestLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) {
      throw new InvalidLimitError(key, value, `unknown ingest limit "${key}"; known limits: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    }
    const ok =
      typeof value === 'number' && Number.isFinite(value) && (key === 'maxRatio' ? value >= 1 : Number.isInteger(value) && value >= 1);
    if (!ok) {
      const want = key === 'maxRatio' ? 'a number of at least 1' : 'a positive integer';
      throw new InvalidLimitError(
        key,
        value,
        `${key} must be ${want}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
      );
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as IngestLimits;
}
