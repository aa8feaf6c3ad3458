/**
 * Bulk loading in transactions of `batchRows`: the measured part of W4 and the set-up of
 * W5-W9. Keys and values of each transaction are built before its clock starts, so only the
 * engine's work (including its value encoding) is timed.
 */
import { performance } from 'node:perf_hooks';
import type { KvStore } from '../adapters/adapter';
import { keyOf, valueOf, type BenchValue } from '../harness/data';
import { LatencyRecorder, type LatencySummary } from '../harness/latency';
import { shuffledRange } from '../harness/prng';

/** Key order of a load. */
export type LoadOrder = 'sequential' | 'random';

/** What a load measured. */
export interface LoadResult extends LatencySummary {
  readonly rows: number;
  /** Sum of the transactions' times (what rows/s is computed from). */
  readonly engineMs: number;
  /** Wall time including building the keys and values. */
  readonly wallMs: number;
  readonly rowsPerSec: number;
}

/** Seed of the random key order (the same for every engine). */
export const RANDOM_ORDER_SEED = 0x5eed;

/** Load rows `1..rows` in `order`, `batchRows` per transaction. */
export async function loadRows(
  store: KvStore,
  rows: number,
  batchRows: number,
  order: LoadOrder = 'sequential',
): Promise<LoadResult> {
  const ids = order === 'random' ? shuffledRange(rows, RANDOM_ORDER_SEED) : undefined;
  const rec = new LatencyRecorder();
  const wallStart = performance.now();
  let engineMs = 0;
  for (let first = 0; first < rows; first += batchRows) {
    const n = Math.min(batchRows, rows - first);
    const keys = new Array<string>(n);
    const values = new Array<BenchValue>(n);
    for (let j = 0; j < n; j++) {
      const id = ids === undefined ? first + j + 1 : ids[first + j];
      keys[j] = keyOf(id);
      values[j] = valueOf(id);
    }
    const t0 = performance.now();
    await store.putBatch(keys, values);
    const dt = performance.now() - t0;
    engineMs += dt;
    rec.add(dt);
  }
  return {
    ...rec.summary(),
    rows,
    engineMs,
    wallMs: performance.now() - wallStart,
    rowsPerSec: (rows * 1000) / engineMs,
  };
}
