import fc from 'fast-check';
import { parseAnyTime, parseIsoTime, parseLocalDateTime, parseW3cDateTime } from '../../src/formats/text/time';
import { parseZone, ZoneError } from '../../src/formats/text/zone';
import { WINEVENT_CSV_COLUMNS, csvQuoted, winEventCsvRow } from '../../testkit/raw-generators';
import { iso, runParser } from './run-parser';

const isoOf = (ms: number) => (Number.isNaN(ms) ? 'NaN' : new Date(ms).toISOString());
const wall = (text: string) => Date.parse(`${text}Z`);

describe('parseZone', () => {
  it.each(['UTC', 'utc', 'Z', 'GMT', '+00:00', 'Etc/UTC'])('%j is UTC: wall times are kept', (spec) => {
    const z = parseZone(spec);
    expect(z.isUtc).toBe(true);
    expect(z.toUtc(wall('2021-03-02T10:15:30'))).toBe(wall('2021-03-02T10:15:30'));
  });

  it.each([
    ['+01:00', '2021-03-02T09:15:30.000Z'],
    ['+0100', '2021-03-02T09:15:30.000Z'],
    ['+01', '2021-03-02T09:15:30.000Z'],
    ['UTC+02:00', '2021-03-02T08:15:30.000Z'],
    ['-05:00', '2021-03-02T15:15:30.000Z'],
    ['+05:30', '2021-03-02T04:45:30.000Z'],
  ])('fixed offset %j', (spec, expected) => {
    expect(isoOf(parseZone(spec).toUtc(wall('2021-03-02T10:15:30')))).toBe(expected);
  });

  it('follows summer time in an IANA zone (Europe/Brussels: +01:00 in winter, +02:00 in summer)', () => {
    const z = parseZone('Europe/Brussels');
    expect(z.name).toBe('Europe/Brussels');
    expect(isoOf(z.toUtc(wall('2021-01-15T10:00:00')))).toBe('2021-01-15T09:00:00.000Z');
    expect(isoOf(z.toUtc(wall('2021-03-02T10:15:30.250')))).toBe('2021-03-02T09:15:30.250Z');
    expect(isoOf(z.toUtc(wall('2021-07-01T10:00:00')))).toBe('2021-07-01T08:00:00.000Z');
    // Just after midnight local time is the previous day in UTC: the row's dt partition moves with it.
    expect(isoOf(z.toUtc(wall('2021-03-03T00:30:00')))).toBe('2021-03-02T23:30:00.000Z');
  });

  it('resolves the spring gap forward and the repeated autumn hour to its first occurrence (Temporal "compatible")', () => {
    const z = parseZone('Europe/Brussels');
    // 2021-03-28: 02:00 CET -> 03:00 CEST.
    expect(isoOf(z.toUtc(wall('2021-03-28T01:59:59')))).toBe('2021-03-28T00:59:59.000Z');
    expect(isoOf(z.toUtc(wall('2021-03-28T02:30:00')))).toBe('2021-03-28T01:30:00.000Z'); // = 03:30 CEST
    expect(isoOf(z.toUtc(wall('2021-03-28T03:00:00')))).toBe('2021-03-28T01:00:00.000Z');
    expect(isoOf(z.toUtc(wall('2021-03-28T03:30:00')))).toBe('2021-03-28T01:30:00.000Z');
    // 2021-10-31: 03:00 CEST -> 02:00 CET, 02:00-02:59 happens twice.
    expect(isoOf(z.toUtc(wall('2021-10-31T01:59:59')))).toBe('2021-10-30T23:59:59.000Z');
    expect(isoOf(z.toUtc(wall('2021-10-31T02:30:00')))).toBe('2021-10-31T00:30:00.000Z');
    expect(isoOf(z.toUtc(wall('2021-10-31T03:00:00')))).toBe('2021-10-31T02:00:00.000Z');
  });

  it('gives the same answers whatever order the times come in (its per-quarter-hour cache)', () => {
    const z1 = parseZone('America/New_York');
    const z2 = parseZone('America/New_York');
    const times: number[] = [];
    // Every 7 minutes over the March 2021 transition (Mar 14, 02:00 EST -> 03:00 EDT), both directions.
    for (let t = wall('2021-03-13T20:00:00'); t < wall('2021-03-14T08:00:00'); t += 7 * 60_000) times.push(t);
    const forward = times.map((t) => z1.toUtc(t));
    const backward = [...times]
      .reverse()
      .map((t) => z2.toUtc(t))
      .reverse();
    expect(backward).toEqual(forward);
    expect(isoOf(z1.toUtc(wall('2021-03-14T01:30:00')))).toBe('2021-03-14T06:30:00.000Z');
    expect(isoOf(z1.toUtc(wall('2021-03-14T03:30:00')))).toBe('2021-03-14T07:30:00.000Z');
  });

  it.each(['Europe/Brussels', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kolkata'])(
    'in %s, every wall time maps to the instant that shows it there (the earliest when repeated, moved forward by the gap when skipped)',
    (name) => {
      // Reference: Intl formats an instant in the zone; candidates are the wall time minus each offset seen nearby.
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      const shown = (t: number) => {
        const f: Record<string, number> = {};
        for (const p of fmt.formatToParts(new Date(t))) if (p.type !== 'literal') f[p.type] = Number(p.value);
        return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
      };
      const zone = parseZone(name);
      // The zone's transitions 2019-2021, as wall times (where the answers get interesting).
      const transitions: number[] = [];
      for (let t = Date.UTC(2019, 0, 1); t < Date.UTC(2022, 0, 1); t += 3_600_000) {
        if (shown(t) - t !== shown(t + 3_600_000) - (t + 3_600_000)) transitions.push(shown(t));
      }
      expect(transitions.length === 0 || transitions.length >= 4).toBe(true);
      fc.assert(
        fc.property(
          fc.integer({ min: Date.UTC(2019, 0, 1) / 1000, max: Date.UTC(2022, 0, 1) / 1000 }),
          fc.nat(),
          fc.integer({ min: -3 * 3600, max: 3 * 3600 }),
          (sec, pick, around) => {
            // Half the cases land within three hours of a transition (zones with summer time).
            const w = transitions.length && pick % 2 ? transitions[Math.floor(pick / 2) % transitions.length] + around * 1000 : sec * 1000;
            const offsets = new Set<number>();
            for (let t = w - 2 * 86_400_000; t <= w + 2 * 86_400_000; t += 15 * 60_000) offsets.add(shown(t) - t);
            const valid = [...offsets].map((o) => w - o).filter((u) => shown(u) === w);
            const expected = valid.length ? Math.min(...valid) : w - (shown(w - 86_400_000) - (w - 86_400_000));
            expect(zone.toUtc(w)).toBe(expected);
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it.each(['Mars/Olympus_Mons', '+15:00', '+01:75', 'local', ''])('refuses %j, naming the accepted forms', (spec) => {
    expect(() => parseZone(spec)).toThrow(ZoneError);
    expect(() => parseZone(spec)).toThrow(/UTC|offset|-14:00/);
  });
});

describe('export times in a zone', () => {
  const brussels = parseZone('Europe/Brussels');

  it('applies the zone only to text without an offset', () => {
    expect(isoOf(parseLocalDateTime('3/2/2021 10:15:30 AM', brussels))).toBe('2021-03-02T09:15:30.000Z');
    expect(isoOf(parseLocalDateTime('02.07.2021 10:15:30', brussels))).toBe('2021-07-02T08:15:30.000Z');
    expect(isoOf(parseIsoTime('2021-03-02 10:15:30', brussels))).toBe('2021-03-02T09:15:30.000Z');
    // An offset or a Z in the text wins.
    expect(isoOf(parseIsoTime('2021-03-02T10:15:30Z', brussels))).toBe('2021-03-02T10:15:30.000Z');
    expect(isoOf(parseLocalDateTime('2021-03-02T10:15:30-05:00', brussels))).toBe('2021-03-02T15:15:30.000Z');
    // /Date(ms)/ is epoch ms already.
    expect(isoOf(parseAnyTime('/Date(1614680130000)/', brussels))).toBe('2021-03-02T10:15:30.000Z');
    // Without a zone: UTC, as before.
    expect(isoOf(parseLocalDateTime('3/2/2021 10:15:30 AM'))).toBe('2021-03-02T10:15:30.000Z');
    // IIS is UTC by design: its parser takes no zone.
    expect(isoOf(parseW3cDateTime('2021-03-02', '10:15:30'))).toBe('2021-03-02T10:15:30.000Z');
  });

  it('reads Export-Csv TimeCreated in the context zone, and leaves IIS lines alone', () => {
    // Prepare
    const header = WINEVENT_CSV_COLUMNS.map(csvQuoted).join(',');
    const row = winEventCsvRow({
      id: 4688,
      provider: 'Microsoft-Windows-Security-Auditing',
      log: 'Security',
      machine: 'EXCH01',
      time: '3/3/2021 12:30:00 AM',
      level: 0,
      recordId: 7,
      message: 'A new process has been created.',
      properties: [],
    });
    const iisLines = [
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
      '2021-03-03 00:30:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 15',
    ];
    // Act
    const utc = runParser('winevent_csv', [header, row]);
    const local = runParser('winevent_csv', [header, row], { localZone: brussels });
    const iis = runParser('iis', iisLines, { localZone: brussels });
    // Assess
    expect(iso(utc.rows[0].event_time)).toBe('2021-03-03T00:30:00.000Z');
    expect(iso(local.rows[0].event_time)).toBe('2021-03-02T23:30:00.000Z');
    expect(iso(iis.rows[0].event_time)).toBe('2021-03-03T00:30:00.000Z');
  });

  it('reads NXLog EventTime in the zone, Winlogbeat @timestamp (with Z) as written', () => {
    // Prepare
    const nxlog = JSON.stringify({
      EventTime: '2021-03-03 00:30:00',
      Hostname: 'EXCH01',
      EventID: 4688,
      SourceName: 'Microsoft-Windows-Security-Auditing',
      Channel: 'Security',
    });
    const beat = JSON.stringify({
      '@timestamp': '2021-03-03T00:30:00.000Z',
      winlog: { event_id: 4688, channel: 'Security', provider_name: 'Microsoft-Windows-Security-Auditing', computer_name: 'EXCH01' },
    });
    // Act
    const { rows, rejects } = runParser('winevent_jsonl', [nxlog, beat], { localZone: brussels });
    // Assess
    expect(rejects).toEqual([]);
    expect(rows.map((r) => iso(r.event_time))).toEqual(['2021-03-02T23:30:00.000Z', '2021-03-03T00:30:00.000Z']);
  });

  it('reads a file listing LastWriteTime in the zone, LastWriteTimeUtc as UTC', () => {
    // Prepare
    const lines = [
      '"Algorithm","Hash","Path","LastWriteTime","LastWriteTimeUtc"',
      '"SHA256","' + 'A'.repeat(64) + '","C:\\inetpub\\wwwroot\\aspnet_client\\a.aspx","3/3/2021 1:30:00 AM",""',
      '"SHA256","' + 'B'.repeat(64) + '","C:\\inetpub\\wwwroot\\aspnet_client\\b.aspx","3/3/2021 1:30:00 AM","3/3/2021 1:30:00 AM"',
    ];
    // Act
    const { rows, rejects } = runParser('file_inventory', lines, { localZone: brussels });
    // Assess
    expect(rejects).toEqual([]);
    expect(iso(rows[0].last_write_time)).toBe('2021-03-03T00:30:00.000Z');
    expect(iso(rows[1].last_write_time)).toBe('2021-03-03T01:30:00.000Z');
  });
});
