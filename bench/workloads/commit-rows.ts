/**
 * Shared body of the single-key commit workloads (W1-W3): for every configuration profile of
 * the engine, open a fresh store, commit keys `user:00000001`, `user:00000002`, ... (one key
 * per commit) with the given loop, and return one row per profile.
 */
import type { KvAdapter, KvStore } from '../adapters/adapter';
import { keyOf, valueOf } from '../harness/data';
import type { RowResult } from '../harness/protocol';
import { loopMetrics, type LoopResult } from '../harness/timed-loops';
import { storeDir } from './store-dir';

/** A loop that drives `op` (e.g. sequentially, or with 64 in flight). */
export type CommitLoop = (op: (i: number) => Promise<void>) => Promise<LoopResult>;

/** Measure single-key commits on every profile of `adapter` at the given durability. */
export async function measureCommits(
  adapter: KvAdapter,
  dir: string,
  durable: boolean,
  loop: CommitLoop,
): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  for (const profile of adapter.profiles(durable)) {
    const options = { durable, profile };
    const store: KvStore = await adapter.open(storeDir(dir, profile), options);
    let result: LoopResult;
    try {
      result = await loop((i) => store.put(keyOf(i + 1), valueOf(i + 1)));
    } finally {
      await store.close();
    }
    rows.push({
      variant: profile,
      metrics: loopMetrics(result),
      notes: [adapter.describe(options)],
    });
  }
  return rows;
}
