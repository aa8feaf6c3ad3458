/**
 * SIGKILL while a processor runs: a child process emits events and processes them with a
 * reactive processor; it is killed at random moments, then restarted (the processor resumes
 * through registerReactiveProcessorHandler). Finally the directory is opened here and the
 * processor drains what is left. Then:
 * - at-least-once: every event in the log was handled at least once across all runs, and every
 *   acknowledged emit is in the log;
 * - exactly-once (`ctx.commit`: a per-event counter incremented in the checkpoint's commit):
 *   every event's counter is exactly 1.
 *
 * Cycles per mode: AEDB_PROCESSOR_CRASH_CYCLES (default 5).
 */
import { fork } from 'node:child_process';
import { AedbInstance, Query, type OutboxEvent } from '../../src/index';
import { compiledPath } from '../support/compiled-workers';
import { useTempDirs } from '../support/temp-dir';
import { attach, crashHandler, PROCESSOR, TOPIC, prepare, type CrashMode } from './crash-workload';
import { waitFor } from './processor-fixture';

const CYCLES = Number(process.env.AEDB_PROCESSOR_CRASH_CYCLES ?? 5);

interface WorkerMessage {
  type: 'ready' | 'emitted' | 'handled' | 'error';
  key?: string;
  keys?: string[];
  message?: string;
}

interface RunResult {
  emitted: string[];
  handled: string[];
}

/** Run one worker until ready, let it work for `runMs`, SIGKILL it. */
async function runAndKill(workerJs: string, args: string[], runMs: number): Promise<RunResult> {
  const result: RunResult = { emitted: [], handled: [] };
  const child = fork(workerJs, args, { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready in 20 s: ${stderr}`)),
      20_000,
    );
    child.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') {
        ready = true;
        clearTimeout(timer);
        resolve();
      } else if (msg.type === 'emitted' && msg.key !== undefined) result.emitted.push(msg.key);
      else if (msg.type === 'handled' && msg.keys !== undefined) result.handled.push(...msg.keys);
      else if (msg.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`worker failed: ${msg.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`worker exited early (${code}): ${stderr}`));
    });
  });
  await new Promise((r) => setTimeout(r, runMs));
  child.kill('SIGKILL');
  await exited;
  return result;
}

async function allEvents(db: AedbInstance): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await db.readEventStream(TOPIC, from, 5000);
    out.push(...page.events);
    if (!page.hasMore) return out;
    from = page.nextCommitSeq as number;
  }
}

describe('SIGKILL while a reactive processor runs', () => {
  const dirs = useTempDirs();
  let workerJs: string;
  beforeAll(() => {
    workerJs = compiledPath('test/processors/processor-crash-worker.ts');
  });

  for (const mode of ['atLeastOnce', 'exactlyOnce'] as CrashMode[]) {
    it(`${mode}: nothing is lost${mode === 'exactlyOnce' ? ' and no effect is applied twice' : ''} across ${CYCLES} kills`, async () => {
      const dir = dirs.make();
      const emitted = new Set<string>();
      const handled = new Map<string, number>();
      const note = (keys: string[]): void => {
        for (const k of keys) handled.set(k, (handled.get(k) ?? 0) + 1);
      };
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const runMs = 120 + Math.floor(Math.random() * 250);
        const r = await runAndKill(workerJs, [dir, String(cycle), mode], runMs);
        for (const k of r.emitted) emitted.add(k);
        note(r.handled);
      }
      const db = await AedbInstance.open(dir, { durabilityMode: 'full' });
      try {
        await prepare(db);
        await attach(
          db,
          crashHandler(mode, (keys) => Promise.resolve(note(keys))),
        );
        await waitFor(
          async () => (await db.reactiveProcessorLag(PROCESSOR)).lagCommits === 0,
          'final drain',
          20_000,
        );
        const events = await allEvents(db);
        const keys = events.map((e) => e.eventKey);
        const missingEmits = [...emitted].filter((k) => !keys.includes(k));
        expect(missingEmits.slice(0, 10)).toEqual([]);
        expect(events.length).toBeGreaterThan(CYCLES * 20);
        if (mode === 'atLeastOnce') {
          // The handler reported every event before the checkpoint could cover it.
          const unhandled = keys.filter((k) => !handled.has(k));
          expect(unhandled.slice(0, 10)).toEqual([]);
        } else {
          // The effect itself is the record: a kill between the commit and the report loses
          // only the report, never the effect, and the batch is not delivered again.
          const counts = new Map(
            (await db.query('crash', 'app', Query.select('*').from('counts'))).rows.map((r) => [
              r.event_key as string,
              r.n as number,
            ]),
          );
          const wrong = keys.filter((k) => counts.get(k) !== 1).map((k) => `${k}=${counts.get(k)}`);
          expect(wrong.slice(0, 10)).toEqual([]);
          expect(counts.size).toBe(keys.length);
        }
      } finally {
        await db.close();
      }
    });
  }
});
