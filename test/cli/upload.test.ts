/**
 * From zip to receipt, as a new user does it with the commands of docs/agencies.md:
 * `sweep check`, then `sweep upload --wait`, with the normalizer (the Lambda's
 * code path, normalizeS3Upload) running on the "server side" when the object lands.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3ObjectStore } from '../../src/aws/s3-object-store';
import { normalizeS3Upload } from '../../src/aws/normalize-s3-upload';
import { startS3rver, type S3rverHandle } from '../../testkit/s3rver';
import { buildZip } from '../support/archive-builders';
import { runCli } from './run-cli';

const RAW = path.resolve(__dirname, '..', 'fixtures', 'raw');
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

function exchangeZip(): Buffer {
  return buildZip([
    {
      name: 'EXCH01/Logging/HttpProxy/Ecp/HttpProxy_2021030210-1.LOG',
      data: readFileSync(path.join(RAW, 'httpproxy', 'cu23-header-row-and-fields.LOG')),
    },
    { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', data: readFileSync(path.join(RAW, 'iis', 'W3SVC1', 'u_ex210302.log')) },
    { name: 'EXCH01/notes.txt', data: 'collected by the admin on 2021-03-16\n' },
  ]);
}

describe('sweep check / sweep upload (end to end, built CLI)', () => {
  let s3: S3rverHandle;
  let dir: string;
  let zip: string;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['uploads', 'lake'] });
    dir = mkdtempSync(path.join(tmpdir(), 'cli-upload-'));
    zip = path.join(dir, 'EXCH01-logs.zip');
    writeFileSync(zip, exchangeZip());
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('check says what was found per host, what was refused, and which CVEs cannot be checked, uploading nothing', async () => {
    // Act
    const run = await runCli(['check', zip]);

    // Assess
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(1); // some hunts cannot run
    expect(run.stdout).toMatch(/EXCH01 +HttpProxy logs +2021-03-02 -> 2021-03-02 \(0 days, 1 file, \d+ rows\)/);
    expect(run.stdout).toMatch(/EXCH01 +IIS logs +2021-03-02 -> 2021-03-02/);
    expect(run.stdout).toMatch(/u_ex210302\.log: 2 \(.*bad date\/time "2021-03-02 25:10:03"/);
    expect(run.stdout).toMatch(/Not recognized \(1\):\n.*notes\.txt/);
    expect(run.stdout).toMatch(/no Windows event logs \(\.evtx or an export\): .*CVE-2021-26857.* cannot be checked/);
    expect(run.stdout).toContain('collect: <Exchange install>\\Logging\\ECP\\Server\\');
    expect(run.stdout).toContain('Nothing was uploaded.');
    expect(s3.events).toHaveLength(0);
  });

  it('upload --wait sends the zip under the agency prefix and prints the receipt once it is normalized', async () => {
    // Prepare: the "Lambda" normalizes whatever lands under uploads/
    const uploads = new S3ObjectStore({ client: s3.client, bucket: 'uploads' });
    const lake = new S3ObjectStore({ client: s3.client, bucket: 'lake' });
    let normalizing: Promise<unknown> | null = null;
    const watcher = setInterval(() => {
      const created = s3.events.find((e) => e.s3.bucket.name === 'uploads' && e.eventName.startsWith('ObjectCreated'));
      if (created && !normalizing) {
        normalizing = normalizeS3Upload({ uploads, lake, key: created.s3.object.key, tmpDir: dir });
      }
    }, 100);

    // Act
    let run;
    try {
      run = await runCli(
        [
          'upload',
          zip,
          '--agency',
          'doe',
          '--bucket',
          'uploads',
          '--lake-bucket',
          'lake',
          '--endpoint',
          s3.endpoint,
          '--wait',
          '--poll',
          '1s',
          '--wait-timeout',
          '2m',
          '--state-dir',
          path.join(dir, 'state'),
        ],
        CREDS,
      );
    } finally {
      clearInterval(watcher);
      await (normalizing as Promise<unknown> | null);
    }

    // Assess
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const id = /upload id: (\d{8}T\d{6}Z-[0-9a-f]{8})/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    expect(run.stdout).toContain(`-> s3://uploads/uploads/agency=doe/${id}/EXCH01-logs.zip`);
    expect(run.stdout).toMatch(new RegExp(`Upload ${id} received \\(doe\\): 1 host, 2 log families, \\d+ gaps`));
    expect(run.stdout).toContain('Files: 3 read, 2 parsed, 0 partly read, 1 not recognized, 0 refused');
    expect(run.stdout).toMatch(/EXCH01 +HttpProxy logs +2021-03-02 -> 2021-03-02/);
    expect(run.stdout).toMatch(/no ECP Server logs: CVE-2021-27065 cannot be checked/);
    expect(await lake.exists(`manifests/agency=doe/${id}.json`)).toBe(true);
  });
});
