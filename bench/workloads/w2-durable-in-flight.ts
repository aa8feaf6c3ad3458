/**
 * W2: durable single-key commits with 64 in flight (64 workers, each awaiting its commit
 * before issuing the next). Engines that group-commit pay one sync for many commits.
 */
import { kvAdapter } from '../adapters/registry';
import { runInFlight } from '../harness/timed-loops';
import { measureCommits } from './commit-rows';
import { COMMIT_COLUMNS, atLeastTimesBestPeer, type Workload } from './workload';

/** W2. */
export const w2DurableInFlight: Workload = {
  id: 'W2',
  name: 'durable-in-flight',
  summary:
    'Durable single-key commits with 64 in flight: commits/s and per-commit latency. ' +
    'Synchronous engines (better-sqlite3) serialize them.',
  scenarios: [
    {
      id: 'in-flight',
      title: 'W2 durable single-key commits, 64 in flight',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level'],
      columns: COMMIT_COLUMNS,
      compare: { metric: 'opsPerSec', higherIsBetter: true },
      targets: [atLeastTimesBestPeer('full', 3)],
    },
  ],
  async run(req) {
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs };
    const adapter = kvAdapter(req.engine);
    return {
      rows: await measureCommits(adapter, req.dir, true, (op) =>
        runInFlight(op, req.sizes.inFlight, timing),
      ),
    };
  },
};
