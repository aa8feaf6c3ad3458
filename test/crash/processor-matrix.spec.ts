/**
 * SIGKILL crash matrix, processors acking checkpoints: a worker emits `work` events with 16 in
 * flight while the processor of `test/processors/crash-workload.ts` consumes them, checkpointing
 * every 8 commits — at-least-once (the handler reports a batch, then the runtime persists the
 * checkpoint) or exactly-once (`ctx.commit`: a per-event counter incremented in the same commit
 * as the checkpoint). After every kill:
 *
 * 1. `verifyDatabase` passes on the directory exactly as the kill left it;
 * 2. reopened (without the handler, so nothing moves): every acknowledged emit is in the outbox
 *    at its seq, the processor's checkpoint is at most the recovered seq, and every event the
 *    checkpoint covers was handled — at-least-once: reported by a handler before the kill;
 *    exactly-once: its counter is exactly 1, and no event after the checkpoint has one.
 *
 * At the end the processor drains in-process and every event is handled (exactly once with
 * `ctx.commit`). This is the matrix variant of `test/processors/processor-crash.spec.ts` (which
 * checks only at the end); it counts in the long profile's summary. Cycles per mode:
 * `AEDB_CRASH_CYCLES` (default 4).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance, Query, type OutboxEvent } from '../../src/index';
import {
  PROCESSOR,
  TOPIC,
  attach,
  crashHandler,
  prepare,
  type CrashMode,
} from '../processors/crash-workload';
import { waitFor } from '../processors/processor-fixture';
import { compiledPath } from '../support/compiled-workers';
import { recordReliability } from '../support/reliability-stats';
import {
  crashCycles,
  crashTimeout,
  expectVerified,
  randomRunMs,
  runAndKill,
} from './crash-harness';
import { PROCESSOR_CRASH_CONFIG, type ProcessorAck } from './processor-matrix-config';

const CYCLES = crashCycles(4);

async function allEvents(db: AedbInstance): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await db.readEventStream(TOPIC, from, 5_000);
    out.push(...page.events);
    if (!page.hasMore || page.nextCommitSeq === undefined) return out;
    from = page.nextCommitSeq;
  }
}

/** Event key -> the count the exactly-once handler committed. */
async function counts(db: AedbInstance): Promise<Map<string, number>> {
  const rows = (await db.query('crash', 'app', Query.select('*').from('counts'))).rows;
  return new Map(rows.map((r) => [r.event_key as string, r.n as number]));
}

/** Reopen without a handler and check the invariants of one kill; returns problems. */
async function checkAfterKill(
  dir: string,
  mode: CrashMode,
  emitted: ReadonlyMap<string, number>,
  handled: ReadonlySet<string>,
): Promise<{ problems: string[]; verified: number; covered: number }> {
  const problems: string[] = [];
  const db = await AedbInstance.open(dir, PROCESSOR_CRASH_CONFIG);
  try {
    await prepare(db);
    const head = db.recoveryReport.recoveredSeq;
    const events = await allEvents(db);
    const at = new Map(events.map((e) => [e.eventKey, e.commitSeq]));
    let verified = 0;
    for (const [key, seq] of emitted) {
      if (at.get(key) === seq) verified++;
      else problems.push(`emit ${key} acknowledged at seq ${seq}: found at ${at.get(key)}`);
    }
    const registration = (await db.listReactiveProcessors()).find(
      (p) => p.processorName === PROCESSOR,
    );
    const checkpoint = registration?.checkpointSeq ?? 0;
    if (checkpoint > head) problems.push(`checkpoint ${checkpoint} > recovered seq ${head}`);
    const covered = events.filter((e) => e.commitSeq <= checkpoint);
    if (mode === 'atLeastOnce') {
      for (const e of covered) {
        if (!handled.has(e.eventKey)) {
          problems.push(
            `${e.eventKey} (seq ${e.commitSeq}) is behind checkpoint ${checkpoint} but was never handled`,
          );
        }
      }
    } else {
      const n = await counts(db);
      for (const e of events) {
        const expected = e.commitSeq <= checkpoint ? 1 : undefined;
        if (n.get(e.eventKey) !== expected) {
          problems.push(
            `${e.eventKey} (seq ${e.commitSeq}, checkpoint ${checkpoint}): count ${n.get(e.eventKey)}, expected ${expected}`,
          );
        }
      }
      if (n.size !== covered.length)
        problems.push(`${n.size} counters for ${covered.length} events`);
    }
    return { problems, verified, covered: covered.length };
  } finally {
    await db.close();
  }
}

describe('SIGKILL crash matrix (reactive processors acking checkpoints)', () => {
  let workerJs: string;
  beforeAll(() => {
    workerJs = compiledPath('test/crash/processor-matrix-worker.ts');
  });

  for (const mode of ['atLeastOnce', 'exactlyOnce'] as CrashMode[]) {
    it(
      `${mode}: after each of ${CYCLES} SIGKILLs every acknowledged emit is there and the checkpoint covers only handled events`,
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-crash-proc-'));
        const emitted = new Map<string, number>();
        const handled = new Set<string>();
        let lost = 0;
        let covered = 0;
        try {
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            const { acks } = await runAndKill<ProcessorAck>(
              workerJs,
              [dir, String(cycle), mode],
              // Long enough for the processor to checkpoint a few times.
              60 + randomRunMs(cycle),
            );
            for (const a of acks) {
              if (a.emitted !== undefined && a.seq !== undefined) emitted.set(a.emitted, a.seq);
              for (const k of a.handled ?? []) handled.add(k);
            }
            await expectVerified(dir, PROCESSOR_CRASH_CONFIG);
            const outcome = await checkAfterKill(dir, mode, emitted, handled);
            lost += outcome.problems.length;
            covered = outcome.covered;
            expect(outcome.problems.slice(0, 10)).toEqual([]);
          }
          // Drain in-process: every event is handled (exactly once with ctx.commit).
          const db = await AedbInstance.open(dir, PROCESSOR_CRASH_CONFIG);
          try {
            await attach(
              db,
              crashHandler(mode, (keys) => {
                for (const k of keys) handled.add(k);
                return Promise.resolve();
              }),
            );
            await waitFor(
              async () => (await db.reactiveProcessorLag(PROCESSOR)).lagCommits === 0,
              'the final drain',
              30_000,
            );
            const events = await allEvents(db);
            if (mode === 'atLeastOnce') {
              expect(events.filter((e) => !handled.has(e.eventKey)).slice(0, 10)).toEqual([]);
            } else {
              const n = await counts(db);
              expect(events.filter((e) => n.get(e.eventKey) !== 1).slice(0, 10)).toEqual([]);
              expect(n.size).toBe(events.length);
            }
            expect(events.length).toBeGreaterThan(CYCLES * 20);
          } finally {
            await db.close();
          }
          await expectVerified(dir, PROCESSOR_CRASH_CONFIG);
          recordReliability(`crash: processors ${mode}`, {
            cycles: CYCLES,
            commitsAcknowledged: emitted.size,
            commitsVerified: emitted.size - lost,
            lost,
            verifications: CYCLES + 1,
          });
          process.stdout.write(
            `processors ${mode}: ${CYCLES} kills, ${emitted.size} emits acknowledged, ` +
              `${handled.size} events handled, ${covered} behind the last checkpoint before the drain\n`,
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      crashTimeout(CYCLES),
    );
  }
});
