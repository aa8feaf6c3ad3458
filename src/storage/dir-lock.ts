import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IoError, LockedError, describeError } from './errors';

/** The lock file's content. */
interface LockOwner {
  pid: number;
  hostname: string;
  /** Process start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  processStart?: string;
  acquiredAt: string;
}

/** Data directories held by this process (a second open in-process must fail too). */
const heldInProcess = new Set<string>();

/**
 * An exclusive lock on a data directory, held for as long as an instance is open.
 *
 * Node has no `flock`, so the lock is a file `LOCK` naming its owner. It is created atomically
 * with `link()` (the file appears with its full content or not at all, unlike `open(O_EXCL)` +
 * `write`). A lock whose owner process is gone (dead pid, or a pid reused by a process that
 * started later) is stale and taken over: it is first renamed aside (atomic), so two processes
 * racing to take over the same stale lock cannot both succeed.
 */
export class DirLock {
  private released = false;

  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  /**
   * Acquire the lock on `dir` or throw `LockedError` naming the holder's pid.
   * @returns the lock, and whether a stale lock of a dead process was taken over.
   */
  static acquire(dir: string): { lock: DirLock; tookOverStale: boolean } {
    const resolved = path.resolve(dir);
    if (heldInProcess.has(resolved)) {
      throw new LockedError(
        `data directory ${resolved} is already open in this process (pid ${process.pid}); close the other instance first`,
        { dir: resolved, pid: process.pid },
      );
    }
    const file = path.join(resolved, 'LOCK');
    const me: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      processStart: processStartTime(process.pid),
      acquiredAt: new Date().toISOString(),
    };
    let tookOverStale = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(resolved, file, me)) {
        heldInProcess.add(resolved);
        return { lock: new DirLock(resolved, file), tookOverStale };
      }
      const owner = readOwner(file);
      if (owner !== undefined && isAlive(owner)) {
        throw new LockedError(
          `data directory ${resolved} is locked by process ${owner.pid} on ${owner.hostname} (since ${owner.acquiredAt}); ` +
            'close that instance first, or remove LOCK if that process is certainly gone',
          { dir: resolved, pid: owner.pid, hostname: owner.hostname },
        );
      }
      // Stale (or unreadable half-written legacy) lock: move it aside atomically, then retry.
      const aside = `${file}.stale-${process.pid}-${Date.now()}`;
      try {
        fs.renameSync(file, aside);
        const moved = readOwner(aside);
        if (moved !== undefined && owner !== undefined && moved.pid !== owner.pid) {
          // We moved a lock someone else created after our read: put it back and report it.
          fs.renameSync(aside, file);
          continue;
        }
        fs.rmSync(aside, { force: true });
        tookOverStale = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new IoError(`cannot take over stale lock ${file}: ${describeError(err)}`, { file });
        }
      }
    }
    throw new LockedError(`could not acquire ${file}: another process keeps taking it`, {
      dir: resolved,
    });
  }

  /** Release the lock (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldInProcess.delete(this.dir);
    try {
      const owner = readOwner(this.file);
      if (owner?.pid === process.pid) fs.rmSync(this.file, { force: true });
    } catch {
      // Nothing to do: a lock we cannot remove is stale once this process exits.
    }
  }
}

function tryCreate(dir: string, file: string, me: LockOwner): boolean {
  const tmp = path.join(dir, `LOCK.${process.pid}.${Math.random().toString(36).slice(2)}`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(me) + '\n');
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  } catch (err) {
    throw new IoError(`cannot create lock file ${file}: ${describeError(err)}`, { file });
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      hostname: String(parsed.hostname ?? 'unknown'),
      processStart: parsed.processStart,
      acquiredAt: String(parsed.acquiredAt ?? 'unknown'),
    };
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) {
    // A lock from another host (shared storage): we cannot check its process; assume alive.
    return true;
  }
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid exists; if it started after the lock's owner did, it is a reused pid.
  const start = processStartTime(owner.pid);
  return !(owner.processStart !== undefined && start !== undefined && start !== owner.processStart);
}

/** Start time of a process in clock ticks since boot (Linux `/proc`), if available. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may contain spaces, so split after ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
