/**
 * W1: durable single-key commits, one at a time (each awaited before the next). Reports
 * commits/s, p50 and p99, and compares aedb's p50 with the p50 of one raw 4 KiB write +
 * fdatasync on the same disk.
 */
import { RAW_DISK_DESCRIPTION, rawDiskProbe } from '../adapters/raw-disk-probe';
import { kvAdapter } from '../adapters/registry';
import type { RowResult } from '../harness/protocol';
import { loopMetrics, runSequential } from '../harness/timed-loops';
import { measureCommits } from './commit-rows';
import { COMMIT_COLUMNS, type Workload } from './workload';

/** W1. */
export const w1DurableSequential: Workload = {
  id: 'W1',
  name: 'durable-sequential',
  summary:
    'Durable single-key commits, sequential (one in flight): commits/s, p50, p99. ' +
    "aedb's p50 is compared with one raw 4 KiB write + fdatasync.",
  scenarios: [
    {
      id: 'sequential',
      title: 'W1 durable single-key commits, sequential',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level', 'raw-disk'],
      columns: COMMIT_COLUMNS,
      compare: { metric: 'opsPerSec', higherIsBetter: true },
      targets: [
        {
          variant: 'full',
          description: 'p50 <= 1.3x one raw fdatasync (raw-disk sync p50)',
          evaluate(median) {
            const aedb = median('aedb', 'full', 'p50Us');
            const raw = median('raw-disk', 'sync', 'p50Us');
            if (aedb === undefined || raw === undefined || raw === 0) return undefined;
            return { value: aedb / raw, unit: 'x', met: aedb / raw <= 1.3 };
          },
        },
      ],
    },
  ],
  async run(req) {
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs };
    if (req.engine === 'raw-disk') {
      const rows: RowResult[] = [];
      for (const mode of ['sync', 'async'] as const) {
        const r = await rawDiskProbe(req.dir, mode, timing);
        rows.push({ variant: mode, metrics: loopMetrics(r), notes: [RAW_DISK_DESCRIPTION] });
      }
      return { rows };
    }
    const adapter = kvAdapter(req.engine);
    return {
      rows: await measureCommits(adapter, req.dir, true, (op) => runSequential(op, timing)),
    };
  },
};
