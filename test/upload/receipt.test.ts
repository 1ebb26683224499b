import { LocalObjectStore, type ObjectStore } from '../../src/core';
import { MAX_MESSAGE_BYTES } from '../../src/notify/message';
import { manifestToJson } from '../../src/lake/manifest';
import { ReceiptTimeoutError, assessCoverage, formatCoverageLines, receiptMessage, waitForManifest } from '../../src/upload';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HUNTS, twoServerManifest } from './support/manifest-fixture';

describe('assessCoverage', () => {
  it('names each missing family with the CVEs that cannot be checked, grouped', () => {
    // Act
    const report = assessCoverage(twoServerManifest().coverage, HUNTS);

    // Assess
    expect(report.families).toEqual(['httpproxy', 'iis']);
    expect(report.hosts).toEqual(['EXCH01', 'EXCH02']);
    expect(report.huntsRunnable).toBe(2);
    expect(report.gaps.map((g) => g.message)).toEqual([
      'no ECP Server logs: CVE-2021-27065 cannot be checked (1 hunt)',
      'no File hash inventory: Web shell file names cannot run (1 hunt)',
      'no OABGenerator logs: CVE-2021-27065 cannot be checked (1 hunt)',
      'no Windows event logs (.evtx or an export): CVE-2021-26857 cannot be checked (1 hunt)',
    ]);
  });

  it('reports hunts on Windows events as one gap, whichever exports their headers list', () => {
    // Prepare
    const hunts = [
      { id: 'w1', name: 'UM service crash', cves: ['CVE-2021-26857'], logFamilies: ['evtx'] },
      {
        id: 'w2',
        name: 'Exchange cmdlet audit',
        cves: ['CVE-2021-27065'],
        logFamilies: ['evtx', 'winevent_json', 'winevent_csv', 'winevent_jsonl'],
      },
    ];

    // Act
    const report = assessCoverage([], hunts);

    // Assess
    expect(report.gaps.map((g) => g.message)).toEqual([
      'no Windows event logs (.evtx or an export): CVE-2021-26857, CVE-2021-27065 cannot be checked (2 hunts)',
    ]);
  });

  it('lets any Windows event export serve a hunt written for .evtx', () => {
    // Prepare
    const lines = [
      {
        host: 'EXCH01',
        family: 'winevent_csv',
        first_event: '2021-01-01T00:00:00.000Z',
        last_event: '2021-01-02T00:00:00.000Z',
        files: 1,
        rows: 5,
      },
    ];

    // Act
    const report = assessCoverage(
      lines,
      HUNTS.filter((h) => h.id === 'a5'),
    );

    // Assess
    expect(report.gaps).toEqual([]);
    expect(report.huntsRunnable).toBe(1);
  });

  it('does not count a family whose files gave no rows as present', () => {
    // Act
    const report = assessCoverage(
      [{ host: 'EXCH01', family: 'httpproxy', first_event: null, last_event: null, files: 3, rows: 0 }],
      HUNTS.slice(0, 1),
    );

    // Assess
    expect(report.gaps[0].message).toBe('no HttpProxy logs: CVE-2021-26855 cannot be checked (1 hunt)');
  });

  it('says per host and family how far back the logs go, and flags logs that start after the disclosure', () => {
    // Act
    const lines = formatCoverageLines(assessCoverage(twoServerManifest().coverage, HUNTS));

    // Assess
    expect(lines[0]).toMatch(/EXCH01 +HttpProxy logs +2021-01-03 -> 2021-03-15 \(71 days, 1 file, 12,000 rows\)$/);
    expect(lines[2]).toMatch(/EXCH02 +IIS logs +2021-03-10 -> 2021-03-15 \(5 days, 1 file, 200 rows\) +starts after 2021-03-02/);
  });
});

