/**
 * The large-upload Fargate task as its container runs it: the task bundle (built as the deployment builds it) is
 * fetched through a presigned link by the container's bootstrap, then normalizes one upload from S3 (s3rver) into
 * the lake, reading the hunt pack from the lake's hunts/.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bundleTaskCode, TASK_BOOTSTRAP } from '../../lib/large-upload-task';
import { buildZip } from '../support/archive-builders';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';

const IIS = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-03 02:21:05 10.0.0.5 POST /owa/auth/Current/themes/resources/logon.aspx - 443 - 203.0.113.7 python-requests/2.25.1 - 200 0 0 15',
].join('\r\n');

function runContainer(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', TASK_BOOTSTRAP], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('large-upload task', () => {
  let s3: S3rverHandle;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['sweep-uploads', 'sweep-lake', 'cdk-assets'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'large-task-'));
    const bundle = path.join(dir, 'bundle.js');
    bundleTaskCode(bundle);
    await s3.client.send(new PutObjectCommand({ Bucket: 'cdk-assets', Key: 'task.js', Body: fs.readFileSync(bundle) }));
    const queries = path.resolve(__dirname, '..', '..', 'queries');
    for (const f of fs
      .readdirSync(queries)
      .filter((n) => n.endsWith('.sql'))
      .slice(0, 5)) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'sweep-lake', Key: `hunts/${f}`, Body: fs.readFileSync(path.join(queries, f)) }));
    }
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'sweep-uploads',
        Key: 'uploads/agency=doj/u-large/EXCH01.zip',
        Body: buildZip([{ name: 'EXCH01/W3SVC1/u_ex210303.log', data: IIS }]),
      }),
    );
    env = {
      UPLOAD_BUCKET: 'sweep-uploads',
      LAKE_BUCKET: 'sweep-lake',
      WORK_DIR: dir,
      TASK_CODE_URL: await getSignedUrl(s3.client, new GetObjectCommand({ Bucket: 'cdk-assets', Key: 'task.js' }), { expiresIn: 600 }),
      ...s3.lambdaEnv(),
    };
  }, 120_000);
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fetches its bundle, normalizes the upload into the lake and exits 0, leaving no scratch files', async () => {
    // Act
    const run = await runContainer({ ...env, UPLOAD_KEY: 'uploads/agency=doj/u-large/EXCH01.zip' });

    // Assess
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toContain('"message":"upload normalized"');
    const manifest = await s3.client.send(new GetObjectCommand({ Bucket: 'sweep-lake', Key: 'manifests/agency=doj/u-large.json' }));
    expect(JSON.parse(await manifest.Body!.transformToString())).toMatchObject({
      agency: 'doj',
      upload_id: 'u-large',
      rows_per_table: { web_requests: 1 },
    });
    expect(
      fs
        .readdirSync(dir)
        .filter((n) => !n.endsWith('.js'))
        .sort(),
    ).toEqual([]);
  }, 60_000);

  it('exits 1, naming the key, when the upload cannot be normalized', async () => {
    // Act
    const run = await runContainer({ ...env, UPLOAD_KEY: 'not-an-upload.zip' });

    // Assess
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/"message":"upload not normalized".*"key":"not-an-upload\.zip"/);
  }, 60_000);
});
