/**
 * Timestamp parsing for the text families, written for the hot loop: digits are
 * read with charCodeAt, no regex and no Date parsing of free text.
 *
 * Every function returns epoch milliseconds UTC, or NaN when the text is not a
 * valid time of the expected layout (callers turn NaN into a rejection or null).
 *
 * Layouts without an offset: IIS, HttpProxy and ECP logs are UTC by design and
 * are read as UTC. Exports (Export-Csv "3/2/2021 10:15:30 AM", NXLog
 * "2021-03-02 10:15:30", file listings) carry the exporting machine's local
 * time: the parsers pass the upload's {@link LocalZone} (`--local-tz`; UTC when
 * none is given) and such times are converted with it. Offsets in the text
 * always win.
 */
import type { LocalZone } from './zone';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1];
}

/** Reads `n` decimal digits at `i`; -1 when any is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

// One-day cache: consecutive log lines almost always share the date.
let cachedDayText = '';
let cachedDayMs = 0;

/** Epoch ms of `YYYY-MM-DD` at `s[0..10)`, NaN when invalid. */
function dayMs(s: string): number {
  if (cachedDayText.length === 10 && s.startsWith(cachedDayText)) return cachedDayMs;
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return NaN;
  cachedDayMs = Date.UTC(y, mo - 1, d);
  cachedDayText = s.slice(0, 10);
  return cachedDayMs;
}

/**
 * Parses `HH:MM:SS[.fraction]` starting at `i`, up to `end`.
 * Returns ms since midnight and sets {@link lastTimeEnd} to the index after it; NaN when invalid.
 */
let lastTimeEnd = 0;
function timeOfDayMs(s: string, i: number, end: number): number {
  if (end - i < 8 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return NaN;
  const h = digits(s, i, 2);
  const m = digits(s, i + 3, 2);
  const sec = digits(s, i + 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return NaN;
  let ms = 0;
  let j = i + 8;
  if (j < end && (s.charCodeAt(j) === 46 || s.charCodeAt(j) === 44)) {
    j++;
    let scale = 100;
    const start = j;
    while (j < end) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      // Only milliseconds are kept; .NET writes 7 fraction digits.
      if (scale >= 1) ms += c * scale;
      scale /= 10;
      j++;
    }
    if (j === start) return NaN;
    ms = Math.floor(ms);
  }
  lastTimeEnd = j;
  return ((h * 60 + m) * 60 + sec) * 1000 + ms;
}

/** Parses an offset `Z`, `+HH:MM`, `+HHMM` or `+HH` at `i`..`end`; returns minutes east of UTC, NaN when invalid. */
function offsetMinutes(s: string, i: number, end: number): number {
  if (i === end) return 0;
  const c = s.charCodeAt(i);
  if ((c === 90 || c === 122) && i + 1 === end) return 0; // Z
  if (c !== 43 && c !== 45) return NaN;
  const sign = c === 43 ? 1 : -1;
  const h = digits(s, i + 1, 2);
  if (h < 0 || h > 14) return NaN;
  let m = 0;
  const rest = end - (i + 3);
  if (rest === 3 && s.charCodeAt(i + 3) === 58) m = digits(s, i + 4, 2);
  else if (rest === 2) m = digits(s, i + 3, 2);
  else if (rest !== 0) return NaN;
  if (m < 0 || m > 59) return NaN;
  return sign * (h * 60 + m);
}

/**
 * ISO-8601 date-time: `YYYY-MM-DDTHH:MM:SS[.fff…][Z|±HH:MM]`, a space instead of `T`
 * accepted; without an offset the time is in `zone` (UTC when none is given).
 */
export function parseIsoTime(s: string, zone?: LocalZone | null): number {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  const day = dayMs(s);
  if (Number.isNaN(day) || end < 19) return NaN;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32 && sep !== 116) return NaN;
  const tod = timeOfDayMs(s, 11, end);
  if (Number.isNaN(tod)) return NaN;
  let j = lastTimeEnd;
  if (j < end && s.charCodeAt(j) === 32) j++; // "2021-03-02 10:15:30 +01:00"
  if (j === end) return zone ? zone.toUtc(day + tod) : day + tod;
  const off = offsetMinutes(s, j, end);
  if (Number.isNaN(off)) return NaN;
  return day + tod - off * 60000;
}