describe('receiptMessage', () => {
  it('summarizes files, families, hosts, coverage, rejections and gaps, routed like findings', () => {
    // Act
    const msg = receiptMessage(twoServerManifest(), HUNTS);

    // Assess
    expect(msg.subject).toBe('Upload 20210316T090000Z-0a1b2c3d received (doe): 2 hosts, 2 log families, 4 gaps');
    expect(msg.attributes).toEqual({ agency: 'doe', severity: 'medium', kind: 'receipt' });
    expect(msg.body).toContain('Files: 5 read, 3 parsed, 0 partly read, 1 not recognized, 1 refused');
    expect(msg.body).toContain(
      'exchange-logs.zip!EXCH02/W3SVC1/u_ex210310.log: 7 (5 x bad date "2021-13-01"; 2 x expected 15 fields, got 9)',
    );
    expect(msg.body).toContain('exchange-logs.zip!notes.docx: PK');
    expect(msg.body).toContain('exchange-logs.zip!../../evil.log: entry name climbs out of the archive [zip-slip]');
    expect(msg.body).toContain('Hunts: 2 of 6 can run on these logs.');
    expect(msg.body).toContain('no OABGenerator logs: CVE-2021-27065 cannot be checked');
    expect(msg.body).toContain('manifests/agency=doe/20210316T090000Z-0a1b2c3d.json');
  });

  it('says which zone export times were read in, and asks for it when they were read as UTC', () => {
    // Prepare: the two-server upload plus one Export-Csv of Security events.
    const base = twoServerManifest();
    const csv = {
      ...base.entries[0],
      path: 'exchange-logs.zip!EXCH01/security.csv',
      family: 'winevent_csv' as const,
      rows: { windows_events: 40 },
    };
    // Act
    const utc = receiptMessage({ ...base, entries: [...base.entries, csv], local_time_zone: 'UTC' }, HUNTS).body;
    const local = receiptMessage({ ...base, entries: [...base.entries, csv], local_time_zone: 'Europe/Brussels' }, HUNTS).body;
    const webOnly = receiptMessage(base, HUNTS).body;
    // Assess
    expect(utc).toContain(
      'Times: exported events and file listings (1 file) carry no offset and were read as UTC; if your servers run on local time, tell the security team their time zone.',
    );
    expect(local).toContain('(1 file) carry no offset and were read in Europe/Brussels.');
    expect(webOnly).not.toContain('Times:');
  });

  it('says in words how many rows have no event time and why, and which files have no known host', () => {
    // Prepare: the two-server upload plus a hash inventory without LastWriteTimeUtc, collected outside a server folder.
    const base = twoServerManifest();
    const inventory = {
      ...base.entries[0],
      path: 'exchange-logs.zip!hashes/inventory.csv',
      family: 'file_inventory' as const,
      rows: { file_inventory: 1203 },
      hosts: [],
      rows_without_time: 1203,
      rows_without_time_reason: 'a file listing without LastWriteTimeUtc shows which file was on disk, not when it was written',
      dt_fallback: { source: 'entry-mtime' as const, dt: '2021-03-10' },
      rows_without_host: 1203,
    };
    // Act
    const body = receiptMessage({ ...base, entries: [...base.entries, inventory] }, HUNTS).body;
    const plain = receiptMessage(base, HUNTS).body;
    // Assess
    expect(body).toContain("Dating: 1,203 rows have no event time: they show what happened, not when (filed under their file's date).");
    expect(body).toContain(
      '  1,203 rows in 1 file: a file listing without LastWriteTimeUtc shows which file was on disk, not when it was written',
    );
    expect(body).toContain('Host unknown (1 file): neither the records nor the path name the server');
    expect(body).toContain('  exchange-logs.zip!hashes/inventory.csv: 1,203 rows');
    expect(plain).not.toContain('Dating:');
    expect(plain).not.toContain('Host unknown');
  });

  it('is info when everything was read and every hunt can run, and medium when nothing usable came out', () => {
    // Prepare
    const clean = twoServerManifest({
      totals: { ...twoServerManifest().totals, entries_unrecognized: 0, problems: 0, rejections: 0, lines_rejected: 0 },
      unrecognized: [],
      problems: [],
      entries: twoServerManifest().entries.slice(0, 2),
    });
    const empty = twoServerManifest({ totals: { ...twoServerManifest().totals, rows: 0 }, coverage: [] });

    // Act
    const ok = receiptMessage(clean, HUNTS.slice(0, 2));
    const nothing = receiptMessage(empty, HUNTS.slice(0, 2));

    // Assess
    expect(ok.attributes.severity).toBe('info');
    expect(ok.subject).toBe('Upload 20210316T090000Z-0a1b2c3d received (doe): 2 hosts, 2 log families');
    expect(nothing.attributes.severity).toBe('medium');
    expect(nothing.subject).toContain('nothing usable was found');
    expect(nothing.body).toContain('(no log lines with events were found)');
  });
});

