/**
 * `localTimeZone` (`--local-tz`, an agency's `timeZone`): export times written without an offset are read in the
 * agency's zone, which moves rows near midnight to the right day partition; logs that are UTC by design are not
 * touched; the manifest says which zone was used.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NormalizeError, normalizeUpload } from '../../src/pipeline';
import { WINEVENT_CSV_COLUMNS, csvQuoted, winEventCsvRow } from '../../testkit/raw-generators';
import { buildZip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

describe('normalizeUpload with a local time zone', () => {
  let tmp: string;
  let input: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-tz-'));
    const csv = [
      '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord',
      WINEVENT_CSV_COLUMNS.map(csvQuoted).join(','),
      // 00:30 on 3 March in Brussels (CET, +01:00) is 23:30 UTC on 2 March.
      winEventCsvRow({
        id: 4688,
        provider: 'Microsoft-Windows-Security-Auditing',
        log: 'Security',
        machine: 'EXCH01.corp.example',
        time: '3/3/2021 12:30:00 AM',
        level: 0,
        recordId: 1,
        message: 'A new process has been created.',
        properties: [],
      }),
      // Summer time: 10:00 CEST is 08:00 UTC.
      winEventCsvRow({
        id: 4688,
        provider: 'Microsoft-Windows-Security-Auditing',
        log: 'Security',
        machine: 'EXCH01.corp.example',
        time: '7/1/2021 10:00:00 AM',
        level: 0,
        recordId: 2,
        message: 'A new process has been created.',
        properties: [],
      }),
    ].join('\r\n');
    const iis = [
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
      '2021-03-03 00:30:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 15',
    ].join('\r\n');
    input = path.join(tmp, 'upload.zip');
    fs.writeFileSync(
      input,
      buildZip([
        { name: 'EXCH01/security-export.csv', data: csv },
        { name: 'EXCH01/W3SVC1/u_ex210303.log', data: iis },
      ]),
    );
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads export times in the zone (day partition included), IIS times as UTC, and records the zone', async () => {
    // Prepare
    const root = path.join(tmp, 'brussels');
    // Act
    const { manifest } = await normalizeUpload({
      inputs: [input],
      agency: 'fin',
      uploadId: 'up-tz',
      lakeRoot: root,
      tmpDir: tmp,
      localTimeZone: 'Europe/Brussels',
    });
    // Assess
    expect(manifest.local_time_zone).toBe('Europe/Brussels');
    const events = await query(
      `SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t, dt FROM ${lakeScan(root, 'windows_events')} ORDER BY t`,
    );
    expect(events).toEqual([
      { t: '2021-03-02T23:30:00', dt: '2021-03-02' },
      { t: '2021-07-01T08:00:00', dt: '2021-07-01' },
    ]);
    const web = await query(`SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t, dt FROM ${lakeScan(root, 'web_requests')}`);
    expect(web).toEqual([{ t: '2021-03-03T00:30:00', dt: '2021-03-03' }]);
  });

  it('reads them as UTC by default and says so', async () => {
    // Prepare
    const root = path.join(tmp, 'utc');
    // Act
    const { manifest } = await normalizeUpload({ inputs: [input], agency: 'fin', uploadId: 'up-tz', lakeRoot: root, tmpDir: tmp });
    // Assess
    expect(manifest.local_time_zone).toBe('UTC');
    const events = await query(
      `SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t, dt FROM ${lakeScan(root, 'windows_events')} ORDER BY t`,
    );
    expect(events).toEqual([
      { t: '2021-03-03T00:30:00', dt: '2021-03-03' },
      { t: '2021-07-01T10:00:00', dt: '2021-07-01' },
    ]);
  });

  it('refuses an unknown zone before reading anything', async () => {
    // Act
    const run = normalizeUpload({
      inputs: [input],
      agency: 'fin',
      uploadId: 'up-tz',
      lakeRoot: path.join(tmp, 'bad'),
      tmpDir: tmp,
      localTimeZone: 'Europe/Atlantis',
    });
    // Assess
    await expect(run).rejects.toThrow(NormalizeError);
    await expect(
      normalizeUpload({ inputs: [input], agency: 'fin', lakeRoot: path.join(tmp, 'bad'), localTimeZone: 'Europe/Atlantis' }),
    ).rejects.toThrow(/unknown time zone "Europe\/Atlantis"/);
    expect(fs.existsSync(path.join(tmp, 'bad', 'lake'))).toBe(false);
  });
});
