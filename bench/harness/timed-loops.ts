/**
 * Time-bounded measurement loops. Each runs a warm-up (not recorded), then the measured part;
 * the clock is read once per operation for latency loops and once per 256 operations for tight
 * loops, so the harness costs little next to the operation it measures.
 */
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, type LatencySummary } from './latency';

/** Throughput and latency of a commit loop. */
export interface LoopResult extends LatencySummary {
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
}

/** How long to warm up and measure. */
export interface LoopTiming {
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** An operation; `i` counts up from 0 over warm-up and measurement (use it to pick keys). */
export type AsyncOp = (i: number) => Promise<unknown>;

/** One operation at a time, each awaited before the next starts. */
export async function runSequential(op: AsyncOp, timing: LoopTiming): Promise<LoopResult> {
  let i = 0;
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) await op(i++);
  const rec = new LatencyRecorder();
  const start = performance.now();
  const end = start + timing.durationMs;
  let t = start;
  while (t < end) {
    await op(i++);
    const t2 = performance.now();
    rec.add(t2 - t);
    t = t2;
  }
  return result(rec, t - start);
}

/**
 * `inFlight` workers, each running one operation at a time (so `inFlight` are outstanding).
 * `onMeasureStart` runs once the warm-up's operations have all finished, before the first
 * measured one starts (e.g. to reset counters the operations keep).
 */
export async function runInFlight(
  op: AsyncOp,
  inFlight: number,
  timing: LoopTiming,
  onMeasureStart?: () => void,
): Promise<LoopResult> {
  let i = 0;
  const warmEnd = performance.now() + timing.warmupMs;
  const warm = async (): Promise<void> => {
    while (performance.now() < warmEnd) await op(i++);
  };
  await Promise.all(Array.from({ length: inFlight }, warm));
  onMeasureStart?.();
  const rec = new LatencyRecorder();
  const start = performance.now();
  const end = start + timing.durationMs;
  let last = start;
  const worker = async (): Promise<void> => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      await op(i++);
      last = performance.now();
      rec.add(last - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return result(rec, last - start);
}

/** Throughput of a tight loop of synchronous operations. */
export function runTightSync(
  op: (i: number) => unknown,
  timing: LoopTiming,
): { ops: number; elapsedMs: number; opsPerSec: number; sink: number } {
  let sink = 0;
  let i = 0;
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) {
    for (let k = 0; k < 256; k++) if (op(i++) !== undefined) sink++;
  }
  const start = performance.now();
  const end = start + timing.durationMs;
  let ops = 0;
  let t = start;
  while (t < end) {
    for (let k = 0; k < 256; k++) if (op(i++) !== undefined) sink++;
    ops += 256;
    t = performance.now();
  }
  const elapsedMs = t - start;
  return { ops, elapsedMs, opsPerSec: (ops * 1000) / elapsedMs, sink };
}

/** Throughput of a tight loop of asynchronous operations, each awaited before the next. */
export async function runTightAsync(
  op: AsyncOp,
  timing: LoopTiming,
): Promise<{ ops: number; elapsedMs: number; opsPerSec: number; sink: number }> {
  let sink = 0;
  let i = 0;
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) {
    for (let k = 0; k < 256; k++) if ((await op(i++)) !== undefined) sink++;
  }
  const start = performance.now();
  const end = start + timing.durationMs;
  let ops = 0;
  let t = start;
  while (t < end) {
    for (let k = 0; k < 256; k++) if ((await op(i++)) !== undefined) sink++;
    ops += 256;
    t = performance.now();
  }
  const elapsedMs = t - start;
  return { ops, elapsedMs, opsPerSec: (ops * 1000) / elapsedMs, sink };
}

function result(rec: LatencyRecorder, elapsedMs: number): LoopResult {
  const s = rec.summary();
  return { ...s, ops: s.count, elapsedMs, opsPerSec: (s.count * 1000) / elapsedMs };
}

/** The metrics of a {@link LoopResult} as a result row expects them. */
export function loopMetrics(r: LoopResult): Record<string, number> {
  return {
    opsPerSec: r.opsPerSec,
    p50Us: r.p50Us,
    p99Us: r.p99Us,
    p999Us: r.p999Us,
    maxUs: r.maxUs,
    meanUs: r.meanUs,
    ops: r.ops,
  };
}
