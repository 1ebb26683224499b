/**
 * The lake's guarantees on a real S3 API (s3rver): `sweep verify --bucket` checks every object against its manifest,
 * and a normalizer run whose upload grew while it ran fails so that SQS retries it with the whole upload.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ObjectInfo } from '../../src/core/object-store';
import { normalizeS3Upload, UploadChangedError } from '../../src/aws/normalize-s3-upload';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { readCommittedLake } from '../../src/lake/committed';
import { readText } from '../../src/core/object-store';
import type { Manifest } from '../../src/lake/manifest';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { iisLog } from '../lake/faults/support';
import { formatVerify } from '../../src/cli/commands/verify';
import { planLocalRepairs } from '../../src/pipeline/repair';

describe('the lake on S3', () => {
  let s3: S3rverHandle;
  let tmp: string;
  let uploads: S3ObjectStore;
  let lake: S3ObjectStore;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['fault-uploads', 'fault-lake'] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-s3-'));
    uploads = new S3ObjectStore({ client: s3.client, bucket: 'fault-uploads' });
    lake = new S3ObjectStore({ client: s3.client, bucket: 'fault-lake' });
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'fault-uploads', Key: 'uploads/agency=doj/u1/EXCH01/u_ex210301.log', Body: iisLog(150, 1, 2).text }),
    );
  });
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('verify over the bucket: every object checked against its manifest, a damaged and a missing one named', async () => {
    // Prepare
    const r = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/u1/EXCH01/u_ex210301.log', tmpDir: tmp });
    const clean = await readCommittedLake(lake);
    const m = JSON.parse(await readText(lake, r.manifestKey)) as Manifest;
    const [a, b] = m.files.map((f) => f.key);
    const chunks: Buffer[] = [];
    for await (const c of await lake.get(a)) chunks.push(c as Buffer);
    const damaged = Buffer.concat(chunks);
    damaged[40] ^= 0x10;
    await lake.put(a, damaged);
    await lake.delete(b);
    // Act
    const check = await readCommittedLake(lake);
    // Assess
    expect({ files: clean.files.length, gaps: clean.gaps }).toEqual({ files: m.files.length, gaps: [] });
    expect(m.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? ''))).toBe(true);
    expect(check.gaps.map((g) => [g.key, g.problem])).toEqual([
      [a, 'checksum'],
      [b, 'missing'],
    ]);
  });

  it("verify names a commit record that is not the manifest's file list; repair plans the upload and the rebuild fixes it", async () => {
    // Prepare: the record of an older state of the upload (one file fewer, one file that is no longer there).
    const key = 'uploads/agency=doj/u3/EXCH01/u_ex210301.log';
    await s3.client.send(new PutObjectCommand({ Bucket: 'fault-uploads', Key: key, Body: iisLog(90, 4, 3).text }));
    const r = await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp });
    const record = (await readText(lake, 'commits/agency=doj/u3.json')).trimEnd().split('\n');
    const stale = [...record.slice(1), record[0].replace('/u3-0.parquet', '/u3-9.parquet')];
    await lake.put('commits/agency=doj/u3.json', stale.join('\n') + '\n');
    // Act
    const check = await readCommittedLake(lake, { agencies: ['doj'] });
    const text = formatVerify(check, 's3://fault-lake', 1);
    const plans = await planLocalRepairs(lake, check.gaps, check.badManifests, check.badRecords);
    await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp });
    const after = await readCommittedLake(lake, { agencies: ['doj'] });
    // Assess
    expect(check.badRecords).toEqual([
      {
        key: 'commits/agency=doj/u3.json',
        agency: 'doj',
        uploadId: 'u3',
        reason: `commit record lists ${r.manifest.files.length} file(s), the manifest ${r.manifest.files.length} (1 not in the record, 1 not in the manifest)`,
      },
    ]);
    expect(text).toContain('  RECORD      commits/agency=doj/u3.json: commit record lists');
    expect(plans.map((p) => p.uploadId)).toContain('u3');
    expect(after.badRecords).toEqual([]);
  });

  it('a run whose upload grew while it ran fails with a clear error; the retry commits the whole upload', async () => {
    // Prepare: a second object arrives after the run listed the upload.
    let lists = 0;
    const growing = Object.create(uploads) as S3ObjectStore;
    growing.list = async (prefix: string): Promise<ObjectInfo[]> => {
      if (lists++ === 0) {
        const first = await uploads.list(prefix);
        await s3.client.send(
          new PutObjectCommand({ Bucket: 'fault-uploads', Key: 'uploads/agency=doj/u2/EXCH02/u_ex210302.log', Body: iisLog(40, 2).text }),
        );
        return first;
      }
      return uploads.list(prefix);
    };
    growing.get = (key: string): Promise<Readable> => uploads.get(key);
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'fault-uploads', Key: 'uploads/agency=doj/u2/EXCH01/u_ex210301.log', Body: iisLog(30, 3).text }),
    );
    // Act
    const first = normalizeS3Upload({ uploads: growing, lake, key: 'uploads/agency=doj/u2/EXCH01/u_ex210301.log', tmpDir: tmp });
    // Assess
    await expect(first).rejects.toThrow(new UploadChangedError('uploads/agency=doj/u2/', 1, 2).message);
    await expect(first).rejects.toBeInstanceOf(UploadChangedError);
    const retry = await normalizeS3Upload({ uploads, lake, key: 'uploads/agency=doj/u2/EXCH02/u_ex210302.log', tmpDir: tmp });
    expect(retry.manifest.totals.rows).toBe(70);
  });
});
