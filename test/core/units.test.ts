import { formatBytes, parseSize, SizeFormatError } from '../../src/core';
import { parseSize as parseSizeFlag } from '../../src/cli/commands/normalize';
import { parseSize as parseGrantSize } from '../../src/upload';

describe('parseSize', () => {
  it('reads KB/MB/GB/TB as decimal and KiB/MiB/GiB/TiB (and bare K/M/G/T) as binary', () => {
    // Prepare
    const cases: Array<[string, number]> = [
      ['65536', 65536],
      ['512MB', 512 * 1000 ** 2],
      ['512 MiB', 512 * 1024 ** 2],
      ['1.5k', 1536],
      ['2 tb', 2 * 1000 ** 4],
      ['20GiB', 20 * 1024 ** 3],
      ['3G', 3 * 1024 ** 3],
    ];

    // Act
    const got = cases.map(([text]) => parseSize(text));

    // Assess
    expect(got).toEqual(cases.map(([, n]) => n));
  });

  it('gives the same answer for normalize flags and upload links', () => {
    // Prepare
    const texts = ['500MB', '2GiB', '1.5G', '1000'];

    // Act
    const asFlag = texts.map((t) => parseSizeFlag('--max-entry-bytes', t));
    const asGrant = texts.map((t) => parseGrantSize(t));

    // Assess
    expect(asFlag).toEqual(asGrant);
    expect(asFlag).toEqual(texts.map((t) => parseSize(t)));
  });

  it('throws SizeFormatError naming text it cannot read', () => {
    for (const bad of ['big', '5 GBs', '-1', '', '1e3', '12 bytes']) {
      expect(() => parseSize(bad)).toThrow(SizeFormatError);
      expect(() => parseSize(bad)).toThrow(JSON.stringify(bad));
    }
  });
});

describe('formatBytes', () => {
  it('prints binary units that parseSize reads back', () => {
    // Prepare
    const sizes = [0, 999, 1536, 10 * 1024 ** 2, 312 * 1024 ** 2, 2.5 * 1024 ** 3, 3 * 1024 ** 4];

    // Act
    const printed = sizes.map(formatBytes);

    // Assess
    expect(printed).toEqual(['0 B', '999 B', '1.5 KiB', '10.0 MiB', '312 MiB', '2.5 GiB', '3.0 TiB']);
    for (const [i, text] of printed.entries()) expect(parseSize(text.replace(' ', ''))).toBe(sizes[i]);
  });
});
