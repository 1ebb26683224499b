/**
 * The time zone of export timestamps written without an offset.
 *
 * PowerShell's Export-Csv (`TimeCreated` as "3/2/2021 10:15:30 AM"), NXLog's
 * `EventTime` and file listings (`LastWriteTime`) write the exporting machine's
 * local time with no offset. Read as UTC, a Brussels server's events land one or
 * two hours early, on the wrong day near midnight, which matters for "since
 * when?". Given the zone (`--local-tz Europe/Brussels`, or an agency's `timeZone`
 * in the deployment config), those times are converted with the zone's rules of
 * that date, summer time included.
 *
 * Wall times that a zone skips or repeats (the hour lost in spring, the one
 * repeated in autumn) are resolved as JavaScript's Temporal "compatible" mode
 * does: a skipped time moves forward by the gap, and a repeated one takes the
 * earlier instant.
 */

/** A time zone that turns local wall-clock times into UTC. */
export interface LocalZone {
  /** As given: `UTC`, an IANA name (`Europe/Brussels`) or a fixed offset (`+01:00`). */
  readonly name: string;
  /** True for UTC (and +00:00): wall times are already UTC. */
  readonly isUtc: boolean;
  /** Epoch ms UTC of the wall-clock time `wallMs` (that time's fields read as if UTC, e.g. from Date.UTC). */
  toUtc(wallMs: number): number;
}

/** Thrown for a zone that is neither UTC, an offset nor an IANA name this Node.js knows. */
export class ZoneError extends Error {
  override readonly name = 'ZoneError';
}

export const UTC_ZONE: LocalZone = { name: 'UTC', isUtc: true, toUtc: (wallMs) => wallMs };

/** Offsets change on quarter hours in every real zone: one resolved offset per 15 minutes of wall time. */
const BUCKET_MS = 15 * 60 * 1000;

/**
 * Parses a zone: `UTC`/`Z`, a fixed offset `+HH:MM`, `+HHMM`, `+HH` (also `UTC+01:00`), or an IANA name.
 * @throws ZoneError naming the accepted forms.
 */
export function parseZone(spec: string): LocalZone {
  const s = spec.trim();
  if (/^(utc|gmt|z)$/i.test(s)) return UTC_ZONE;
  const m = /^(?:utc|gmt)?([+-])(\d{2})(?::?(\d{2}))?$/i.exec(s);
  if (m) {
    const minutes = (m[1] === '+' ? 1 : -1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) throw new ZoneError(`time zone offset "${spec}" is out of range (-14:00..+14:00)`);
    if (minutes === 0) return { ...UTC_ZONE, name: s };
    return { name: s, isUtc: false, toUtc: (wallMs) => wallMs - minutes * 60_000 };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: s,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ZoneError(`unknown time zone "${spec}": give UTC, an offset such as +01:00, or an IANA name such as Europe/Brussels`);
  }
  const canonical = fmt.resolvedOptions().timeZone;
  if (canonical === 'UTC' || canonical === 'Etc/UTC') return { ...UTC_ZONE, name: s };
  return ianaZone(s, fmt);
}

function ianaZone(name: string, fmt: Intl.DateTimeFormat): LocalZone {
  /** Minutes east of UTC at instant `t`. */
  const offsetAt = (t: number): number => {
    // Whole seconds: the formatter has no milliseconds.
    const whole = Math.floor(t / 1000) * 1000;
    const f: Record<string, number> = {};
    for (const p of fmt.formatToParts(new Date(whole))) if (p.type !== 'literal') f[p.type] = Number(p.value);
    const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return Math.round((wall - whole) / 60_000);
  };
  const cache = new Map<number, number>();
  return {
    name,
    isUtc: false,
    toUtc(wallMs: number): number {
      const bucket = Math.floor(wallMs / BUCKET_MS);
      let off = cache.get(bucket);
      if (off === undefined) {
        // The offsets one day either side of the wall time bracket any transition near it.
        const before = offsetAt(wallMs - 86_400_000);
        const after = offsetAt(wallMs + 86_400_000);
        const start = bucket * BUCKET_MS;
        if (before === after) off = before;
        else {
          const withBefore = start - before * 60_000;
          const withAfter = start - after * 60_000;
          const okBefore = offsetAt(withBefore) === before;
          const okAfter = offsetAt(withAfter) === after;
          if (okBefore && okAfter)
            off = Math.max(before, after); // repeated: the earlier instant (larger offset)
          else if (okBefore) off = before;
          else if (okAfter) off = after;
          else off = before; // skipped: read with the offset before the gap, i.e. moved forward by it
        }
        if (cache.size > 100_000) cache.clear();
        cache.set(bucket, off);
      }
      return wallMs - off * 60_000;
    },
  };
}
