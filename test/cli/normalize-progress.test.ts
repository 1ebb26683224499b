import { createProgressBar, formatBytes, formatCount } from '../../src/cli/progress';

function fakeTty(columns = 80) {
  const writes: string[] = [];
  return { stream: { isTTY: true, columns, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
}

describe('createProgressBar', () => {
  it('redraws one line with files, bytes, rows, rate and the current file, then clears it', () => {
    // Prepare
    const { stream, writes } = fakeTty(120);
    let now = 0;
    const bar = createProgressBar(stream, { now: () => now });
    // Act
    now = 2000;
    bar.update({ entries: 3, bytes: 200 * 1024 ** 2, rows: 1_234_567, current: 'logs.zip!EXCH01/W3SVC1/u_ex210302.log' });
    bar.done();
    // Assess
    expect(writes[0]).toBe('\r3 files  200 MiB  1,234,567 rows  100 MiB/s  logs.zip!EXCH01/W3SVC1/u_ex210302.log\x1b[K');
    expect(writes[1]).toBe('\r\x1b[K');
  });

  it('shortens a long current path from the left to fit the terminal', () => {
    // Prepare
    const { stream, writes } = fakeTty(60);
    const bar = createProgressBar(stream, { now: () => 1000 });
    // Act
    bar.update({ entries: 1, bytes: 10, rows: 1, current: 'a/'.repeat(50) + 'end.log' });
    // Assess
    const line = writes[0].replace('\r', '').replace('\x1b[K', '');
    expect(line.length).toBeLessThan(60);
    expect(line).toMatch(/….*end\.log$/);
  });

  it('writes nothing when stderr is not a terminal', () => {
    // Prepare
    const { stream, writes } = fakeTty();
    (stream as { isTTY: boolean }).isTTY = false;
    const bar = createProgressBar(stream);
    // Act
    bar.update({ entries: 1, bytes: 1, rows: 1, current: null });
    bar.done();
    // Assess
    expect(writes).toEqual([]);
  });
});

describe('formatBytes / formatCount', () => {
  it('prints binary units and grouped counts', () => {
    expect([formatBytes(999), formatBytes(1536), formatBytes(2.5 * 1024 ** 3)]).toEqual(['999 B', '1.5 KiB', '2.5 GiB']);
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});
