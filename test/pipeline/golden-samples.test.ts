/**
 * The demo samples (samples/agency-demo) through normalize and the sweep, compared with a recorded golden file:
 * the SHA-256 of every lake file, the manifest (less its wall-clock field), the findings and the verdicts.
 *
 * It proves that a refactoring changes nothing a user sees. When a change is meant to alter the output (a new
 * column, a new hunt), re-record with `UPDATE_GOLDEN=1 npx jest test/pipeline/golden-samples.test.ts` and say in
 * the commit why the golden file changed.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPack } from '../../src/hunt';
import { DuckDbQueryEngine } from '../../src/local-engine';
import { normalizeUpload } from '../../src/pipeline';
import { runSweep } from '../../src/sweep';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'samples', 'agency-demo');
const GOLDEN = path.join(__dirname, 'golden-samples.json');
const NOW = new Date('2026-01-15T12:00:00.000Z');

interface Golden {
  readonly lakeFiles: Record<string, string>;
  readonly manifest: unknown;
  readonly findings: unknown[];
  readonly verdicts: unknown[];
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? listFiles(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

async function produce(tmp: string): Promise<Golden> {
  const lakeRoot = path.join(tmp, 'root');
  // Inputs relative to the repository (the test runs there): display paths, lake bytes and findings do not depend
  // on where the checkout lives.
  const inputs = fs
    .readdirSync(DEMO)
    .filter((n) => n.endsWith('.zip'))
    .sort()
    .map((n) => path.posix.join('samples', 'agency-demo', n));
  const { manifest } = await normalizeUpload({
    inputs,
    agency: 'demo',
    uploadId: 'golden',
    lakeRoot,
    tmpDir: tmp,
    uploadTime: new Date('2021-03-20T00:00:00.000Z'),
    now: () => NOW,
  });
  const lakeFiles: Record<string, string> = {};
  for (const f of listFiles(path.join(lakeRoot, 'lake')).sort())
    lakeFiles[path.relative(lakeRoot, f).split(path.sep).join('/')] = sha256(f);
  // Inputs carry the checkout's paths and mtimes: not part of what the code decides.
  const { inputs: _inputs, ...rest } = manifest;
  const pack = await loadPack(path.resolve('queries'), path.resolve('indicators'));
  const engine = await DuckDbQueryEngine.open({ lakeRoot, indicators: pack.indicators });
  let sweep;
  try {
    sweep = await runSweep({
      engine,
      pack,
      indicators: { rows: pack.indicators.length, rejects: pack.indicatorRejects },
      outDir: path.join(tmp, 'out'),
      windowFromLake: true,
      since: '2019-01-01',
      until: '2021-12-31',
      now: () => NOW,
      lakeCheck: engine.lakeCheck,
    });
  } finally {
    await engine.close();
  }
  return {
    lakeFiles,
    manifest: JSON.parse(JSON.stringify(rest)),
    findings: JSON.parse(JSON.stringify(sweep.findings)),
    verdicts: JSON.parse(JSON.stringify(sweep.verdicts)),
  };
}

describe('normalize and sweep of the demo samples (golden)', () => {
  let tmp: string;
  let cwd: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
    cwd = process.cwd();
    process.chdir(ROOT);
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('gives the recorded lake bytes, manifest, findings and verdicts', async () => {
    // Act
    const got = await produce(tmp);
    // Assess
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN, JSON.stringify(got, null, 1) + '\n');
    const want = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Golden;
    expect(Object.keys(got.lakeFiles).length).toBeGreaterThan(0);
    expect(got.findings.length).toBeGreaterThan(0);
    expect(got.lakeFiles).toEqual(want.lakeFiles);
    expect(got.manifest).toEqual(want.manifest);
    expect(got.findings).toEqual(want.findings);
    expect(got.verdicts).toEqual(want.verdicts);
  });
});
