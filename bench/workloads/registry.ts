/** Every workload, in output order. */
import { w1DurableSequential } from './w1-durable-sequential';
import { w2DurableInFlight } from './w2-durable-in-flight';
import { w3VisibleCommits } from './w3-visible-commits';
import { w4BulkLoad } from './w4-bulk-load';
import { w5PointReads } from './w5-point-reads';
import { w6RangeScans } from './w6-range-scans';
import { w7Reopen } from './w7-reopen';
import { w8CheckpointLatency } from './w8-checkpoint-latency';
import { w9Memory } from './w9-memory';
import { w10Features } from './w10-features';
import type { Workload } from './workload';

/** W1 ... W10. */
export const WORKLOADS: readonly Workload[] = [
  w1DurableSequential,
  w2DurableInFlight,
  w3VisibleCommits,
  w4BulkLoad,
  w5PointReads,
  w6RangeScans,
  w7Reopen,
  w8CheckpointLatency,
  w9Memory,
  w10Features,
];

/** The workload with this id (`W1`...), case-insensitive. */
export function findWorkload(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id.toLowerCase() === id.toLowerCase());
}
