/**
 * W4: 1,000,000 rows in durable transactions of 1,000 into an empty store, in random and in
 * sequential key order. Rows/s counts only the time inside the engine's batch commits; the
 * p50/p99 are per transaction.
 */
import { kvAdapter } from '../adapters/registry';
import type { RowResult } from '../harness/protocol';
import { loadRows, type LoadOrder } from './load-rows';
import { storeDir } from './store-dir';
import { atLeastTimesBestPeer, type MetricColumn, type Scenario, type Workload } from './workload';

const ENGINES = ['aedb', 'better-sqlite3', 'lmdb', 'classic-level', 'map'] as const;

const COLUMNS: readonly MetricColumn[] = [
  { key: 'rowsPerSec', label: 'rows/s', unit: 'ops/s' },
  { key: 'engineMs', label: 'total', unit: 'ms' },
  { key: 'p50Us', label: 'p50 per tx', unit: 'us' },
  { key: 'p99Us', label: 'p99 per tx', unit: 'us' },
];

function scenario(order: LoadOrder, min: number): Scenario {
  return {
    id: order,
    title: `W4 bulk load in durable transactions of 1,000, ${order} key order`,
    engines: ENGINES,
    columns: COLUMNS,
    compare: { metric: 'rowsPerSec', higherIsBetter: true },
    targets: [atLeastTimesBestPeer('full', min)],
  };
}

/** W4. */
export const w4BulkLoad: Workload = {
  id: 'W4',
  name: 'bulk-load',
  summary:
    'Rows (1,000,000 in a full run) in durable transactions of 1,000 into an empty store, ' +
    'random and sequential key order: rows/s and per-transaction latency.',
  scenarios: [scenario('random', 3), scenario('sequential', 2)],
  async run(req) {
    const adapter = kvAdapter(req.engine);
    const order: LoadOrder = req.scenario === 'random' ? 'random' : 'sequential';
    const rows: RowResult[] = [];
    const durable = req.engine !== 'map';
    for (const profile of adapter.profiles(durable)) {
      const options = { durable, profile };
      const store = await adapter.open(storeDir(req.dir, profile), options);
      try {
        const r = await loadRows(store, req.sizes.rows, req.sizes.batchRows, order);
        rows.push({
          variant: profile,
          metrics: {
            rowsPerSec: r.rowsPerSec,
            engineMs: r.engineMs,
            wallMs: r.wallMs,
            p50Us: r.p50Us,
            p99Us: r.p99Us,
            rows: r.rows,
          },
          notes: [adapter.describe(options)],
        });
      } finally {
        await store.close();
      }
    }
    return { rows };
  },
};
