/**
 * The normalizer's core against a real S3 API (s3rver): an agency's upload of
 * two objects (a tar.gz of an Exchange server's logs and a stray file) is
 * streamed from the upload bucket through the real pipeline into the lake
 * bucket; the Parquet is read back with DuckDB.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readText } from '../../src/core/object-store';
import { normalizeS3Upload } from '../../src/aws/normalize-s3-upload';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { planSweep } from '../../src/aws/sweep-plan';
import { LayoutError } from '../../src/core/layout';
import { buildTar, gzip } from '../support/archive-builders';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { lakeScan, query } from '../lake/duckdb-read';

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-02 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];
const SHELL =
  '2021-03-03 02:21:05 10.0.0.5 POST /aspnet_client/system_web/supp0rt.aspx - 443 - 203.0.113.7 ExchangeServicesClient/0.0.0.0 - 200 0 0 15';
function iisLine(i: number): string {
  const t = new Date(Date.UTC(2021, 2, 2) + i * 1000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)} 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=1 443 - 198.51.100.${i % 250} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 ${i % 97}`;
}

async function downloadLake(store: S3ObjectStore, dir: string): Promise<void> {
  for (const o of await store.list('lake/')) {
    const file = path.join(dir, ...o.key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const body = await store.get(o.key);
    await new Promise<void>((resolve, reject) => body.pipe(fs.createWriteStream(file)).on('finish', resolve).on('error', reject));
  }
}

describe('normalizeS3Upload', () => {
  let s3: S3rverHandle;
  let tmp: string;
  let uploads: S3ObjectStore;
  let lake: S3ObjectStore;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-uploads', 'sweep-lake'] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-s3-'));
    uploads = new S3ObjectStore({ client: s3.client, bucket: 'sweep-uploads', partSize: 5 * 1024 * 1024 });
    lake = new S3ObjectStore({ client: s3.client, bucket: 'sweep-lake', partSize: 5 * 1024 * 1024 });
    const iis = [...IIS_HEADER, ...Array.from({ length: 2000 }, (_, i) => iisLine(i)), SHELL].join('\r\n') + '\r\n';
    const tgz = gzip(
      buildTar([
        { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', data: iis },
        { name: 'EXCH01/notes/screenshot.png', data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
      ]),
    );
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=doj/u-20210303/EXCH01 logs.tar.gz', Body: tgz }),
    );
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'sweep-uploads',
        Key: 'uploads/agency=doj/u-20210303/readme.txt',
        Body: 'collected by the mail team\n',
      }),
    );
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'sweep-uploads',
        Key: 'uploads/agency=dhs/other/u_ex210302.log',
        Body: [...IIS_HEADER, iisLine(1)].join('\n'),
      }),
    );
  });
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('streams every object of the upload into the lake and writes the manifest', async () => {
    // Act
    const out = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/u-20210303/readme.txt', tmpDir: tmp });

    // Assess
    expect(out.agency).toBe('doj');
    expect(out.uploadId).toBe('u-20210303');
    expect(out.objects.map((o) => o.key)).toEqual([
      'uploads/agency=doj/u-20210303/EXCH01 logs.tar.gz',
      'uploads/agency=doj/u-20210303/readme.txt',
    ]);
    expect(out.manifestKey).toBe('manifests/agency=doj/u-20210303.json');
    const manifest = JSON.parse(await readText(lake, out.manifestKey));
    expect(manifest.rows_per_table.web_requests).toBe(2001);
    expect(manifest.unrecognized.map((u: { path: string }) => u.path).join('\n')).toMatch(/screenshot\.png|readme\.txt/);
    const lakeDir = path.join(tmp, 'lake-copy');
    await downloadLake(lake, lakeDir);
    const rows = await query(
      `SELECT host, uri_stem, client_ip, user_agent, status, agency, dt, upload_id FROM ${lakeScan(lakeDir, 'web_requests')} WHERE uri_stem LIKE '/aspnet_client/%'`,
    );
    expect(rows).toEqual([
      {
        host: 'EXCH01',
        uri_stem: '/aspnet_client/system_web/supp0rt.aspx',
        client_ip: '203.0.113.7',
        user_agent: 'ExchangeServicesClient/0.0.0.0',
        status: 200,
        agency: 'doj',
        dt: '2021-03-03',
        upload_id: 'u-20210303',
      },
    ]);
    const perDay = await query(`SELECT dt, count(*)::INT AS n FROM ${lakeScan(lakeDir, 'web_requests')} GROUP BY dt ORDER BY dt`);
    expect(perDay).toEqual([
      { dt: '2021-03-02', n: 2000 },
      { dt: '2021-03-03', n: 1 },
    ]);
    expect((await lake.list('lake/')).every((o) => o.key.includes('/agency=doj/'))).toBe(true);
  });

  it('yields the same lake keys when the upload is processed again (no duplicates)', async () => {
    // Prepare
    const before = (await lake.list('lake/')).map((o) => o.key);

    // Act
    const again = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/u-20210303/EXCH01 logs.tar.gz', tmpDir: tmp });

    // Assess
    expect((await lake.list('lake/')).map((o) => o.key)).toEqual(before);
    expect(again.written).toEqual(before);
    const manifest = JSON.parse(await readText(lake, again.manifestKey));
    expect(manifest.rows_per_table.web_requests).toBe(2001);
  });

  it("reads export times in the zone configured for the upload's agency, and only for that agency", async () => {
    // Prepare: the same Export-Csv uploaded by two agencies; only dhs has a zone.
    const csv = [
      '"TimeCreated","Id","ProviderName","LogName","MachineName","Message"',
      '"3/3/2021 1:30:00 AM","4688","Microsoft-Windows-Security-Auditing","Security","DC01","A new process has been created."',
    ].join('\r\n');
    await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=dhs/u-tz/security.csv', Body: csv }));
    await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-uploads', Key: 'uploads/agency=doj/u-tz/security.csv', Body: csv }));
    const agencyTimeZones = { dhs: 'America/New_York' };
    // Act
    const dhs = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=dhs/u-tz/security.csv', tmpDir: tmp, agencyTimeZones });
    const doj = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/u-tz/security.csv', tmpDir: tmp, agencyTimeZones });
    // Assess: 01:30 EST is 06:30 UTC; doj's is read as UTC.
    expect(dhs.manifest.local_time_zone).toBe('America/New_York');
    expect(doj.manifest.local_time_zone).toBe('UTC');
    const lakeDir = path.join(tmp, 'lake-tz');
    await downloadLake(lake, lakeDir);
    const rows = await query(
      `SELECT agency, strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t FROM ${lakeScan(lakeDir, 'windows_events')} WHERE upload_id = 'u-tz' ORDER BY agency`,
    );
    expect(rows).toEqual([
      { agency: 'dhs', t: '2021-03-03T06:30:00' },
      { agency: 'doj', t: '2021-03-03T01:30:00' },
    ]);
  });

  it('plans the after-upload sweep over exactly the days the upload wrote, for its agency only', async () => {
    // Act
    const plan = await planSweep(
      { trigger: 'upload', manifest_key: 'manifests/agency=doj/u-20210303.json' },
      {
        lake,
        hunts: [],
        agencies: ['doj', 'dhs'],
        retroSince: '2019-01-01',
        today: '2026-11-27',
      },
    );

    // Assess
    expect(plan).toMatchObject({ since: '2021-03-02', until: '2021-03-03', agencies: ['doj'] });
  });

  it('throws LayoutError for a key outside uploads/agency=<id>/<upload-id>/', async () => {
    await expect(normalizeS3Upload({ uploads, lake, key: 'uploads/doj/x.zip', tmpDir: tmp })).rejects.toThrow(LayoutError);
    await expect(normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/../agency=dhs/x.zip', tmpDir: tmp })).rejects.toThrow(
      'invalid key "uploads/agency=doj/../agency=dhs/x.zip": expected uploads/agency=<id>/<upload-id>/<file name>',
    );
  });
});
