/**
 * Many writers, one lake (local disk): per-run staging folders and per-upload publish locks.
 *
 * Every normalize run stages its Parquet files in its own folder `<scratch>/run-<host>-<pid>-<random>/`, holding an
 * `owner.json` (host, pid, the pid's start time, a lease renewed while the run lives). A run never touches another
 * run's folder, except to remove one that is provably abandoned:
 * - its owner ran on this host and that process is gone (no such pid, or the pid now belongs to a process started
 *   at another time: pids are reused), or
 * - its lease expired (the owner ran on another host sharing the folder, or could not renew it for a whole lease).
 * A folder without a readable `owner.json` (a run killed before writing it, or made by an older version) is judged by
 * the host and pid in its name (`run-<host>-<pid>-<random>`), else abandoned once untouched for a whole lease.
 *
 * Publishing one upload takes `<root>/.locks/agency=<id>/<upload-id>.lock` (created exclusively, with its owner record):
 * two runs of the same upload publish one after the other, so the lake ends as if they had run serially. A lock
 * whose owner is provably gone is broken; a live one is waited for.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { LakeWriteError } from './errors';

/** Who holds a staging folder or a lock. */
export interface OwnerRecord {
  readonly host: string;
  readonly pid: number;
  /** Start time of the pid (Linux: /proc/<pid>/stat field 22, clock ticks since boot), or null where unknown. */
  readonly pid_start: string | null;
  readonly started: string;
  /** ISO time after which the record is stale unless renewed. */
  readonly lease_until: string;
}

/** A staging folder lease: renewed every third of it while the run lives. */
export const DEFAULT_LEASE_MS = 30 * 60 * 1000;
const OWNER_FILE = 'owner.json';

const safeHost = (): string => os.hostname().replace(/[^A-Za-z0-9_.]/g, '_');

/** Start time of a process (Linux), to tell a live owner from a reused pid; null where /proc is absent. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** Is this process (on this host) alive and the one that wrote the record? */
export function ownerAlive(owner: Pick<OwnerRecord, 'pid' | 'pid_start'>): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.pid_start === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.pid_start;
}

function ownerRecord(leaseMs: number, now = Date.now()): OwnerRecord {
  return {
    host: os.hostname(),
    pid: process.pid,
    pid_start: processStartTime(process.pid),
    started: new Date(now).toISOString(),
    lease_until: new Date(now + leaseMs).toISOString(),
  };
}

/** Why an owner record is abandoned, or null when its owner may still run. */
export function abandonedBecause(owner: OwnerRecord, now = Date.now()): string | null {
  if (owner.host === os.hostname() && !ownerAlive(owner)) return `process ${owner.pid} on ${owner.host} is gone`;
  if (Date.parse(owner.lease_until) < now) return `lease expired at ${owner.lease_until}`;
  return null;
}

async function readOwner(file: string): Promise<OwnerRecord | null> {
  try {
    const o = JSON.parse(await fsp.readFile(file, 'utf8')) as OwnerRecord;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.lease_until === 'string' ? o : null;
  } catch {
    return null;
  }
}

async function writeOwner(file: string, owner: OwnerRecord): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(owner) + '\n');
  await fsp.rename(tmp, file);
}

/** One run's staging folder. */
export interface RunStaging {
  readonly dir: string;
  /** Stops renewing the lease and removes the folder. */
  release(): Promise<void>;
}

/**
 * Creates this run's staging folder under `parent` (made if needed), with its owner record, and renews the lease
 * until {@link RunStaging.release}.
 */
