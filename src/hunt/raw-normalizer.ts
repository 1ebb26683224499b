/**
 * Raw fixture inputs -> normalized rows, through content detection and the real parsers.
 */
import type { RawNormalizer } from './fixtures';

/** The normalizer the fixtures use: the real parsers once they are built into the project, else undefined. */
export function defaultRawNormalizer(): RawNormalizer | undefined {
  return undefined;
}
