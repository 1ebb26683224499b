/**
 * Flags of `sweep upload` and `sweep grant-upload` validated at the edge
 * (in process, offline: nothing here reaches a server).
 */
import { CliError } from '../../src/cli/errors';
import { runInProcess } from './in-process';

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_REGION: 'eu-west-3',
};

describe('sweep upload / grant-upload flags', () => {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of [...Object.keys(ENV), 'SWEEP_UPLOAD_BUCKET', 'AWS_PROFILE']) saved[k] = process.env[k];
    Object.assign(process.env, ENV);
    delete process.env.SWEEP_UPLOAD_BUCKET;
    delete process.env.AWS_PROFILE;
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('upload fails with a usage error and a suggestion when no bucket is given', async () => {
    // Act
    const run = await runInProcess(['upload', 'logs.zip', '--agency', 'doe']);

    // Assess
    expect(run.error).toBeInstanceOf(CliError);
    expect((run.error as CliError).code).toBe('BAD_ARGUMENT');
    expect((run.error as CliError).suggestion).toContain('SWEEP_UPLOAD_BUCKET');
  });

  it('upload fails on a part size below the S3 minimum and a missing archive, naming them', async () => {
    // Act
    const small = await runInProcess(['upload', 'logs.zip', '--agency', 'doe', '--bucket', 'b-uploads', '--part-size', '1MB']);
    const missing = await runInProcess(['upload', 'does-not-exist.zip', '--agency', 'doe', '--bucket', 'b-uploads']);

    // Assess
    expect((small.error as Error).message).toMatch(/at least 5 MiB.*1000000/);
    expect((missing.error as CliError).code).toBe('BAD_ARGUMENT');
    expect((missing.error as Error).message).toContain('does-not-exist.zip');
  });

  it('grant-upload --json prints the signed fields and the three command lines', async () => {
    // Act
    const run = await runInProcess([
      'grant-upload',
      '--agency',
      'doe',
      '--bucket',
      'b-uploads',
      '--expires',
      '3d',
      '--max-size',
      '2GB',
      '--json',
    ]);

    // Assess
    expect(run.error).toBeNull();
    const grant = JSON.parse(run.stdout) as {
      uploadId: string;
      keyPrefix: string;
      url: string;
      maxBytes: number;
      fields: Record<string, string>;
      curl: string;
      curl_windows: string;
      powershell: string;
      expiresAt: string;
    };
    expect(grant.url).toBe('https://b-uploads.s3.eu-west-3.amazonaws.com/');
    expect(grant.keyPrefix).toBe(`uploads/agency=doe/${grant.uploadId}/`);
    expect(grant.maxBytes).toBe(2_000_000_000);
    expect(Date.parse(grant.expiresAt) - Date.now()).toBeGreaterThan(3 * 86400_000 - 60_000);
    expect(grant.curl).toContain("--form 'file=@logs.zip'");
    expect(grant.curl_windows.startsWith('curl.exe ')).toBe(true);
    expect(grant.powershell).toContain(`'X-Amz-Signature' = '${grant.fields['X-Amz-Signature']}'`);
  });

  it('grant-upload fails with a usage error on an expiry beyond 7 days', async () => {
    // Act
    const run = await runInProcess(['grant-upload', '--agency', 'doe', '--bucket', 'b-uploads', '--expires', '30d']);

    // Assess
    expect((run.error as CliError).code).toBe('BAD_ARGUMENT');
    expect((run.error as Error).message).toContain('expiry must be between 1 minute and 7 days');
  });

  it('upload --grant fails on a link file that is not one, and on two archives for one link', async () => {
    // Act
    const missing = await runInProcess(['upload', '--grant', '/nonexistent/link.json', 'a.zip']);
    const two = await runInProcess(['upload', '--grant', 'link.json', 'a.zip', 'b.zip']);

    // Assess
    expect((missing.error as CliError).code).toBe('NOT_FOUND');
    expect((two.error as Error).message).toBe('a link file is for one archive, got 2');
  });

  it('grant-upload --size refuses a size that is not a byte count', async () => {
    // Act
    const run = await runInProcess(['grant-upload', '--agency', 'doe', '--bucket', 'b-uploads', '--size', '20GB']);

    // Assess
    expect((run.error as CliError).code).toBe('BAD_ARGUMENT');
    expect((run.error as CliError).suggestion).toContain('(Get-Item');
  });
});
