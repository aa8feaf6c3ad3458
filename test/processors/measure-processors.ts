/**
 * A quick measurement of the processor runtime (not part of `npm run bench`, whose numbers are
 * the reference): catch-up throughput on 100,000 events and commit-to-handler latency with the
 * processor idle.
 *
 *   node -r @swc-node/register test/processors/measure-processors.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance, type DurabilityMode, type Mutation } from '../../src/index';

const EVENTS = 100_000;

async function withDb<T>(mode: DurabilityMode, fn: (db: AedbInstance) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-measure-'));
  const db = await AedbInstance.open(dir, { durabilityMode: mode });
  try {
    await db.createProject('m');
    await db.createScope('m', 's');
    return await fn(db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Emit `EVENTS` events, `perCommit` per commit, then time a processor catching up on them. */
async function catchUp(mode: DurabilityMode, perCommit: number): Promise<string> {
  return withDb(mode, async (db) => {
    const payload = JSON.stringify({ user: 'u1', wager: 100, pnl: -120 });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < EVENTS; i += perCommit) {
      const mutations: Mutation[] = [];
      for (let j = i; j < i + perCommit; j++) {
        mutations.push({
          type: 'emitEvent',
          projectId: 'm',
          scopeId: 's',
          topic: 'hand',
          eventKey: `h${j}`,
          payloadJson: payload,
        });
      }
      pending.push(db.commitMany(mutations, { finality: 'visible' }));
      if (pending.length >= 512) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await db.forceFsync();
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const t0 = performance.now();
    await db.startReactiveProcessor('catch-up', { topicFilter: 'hand' }, (events) => {
      seen += events.length;
      if (seen >= EVENTS) done();
    });
    await finished;
    const ms = performance.now() - t0;
    const status = db.reactiveProcessorRuntimeStatus('catch-up');
    return `catch-up ${mode}, ${perCommit} event(s)/commit: ${EVENTS} events in ${ms.toFixed(0)} ms = ${Math.round(
      (EVENTS / ms) * 1000,
    )} events/s (${status?.runs} handler calls)`;
  });
}

/** Time from `emitEvent` (and from the commit becoming visible) to the handler, processor idle. */
async function latency(mode: DurabilityMode, samples: number): Promise<string> {
  return withDb(mode, async (db) => {
    const sent = new Map<string, number>();
    const visible = new Map<number, number>();
    const fromCall: number[] = [];
    const fromVisible: number[] = [];
    db.commits$.subscribe((b) => visible.set(b.lastSeq, performance.now()));
    let resolveOne: (() => void) | null = null;
    await db.startReactiveProcessor('latency', { topicFilter: 'ping' }, (events) => {
      const now = performance.now();
      for (const e of events) {
        fromCall.push(now - (sent.get(e.eventKey) ?? now));
        fromVisible.push(now - (visible.get(e.commitSeq) ?? now));
      }
      resolveOne?.();
    });
    for (let i = 0; i < samples; i++) {
      const handled = new Promise<void>((r) => (resolveOne = r));
      sent.set(`p${i}`, performance.now());
      await db.emitEvent('m', 's', 'ping', `p${i}`, '{}', { finality: 'visible' });
      await handled;
      await new Promise((r) => setTimeout(r, 1)); // idle again
    }
    const q = (xs: number[], p: number): string => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3);
    };
    return `latency ${mode} (${samples} samples, ms): emitEvent call -> handler p50 ${q(fromCall, 0.5)} p99 ${q(
      fromCall,
      0.99,
    )}; visible -> handler p50 ${q(fromVisible, 0.5)} p99 ${q(fromVisible, 0.99)}`;
  });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(await catchUp('full', 1));
  console.log(await catchUp('full', 100));
  console.log(await catchUp('os', 1));
  console.log(await latency('full', 1000));
  console.log(await latency('os', 1000));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