describe('receiptMessage size', () => {
  it('stays under the SNS message limit for an upload of 400 hosts with every family', () => {
    // Prepare
    const families = ['httpproxy', 'iis', 'ecp_server', 'oab_generator', 'evtx', 'file_inventory'];
    const coverage = Array.from({ length: 400 }, (_, i) =>
      families.map((family) => ({
        host: `EXCH${String(i).padStart(4, '0')}-${'X'.repeat(40)}`,
        family,
        first_event: '2021-01-03T00:00:00.000Z',
        last_event: '2021-03-15T00:00:00.000Z',
        files: 1000,
        rows: 123456789,
      })),
    ).flat();

    // Act
    const msg = receiptMessage(twoServerManifest({ coverage }), HUNTS);

    // Assess
    expect(Buffer.byteLength(msg.body)).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(msg.body).toContain('... and 2100 more lines (see the manifest)');
    expect(msg.subject).toContain('400 hosts, 6 log families');
  });
});

describe('waitForManifest', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'receipt-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('polls until the normalizer publishes the manifest, then returns it', async () => {
    // Prepare
    const store = new LocalObjectStore(root);
    const manifest = twoServerManifest();
    let now = 0;
    let looks = 0;

    // Act
    const got = await waitForManifest({
      store,
      agency: 'doe',
      uploadId: manifest.upload_id,
      intervalMs: 5000,
      timeoutMs: 60_000,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
        if (++looks === 3) await store.put(`manifests/agency=doe/${manifest.upload_id}.json`, manifestToJson(manifest));
      },
    });

    // Assess
    expect(got).toEqual(manifest);
    expect(now).toBe(15_000);
  });

  it("polls with the upload role's rights: listing its own receipts, where a HEAD of a missing key is refused", async () => {
    // Prepare: the lake bucket as S3 shows it to the upload role of agency doe: s3:ListBucket only with the prefix
    // manifests/agency=doe/, s3:GetObject on its manifests; no ListBucket for the key, so a missing key is a 403.
    const lake = new LocalObjectStore(root);
    const forbidden = () => Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } });
    const asUploadRole: ObjectStore = {
      put: () => Promise.reject(forbidden()),
      putFile: () => Promise.reject(forbidden()),
      delete: () => Promise.reject(forbidden()),
      get: (key) => (key.startsWith('manifests/agency=doe/') ? lake.get(key) : Promise.reject(forbidden())),
      exists: async (key) => {
        if (!key.startsWith('manifests/agency=doe/') || !(await lake.exists(key))) throw forbidden();
        return true;
      },
      list: (prefix) => (prefix.startsWith('manifests/agency=doe/') ? lake.list(prefix) : Promise.reject(forbidden())),
    } as ObjectStore;
    const manifest = twoServerManifest();
    let now = 0;

    // Act
    const got = await waitForManifest({
      store: asUploadRole,
      agency: 'doe',
      uploadId: manifest.upload_id,
      intervalMs: 5000,
      timeoutMs: 60_000,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
        await lake.put(`manifests/agency=doe/${manifest.upload_id}.json`, manifestToJson(manifest));
      },
    });

    // Assess
    expect(got).toEqual(manifest);
    expect(now).toBe(5000);
  });

  it('rejects with a timeout naming the manifest key when it never appears', async () => {
    // Prepare
    let now = 0;

    // Act
    const err = await waitForManifest({
      store: new LocalObjectStore(root),
      agency: 'doe',
      uploadId: '20210316T090000Z-0a1b2c3d',
      timeoutMs: 12_000,
      intervalMs: 5000,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(ReceiptTimeoutError);
    expect((err as Error).message).toBe('no manifest at manifests/agency=doe/20210316T090000Z-0a1b2c3d.json after 12 s');
  });

  it('rejects a manifest of another upload stored under the key', async () => {
    // Prepare
    const store = new LocalObjectStore(root);
    await store.put(
      'manifests/agency=doe/20210316T090000Z-0a1b2c3d.json',
      manifestToJson(twoServerManifest({ upload_id: 'up-0123456789abcdef' })),
    );

    // Act / Assess
    await expect(waitForManifest({ store, agency: 'doe', uploadId: '20210316T090000Z-0a1b2c3d' })).rejects.toThrow(
      /not the manifest of upload/,
    );
  });
});
