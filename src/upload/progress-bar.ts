/**
 * The upload progress line: bar, percentage, bytes, rate and ETA.
 * Pure formatting; the CLI decides where and how often to print it.
 */
import { formatBytes } from '../core';
import type { UploadProgress } from './multipart-upload';

/** Seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * One progress line. The rate counts only bytes sent in this run (parts found
 * on the server after a resume are not "speed"), so the ETA stays honest.
 *
 * @example
 * formatProgressLine({ bytesDone: 50 * MiB, bytesTotal: 100 * MiB, partsDone: 5, partsTotal: 10, bytesResumed: 0 }, 10_000)
 * // '[##########..........]  50%  50.0 MiB / 100.0 MiB  5.0 MiB/s  ETA 0:10'
 */
export function formatProgressLine(p: UploadProgress, elapsedMs: number, width = 20): string {
  const ratio = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1;
  const filled = Math.min(width, Math.floor(ratio * width));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${String(Math.floor(ratio * 100)).padStart(3)}%`;
  const sent = p.bytesDone - p.bytesResumed;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 && sent > 0 ? sent / seconds : 0;
  const eta = p.bytesDone >= p.bytesTotal ? 'done' : rate > 0 ? `ETA ${formatDuration((p.bytesTotal - p.bytesDone) / rate)}` : 'ETA --:--';
  const resumed = p.bytesResumed > 0 ? `  (${formatBytes(p.bytesResumed)} already on the server)` : '';
  return `${bar} ${pct}  ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${rate > 0 ? `${formatBytes(rate)}/s` : '-- B/s'}  ${eta}${resumed}`;
}
