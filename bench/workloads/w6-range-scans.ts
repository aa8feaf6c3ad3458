/**
 * W6: range scans of 100 keys from random start keys, every value decoded, in a tight loop.
 * aedb: `snapshot().kvScanRange({ start }, { limit: 100 })` and `await db.kvScanRange(...)`.
 */
import { kvAdapter } from '../adapters/registry';
import { keysOf } from '../harness/data';
import { rotate } from '../harness/plan';
import { randomIds } from '../harness/prng';
import type { RowResult } from '../harness/protocol';
import { runTightAsync, runTightSync } from '../harness/timed-loops';
import { openLoadedStore } from './loaded-store';
import { atLeastTimesBestPeer, type Workload } from './workload';

const SCAN_SEED = 0xcafe;

/** W6. */
export const w6RangeScans: Workload = {
  id: 'W6',
  name: 'range-scans',
  summary:
    'Range scans of 100 consecutive keys from random start keys, values decoded: scans/s per ' +
    'read path.',
  scenarios: [
    {
      id: 'scan-100',
      title: 'W6 range scans of 100 keys (values decoded)',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level'],
      columns: [
        { key: 'opsPerSec', label: 'scans/s', unit: 'ops/s' },
        { key: 'keysPerSec', label: 'keys/s', unit: 'ops/s' },
        { key: 'usPerOp', label: 'per scan', unit: 'us' },
      ],
      compare: { metric: 'opsPerSec', higherIsBetter: true },
      targets: [atLeastTimesBestPeer('snapshot', 2)],
      notApplicable: { map: 'a Map has no ordered scan' },
    },
  ],
  async run(req) {
    const adapter = kvAdapter(req.engine);
    const { store, load, settings } = await openLoadedStore(adapter, req);
    const limit = req.sizes.scanLength;
    const starts = keysOf(
      randomIds(req.sizes.readKeys, Math.max(1, req.sizes.rows - limit), SCAN_SEED),
    );
    const mask = starts.length - 1;
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.readMs };
    const rows: RowResult[] = [];
    try {
      // Rotate the order per repetition so that no read path always runs first (or warmest).
      for (const path of rotate(store.readPaths(), req.rep - 1)) {
        if (!path.canScan) continue;
        let r: { ops: number; opsPerSec: number; sink: number };
        if (path.sync) {
          const reader = path.reader();
          r = runTightSync((i) => reader.scan(starts[i & mask], limit), timing);
        } else {
          const reader = path.reader();
          r = await runTightAsync((i) => reader.scan(starts[i & mask], limit), timing);
        }
        rows.push({
          variant: path.variant,
          metrics: {
            opsPerSec: r.opsPerSec,
            keysPerSec: r.opsPerSec * limit,
            usPerOp: 1e6 / r.opsPerSec,
            ops: r.ops,
          },
          notes: [settings, `loaded ${load.rows} rows in ${Math.round(load.wallMs)} ms`],
        });
      }
    } finally {
      await store.close();
    }
    return { rows };
  },
};
