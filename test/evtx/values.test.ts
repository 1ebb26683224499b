import { filetimeMs, filetimeText, pyFloat, pythonWstringArray } from '../../src/formats/evtx/values';

describe('pyFloat', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [123456789012345.6, '123456789012345.6'],
    [-2.5, '-2.5'],
    [Math.fround(0.1), '0.10000000149011612'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
  ])('renders %p as Python repr %p', (x, expected) => {
    // Act / Assess
    expect(pyFloat(x)).toBe(expected);
  });
});

describe('filetimeText', () => {
  it('renders FILETIME like datetime.utcfromtimestamp(...).isoformat(" "), float rounding included', () => {
    // Prepare: values checked against python-evtx; exact times would end in .8688645, .8688655 and .6789012.
    const parts = (t: bigint) => [Number(t & 0xffffffffn), Number(t >> 32n)] as const;

    // Act / Assess
    expect(filetimeText(...parts(131108494458688645n))).toBe('2016-06-19 22:37:25.868864');
    expect(filetimeText(...parts(131108494458688655n))).toBe('2016-06-19 22:37:25.868864');
    expect(filetimeText(...parts(132588123456789012n))).toBe('2021-02-26 11:25:45.678900');
    expect(filetimeText(0, 0)).toBe('1601-01-01 00:00:00');
    expect(filetimeText(0xffffffff, 0xffffffff)).toBe('0001-01-01 00:00:00'); // python-evtx: datetime.min when out of range
  });

  it('gives exact epoch milliseconds for TimeCreated', () => {
    // Prepare
    const ms = Date.UTC(2021, 2, 3, 4, 5, 6, 789);
    const ticks = BigInt(ms) * 10000n + 116444736000000000n + 9999n;

    // Act
    const got = filetimeMs(Number(ticks & 0xffffffffn), Number(ticks >> 32n));

    // Assess
    expect(got).toBe(ms);
  });
});

describe('pythonWstringArray', () => {
  const arr = (items: string[]) => Buffer.from(items.map((s) => `${s}\0`).join(''), 'utf16le');

  it('renders items the way python-evtx does', () => {
    // Act / Assess
    expect(pythonWstringArray(arr(['root', ' [CLIENT: 10.0.2.17]']), 0, arr(['root', ' [CLIENT: 10.0.2.17]']).length)).toBe(
      '<string>root</string>\n<string> [CLIENT: 10.0.2.17]</string>\n',
    );
    expect(pythonWstringArray(arr(['x', '']), 0, arr(['x', '']).length)).toBe('<string>x</string>\n<string></string>\n');
  });

  it('stops instead of looping forever on an odd trailing byte', () => {
    // Prepare
    const b = Buffer.from([0x41]);

    // Act / Assess
    expect(pythonWstringArray(b, 0, 1)).toBe('');
  });
});
