import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { MAX_UPLOAD_BYTES } from '../../src/upload/limits';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import {
  UploadInterruptedError,
  createMultipartGrant,
  fileGrantProgressStore,
  parseMultipartGrant,
  uploadWithGrant,
  type MultipartGrant,
} from '../../src/upload';

const MiB = 1024 * 1024;
const BUCKET = 'sweep-uploads';

describe('multipart upload grants (against s3rver)', () => {
  let s3: S3rverHandle;
  let dir: string;
  let file: string;
  let bytes: Buffer;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    dir = mkdtempSync(path.join(tmpdir(), 'mgrant-'));
    file = path.join(dir, 'EXCH01-logs.zip');
    bytes = randomBytes(11 * MiB + 123); // parts of 5 MiB, 5 MiB, 1 MiB + 123 B
    writeFileSync(file, bytes);
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const grantFor = (over: Partial<Parameters<typeof createMultipartGrant>[0]> = {}) =>
    createMultipartGrant({
      client: s3.client,
      bucket: BUCKET,
      agency: 'doe',
      fileName: 'EXCH01-logs.zip',
      size: bytes.length,
      expiresInSeconds: 3600,
      partSize: 5 * MiB,
      ...over,
    });

  async function stored(grant: MultipartGrant): Promise<Buffer> {
    const res = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: grant.key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }

  it('presigns one PUT per part with its exact Content-Length signed, under one new folder of the agency', async () => {
    // Act
    const grant = parseMultipartGrant(JSON.stringify(await grantFor()));

    // Assess
    expect(grant.key).toBe(`uploads/agency=doe/${grant.uploadId}/EXCH01-logs.zip`);
    expect(grant.parts.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, MiB + 123]);
    for (const p of grant.parts) {
      const q = new URL(p.url).searchParams;
      expect(q.get('partNumber')).toBe(String(p.partNumber));
      expect(q.get('X-Amz-Expires')).toBe('3600');
      expect(q.get('X-Amz-SignedHeaders')?.split(';')).toEqual(expect.arrayContaining(['content-length', 'host']));
    }
    expect(new URL(grant.completeUrl).searchParams.get('uploadId')).toBe(new URL(grant.parts[0].url).searchParams.get('uploadId'));
  });

  it('uploads the archive with nothing but the grant, byte for byte', async () => {
    // Prepare
    const grant = await grantFor();
    const progress = path.join(dir, 'p1.json');

    // Act
    const result = await uploadWithGrant({ grant, filePath: file, store: fileGrantProgressStore(progress) });

    // Assess
    expect(result).toEqual({ key: grant.key, uploadId: grant.uploadId, size: bytes.length, partsResumed: 0 });
    expect(
      createHash('sha256')
        .update(await stored(grant))
        .digest('hex'),
    ).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('resumes after a dropped connection, sending only the missing parts', async () => {
    // Prepare: the network fails on part 3
    const grant = await grantFor();
    const store = fileGrantProgressStore(path.join(dir, 'p2.json'));
    const failing: typeof fetch = async (url, init) => {
      if (new URL(String(url)).searchParams.get('partNumber') === '3') throw new TypeError('fetch failed: socket hang up');
      return fetch(url, init);
    };
    await expect(uploadWithGrant({ grant, filePath: file, store, fetch: failing, concurrency: 1 })).rejects.toBeInstanceOf(
      UploadInterruptedError,
    );
    const sent: string[] = [];
    const counting: typeof fetch = async (url, init) => {
      sent.push(new URL(String(url)).searchParams.get('partNumber') ?? 'complete');
      return fetch(url, init);
    };

    // Act
    const result = await uploadWithGrant({ grant, filePath: file, store, fetch: counting });

    // Assess
    expect(result.partsResumed).toBe(2);
    expect(sent).toEqual(['3', 'complete']);
    expect((await stored(grant)).equals(bytes)).toBe(true);
  });

  it('fails at once, naming the reason, when the link has expired (s3rver enforces X-Amz-Expires)', async () => {
    // Prepare: signed two hours ago for one hour
    const grant = await grantFor({ now: () => new Date(Date.now() - 2 * 3600_000) });
    let puts = 0;
    const counting: typeof fetch = async (url, init) => {
      puts++;
      return fetch(url, init);
    };

    // Act
    const err = await uploadWithGrant({
      grant,
      filePath: file,
      store: fileGrantProgressStore(path.join(dir, 'p3.json')),
      fetch: counting,
      concurrency: 1,
    }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(UploadInterruptedError);
    expect((err as Error).message).toMatch(/part 1: the server answered 403: AccessDenied: Request has expired/);
    expect(puts).toBe(1);
  });

  it("uploads into an SSE-KMS bucket, whose part ETags are not the parts' MD5", async () => {
    // Prepare: S3 under SSE-KMS answers each part with an opaque ETag (32 hex digits, not the MD5) and expects
    // that same ETag in the complete call. Between the client and s3rver, swap ETags both ways.
    const grant = await grantFor();
    const opaque = new Map<string, string>();
    const kms: typeof fetch = async (url, init) => {
      if (init?.method === 'PUT') {
        const res = await fetch(url, init);
        const real = res.headers.get('etag')!;
        const fake = `"${createHash('md5').update(`kms:${real}`).digest('hex')}"`;
        opaque.set(fake, real);
        const headers = new Headers(res.headers);
        headers.set('etag', fake);
        return new Response(await res.text(), { status: res.status, headers });
      }
      const body = String(init?.body ?? '').replace(
        /<ETag>([^<]*)<\/ETag>/g,
        (_m, e: string) => `<ETag>${opaque.get(e.replace(/&quot;/g, '"')) ?? e}</ETag>`,
      );
      return fetch(url, { ...init, body });
    };

    // Act
    const result = await uploadWithGrant({ grant, filePath: file, store: fileGrantProgressStore(path.join(dir, 'p5.json')), fetch: kms });

    // Assess
    expect(opaque.size).toBe(grant.parts.length);
    expect(result.size).toBe(bytes.length);
    expect((await stored(grant)).equals(bytes)).toBe(true);
  });

  it('refuses a file of another size than the link was made for, before sending anything', async () => {
    // Prepare
    const grant = await grantFor({ size: bytes.length + 1 });
    let calls = 0;

    // Act / Assess
    await expect(
      uploadWithGrant({
        grant,
        filePath: file,
        store: fileGrantProgressStore(path.join(dir, 'p4.json')),
        fetch: async () => {
          calls++;
          throw new Error('no');
        },
      }),
    ).rejects.toThrow(`the link was made for ${bytes.length + 1} bytes`);
    expect(calls).toBe(0);
  });

  it('refuses a link for more than the pipeline can normalize (100 GiB), before starting any upload', async () => {
    // Prepare
    const send = jest.spyOn(s3.client, 'send');

    // Act
    const err = await grantFor({ size: MAX_UPLOAD_BYTES + 1 }).catch((e: unknown) => e);

    // Assess
    expect((err as Error).message).toBe(
      `size ${MAX_UPLOAD_BYTES + 1} is over ${MAX_UPLOAD_BYTES} bytes (100 GiB), the largest upload the pipeline normalizes: split the logs into several archives`,
    );
    expect(send).not.toHaveBeenCalled();
    send.mockRestore();
  });

  it('throws on a grant file that is not one', () => {
    expect(() => parseMultipartGrant('{"kind":"other"}')).toThrow(/not a sweep upload grant/);
    expect(() => parseMultipartGrant('not json')).toThrow(/not JSON/);
  });
});
