/**
 * A one-line progress display on stderr for long runs (TTY only): files,
 * bytes, rows, rate, current file. Silent when stderr is not a terminal.
 */
import { formatBytes } from '../core';

export { formatBytes };

/** What the bar shows. */
export interface ProgressState {
  readonly entries: number;
  readonly bytes: number;
  readonly rows: number;
  readonly current: string | null;
}

/** A progress line that redraws in place. */
export interface ProgressBar {
  update(p: ProgressState): void;
  /** Clears the line (call before printing the summary). */
  done(): void;
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A progress bar on `out` when it is a TTY, else a no-op.
 * @param now clock in ms (tests)
 */
export function createProgressBar(out: NodeJS.WriteStream, opts: { enabled?: boolean; now?: () => number } = {}): ProgressBar {
  const enabled = opts.enabled ?? Boolean(out.isTTY);
  if (!enabled) return { update: () => undefined, done: () => undefined };
  const now = opts.now ?? Date.now;
  const start = now();
  let drawn = false;
  return {
    update(p) {
      const secs = Math.max((now() - start) / 1000, 0.001);
      const width = out.columns && out.columns > 40 ? out.columns : 100;
      let line = `${formatCount(p.entries)} files  ${formatBytes(p.bytes)}  ${formatCount(p.rows)} rows  ${formatBytes(p.bytes / secs)}/s`;
      if (p.current) {
        const room = width - line.length - 3;
        if (room > 10) line += `  ${p.current.length > room ? '…' + p.current.slice(-(room - 1)) : p.current}`;
      }
      out.write(`\r${line.slice(0, width - 1)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}
