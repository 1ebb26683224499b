import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../src/cli/errors';
import { runInProcess } from './in-process';

describe('sweep board arguments', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('prints a presigned link to board/board.html with --bucket --link, offline', async () => {
    // Prepare
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1' });

    // Act
    const r = await runInProcess(['board', '--bucket', 'sweep-lake-bucket', '--link', '--expires', '900']);

    // Assess
    expect(r.error).toBeNull();
    const url = new URL(r.stdout.trim());
    expect(url.hostname).toBe('sweep-lake-bucket.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/board/board.html');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it('refuses --link without --bucket, a bad lifetime, and a missing lake', async () => {
    // Prepare
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'board-args-'));

    // Act
    const link = await runInProcess(['board', '--link']);
    const expires = await runInProcess(['board', '--bucket', 'sweep-lake-bucket', '--link', '--expires', '10']);
    const lake = await runInProcess(['board', '--out', empty]);

    // Assess
    expect(link.error).toBeInstanceOf(CliError);
    expect((link.error as Error).message).toBe('--link needs --bucket');
    expect((expires.error as Error).message).toMatch(/--expires must be whole seconds in 60..604800/);
    expect((lake.error as Error).message).toBe('missing --lake <dir>');
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
