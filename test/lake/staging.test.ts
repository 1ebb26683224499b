import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunStaging, ownerAlive, processStartTime, sweepStaleStaging, withFileLock, type OwnerRecord } from '../../src/lake/staging';

/** The pid of a process that has exited (a child run to its end). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeOwner(dir: string, o: Partial<OwnerRecord>): void {
  fs.mkdirSync(dir, { recursive: true });
  const full: OwnerRecord = {
    host: os.hostname(),
    pid: process.pid,
    pid_start: processStartTime(process.pid),
    started: new Date().toISOString(),
    lease_until: new Date(Date.now() + 60_000).toISOString(),
    ...o,
  };
  fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(full));
}

describe('run staging', () => {
  let parent: string;
  beforeEach(() => (parent = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-test-'))));
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('removes only the folders whose owner is provably gone or whose lease expired, never a live run', async () => {
    // Prepare
    const live = await createRunStaging(parent);
    writeOwner(path.join(parent, 'run-dead'), { pid: deadPid() });
    writeOwner(path.join(parent, 'run-reused-pid'), { pid: process.pid, pid_start: '1' });
    writeOwner(path.join(parent, 'run-other-host-live'), { host: 'another-host', pid: 1 });
    writeOwner(path.join(parent, 'run-other-host-expired'), {
      host: 'another-host',
      pid: 1,
      lease_until: new Date(Date.now() - 1000).toISOString(),
    });
    fs.mkdirSync(path.join(parent, 'sweep-normalize-old'));
    fs.utimesSync(path.join(parent, 'sweep-normalize-old'), new Date(0), new Date(0));
    fs.mkdirSync(path.join(parent, 'sweep-normalize-fresh'));
    const host = os.hostname().replace(/[^A-Za-z0-9_.]/g, '_');
    fs.mkdirSync(path.join(parent, `run-${host}-${deadPid()}-0a1b`));
    fs.mkdirSync(path.join(parent, `run-${host}-${process.pid}-0a1c`));

    // Act
    const removed = await sweepStaleStaging(parent);

    // Assess
    const killedEarly = removed.find((r) => r.dir.endsWith('-0a1b'));
    expect(killedEarly?.reason).toMatch(/^process \d+ on this host is gone \(no owner record\)$/);
    expect(
      removed
        .map((r) => path.basename(r.dir))
        .filter((n) => !n.endsWith('-0a1b'))
        .sort(),
    ).toEqual(['run-dead', 'run-other-host-expired', 'run-reused-pid', 'sweep-normalize-old']);
    expect(removed.find((r) => r.dir.endsWith('run-dead'))!.reason).toMatch(/^process \d+ on .* is gone$/);
    expect(fs.readdirSync(parent).sort()).toEqual(
      [path.basename(live.dir), `run-${host}-${process.pid}-0a1c`, 'run-other-host-live', 'sweep-normalize-fresh'].sort(),
    );
    await live.release();
    expect(fs.existsSync(live.dir)).toBe(false);
  });

  it('makes its folder even while ending runs keep removing the shared parent', async () => {
    // Prepare: the shared parent removed whenever it is empty, over and over, as a stream of ending runs does.
    const shared = path.join(parent, '.tmp');
    let stop = false;
    const remover = (async () => {
      while (!stop) {
        await fs.promises.rmdir(shared).catch(() => undefined);
        await new Promise((r) => setImmediate(r));
      }
    })();
    // Act: 400 runs, 16 at a time, each making its folder and releasing it.
    const made: boolean[] = [];
    try {
      for (let round = 0; round < 25; round++) {
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            const s = await createRunStaging(shared);
            made.push(fs.existsSync(path.join(s.dir, 'owner.json')));
            await s.release();
          }),
        );
      }
    } finally {
      stop = true;
      await remover;
    }
    // Assess
    expect(made.length).toBe(400);
    expect(made.every(Boolean)).toBe(true);
  });

  it('tells a live owner from a gone one and from a reused pid', () => {
    // Prepare
    const me = { pid: process.pid, pid_start: processStartTime(process.pid) };
    // Act, Assess
    expect(ownerAlive(me)).toBe(true);
    expect(ownerAlive({ pid: deadPid(), pid_start: null })).toBe(false);
    if (me.pid_start !== null) expect(ownerAlive({ pid: process.pid, pid_start: `${me.pid_start}0` })).toBe(false);
  });
});

describe('withFileLock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-test-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the holders one after the other, never two at once', async () => {
    // Prepare
    const lock = path.join(dir, 'locks', 'u.lock');
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    // Act
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withFileLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          inside--;
        }),
      ),
    );
    // Assess
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('breaks a lock whose owner is gone, waits for a live one, and gives up with a clear error', async () => {
    // Prepare
    const lock = path.join(dir, 'u.lock');
    fs.writeFileSync(
      lock,
      JSON.stringify({
        host: os.hostname(),
        pid: deadPid(),
        pid_start: null,
        started: 'x',
        lease_until: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    // Act
    const got = await withFileLock(lock, async () => 'ran');
    fs.writeFileSync(
      lock,
      JSON.stringify({
        host: os.hostname(),
        pid: process.pid,
        pid_start: processStartTime(process.pid),
        started: 'y',
        lease_until: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const held = withFileLock(lock, async () => 'never', { waitMs: 200 });
    // Assess
    expect(got).toBe('ran');
    await expect(held).rejects.toThrow(
      new RegExp(`upload is being published by another run \\(pid ${process.pid} on .*\\): gave up waiting for .*u\\.lock`),
    );
  });
});
