import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import {
  createUploadGrant,
  curlCommand,
  grantPolicy,
  parseDuration,
  parseSize,
  powershellCommand,
  type UploadGrant,
} from '../../src/upload';

const BUCKET = 'sweep-uploads';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** SigV4 POST signature, computed independently of the SDK (AWS docs: "Calculating a signature", POST policy). */
function signPolicy(policyB64: string, date: string, region: string): string {
  const h = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const key = h(h(h(h(`AWS4${SECRET}`, date), region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(policyB64).digest('hex');
}

async function bodyOf(client: S3Client, key: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe('createUploadGrant', () => {
  const client = new S3Client({ region: 'eu-west-3', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET } });
  afterAll(() => client.destroy());

  it('signs a policy limited to one new folder of the agency prefix, the expiry and the size limit', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const grant = await createUploadGrant({
      client,
      bucket: BUCKET,
      agency: 'doe',
      expiresInSeconds: parseDuration('72h'),
      maxBytes: parseSize('2GB'),
    });

    // Assess
    const policy = grantPolicy(grant);
    expect(grant.keyPrefix).toBe(`uploads/agency=doe/${grant.uploadId}/`);
    expect(grant.uploadId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(grant.fields.key).toBe(`${grant.keyPrefix}\${filename}`);
    expect(policy.conditions).toContainEqual(['starts-with', '$key', grant.keyPrefix]);
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 2_000_000_000]);
    expect(policy.conditions).toContainEqual({ bucket: BUCKET });
    // no condition lets the key be anything else
    expect(policy.conditions).not.toContainEqual(expect.objectContaining({ key: expect.anything() }));
    const expiresMs = Date.parse(policy.expiration);
    expect(expiresMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 72 * 3600 * 1000);
    expect(expiresMs).toBeLessThanOrEqual(Date.now() + 72 * 3600 * 1000);
    expect(grant.expiresAt).toBe(policy.expiration);
    expect(grant.url).toBe(`https://${BUCKET}.s3.eu-west-3.amazonaws.com/`);
  });

  it('signs exactly the policy it carries, so a widened prefix or size no longer verifies', async () => {
    // Prepare
    const grant = await createUploadGrant({ client, bucket: BUCKET, agency: 'doe', expiresInSeconds: 3600 });
    const date = grant.fields['X-Amz-Date'].slice(0, 8);
    const tampered = Buffer.from(
      Buffer.from(grant.fields.Policy, 'base64').toString('utf8').replace('uploads/agency=doe/', 'uploads/agency=other/'),
    ).toString('base64');

    // Act
    const genuine = signPolicy(grant.fields.Policy, date, 'eu-west-3');
    const forged = signPolicy(tampered, date, 'eu-west-3');

    // Assess
    expect(grant.fields['X-Amz-Credential']).toBe(`AKIAIOSFODNN7EXAMPLE/${date}/eu-west-3/s3/aws4_request`);
    expect(grant.fields['X-Amz-Signature']).toBe(genuine);
    expect(forged).not.toBe(genuine);
  });

  it('throws when the signing credentials expire before the link would', async () => {
    // Prepare: an assumed-role session valid one more hour
    const session = new S3Client({
      region: 'eu-west-3',
      credentials: async () => ({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: SECRET,
        sessionToken: 'token',
        expiration: new Date(Date.now() + 3600_000),
      }),
    });

    // Act / Assess
    await expect(
      createUploadGrant({ client: session, bucket: BUCKET, agency: 'doe', expiresInSeconds: parseDuration('72h') }),
    ).rejects.toThrow(/credentials expire at .* before the link would/);
    await expect(
      createUploadGrant({ client: session, bucket: BUCKET, agency: 'doe', expiresInSeconds: parseDuration('30m') }),
    ).resolves.toMatchObject({ agency: 'doe' });
    session.destroy();
  });

  it('throws on an expiry above 7 days, a size above 5 GiB, and a bad agency id', async () => {
    await expect(createUploadGrant({ client, bucket: BUCKET, agency: 'doe', expiresInSeconds: parseDuration('8d') })).rejects.toThrow(
      /7 days.*691200/,
    );
    await expect(
      createUploadGrant({ client, bucket: BUCKET, agency: 'doe', expiresInSeconds: 3600, maxBytes: parseSize('6GB') }),
    ).rejects.toThrow(/5 GiB.*split/);
    await expect(createUploadGrant({ client, bucket: BUCKET, agency: 'Doe/..', expiresInSeconds: 3600 })).rejects.toThrow(/agency id/);
  });
});

describe('upload grant commands (against s3rver)', () => {
  let s3: S3rverHandle;
  let dir: string;
  let grant: UploadGrant;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    dir = mkdtempSync(path.join(tmpdir(), 'grant-test-'));
    grant = await createUploadGrant({ client: s3.client, bucket: BUCKET, agency: 'doe', expiresInSeconds: 3600 });
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads an archive with the printed curl line, under the granted prefix', async () => {
    // Prepare
    const bytes = randomBytes(300_000);
    writeFileSync(path.join(dir, 'EXCH01 logs.zip'), bytes);
    const line = curlCommand(grant, 'EXCH01 logs.zip');

    // Act
    execFileSync('bash', ['-c', line], { cwd: dir, stdio: 'pipe' });

    // Assess: s3rver keeps "${filename}" literally (real S3 substitutes the sent file name)
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: grant.keyPrefix }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${grant.keyPrefix}\${filename}`]);
    expect((await bodyOf(s3.client, listed.Contents![0].Key!)).equals(bytes)).toBe(true);
  });

  it('uploads with the one-line Windows curl.exe form (single quotes, as PowerShell passes them)', async () => {
    // Prepare
    const bytes = randomBytes(50_000);
    writeFileSync(path.join(dir, 'EXCH02.zip'), bytes);
    const line = curlCommand(grant, 'EXCH02.zip', { windows: true });
    const before = (await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: grant.keyPrefix }))).KeyCount ?? 0;

    // Act: bash reads single quotes like PowerShell does; only the program name differs
    execFileSync('bash', ['-c', line.replace(/^curl\.exe /, 'curl ')], { cwd: dir, stdio: 'pipe' });

    // Assess
    expect(line).not.toContain('\n');
    expect(line.startsWith('curl.exe --fail --show-error --form-string ')).toBe(true);
    expect((await bodyOf(s3.client, `${grant.keyPrefix}\${filename}`)).equals(bytes)).toBe(true);
    expect((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: grant.keyPrefix }))).KeyCount).toBe(before);
  });

  it('uploads with the grant fields as a browser or Invoke-WebRequest form would (file field last)', async () => {
    // Prepare
    const bytes = randomBytes(100_000);
    const form = new FormData();
    for (const [k, v] of Object.entries(grant.fields)) form.append(k, k === 'key' ? `${grant.keyPrefix}iis.zip` : v);
    form.append('file', new Blob([bytes]), 'iis.zip');

    // Act
    const res = await fetch(grant.url, { method: 'POST', body: form });

    // Assess
    expect(res.status).toBe(204);
    expect((await bodyOf(s3.client, `${grant.keyPrefix}iis.zip`)).equals(bytes)).toBe(true);
  });

  it('prints a PowerShell form with every signed field, quoted, and the file last', () => {
    // Act
    const ps = powershellCommand(grant, 'C:/collect/EXCH01.zip');

    // Assess
    for (const [k, v] of Object.entries(grant.fields)) expect(ps).toContain(`'${k}' = '${v}'`);
    expect(ps).toMatch(
      /'file' = Get-Item -LiteralPath 'C:\\collect\\EXCH01\.zip'\n}\nInvoke-WebRequest -Uri '[^']+' -Method Post -Form \$form$/,
    );
    expect(ps.startsWith('$form = [ordered]@{')).toBe(true);
  });
});

describe('parseDuration / parseSize', () => {
  it('reads the units people type', () => {
    expect(parseDuration('72h')).toBe(259200);
    expect(parseDuration('3d')).toBe(259200);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseSize('5GB')).toBe(5 * 1000 ** 3);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1000')).toBe(1000);
  });

  it('throws on text it cannot read, naming it', () => {
    expect(() => parseDuration('3 weeks')).toThrow(/"3 weeks"/);
    expect(() => parseSize('big')).toThrow(/"big"/);
  });
});
