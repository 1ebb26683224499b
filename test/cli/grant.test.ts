/**
 * `sweep grant-upload` as the security team runs it, and the printed curl line
 * as the agency pastes it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { runCli } from './run-cli';

const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('sweep grant-upload (end to end, built CLI)', () => {
  let s3: S3rverHandle;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['uploads'] });
    dir = mkdtempSync(path.join(tmpdir(), 'cli-grant-'));
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a link whose curl line, pasted by the agency, puts the archive under its upload folder', async () => {
    // Prepare
    writeFileSync(path.join(dir, 'logs.zip'), 'PK\u0005\u0006' + '\0'.repeat(18));

    // Act
    const run = await runCli(
      ['grant-upload', '--agency', 'doe', '--expires', '2h', '--max-size', '1GiB', '--bucket', 'uploads', '--endpoint', s3.endpoint],
      CREDS,
    );
    const curl = /^curl [\s\S]*?'http[^']*'$/m.exec(run.stdout)?.[0];
    execFileSync('bash', ['-c', curl ?? 'false'], { cwd: dir, stdio: 'pipe' });

    // Assess
    expect(run.code).toBe(0);
    const id = /upload id: +(\S+)/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain(`writes to:  s3://uploads/uploads/agency=doe/${id}/<file name>  (nothing else)`);
    expect(run.stdout).toContain('size limit: 1.0 GiB per archive');
    expect(run.stdout).toContain('$form = [ordered]@{');
    expect(run.stdout).toContain("Invoke-WebRequest -Uri '");
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: `uploads/agency=doe/${id}/` }));
    expect(listed.KeyCount).toBe(1);
  });

  it('makes a large-archive link file that the agency uploads with, without any AWS credentials', async () => {
    // Prepare
    const big = path.join(dir, 'EXCH03-logs.zip');
    const bytes = randomBytes(12 * 1024 * 1024);
    writeFileSync(big, bytes);
    const link = path.join(dir, 'EXCH03.link.json');

    // Act: the security team, then the agency (no credentials in its environment)
    const granted = await runCli(
      [
        'grant-upload',
        '--agency',
        'doe',
        '--size',
        String(bytes.length),
        '--file',
        'EXCH03-logs.zip',
        '--out',
        link,
        '--bucket',
        'uploads',
        '--endpoint',
        s3.endpoint,
      ],
      CREDS,
    );
    const uploaded = await runCli(['upload', '--grant', link, big, '--state-dir', path.join(dir, 'state')], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_REGION: '',
    });

    // Assess
    expect(granted.code).toBe(0);
    expect(granted.stdout).toContain(`npm run sweep -- upload --grant ${link} EXCH03-logs.zip`);
    expect(uploaded.stderr).not.toMatch(/^error/m);
    expect(uploaded.code).toBe(0);
    const id = /upload id: (\S+)/.exec(uploaded.stdout)?.[1];
    const res = await s3.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: `uploads/agency=doe/${id}/EXCH03-logs.zip` }));
    expect(Buffer.from(await res.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });
});
