/**
 * W3: visible / non-durable single-key commits (acknowledged before any fsync), sequential and
 * with 64 in flight. aedb runs twice: `os` (the ratio's row) and `batch` + `finality: 'visible'`.
 */
import { kvAdapter } from '../adapters/registry';
import { runInFlight, runSequential } from '../harness/timed-loops';
import { measureCommits } from './commit-rows';
import { COMMIT_COLUMNS, atLeastTimesBestPeer, type Scenario, type Workload } from './workload';

const ENGINES = ['aedb', 'better-sqlite3', 'lmdb', 'classic-level', 'map'] as const;

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'sequential',
    title: 'W3 non-durable single-key commits, sequential',
    engines: ENGINES,
    columns: COMMIT_COLUMNS,
    compare: { metric: 'opsPerSec', higherIsBetter: true },
    targets: [atLeastTimesBestPeer('os', 2)],
  },
  {
    id: 'in-flight',
    title: 'W3 non-durable single-key commits, 64 in flight',
    engines: ENGINES,
    columns: COMMIT_COLUMNS,
    compare: { metric: 'opsPerSec', higherIsBetter: true },
    targets: [],
  },
];

/** W3. */
export const w3VisibleCommits: Workload = {
  id: 'W3',
  name: 'visible-commits',
  summary:
    'Non-durable single-key commits (visible, not fsynced), sequential and 64 in flight. ' +
    "aedb: durabilityMode 'os' (used for the ratio) and 'batch' with finality 'visible'.",
  scenarios: SCENARIOS,
  async run(req) {
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs };
    const adapter = kvAdapter(req.engine);
    const inFlight = req.scenario === 'in-flight';
    return {
      rows: await measureCommits(adapter, req.dir, false, (op) =>
        inFlight ? runInFlight(op, req.sizes.inFlight, timing) : runSequential(op, timing),
      ),
    };
  },
};
