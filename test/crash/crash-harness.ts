/**
 * Shared pieces of the SIGKILL crash suites: cycle counts, running a compiled worker until a
 * random moment and killing it, and running the offline verifier on the crashed directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { verifyDatabase, type AedbConfigInput, type VerifyReport } from '../../src/index';

/**
 * Kill cycles per test: `AEDB_CRASH_CYCLES` when set (the long profile), else `fallback` (the
 * bounded `npm test` profile).
 */
export function crashCycles(fallback: number): number {
  const env = process.env.AEDB_CRASH_CYCLES;
  const n = env === undefined || env === '' ? fallback : Number(env);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`AEDB_CRASH_CYCLES: expected a positive integer, got ${env}`);
  return n;
}

/** A Jest timeout for a test of `cycles` kill cycles of about `perCycleMs` each (10 min at least). */
export function crashTimeout(cycles: number, perCycleMs = 6_000): number {
  return Math.max(600_000, cycles * perCycleMs);
}

/** How long to let a worker run: mostly mid-run kills, every fifth almost at once. */
export function randomRunMs(cycle: number, maxMs = 280): number {
  return cycle % 5 === 0
    ? Math.floor(Math.random() * 10)
    : 30 + Math.floor(Math.random() * (maxMs - 30));
}

/** The messages a crash worker sends. */
export interface WorkerMessage<A> {
  readonly type: 'ready' | 'acks' | 'error';
  readonly acks?: A[];
  readonly message?: string;
}

/** What {@link runAndKill} saw. */
export interface KillOutcome<A> {
  /** Everything the worker acknowledged. */
  readonly acks: A[];
  /** The worker SIGKILLed itself (when allowed) before the harness did. */
  readonly selfKilled: boolean;
}

/**
 * Fork `workerJs` with `args`, wait until it reports ready, let it work for `runMs`, SIGKILL it,
 * and return everything it acknowledged. A worker that reports an error (a broken expectation)
 * or exits on its own fails the run — except, with `allowSelfKill`, a SIGKILL it sent itself.
 */
export async function runAndKill<A>(
  workerJs: string,
  args: string[],
  runMs: number,
  allowSelfKill = false,
): Promise<KillOutcome<A>> {
  const acks: A[] = [];
  const child: ChildProcess = fork(workerJs, args, {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let workerError: string | undefined;
  let killed = false;
  let selfKilled = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!killed) {
        if (allowSelfKill && signal === 'SIGKILL') selfKilled = true;
        else workerError ??= `exited on its own (${code ?? signal}): ${stderr}`;
      }
      resolve();
    }),
  );
  // Messages the worker wrote before it died are delivered before the channel closes.
  const disconnected = new Promise<void>((resolve) => child.once('disconnect', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready in 20 s: ${stderr}`)),
      20_000,
    );
    child.on('message', (msg: WorkerMessage<A>) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (msg.type === 'acks' && msg.acks !== undefined) {
        acks.push(...msg.acks);
      } else if (msg.type === 'error') {
        workerError = msg.message;
        clearTimeout(timer);
        reject(new Error(`worker failed: ${msg.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited early (${code}): ${workerError ?? stderr}`));
    });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, runMs)))]);
  clearTimeout(timer);
  killed = !selfKilled;
  child.kill('SIGKILL');
  await exited;
  await disconnected;
  if (workerError !== undefined) throw new Error(`worker failed: ${workerError}`);
  return { acks, selfKilled };
}

/**
 * Run the offline verifier on `dir` with the settings of `config` and assert that every check
 * passes. Returns the report (its notes say whether the kill left a torn tail or a temp file).
 */
export async function expectVerified(dir: string, config: AedbConfigInput): Promise<VerifyReport> {
  const report = await verifyDatabase(dir, {
    hashChain: config.hashChain,
    hmacKey: config.hmacKey,
    recoveryMode: config.recoveryMode,
  });
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  return report;
}
