/**
 * The manifest, the commit point of an upload, is written on S3 last and conditionally: `If-None-Match: *` for the
 * first publication, `If-Match: <etag>` of the manifest the run started with for a replacement (a redelivery, a
 * repair). s3rver ignores conditional headers, so the tests run through testkit/conditional-s3.ts, which enforces
 * AWS's documented rules in front of it:
 * - Amazon S3 User Guide, "How to prevent object overwrites with conditional writes" (conditional-writes.html) and
 *   "Add preconditions to S3 operations with conditional requests" (conditional-requests.html);
 * - PutObject API reference, IfNoneMatch ("Uploads the object only if the object key name does not already exist ...
 *   Otherwise, Amazon S3 returns a 412 Precondition Failed error. If a conflicting operation occurs during the upload
 *   S3 returns a 409 ConditionalRequestConflict response. On a 409 failure you should retry the upload.") and IfMatch
 *   ("... If the ETag values do not match, the operation returns a 412 Precondition Failed error ... On a 409 failure
 *   you should fetch the object's ETag and retry the upload.").
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { normalizeS3Upload } from '../../src/aws/normalize-s3-upload';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { readText, type ConditionalWriteError, type ObjectInfo } from '../../src/core/object-store';
import { readCommittedLake } from '../../src/lake/committed';
import type { Manifest } from '../../src/lake/manifest';
import { ManifestConflictError } from '../../src/lake/publish';
import { startConditionalS3, type ConditionalS3Handle } from '../../testkit/conditional-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { iisLog } from '../lake/faults/support';

const UP = 'cond-uploads';
const LAKE = 'cond-lake';

/** The manifest without its one wall-clock field. */
const committed = async (store: S3ObjectStore, key: string): Promise<Omit<Manifest, 'normalized_at'>> => {
  const { normalized_at: _, ...rest } = JSON.parse(await readText(store, key)) as Manifest;
  return rest;
};

