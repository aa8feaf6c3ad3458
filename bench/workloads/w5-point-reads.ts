/**
 * W5: point reads of random keys over the large data set, each value decoded, in a tight loop
 * (the clock is read every 256 reads). Every read path of every engine is a row: aedb through
 * one `snapshot()` and through `await db.kvGet()`; classic-level through `getSync` and `get`.
 */
import { kvAdapter } from '../adapters/registry';
import { keysOf } from '../harness/data';
import { rotate } from '../harness/plan';
import { randomIds } from '../harness/prng';
import type { RowResult } from '../harness/protocol';
import { runTightAsync, runTightSync } from '../harness/timed-loops';
import { openLoadedStore } from './loaded-store';
import { atLeastTimesBestPeer, type Workload } from './workload';

/** Seed of the read keys (the same for every engine). */
const READ_SEED = 0xbeef;

/** W5. */
export const w5PointReads: Workload = {
  id: 'W5',
  name: 'point-reads',
  summary:
    'Point reads of random keys over the large data set, value decoded, tight loop: reads/s ' +
    'per read path (aedb: one snapshot() and the async kvGet).',
  scenarios: [
    {
      id: 'random',
      title: 'W5 point reads of random keys (value decoded)',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level', 'map'],
      columns: [
        { key: 'opsPerSec', label: 'reads/s', unit: 'ops/s' },
        { key: 'usPerOp', label: 'per read', unit: 'us' },
      ],
      compare: { metric: 'opsPerSec', higherIsBetter: true },
      targets: [atLeastTimesBestPeer('snapshot', 3), atLeastTimesBestPeer('async', 1.5)],
    },
  ],
  async run(req) {
    const adapter = kvAdapter(req.engine);
    const { store, load, settings } = await openLoadedStore(adapter, req);
    const keys = keysOf(randomIds(req.sizes.readKeys, req.sizes.rows, READ_SEED));
    const mask = keys.length - 1;
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.readMs };
    const rows: RowResult[] = [];
    try {
      // Rotate the order per repetition so that no read path always runs first (or warmest).
      for (const path of rotate(store.readPaths(), req.rep - 1)) {
        let r: { ops: number; opsPerSec: number; sink: number };
        if (path.sync) {
          const reader = path.reader();
          r = runTightSync((i) => reader.get(keys[i & mask]), timing);
        } else {
          const reader = path.reader();
          r = await runTightAsync((i) => reader.get(keys[i & mask]), timing);
        }
        const notes = [settings, `loaded ${load.rows} rows in ${Math.round(load.wallMs)} ms`];
        if (r.sink < r.ops) notes.push(`MISSING: ${r.ops - r.sink} reads found nothing`);
        rows.push({
          variant: path.variant,
          metrics: { opsPerSec: r.opsPerSec, usPerOp: 1e6 / r.opsPerSec, ops: r.ops },
          notes,
        });
      }
    } finally {
      await store.close();
    }
    return { rows };
  },
};