export async function createRunStaging(parent: string, leaseMs = DEFAULT_LEASE_MS): Promise<RunStaging> {
  const dir = path.join(parent, `run-${safeHost()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  // Another run that ends removes the shared parent once it is empty: between our mkdir of the parent and of our
  // folder it may be gone again, and even inside the recursive mkdir (it finds the parent, then stats a parent just
  // removed: ENOENT). Make both again until our folder exists.
  for (let attempt = 1; ; attempt++) {
    try {
      await fsp.mkdir(parent, { recursive: true });
      await fsp.mkdir(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 100) throw err;
      // A few milliseconds apart (random), so that runs ending in a burst cannot keep winning the race.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(attempt, 10)));
    }
  }
  const file = path.join(dir, OWNER_FILE);
  await writeOwner(file, ownerRecord(leaseMs));
  const started = Date.now();
  const timer = setInterval(
    () => {
      writeOwner(file, { ...ownerRecord(leaseMs), started: new Date(started).toISOString() }).catch(() => undefined);
    },
    Math.max(1000, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    dir,
    async release() {
      clearInterval(timer);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A staging folder removed by {@link sweepStaleStaging}, and why. */
export interface RemovedStaging {
  readonly dir: string;
  readonly reason: string;
}

/**
 * Removes the abandoned run folders under `parent` (see the module comment); never a folder whose owner may run.
 * Errors on one folder (a read-only disk) leave it in place and go on.
 */
export async function sweepStaleStaging(parent: string, leaseMs = DEFAULT_LEASE_MS, now = Date.now()): Promise<RemovedStaging[]> {
  let items: fs.Dirent[];
  try {
    items = await fsp.readdir(parent, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: RemovedStaging[] = [];
  for (const it of items) {
    if (!it.isDirectory()) continue;
    const dir = path.join(parent, it.name);
    const owner = await readOwner(path.join(dir, OWNER_FILE));
    let reason: string | null;
    if (owner) reason = abandonedBecause(owner, now);
    else {
      const named = /^run-(.+)-(\d+)-[0-9a-f]+$/.exec(it.name);
      const st = await fsp.stat(dir).catch(() => null);
      if (named && named[1] === safeHost() && !ownerAlive({ pid: Number(named[2]), pid_start: null }))
        reason = `process ${named[2]} on this host is gone (no owner record)`;
      else reason = st && now - st.mtimeMs > leaseMs ? `no owner record, untouched for over ${Math.round(leaseMs / 60000)} min` : null;
    }
    if (reason === null) continue;
    try {
      await fsp.rm(dir, { recursive: true, force: true });
      removed.push({ dir, reason });
    } catch {
      // Left for a later run.
    }
  }
  return removed;
}

/** Thrown when a publish lock stays held by a live owner longer than the wait allows. */
export class LockTimeoutError extends LakeWriteError {
  constructor(
    readonly lockFile: string,
    readonly owner: OwnerRecord | null,
  ) {
    super(
      `upload is being published by another run (${owner ? `pid ${owner.pid} on ${owner.host}` : 'owner unknown'}): gave up waiting for ${lockFile}`,
    );
    this.name = 'LockTimeoutError';
  }
}

export interface LockOptions {
  /** @default 10 minutes */
  readonly waitMs?: number;
  /** @default DEFAULT_LEASE_MS */
  readonly leaseMs?: number;
}

/**
 * Runs `fn` holding the exclusive lock file `lockFile` (hard-linked into place: exclusive). A lock whose owner is provably gone is
 * broken (renamed aside first, so that two runs breaking it at once cannot both win); a live owner is waited for.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const deadline = Date.now() + (opts.waitMs ?? 10 * 60 * 1000);
  await fsp.mkdir(path.dirname(lockFile), { recursive: true });
  let delay = 20;
  for (;;) {
    // The lock appears with its owner record in it (written aside, then hard-linked into place, which fails when the
    // lock exists): a run killed at any moment never leaves an empty lock that no one could prove abandoned.
    const fresh = `${lockFile}.${process.pid}-${crypto.randomBytes(3).toString('hex')}.new`;
    await fsp.writeFile(fresh, JSON.stringify(ownerRecord(leaseMs)) + '\n');
    try {
      await fsp.link(fresh, lockFile);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await fsp.rm(fresh, { force: true });
    }
    const owner = await readOwner(lockFile);
    // A lock file being written (empty for an instant) has no owner yet: wait, unless it stays so for a lease.
    const st = await fsp.stat(lockFile).catch(() => null);
    const stale = owner ? abandonedBecause(owner) !== null : st !== null && Date.now() - st.mtimeMs > leaseMs;
    if (stale) {
      const aside = `${lockFile}.broken-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
      try {
        await fsp.rename(lockFile, aside);
        const took = await readOwner(aside);
        // Someone else broke it and took it between our read and our rename: give theirs back.
        if (took && owner && (took.pid !== owner.pid || took.started !== owner.started))
          await fsp.link(aside, lockFile).catch(() => undefined);
        await fsp.rm(aside, { force: true });
      } catch {
        // Gone already: retry.
      }
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(lockFile, owner);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(500, delay * 2);
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lockFile, { force: true });
  }
}
