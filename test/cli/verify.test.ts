import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../src/cli/errors';
import { iisLog } from '../lake/faults/support';
import { runInProcess } from './in-process';

const HUNT = `/* ---
id: 5a1e0000-0000-4000-8000-000000000001
name: any OWA request
status: stable
severity: low
cves: []
mitre: ["TA0001:T1190"]
log_families: [iis]
description: Every OWA request (a test hunt).
references: [https://example.org/x]
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits
FROM web_requests WHERE dt BETWEEN ? AND ? GROUP BY 1, 2
`;

describe('sweep verify / sweep repair', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-verify-'));
    root = path.join(dir, 'lake-root');
    const log = path.join(dir, 'in', 'EXCH01', 'W3SVC1', 'u_ex210301.log');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, iisLog(120, 3, 2).text);
    fs.mkdirSync(path.join(dir, 'queries'));
    fs.writeFileSync(path.join(dir, 'queries', 'owa.sql'), HUNT);
    const r = await runInProcess(['normalize', log, '--lake', root, '--agency', 'dhs', '--host', 'EXCH01', '--json']);
    expect(r.error).toBeNull();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a damaged file, the hunt lists the gap in the verdict, repair rebuilds it byte-identical', async () => {
    // Prepare
    const clean = await runInProcess(['verify', '--lake', root]);
    const key = fs.readdirSync(path.join(root, 'lake', 'web_requests', 'agency=dhs'))[0];
    const file = path.join(
      root,
      'lake',
      'web_requests',
      'agency=dhs',
      key,
      fs.readdirSync(path.join(root, 'lake', 'web_requests', 'agency=dhs', key))[0],
    );
    const original = fs.readFileSync(file);
    const damaged = Buffer.from(original);
    damaged[100] ^= 0xff;
    damaged[101] ^= 0xff;
    fs.writeFileSync(file, damaged);

    // Act
    const found = await runInProcess(['verify', '--lake', root]);
    const hunt = await runInProcess([
      'hunt',
      '--lake',
      root,
      '--out',
      path.join(dir, 'out'),
      '--queries',
      path.join(dir, 'queries'),
      '--indicators',
      path.join(dir, 'none'),
      '--json',
    ]);
    const repaired = await runInProcess(['repair', '--lake', root]);
    const after = await runInProcess(['verify', '--lake', root]);

    // Assess
    expect(clean.stdout).toMatch(
      /^Checked 2 lake file\(s\) of 1 upload\(s\) in .* against their manifests \(.* hashed, .* s\): all match\.\n$/,
    );
    expect(clean.exitCode ?? 0).toBe(0);
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toContain(`  CHECKSUM    lake/web_requests/agency=dhs/${key}/`);
    expect(found.stdout).toMatch(/checksum mismatch \(manifest [0-9a-f]{12}\.\.\., file [0-9a-f]{12}\.\.\.\) \(EXCH01 iis, 2021-03-0\d\)/);
    const summary = JSON.parse(hunt.stdout) as {
      lake_gaps: { key: string; problem: string }[];
      verdicts: { host: string; lines: string[] }[];
    };
    expect(summary.lake_gaps.map((g) => g.problem)).toEqual(['checksum']);
    const v = summary.verdicts.find((x) => x.host === 'EXCH01')!;
    expect(v.lines).toContain(
      `IIS logs on EXCH01 for ${key.slice(3)}: 1 lake file(s) damaged, left out, not judged (sweep verify names them; sweep repair rebuilds them)`,
    );
    expect(repaired.stdout).toMatch(
      /rebuilt upload up-[0-9a-f]+ \(agency dhs, 1 file\(s\)\) from .*u_ex210301\.log: 2 file\(s\), byte-identical to the recorded checksums\nLake verified: every file matches its manifest\.\n$/,
    );
    expect(fs.readFileSync(file).equals(original)).toBe(true);
    expect(after.stdout).toMatch(/all match\.\n$/);
  });

  it('asks for --lake or --bucket', async () => {
    // Act
    const r = await runInProcess(['verify']);
    // Assess
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).message).toBe('missing --lake <dir> or --bucket <name>');
  });
});
