import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertLakeWhole, buildFaultChild, iisLog, lakeFiles, ROOT } from './support';

/** Kill trials of normalize (staging, writing, publishing) and of a hunt, at random moments. */
const NORMALIZE_TRIALS = 8;
const HUNT_TRIALS = 2;
/** Kills while the upload is being published: when its lock file appears, plus 0-9 ms. */
const PUBLISH_TRIALS = 3;

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the fault child; kills it with SIGKILL after `killAfterMs` (or `killAfterMs` after `whenFile` appears) unless
 * it finished before.
 */
function runChild(script: string, args: readonly string[], killAfterMs: number | null, whenFile?: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FAULT_QUERIES: path.join(ROOT, 'queries') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | null = null;
    if (killAfterMs !== null && whenFile === undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const poll =
      whenFile === undefined
        ? null
        : setInterval(() => {
            if (fs.existsSync(whenFile)) {
              clearInterval(poll!);
              timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs ?? 0);
            }
          }, 1);
    // A run that neither ends nor is killed within this is stuck (a lock no one can take): killed and reported.
    let stuck = false;
    const guard = setTimeout(() => {
      stuck = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      clearTimeout(guard);
      if (stuck) reject(new Error(`fault child ${args.join(' ')} was stuck for 60 s; stderr: ${stderr}`));
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('SIGKILL at random points', () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-kill-'));
    script = buildFaultChild();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(script, { force: true });
  });

  it('normalize and hunt killed anywhere: no partial upload visible, nothing lost, the re-run byte-identical', async () => {
    // Prepare: two uploads; the reference lake made by undisturbed runs (and their duration, to spread the kills).
    const inputs = ['EXCH01', 'EXCH02'].map((h, i) => {
      const f = path.join(dir, 'in', h, 'W3SVC1', `u_ex21030${i + 1}.log`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const log = iisLog(1500, i, 3);
      fs.writeFileSync(f, log.text);
      return { file: f, log, uploadId: `kill-${i}` };
    });
    const reference = path.join(dir, 'reference');
    const durations: number[] = [];
    for (const u of inputs) {
      const r = await runChild(script, ['normalize', reference, 'dhs', u.uploadId, u.file], null);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      durations.push(r.ms);
    }
    const expectedFiles = lakeFiles(reference);
    const lake = path.join(dir, 'lake-root');
    // Seed a random generator from the clock, and print it: a failing trial can be replayed.
    let seed = Number(process.env.FAULT_SEED ?? Date.now() % 100000);
    const first = seed;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const outcomes: string[] = [];

    // Act, Assess: each trial kills a normalize (or a hunt) at a random moment, then the lake must be whole.
    for (let t = 0; t < NORMALIZE_TRIALS + HUNT_TRIALS + PUBLISH_TRIALS; t++) {
      const kind = t < NORMALIZE_TRIALS ? 'normalize' : t < NORMALIZE_TRIALS + HUNT_TRIALS ? 'hunt' : 'publish';
      const u = inputs[t % inputs.length];
      const span = kind === 'hunt' ? 4000 : kind === 'publish' ? 10 : durations[t % inputs.length];
      const at = Math.floor(random() * span * (kind === 'publish' ? 1 : 1.1));
      const lock = path.join(lake, '.locks', 'agency=dhs', `${u.uploadId}.lock`);
      const r =
        kind === 'hunt'
          ? await runChild(script, ['hunt', lake, path.join(dir, `hunt-${t}`)], at)
          : await runChild(script, ['normalize', lake, 'dhs', u.uploadId, u.file], at, kind === 'publish' ? lock : undefined);
      outcomes.push(`${kind} @${at} ms: ${r.signal === 'SIGKILL' ? 'killed' : `finished (${r.code})`}`);
      if (r.signal !== 'SIGKILL') expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const { lake: committed } = await assertLakeWhole(lake);
      // A committed upload's files are exactly the reference's, byte for byte.
      const files = lakeFiles(lake);
      for (const f of committed.files)
        expect({ key: f.key, same: files.get(f.key)?.equals(expectedFiles.get(f.key)!) }).toEqual({ key: f.key, same: true });
    }

    // The undisturbed re-runs: stale staging of the killed runs removed, the lake byte-identical to the reference.
    for (const u of inputs) {
      const r = await runChild(script, ['normalize', lake, 'dhs', u.uploadId, u.file], null);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
    const { seen } = await assertLakeWhole(lake);
    for (const u of inputs) expect(seen.get(u.uploadId)).toBe(u.log.rows);
    const after = lakeFiles(lake);
    expect([...after.keys()].sort()).toEqual([...expectedFiles.keys()].sort());
    for (const [k, b] of expectedFiles) expect({ k, same: after.get(k)!.equals(b) }).toEqual({ k, same: true });
    expect(fs.existsSync(path.join(lake, '.tmp'))).toBe(false);
    process.stdout.write(`SIGKILL trials (seed ${first}): ${outcomes.join('; ')}\n`);
  }, 300_000);
});
