/**
 * Full disks, refused writes and read-only lakes. The tests run as root, which chmod does not stop: errors are
 * injected where the code meets the disk (a store whose writes fail with ENOSPC/EACCES, fs.promises calls that fail
 * in the staging folder), and a real refusal comes from a folder of /sys, which refuses writes even to root.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../../src/core/local-object-store';
import { DuckDbQueryEngine } from '../../../src/local-engine/duckdb-query-engine';
import { readCommittedLake } from '../../../src/lake/committed';
import { normalizeUpload } from '../../../src/pipeline';
import { readCoverage } from '../../../src/hunt/coverage';
import { assertLakeWhole, iisLog, lakeFiles } from './support';

/** The fs.promises module object itself (a namespace import is a frozen copy that cannot be spied on). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsp = require('node:fs/promises') as typeof import('node:fs/promises');

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const e = new Error(
    `${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'permission denied'}, ${syscall} '${file}'`,
  ) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = file;
  return e;
}

/** A local lake whose n-th file copy fails with ENOSPC, or whose manifest write fails with EACCES. */
class FaultyStore extends LocalObjectStore {
  private copies = 0;
  constructor(
    root: string,
    private readonly fault: { failCopy?: number; failManifest?: boolean },
  ) {
    super(root);
  }
  override async putFile(key: string, file: string): Promise<void> {
    if (this.copies++ === this.fault.failCopy) throw errno('ENOSPC', 'copyfile', this.pathOf(key));
    return super.putFile(key, file);
  }
  override async put(key: string, body: Parameters<LocalObjectStore['put']>[1]): Promise<void> {
    if (this.fault.failManifest && key.startsWith('manifests/')) throw errno('EACCES', 'open', this.pathOf(key));
    return super.put(key, body);
  }
}

describe('disk errors', () => {
  let dir: string;
  let input: string;
  let reference: Map<string, Buffer>;
  const tmp = () => path.join(dir, 'tmp');
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-fs-'));
    input = path.join(dir, 'in', 'EXCH01', 'W3SVC1', 'u_ex210301.log');
    fs.mkdirSync(path.dirname(input), { recursive: true });
    fs.writeFileSync(input, iisLog(200, 1, 4).text);
    await normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', lakeRoot: path.join(dir, 'reference'), tmpDir: tmp() });
    reference = lakeFiles(path.join(dir, 'reference'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, { failCopy?: number; failManifest?: boolean }, RegExp]>([
    ['ENOSPC on the first lake file', { failCopy: 0 }, /^ENOSPC: no space left on device, copyfile '.*u1-0\.parquet'$/],
    ['ENOSPC on the last lake file', { failCopy: 3 }, /^ENOSPC: no space left on device, copyfile '.*u1-0\.parquet'$/],
    ['EACCES on the manifest', { failManifest: true }, /^EACCES: permission denied, open '.*manifests\/agency=dhs\/u1\.json'$/],
  ])('publishing fails (%s): a clear error, no upload visible, staging gone, the re-run byte-identical', async (_name, fault, message) => {
    // Prepare
    const root = path.join(dir, `lake-${fault.failCopy ?? 'm'}`);
    // Act
    const failed = normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', store: new FaultyStore(root, fault), tmpDir: tmp() });
    // Assess
    await expect(failed).rejects.toThrow(message);
    const check = await readCommittedLake(new LocalObjectStore(root));
    expect(check.manifests).toBe(0);
    const { seen } = await assertLakeWhole(root);
    expect(seen.size).toBe(0);
    expect(fs.readdirSync(tmp())).toEqual([]);
    await normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', lakeRoot: root, tmpDir: tmp() });
    const after = lakeFiles(root);
    expect([...after.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [k, b] of reference) expect({ k, same: after.get(k)!.equals(b) }).toEqual({ k, same: true });
  });

  it('a failed re-publish leaves the committed version whole', async () => {
    // Prepare
    const root = path.join(dir, 'lake-republish');
    await normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', lakeRoot: root, tmpDir: tmp() });
    // Act
    await expect(
      normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', store: new FaultyStore(root, { failCopy: 2 }), tmpDir: tmp() }),
    ).rejects.toThrow(/ENOSPC/);
    // Assess
    const { seen } = await assertLakeWhole(root);
    expect(seen.get('u1')).toBe(200);
  });

  it.each([
    [
      'ENOSPC writing a staged Parquet file',
      'open',
      'ENOSPC',
      /^writing web_requests rows of 2021-03-0\d to Parquet failed: ENOSPC: no space left on device/,
    ],
    ['EACCES creating the staging folder', 'mkdtemp', 'EACCES', /^EACCES: permission denied, mkdtemp/],
  ] as const)('staging fails (%s): a clear error, nothing published, nothing left', async (_name, call, code, message) => {
    // Prepare
    const root = path.join(dir, `lake-staging-${call}`);
    const real = fsp[call] as (...a: unknown[]) => Promise<unknown>;
    jest
      .spyOn(fsp, call)
      .mockImplementation(((p: string, ...rest: unknown[]) =>
        String(p).startsWith(tmp()) && (call === 'mkdtemp' || String(p).endsWith('.parquet'))
          ? Promise.reject(errno(code, call, String(p)))
          : real(p, ...rest)) as never);
    // Act
    const failed = normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', lakeRoot: root, tmpDir: tmp() });
    // Assess
    await expect(failed).rejects.toThrow(message);
    jest.restoreAllMocks();
    expect(fs.existsSync(path.join(root, 'manifests'))).toBe(false);
    expect(lakeFiles(root).size).toBe(0);
    expect(fs.readdirSync(tmp())).toEqual([]);
  });

  it('a lake on a folder that refuses writes even to root (/sys): a clear error, nothing left in staging', async () => {
    // Prepare
    const ro = '/sys/kernel/sweep-lake-test';
    if (!fs.existsSync('/sys/kernel') || fs.existsSync(ro)) {
      process.stdout.write('skipped: /sys/kernel is absent here (no folder that refuses writes to root)\n');
      return;
    }
    // Act
    const failed = normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'u1', lakeRoot: ro, tmpDir: tmp() });
    // Assess
    await expect(failed).rejects.toThrow(
      /^(EPERM: operation not permitted|EACCES: permission denied), mkdir '\/sys\/kernel\/sweep-lake-test/,
    );
    expect(fs.readdirSync(tmp())).toEqual([]);
  });

  it('hunting and verifying a read-only lake write nothing into it', async () => {
    // Prepare
    const root = path.join(dir, 'reference');
    const stamp = () =>
      [...lakeFiles(root).keys(), ...fs.readdirSync(root, { recursive: true }).map(String)].sort().join('\n') + fs.statSync(root).mtimeMs;
    const before = stamp();
    // Act
    const engine = await DuckDbQueryEngine.open({ lakeRoot: root });
    try {
      await engine.run('SELECT count(*) FROM web_requests', []);
      await readCoverage(engine, { since: '2021-01-01', until: '2021-12-31' });
    } finally {
      await engine.close();
    }
    await readCommittedLake(new LocalObjectStore(root));
    // Assess
    expect(stamp()).toBe(before);
  });
});
