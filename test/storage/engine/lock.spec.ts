/**
 * The directory lock: a second open in the same process or from another process fails with
 * LOCKED naming the holder's pid; a lock left by a killed process is taken over.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AedbInstance, LockedError } from '../../../src/index';
import { OS_MODE, expectRejects, str, useEngine, within } from './engine-fixture';

const engine = useEngine();

const REPO = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, 'lock-child.ts');

interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** The next JSON line the child prints. */
  nextMessage(): Promise<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
});

function startChild(mode: 'try' | 'hold', dir: string): Child {
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, mode, dir], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(proc);
  let buffered = '';
  let stderr = '';
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(line);
      else lines.push(line);
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    proc,
    exited,
    nextMessage: () =>
      within(
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const take = (line: string) => {
            try {
              resolve(JSON.parse(line) as Record<string, unknown>);
            } catch {
              reject(new Error(`child printed a non-JSON line: ${line}`));
            }
          };
          const line = lines.shift();
          if (line !== undefined) take(line);
          else {
            waiters.push(take);
            void exited.then(({ code }) =>
              reject(new Error(`child exited (${code}) without a message; stderr: ${stderr}`)),
            );
          }
        }),
        20_000,
        `a message from the '${mode}' child`,
      ),
  };
}

describe('in the same process', () => {
  it('a second open of an open directory fails with LOCKED naming this pid', async () => {
    const { db, dir } = await engine.fresh();
    await db.createProject('p');
    await expectRejects(
      AedbInstance.open(dir, OS_MODE),
      LockedError,
      'LOCKED',
      dir,
      `pid ${process.pid}`,
    );
    // Through another spelling of the same path, too.
    const alias = path.join(dir, '..', path.basename(dir), '.');
    await expectRejects(
      AedbInstance.open(alias, OS_MODE),
      LockedError,
      'LOCKED',
      `pid ${process.pid}`,
    );
    // The first instance is unaffected.
    expect(await db.listProjects()).toEqual(['p']);
    await db.close();
    const again = await engine.open(dir);
    expect(await again.listProjects()).toEqual(['p']);
  });

  it('concurrent opens of one directory: exactly one wins', async () => {
    const dir = engine.dir();
    const attempts = await Promise.allSettled([1, 2, 3].map(() => AedbInstance.open(dir, OS_MODE)));
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a) => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(2);
    for (const a of attempts) {
      if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(LockedError);
      else await a.value.close();
    }
  });
});

describe('lock files left behind', () => {
  function writeLock(dir: string, owner: Record<string, unknown> | string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'LOCK'),
      typeof owner === 'string' ? owner : JSON.stringify(owner) + '\n',
    );
  }

  it('takes over an unreadable (half-written) lock file', async () => {
    const dir = engine.dir();
    writeLock(dir, '{"pid": 12');
    const db = await engine.open(dir);
    expect(db.closed).toBe(false);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(process.pid);
  });

  it('takes over the lock of a live pid that was reused by a later process', async () => {
    const dir = engine.dir();
    // The parent (Jest) process is alive, but it is not the process that took this lock.
    writeLock(dir, {
      pid: process.ppid,
      hostname: os.hostname(),
      processStart: '1',
      acquiredAt: new Date(0).toISOString(),
    });
    const db = await engine.open(dir);
    expect(db.closed).toBe(false);
  });

  it('respects the lock of a live process and of another host, naming them', async () => {
    const dir = engine.dir();
    writeLock(dir, { pid: process.ppid, hostname: os.hostname(), acquiredAt: 'then' });
    await expectRejects(
      AedbInstance.open(dir, OS_MODE),
      LockedError,
      'LOCKED',
      `process ${process.ppid}`,
    );
    writeLock(dir, { pid: 4242, hostname: 'some-other-host', acquiredAt: 'then' });
    await expectRejects(
      AedbInstance.open(dir, OS_MODE),
      LockedError,
      'LOCKED',
      'process 4242',
      'some-other-host',
    );
  });

  it('detects the same directory opened through a symlink', async () => {
    const { dir } = await engine.fresh();
    const link = path.join(engine.dir(), 'link');
    fs.symlinkSync(dir, link);
    await expectRejects(AedbInstance.open(link, OS_MODE), LockedError, 'LOCKED', `${process.pid}`);
  });
});

describe('across processes', () => {
  it('a child cannot open a directory the parent holds: LOCKED naming the parent pid', async () => {
    const { dir } = await engine.fresh();
    const child = startChild('try', dir);
    const msg = await child.nextMessage();
    expect(msg.ok).toBe(false);
    expect(msg.code).toBe('LOCKED');
    expect(String(msg.message)).toContain(`process ${process.pid}`);
    expect(String(msg.message)).toContain(os.hostname());
    expect((await child.exited).code).toBe(0);
  });

  it('the parent cannot open a directory a child holds; after SIGKILL of the child it can', async () => {
    const dir = engine.dir();
    const child = startChild('hold', dir);
    const ready = await child.nextMessage();
    expect(ready.ready).toBe(true);
    const childPid = Number(ready.pid);
    expect(childPid).toBe(child.proc.pid);

    await expectRejects(
      AedbInstance.open(dir, OS_MODE),
      LockedError,
      'LOCKED',
      `process ${childPid}`,
    );
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(true);

    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    // The stale lock file is still there; the next open takes it over.
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(true);
    const db = await engine.open(dir);
    // What the child acknowledged (full durability) survived its death.
    const entry = await db.kvGet('child', 's', 'pid');
    expect(str(entry?.value ?? new Uint8Array())).toBe(String(childPid));
    expect(db.recoveryReport.recoveredSeq).toBe(Number(ready.seq));
    // Now the parent holds it: a new child is refused, naming the parent.
    const probe = startChild('try', dir);
    const msg = await probe.nextMessage();
    expect(msg).toMatchObject({ ok: false, code: 'LOCKED' });
    expect(String(msg.message)).toContain(`process ${process.pid}`);
  });

  it('a child can open a directory the parent closed', async () => {
    const { db, dir } = await engine.fresh();
    await db.close();
    const child = startChild('try', dir);
    expect(await child.nextMessage()).toEqual({ ok: true });
    expect((await child.exited).code).toBe(0);
  });
});
