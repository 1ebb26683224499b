/**
 * The scheduled verify on AWS repairs through the normal normalizer path: damaged uploads (a flipped byte, a deleted
 * file, a commit record that is not the manifest's file list) become ordinary normalizer queue messages naming an
 * object of the raw upload; the normalizer job run on them rebuilds the uploads byte-identical. S3 on s3rver behind
 * the conditional-write proxy (testkit/conditional-s3.ts). Failed Athena queries are matched on the object address
 * Athena's errors carry (Athena User Guide, "Troubleshooting in Athena": HIVE_CANNOT_OPEN_SPLIT, HIVE_BAD_DATA ...
 * name the split's s3:// path).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { uploadsNamedByFailure, verifyLakeJob } from '../../src/aws/lake-verify-job';
import { normalizeUploadJob } from '../../src/aws/normalize-upload-job';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { uploadEventOf } from '../../src/aws/upload-event';
import { readText } from '../../src/core/object-store';
import { readCommittedLake } from '../../src/lake/committed';
import type { Manifest } from '../../src/lake/manifest';
import { startConditionalS3, type ConditionalS3Handle } from '../../testkit/conditional-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { iisLog } from '../lake/faults/support';

const UP = 'verify-uploads';
const LAKE = 'verify-lake';

describe('scheduled lake verify on S3', () => {
  let s3: S3rverHandle;
  let proxy: ConditionalS3Handle;
  let tmp: string;
  let uploads: S3ObjectStore;
  let lake: S3ObjectStore;
  const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: UP, Key: key, Body: body }));
  const bytesOf = async (key: string): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of await lake.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [UP, LAKE] });
    proxy = await startConditionalS3(s3);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-verify-'));
    uploads = new S3ObjectStore({ client: s3.client, bucket: UP });
    lake = new S3ObjectStore({ client: proxy.client, bucket: LAKE });
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('damaged uploads are sent back to the normalizer queue and the normalizer rebuilds them byte-identical', async () => {
    // Prepare: three committed uploads; one file flipped, one deleted, one commit record wrong; one upload untouched.
    const keys = ['a', 'b', 'c', 'd'].map((u, i) => `uploads/agency=doj/v-${u}/EXCH0${i + 1}/u_ex210301.log`);
    for (const [i, k] of keys.entries()) await put(k, iisLog(60 + i * 10, 20 + i, 2).text);
    const job = (k: string) => normalizeUploadJob(k, { uploads, lake, needs: [], tmpRoot: tmp });
    const first = [];
    for (const k of keys) first.push(await job(k));
    const [a, b, c] = first.map((r) => r.manifest);
    const flipped = await bytesOf(a.files[0].key);
    flipped[flipped.length >> 1] ^= 0x04;
    await lake.put(a.files[0].key, flipped);
    await lake.delete(b.files[1].key);
    await lake.put('commits/agency=doj/v-c.json', '');
    const queue: string[] = [];
    // Act
    const report = await verifyLakeJob({ lake, uploads, uploadBucket: UP, enqueue: async (body) => void queue.push(body) });
    for (const [i, body] of queue.entries()) {
      const event = uploadEventOf(body, `m-${i}`);
      if (event.kind === 'object') await job(event.key);
    }
    const after = await verifyLakeJob({ lake, uploads, uploadBucket: UP, enqueue: async () => undefined });
    // Assess
    expect(report.repairs.map((r) => [r.uploadId, r.rawKey])).toEqual([
      ['v-a', keys[0]],
      ['v-b', keys[1]],
      ['v-c', keys[2]],
    ]);
    expect(report.repairs[0].reasons).toEqual([expect.stringMatching(/checksum mismatch/)]);
    expect(report.repairs[1].reasons).toEqual([`${b.files[1].key}: file missing`]);
    expect(report.repairs[2].reasons).toEqual([
      `commits/agency=doj/v-c.json: commit record lists 0 file(s), the manifest ${c.files.length} (${c.files.length} not in the record, 0 not in the manifest)`,
    ]);
    expect(after).toMatchObject({ gaps: [], repairs: [], unrepairable: [] });
    for (const m of [a, b, c]) {
      const now = JSON.parse(await readText(lake, `manifests/agency=doj/${m.upload_id}.json`)) as Manifest;
      expect(now.files).toEqual(m.files);
    }
    expect((await readCommittedLake(lake)).gaps).toEqual([]);
  });

  it('an upload whose raw archive is gone is reported, not enqueued', async () => {
    // Prepare
    const k = 'uploads/agency=dhs/v-gone/EXCH01/u_ex210301.log';
    await put(k, iisLog(30, 40).text);
    const r = await normalizeUploadJob(k, { uploads, lake, needs: [], tmpRoot: tmp });
    await lake.delete(r.manifest.files[0].key);
    await uploads.delete(k);
    const queue: string[] = [];
    // Act
    const report = await verifyLakeJob(
      { lake, uploads, uploadBucket: UP, enqueue: async (body) => void queue.push(body) },
      { uploads: ['dhs/v-gone'] },
    );
    // Assess
    expect(queue).toEqual([]);
    expect(report.unrepairable).toEqual([
      { agency: 'dhs', uploadId: 'v-gone', rawKey: null, reasons: [`${r.manifest.files[0].key}: file missing`] },
    ]);
  });

  it('a failed query names the uploads of the lake files in its error, and nothing for a hunt of its own error', () => {
    // Prepare: messages as Athena words them.
    const split =
      'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://sweep-lake/lake/web_requests/agency=doj/dt=2021-03-02/2021-03-05-exch01-0.parquet (offset=0, length=48213): Not valid Parquet file';
    const bad =
      'HIVE_BAD_DATA: Malformed Parquet file. Expected magic number: PAR1 got: 0c 33 ab 12 [s3://sweep-lake/lake/process_events/agency=dhs.gov/dt=2021-03-01/u-1-12.parquet]';
    const sql = "COLUMN_NOT_FOUND: line 3:8: Column 'cs_uri_stemm' cannot be resolved";
    // Act
    const named = [split, bad, sql, `${split} ${split}`].map(uploadsNamedByFailure);
    // Assess
    expect(named).toEqual([['doj/2021-03-05-exch01'], ['dhs.gov/u-1'], [], ['doj/2021-03-05-exch01']]);
  });
});
