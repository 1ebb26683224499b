/**
 * Conversions between Athena's text result cells / execution parameters and the
 * plain values of the QueryEngine contract (src/hunt/types.ts).
 */
import { AwsAdapterConfigError } from './errors';

/**
 * One positional execution parameter as Athena expects it: a SQL literal.
 * Hunts bind windows as `YYYY-MM-DD` strings, so strings become quoted
 * literals (quotes doubled); plain numbers stay numbers.
 */
export function toExecutionParameter(value: string): string {
  if (typeof value !== 'string')
    throw new AwsAdapterConfigError(`athena parameters must be strings, got ${typeof value}: ${String(value)}`);
  return `'${value.replace(/'/g, "''")}'`;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'real', 'float', 'decimal']);

/**
 * Converts one result cell (Athena returns every value as text, null as a
 * missing VarCharValue) to the contract's type for its column type:
 * timestamps -> ISO-8601 UTC with `Z`, integers -> numbers, booleans -> booleans.
 */
export function fromAthenaCell(value: string | undefined, type: string | undefined): unknown {
  if (value === undefined || value === null) return null;
  const t = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '').trim();
  if (INTEGER_TYPES.has(t)) {
    const n = Number(value);
    // Beyond 2^53 a number would silently round: keep the exact text instead.
    return Number.isSafeInteger(n) ? n : value;
  }
  if (FLOAT_TYPES.has(t)) return Number(value);
  if (t === 'boolean') return value === 'true';
  if (t === 'timestamp' || t === 'timestamp with time zone') return athenaTimestampToIso(value);
  return value;
}

/**
 * `2021-03-02 10:15:30.000` (Athena, UTC session) -> `2021-03-02T10:15:30.000Z`.
 * A `timestamp with time zone` value (`... UTC` or `... +01:00`) is converted to UTC.
 */
export function athenaTimestampToIso(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return value;
  const frac = ((m[3] ?? '.000') + '000').slice(0, 4);
  const zone = !m[4] || m[4] === 'UTC' || m[4] === 'Z' ? 'Z' : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  if (zone === 'Z') return `${m[1]}T${m[2]}${frac}Z`;
  return new Date(`${m[1]}T${m[2]}${frac}${zone}`).toISOString();
}