describe('conditional manifest commits on S3', () => {
  let s3: S3rverHandle;
  let proxy: ConditionalS3Handle;
  let tmp: string;
  let uploads: S3ObjectStore;
  let lake: S3ObjectStore;
  const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: UP, Key: key, Body: body }));
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [UP, LAKE] });
    proxy = await startConditionalS3(s3);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cond-commit-'));
    uploads = new S3ObjectStore({ client: s3.client, bucket: UP });
    lake = new S3ObjectStore({ client: proxy.client, bucket: LAKE });
  });
  afterEach(() => {
    proxy.onConditional = undefined;
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the proxy answers as S3 documents: 412 on an existing key or another ETag, 404 on If-Match of a missing key', async () => {
    // Prepare
    const first = await lake.putIf('probe/a.json', '{"v":1}', { ifNoneMatch: '*' });
    // Act
    const refused = (e: ConditionalWriteError) => [e.kind, e.status];
    const outcomes = [
      await lake.putIf('probe/a.json', '{"v":2}', { ifNoneMatch: '*' }).catch(refused),
      await lake.putIf('probe/a.json', '{"v":2}', { ifMatch: '"0123456789abcdef0123456789abcdef"' }).catch(refused),
      await lake.putIf('probe/none.json', '{"v":2}', { ifMatch: first.etag }).catch(refused),
    ];
    const replaced = await lake.putIf('probe/a.json', '{"v":3}', { ifMatch: first.etag });
    // Assess
    expect(outcomes).toEqual([
      ['precondition-failed', 412],
      ['precondition-failed', 412],
      ['missing', 404],
    ]);
    expect(replaced.etag).not.toBe(first.etag);
    expect(await readText(lake, 'probe/a.json')).toBe('{"v":3}');
  });

  it('two deliveries of one upload at once end as if one ran: one creates, the other finds its own content committed', async () => {
    // Prepare: the first delivery's manifest write waits until the second one's arrives (409 for the second).
    const key = 'uploads/agency=doj/twice/EXCH01/u_ex210301.log';
    await put(key, iisLog(120, 4, 2).text);
    const conflicted = () => proxy.decisions.some((d) => d.key === 'manifests/agency=doj/twice.json' && d.status === 409);
    proxy.onConditional = async (k) => {
      if (k !== 'manifests/agency=doj/twice.json') return;
      for (let waited = 0; !conflicted() && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    };
    const before = proxy.decisions.length;
    // Act
    const runs = await Promise.all([0, 1].map(() => normalizeS3Upload({ uploads, lake, key, tmpDir: tmp })));
    const check = await readCommittedLake(lake, { agencies: ['doj'] });
    // Assess
    const decisions = proxy.decisions.slice(before).filter((d) => d.key.includes('twice'));
    expect(runs.map((r) => r.manifest.files)).toEqual([runs[0].manifest.files, runs[0].manifest.files]);
    expect(decisions[0]).toMatchObject({ header: 'If-None-Match', value: '*' });
    expect(decisions.map((d) => d.status)).toContain(409);
    expect(decisions.filter((d) => d.status === 200)).toHaveLength(1);
    expect(check.gaps).toEqual([]);
    expect(check.unlisted).toEqual([]);
    expect(check.files.filter((f) => f.uploadId === 'twice').map((f) => f.key)).toEqual(runs[0].manifest.files.map((f) => f.key));
  });

  it('a run that read an older state of the upload never commits over a newer one; it reads the upload again and ends whole', async () => {
    // Prepare: run A lists one object; before A commits, a second object arrives and run B commits the whole upload.
    const k1 = 'uploads/agency=doj/late/EXCH01/u_ex210301.log';
    const k2 = 'uploads/agency=doj/late/EXCH02/u_ex210302.log';
    await put(k1, iisLog(60, 5).text);
    let lists = 0;
    const staleUploads = Object.create(uploads) as S3ObjectStore;
    staleUploads.list = async (prefix: string): Promise<ObjectInfo[]> => {
      const all = await uploads.list(prefix);
      return lists++ === 0 ? all.filter((o) => o.key === k1) : all;
    };
    staleUploads.get = (k: string): Promise<Readable> => uploads.get(k);
    let b: Awaited<ReturnType<typeof normalizeS3Upload>> | undefined;
    const lakeA = Object.create(lake) as S3ObjectStore;
    lakeA.putIf = async (k, body, cond) => {
      if (!b && k.startsWith('manifests/')) {
        await put(k2, iisLog(40, 6).text);
        b = await normalizeS3Upload({ uploads, lake, key: k2, tmpDir: tmp });
      }
      return lake.putIf(k, body, cond);
    };
    const before = proxy.decisions.length;
    // Act
    const a = await normalizeS3Upload({ uploads: staleUploads, lake: lakeA, key: k1, tmpDir: tmp });
    const check = await readCommittedLake(lake, { agencies: ['doj'] });
    // Assess
    const decisions = proxy.decisions.slice(before).filter((d) => d.key === 'manifests/agency=doj/late.json');
    expect(decisions.map((d) => [d.header, d.status])).toEqual([
      ['If-None-Match', 200], // B's first publication
      ['If-None-Match', 412], // A's stale commit, refused
      ['If-Match', 200], // A's second run, over B's ETag, with the whole upload
    ]);
    expect(b!.manifest.inputs).toHaveLength(2);
    expect(a.manifest.inputs).toHaveLength(2);
    expect(await committed(lake, 'manifests/agency=doj/late.json')).toEqual(await committed(lake, b!.manifestKey));
    expect({ gaps: check.gaps, unlisted: check.unlisted }).toEqual({ gaps: [], unlisted: [] });
  });

  it('without retries the stale run fails with a clear error and the newer commit stands', async () => {
    // Prepare
    const k1 = 'uploads/agency=doj/stale/EXCH01/u_ex210301.log';
    const k2 = 'uploads/agency=doj/stale/EXCH02/u_ex210302.log';
    await put(k1, iisLog(50, 7).text);
    const staleUploads = Object.create(uploads) as S3ObjectStore;
    staleUploads.list = async (prefix: string) => (await uploads.list(prefix)).filter((o) => o.key === k1);
    staleUploads.get = (k: string): Promise<Readable> => uploads.get(k);
    let newer: Manifest | undefined;
    const lakeA = Object.create(lake) as S3ObjectStore;
    lakeA.putIf = async (k, body, cond) => {
      if (!newer && k.startsWith('manifests/')) {
        await put(k2, iisLog(30, 8).text);
        newer = (await normalizeS3Upload({ uploads, lake, key: k2, tmpDir: tmp })).manifest;
      }
      return lake.putIf(k, body, cond);
    };
    // Act
    const run = normalizeS3Upload({ uploads: staleUploads, lake: lakeA, key: k1, tmpDir: tmp, conflictRetries: 0 });
    // Assess
    await expect(run).rejects.toBeInstanceOf(ManifestConflictError);
    await expect(run).rejects.toThrow(
      /committed by another run after this one started \(precondition-failed\).*normalize the upload again/,
    );
    const stands = JSON.parse(await readText(lake, 'manifests/agency=doj/stale.json')) as Manifest;
    expect(stands.inputs.map((i) => i.path)).toEqual(newer!.inputs.map((i) => i.path));
    expect(stands.inputs).toHaveLength(2);
  });

  it('a replay after repair replaces the manifest with If-Match on the ETag it found', async () => {
    // Prepare: a committed upload, one file damaged.
    const key = 'uploads/agency=doj/rep/EXCH01/u_ex210301.log';
    await put(key, iisLog(80, 9, 2).text);
    const first = await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp });
    const etag = (await lake.getVersioned(first.manifestKey))!.etag;
    await lake.put(first.manifest.files[0].key, Buffer.from('PAR1 damaged'));
    const damaged = await readCommittedLake(lake, { agencies: ['doj'] });
    const before = proxy.decisions.length;
    // Act
    await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp });
    const after = await readCommittedLake(lake, { agencies: ['doj'] });
    // Assess
    expect(damaged.gaps.map((g) => g.key)).toEqual([first.manifest.files[0].key]);
    expect(proxy.decisions.slice(before).filter((d) => d.key === first.manifestKey)).toEqual([
      { key: first.manifestKey, header: 'If-Match', value: etag, status: 200 },
    ]);
    expect(after.gaps).toEqual([]);
  });

  it('writes a commit record of the committed files, in Athena\'s "$path" form, before the manifest', async () => {
    // Prepare
    const key = 'uploads/agency=dhs/rec/EXCH01/u_ex210301.log';
    await put(key, iisLog(30, 10, 3).text);
    // Act
    const r = await normalizeS3Upload({ uploads, lake, key, tmpDir: tmp });
    const lines = (await readText(lake, 'commits/agency=dhs/rec.json'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Assess
    expect(lines).toEqual(
      r.manifest.files.map((f) => ({ table_name: f.table, path: `s3://${LAKE}/${f.key}`, upload_id: 'rec', sha256: f.sha256 })),
    );
  });
});
