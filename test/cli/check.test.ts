/**
 * `sweep check` output for scripts, and its usage errors (in process; the text
 * output and the exit code of the built CLI are covered in upload.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError } from '../../src/cli/errors';
import { buildZip } from '../support/archive-builders';
import { runInProcess } from './in-process';

const RAW = path.resolve(__dirname, '..', 'fixtures', 'raw');

describe('sweep check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json lists families, hosts, coverage and gaps, and exits 1 when hunts cannot run', async () => {
    // Prepare: a server with HttpProxy, ECP and OAB logs but no IIS, events or inventory
    const zip = path.join(dir, 'EXCH02-logs.zip');
    writeFileSync(
      zip,
      buildZip([
        {
          name: 'EXCH02/Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG',
          data: readFileSync(path.join(RAW, 'httpproxy', 'cu23-header-row-and-fields.LOG')),
        },
        {
          name: 'EXCH02/Logging/OABGeneratorLog/OABGeneratorLog_20210303-1.LOG',
          data: readFileSync(path.join(RAW, 'oab_generator', 'OABGeneratorLog_20210303-1.LOG')),
        },
      ]),
    );

    // Act
    const run = await runInProcess(['check', zip, '--json']);

    // Assess
    expect(run.error).toBeNull();
    expect(run.exitCode).toBe(1);
    const out = JSON.parse(run.stdout) as {
      families: string[];
      hosts: string[];
      hunts_runnable: number;
      hunts_total: number;
      coverage: { host: string; family: string; firstEvent: string }[];
      gaps: { families: string[]; cves: string[] }[];
    };
    expect(out.families).toEqual(expect.arrayContaining(['httpproxy', 'oab_generator']));
    // HttpProxy records name their server (EXCH01 in the fixture); the OAB log takes the folder name
    expect(out.hosts).toEqual(['EXCH01', 'EXCH02']);
    expect(out.coverage.find((c) => c.family === 'httpproxy')?.firstEvent.slice(0, 10)).toBe('2021-03-02');
    expect(out.gaps.find((g) => g.families.includes('iis'))).toBeDefined();
    expect(out.gaps.some((g) => g.families.includes('httpproxy') || g.families.includes('oab_generator'))).toBe(false);
    expect(out.hunts_runnable).toBeGreaterThan(0);
    expect(out.hunts_runnable).toBeLessThan(out.hunts_total);
  });

  it('lists the files whose host it cannot tell, and rows without an event time with the reason', async () => {
    // Prepare: a hash inventory at the root of an archive not named after a server, without LastWriteTimeUtc
    const zip = path.join(dir, 'collected.zip');
    const inventory =
      '#TYPE Microsoft.PowerShell.Commands.FileHashInfo\r\n"Algorithm","Hash","Path"\r\n' +
      '"SHA256","B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0","C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\supp0rt.aspx"\r\n';
    writeFileSync(zip, buildZip([{ name: 'inventory.csv', data: Buffer.from(inventory) }]));

    // Act
    const run = await runInProcess(['check', zip]);

    // Assess
    expect(run.stdout).toContain('Dating: 1 row has no event time: they show what happened, not when');
    expect(run.stdout).toContain('a file listing without LastWriteTimeUtc shows which file was on disk, not when it was written');
    expect(run.stdout).toContain('Host unknown (1 file)');
    expect(run.stdout).toContain('collected.zip!inventory.csv: 1 row');
  });

  it('fails with "no such file or folder" for a path that does not exist', async () => {
    // Act
    const run = await runInProcess(['check', path.join(dir, 'nope.zip')]);

    // Assess
    expect(run.error).toBeInstanceOf(CliError);
    expect((run.error as CliError).code).toBe('NOT_FOUND');
    expect((run.error as CliError).message).toContain('nope.zip');
  });
});
