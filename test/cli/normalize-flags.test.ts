import { parseCount, parseSize, limitsFromFlags } from '../../src/cli/commands/normalize';
import { CliError } from '../../src/cli/errors';

describe('parseSize', () => {
  it('reads binary and decimal units, case-insensitive, with fractions', () => {
    expect(parseSize('--x', '20GiB')).toBe(20 * 1024 ** 3);
    expect(parseSize('--x', '512MB')).toBe(512 * 1000 ** 2);
    expect(parseSize('--x', '1.5k')).toBe(1536);
    expect(parseSize('--x', '65536')).toBe(65536);
    expect(parseSize('--x', '2 tb')).toBe(2 * 1000 ** 4);
  });

  it.each(['', 'abc', '12XB', '-5MB', '0', '0.0001KB', '1e3'])('throws a BAD_ARGUMENT naming the flag for %j', (v) => {
    expect(() => parseSize('--max-entry-bytes', v)).toThrow(CliError);
    expect(() => parseSize('--max-entry-bytes', v)).toThrow(/--max-entry-bytes/);
  });
});

describe('parseCount', () => {
  it('accepts positive integers, and fractions only where allowed', () => {
    expect(parseCount('--n', '42')).toBe(42);
    expect(parseCount('--r', '2.5', true)).toBe(2.5);
  });

  it('throws for zero, negatives, fractions and text', () => {
    for (const v of ['0', '-1', '1.5', 'ten', ''])
      expect(() => parseCount('--max-depth', v)).toThrow(/--max-depth must be a positive integer/);
    expect(() => parseCount('--max-ratio', '0.5', true)).toThrow(/--max-ratio must be a number of at least 1, got "0.5"/);
  });
});

describe('limitsFromFlags', () => {
  it('merges the given flags over the defaults', () => {
    // Act
    const l = limitsFromFlags({ maxEntries: '10', maxLineBytes: '4KiB' });
    // Assess
    expect(l).toMatchObject({ maxEntries: 10, maxLineBytes: 4096, maxDepth: 4, maxRatio: 200 });
  });
});