/** IIS W3C `date` + `time` fields (`2021-03-02`, `10:15:30` or `10:15:30.123`), UTC. */
export function parseW3cDateTime(date: string, time: string): number {
  if (date.length !== 10) return NaN;
  const day = dayMs(date);
  if (Number.isNaN(day)) return NaN;
  const tod = timeOfDayMs(time, 0, time.length);
  if (Number.isNaN(tod) || lastTimeEnd !== time.length) return NaN;
  return day + tod;
}

/**
 * `/Date(1614681330123)/` or `/Date(1614681330123+0100)/` (Windows PowerShell 5.1
 * ConvertTo-Json). The number is already UTC epoch ms; the offset only says how
 * the value was displayed, so it is ignored.
 */
export function parseDotNetDate(s: string): number {
  const open = s.indexOf('Date(');
  if (open < 0) return NaN;
  let i = open + 5;
  let neg = false;
  if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  const start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    i++;
  }
  if (i === start) return NaN;
  const c = s.charCodeAt(i);
  if (c !== 41 && c !== 43 && c !== 45) return NaN;
  return neg ? -v : v;
}

/**
 * Culture-formatted date-times as PowerShell's Export-Csv writes them:
 * `3/2/2021 10:15:30 AM` (en-US, M/d/yyyy h:mm:ss tt), `3/2/2021 22:15:30`,
 * `02.03.2021 10:15:30` (d.M.yyyy), plus everything {@link parseIsoTime} accepts.
 * Slash dates are month first unless the first number is above 12. The time is in `zone` (UTC when none is
 * given), unless ISO text carries an offset.
 */
export function parseLocalDateTime(text: string, zone?: LocalZone | null): number {
  const s = text.trim();
  if (s.length >= 19 && s.charCodeAt(4) === 45) return parseIsoTime(s, zone);
  const sp = s.indexOf(' ');
  if (sp < 0) return NaN;
  const datePart = s.slice(0, sp);
  const sepChar = datePart.indexOf('/') >= 0 ? '/' : datePart.indexOf('.') >= 0 ? '.' : '';
  if (!sepChar) return NaN;
  const p = datePart.split(sepChar);
  if (p.length !== 3) return NaN;
  const a = Number(p[0]);
  const b = Number(p[1]);
  const y = Number(p[2]);
  if (!Number.isInteger(a) || !Number.isInteger(b) || !Number.isInteger(y) || p[2].length !== 4) return NaN;
  let month: number;
  let day: number;
  if (sepChar === '.') {
    day = a;
    month = b;
  } else if (a > 12) {
    day = a;
    month = b;
  } else {
    month = a;
    day = b;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(y, month)) return NaN;
  let rest = s.slice(sp + 1).trim();
  let ampm = 0;
  const upper = rest.slice(-2).toUpperCase();
  if (upper === 'AM' || upper === 'PM') {
    ampm = upper === 'AM' ? 1 : 2;
    rest = rest.slice(0, -2).trim();
  }
  const t = rest.split(':');
  if (t.length < 2 || t.length > 3) return NaN;
  let h = Number(t[0]);
  const m = Number(t[1]);
  const secText = t.length === 3 ? t[2] : '0';
  const sec = Number(secText);
  if (!Number.isInteger(h) || !Number.isInteger(m) || !Number.isFinite(sec) || m > 59 || m < 0 || sec < 0 || sec >= 60) return NaN;
  if (ampm) {
    if (h < 1 || h > 12) return NaN;
    if (ampm === 1 && h === 12) h = 0;
    else if (ampm === 2 && h !== 12) h += 12;
  } else if (h < 0 || h > 23) return NaN;
  const wall = Date.UTC(y, month - 1, day, h, m, 0) + Math.round(sec * 1000);
  return zone ? zone.toUtc(wall) : wall;
}

/**
 * Any of the export layouts: `/Date(…)/`, ISO with or without offset, culture text.
 * Used by the Windows export parsers, where the layout depends on the PowerShell version.
 */
export function parseAnyTime(text: string, zone?: LocalZone | null): number {
  if (text.indexOf('Date(') >= 0) return parseDotNetDate(text);
  return parseLocalDateTime(text, zone);
}
