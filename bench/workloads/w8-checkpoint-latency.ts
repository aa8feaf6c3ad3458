/**
 * W8: durable single-key commits while a checkpoint of the large data set runs, against the
 * same commits without one; and the longest event-loop stall meanwhile.
 *
 * Commits run one at a time, yielding to the event loop (`setImmediate`) before each, as a
 * server does between requests; a commit's latency runs from that yield to its
 * acknowledgement, so time the loop spends blocked by a checkpoint counts. "During" covers
 * the commits whose interval overlaps the checkpoint. Checkpoint analogues of the peers:
 * better-sqlite3 `wal_checkpoint(TRUNCATE)` of a WAL holding the whole data set (auto-checkpoint
 * off while loading), classic-level `compactRange` over all keys; lmdb has none.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { KvStore, OpenOptions } from '../adapters/adapter';
import { kvAdapter } from '../adapters/registry';
import { keyOf, valueOf } from '../harness/data';
import { LatencyRecorder } from '../harness/latency';
import type { EngineId } from '../harness/protocol';
import { StallMonitor, type StallReport } from '../harness/stall-monitor';
import { loadRows } from './load-rows';
import { storeDir } from './store-dir';
import type { Workload } from './workload';

function w8Options(engine: EngineId): OpenOptions {
  if (engine === 'aedb') return { durable: true, profile: 'no-checkpoints' };
  if (engine === 'better-sqlite3') return { durable: true, profile: 'no-autocheckpoint' };
  return { durable: true };
}

/** Commit interval samples: [t0, t1] pairs. */
class Intervals {
  readonly t0: number[] = [];
  readonly t1: number[] = [];
}

async function commitUntil(
  store: KvStore,
  next: { id: number },
  stop: () => boolean,
  out: Intervals,
): Promise<void> {
  while (!stop()) {
    const t0 = performance.now();
    await yieldToLoop();
    const id = next.id++;
    await store.put(keyOf(id), valueOf(id));
    out.t0.push(t0);
    out.t1.push(performance.now());
  }
}

function summarize(s: Intervals, from = -Infinity, to = Infinity): LatencyRecorder {
  const rec = new LatencyRecorder();
  for (let i = 0; i < s.t0.length; i++) {
    if (s.t1[i] >= from && s.t0[i] <= to) rec.add(s.t1[i] - s.t0[i]);
  }
  return rec;
}

async function measure(store: KvStore, rows: number, baselineMs: number) {
  const checkpoint = store.checkpoint;
  if (checkpoint === undefined) throw new Error('W8: this engine has no checkpoint');
  const next = { id: rows + 1 };
  const monitor = new StallMonitor();

  const base = new Intervals();
  monitor.start();
  const baseEnd = performance.now() + baselineMs;
  await commitUntil(store, next, () => performance.now() >= baseEnd, base);
  const baseStall: StallReport = monitor.stop();

  const during = new Intervals();
  let ckStart = 0;
  let ckEnd = 0;
  let done = false;
  let failure: Error | undefined;
  let what = '';
  monitor.start();
  setTimeout(() => {
    ckStart = performance.now();
    checkpoint().then(
      (desc) => {
        what = desc;
        ckEnd = performance.now();
        done = true;
      },
      (err: unknown) => {
        failure =
          err instanceof Error ? err : new Error(`checkpoint failed: ${JSON.stringify(err)}`);
        ckEnd = performance.now();
        done = true;
      },
    );
  }, 20);
  await commitUntil(store, next, () => done, during);
  const duringStall = monitor.stop();
  if (failure !== undefined) throw failure;
  return {
    base: summarize(base).summary(),
    during: summarize(during, ckStart, ckEnd).summary(),
    baseStall,
    duringStall,
    checkpointMs: ckEnd - ckStart,
    what,
  };
}

/** W8. */
export const w8CheckpointLatency: Workload = {
  id: 'W8',
  name: 'checkpoint-latency',
  summary:
    'Durable commit latency while a checkpoint of the large data set runs vs. without one, ' +
    'and the longest event-loop stall during the checkpoint.',
  scenarios: [
    {
      id: 'during-checkpoint',
      title: 'W8 durable commits while a checkpoint of the large data set runs',
      engines: ['aedb', 'better-sqlite3', 'classic-level'],
      columns: [
        { key: 'p99BaseUs', label: 'p99 without', unit: 'us' },
        { key: 'p99DuringUs', label: 'p99 during', unit: 'us' },
        { key: 'p99Ratio', label: 'p99 during/without', unit: 'x' },
        { key: 'maxStallMs', label: 'longest stall during', unit: 'ms' },
        { key: 'checkpointMs', label: 'checkpoint', unit: 'ms' },
        { key: 'commitsDuring', label: 'commits during', unit: 'count' },
      ],
      compare: { metric: 'p99DuringUs', higherIsBetter: false },
      targets: [
        {
          variant: 'default',
          description: 'p99 during checkpoint <= 2x p99 without',
          evaluate(median) {
            const r = median('aedb', 'default', 'p99Ratio');
            return r === undefined ? undefined : { value: r, unit: 'x', met: r <= 2 };
          },
        },
        {
          variant: 'default',
          description: 'no event-loop stall over 20 ms during checkpoint',
          evaluate(median) {
            const ms = median('aedb', 'default', 'maxStallMs');
            return ms === undefined ? undefined : { value: ms, unit: 'ms', met: ms <= 20 };
          },
        },
      ],
      notApplicable: { lmdb: 'no checkpoint (copy-on-write B+ tree, nothing to fold back)' },
    },
  ],
  async run(req) {
    const adapter = kvAdapter(req.engine);
    const options = w8Options(req.engine);
    const store = await adapter.open(storeDir(req.dir, 'data'), options);
    try {
      const load = await loadRows(store, req.sizes.rows, req.sizes.batchRows, 'sequential');
      const r = await measure(store, req.sizes.rows, req.sizes.baselineMs);
      return {
        rows: [
          {
            variant: 'default',
            metrics: {
              p50BaseUs: r.base.p50Us,
              p99BaseUs: r.base.p99Us,
              p50DuringUs: r.during.p50Us,
              p99DuringUs: r.during.p99Us,
              maxDuringUs: r.during.maxUs,
              p99Ratio: r.base.p99Us === 0 ? 0 : r.during.p99Us / r.base.p99Us,
              maxStallMs: r.duringStall.maxGapMs,
              delayMaxMs: r.duringStall.delayMaxMs,
              baseMaxStallMs: r.baseStall.maxGapMs,
              checkpointMs: r.checkpointMs,
              commitsDuring: r.during.count,
              commitsBase: r.base.count,
            },
            notes: [
              adapter.describe(options),
              `checkpoint: ${r.what}`,
              `loaded ${load.rows} rows durably in ${Math.round(load.wallMs)} ms`,
            ],
          },
        ],
      };
    } finally {
      await store.close();
    }
  },
};
