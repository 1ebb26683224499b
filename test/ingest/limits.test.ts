import { DEFAULT_LIMITS, resolveLimits } from '../../src/ingest';

describe('resolveLimits', () => {
  it('fills missing limits with the defaults', () => {
    // Act
    const limits = resolveLimits({ maxRatio: 500, maxDepth: undefined });
    // Assess
    expect(limits).toEqual({ ...DEFAULT_LIMITS, maxRatio: 500 });
    expect(DEFAULT_LIMITS).toEqual({
      maxEntries: 100_000,
      maxEntryBytes: 20 * 1024 ** 3,
      maxTotalBytes: 200 * 1024 ** 3,
      maxRatio: 200,
      maxDepth: 4,
      maxLineBytes: 1024 * 1024,
    });
  });

  it('throws for a value that is not a positive integer, showing it', () => {
    expect(() => resolveLimits({ maxEntries: 0 })).toThrow('maxEntries must be a positive integer, got 0');
    expect(() => resolveLimits({ maxDepth: 1.5 })).toThrow('maxDepth must be a positive integer, got 1.5');
    expect(() => resolveLimits({ maxEntryBytes: Number.NaN })).toThrow('maxEntryBytes must be a positive integer, got NaN');
    expect(() => resolveLimits({ maxRatio: 0.5 })).toThrow('maxRatio must be a number of at least 1, got 0.5');
    expect(() => resolveLimits({ maxLineBytes: '10' as unknown as number })).toThrow('maxLineBytes must be a positive integer, got "10"');
  });

  it('throws for an unknown limit, naming the known ones', () => {
    expect(() => resolveLimits({ maxFoo: 1 } as never)).toThrow(/unknown ingest limit "maxFoo"; known limits: maxEntries, /);
  });
});
