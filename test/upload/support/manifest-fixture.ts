/**
 * A manifest as the normalizer writes it, for a two-server upload: EXCH01 with
 * HttpProxy (from the first wave on) and IIS logs, EXCH02 with IIS logs that
 * start after the disclosure, one IIS file with rejected lines, one unknown file
 * and one refused entry.
 */
import type { Manifest, ManifestEntry } from '../../../src/lake/manifest';

const entry = (over: Partial<ManifestEntry> & Pick<ManifestEntry, 'path' | 'family'>): ManifestEntry => ({
  declared_size: 1000,
  bytes: 1000,
  mtime: '2021-03-10T00:00:00.000Z',
  detection: 'test',
  host_hint: null,
  hosts: [],
  status: 'ok',
  error: null,
  encoding: 'utf-8',
  rows: {},
  lines: { read: 10, with_rows: 10, rejected: 0, skipped: 0 },
  rejections: { total: 0, by_reason: {}, samples: [] },
  rows_without_time: 0,
  dt_fallback: null,
  ...over,
});

export function twoServerManifest(over: Partial<Manifest> = {}): Manifest {
  return {
    manifest_version: 1,
    agency: 'doe',
    upload_id: '20210316T090000Z-0a1b2c3d',
    normalized_at: '2021-03-16T09:05:00.000Z',
    upload_time: { time: '2021-03-16T09:00:00.000Z', source: 'inputs-mtime' },
    inputs: [{ path: 'exchange-logs.zip', size: 123456, mtime: '2021-03-16T08:59:00.000Z' }],
    limits: {},
    totals: {
      entries: 5,
      entries_parsed: 3,
      entries_partial: 0,
      entries_unrecognized: 1,
      problems: 1,
      lines_read: 30210,
      lines_with_rows: 30200,
      lines_rejected: 7,
      lines_skipped: 3,
      rejections: 7,
      rows: 30200,
    },
    rows_per_table: { web_requests: 30200, exchange_logs: 0, windows_events: 0, file_inventory: 0 },
    rows_per_partition: {},
    coerced_values: {},
    entries: [
      entry({
        path: 'exchange-logs.zip!EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021010300-1.LOG',
        family: 'httpproxy',
        hosts: ['EXCH01'],
        rows: { web_requests: 12000 },
      }),
      entry({ path: 'exchange-logs.zip!EXCH01/W3SVC1/u_ex210103.log', family: 'iis', hosts: ['EXCH01'], rows: { web_requests: 18000 } }),
      entry({
        path: 'exchange-logs.zip!EXCH02/W3SVC1/u_ex210310.log',
        family: 'iis',
        hosts: ['EXCH02'],
        rows: { web_requests: 200 },
        lines: { read: 210, with_rows: 200, rejected: 7, skipped: 3 },
        rejections: {
          total: 7,
          by_reason: { 'bad date "2021-13-01"': 5, 'expected 15 fields, got 9': 2 },
          samples: [{ line: 44, reason: 'bad date "2021-13-01"' }],
        },
      }),
    ],
    unrecognized: [{ path: 'exchange-logs.zip!notes.docx', size: 5000, hint: 'PK\\x03\\x04 (zip/office document)' }],
    problems: [{ path: 'exchange-logs.zip!../../evil.log', code: 'zip-slip', reason: 'entry name climbs out of the archive' }],
    coverage: [
      {
        host: 'EXCH01',
        family: 'httpproxy',
        first_event: '2021-01-03T00:00:01.000Z',
        last_event: '2021-03-15T23:59:59.000Z',
        files: 1,
        rows: 12000,
      },
      {
        host: 'EXCH01',
        family: 'iis',
        first_event: '2021-01-03T00:00:00.000Z',
        last_event: '2021-03-15T23:00:00.000Z',
        files: 1,
        rows: 18000,
      },
      {
        host: 'EXCH02',
        family: 'iis',
        first_event: '2021-03-10T00:00:00.000Z',
        last_event: '2021-03-15T12:00:00.000Z',
        files: 1,
        rows: 200,
      },
    ],
    files: [],
    ...over,
  };
}

export const HUNTS = [
  { id: 'a1', name: 'ProxyLogon SSRF anchor mailbox', cves: ['CVE-2021-26855'], logFamilies: ['httpproxy'] },
  { id: 'a2', name: 'ProxyLogon reset virtual directory (IIS)', cves: ['CVE-2021-27065'], logFamilies: ['iis'] },
  { id: 'a3', name: 'ECP Set-OabVirtualDirectory', cves: ['CVE-2021-27065'], logFamilies: ['ecp_server'] },
  { id: 'a4', name: 'OAB generator download failure', cves: ['CVE-2021-27065'], logFamilies: ['oab_generator'] },
  { id: 'a5', name: 'UM service crash', cves: ['CVE-2021-26857'], logFamilies: ['evtx'] },
  { id: 'a6', name: 'Web shell file names', cves: [], logFamilies: ['file_inventory'] },
];
