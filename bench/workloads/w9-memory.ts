/**
 * W9: memory per 1,000,000 rows: `process.memoryUsage()` after forced GCs, before opening and
 * after loading the large data set (deltas, scaled to 1,000,000 rows), against the raw data
 * size (key bytes + msgpackr value bytes). lmdb's RSS includes the pages of its memory map
 * that the process touched.
 */
import { kvAdapter } from '../adapters/registry';
import { rawDataBytes } from '../harness/data';
import { canForceGc, settledMemory } from '../harness/memory';
import { loadRows } from './load-rows';
import { setupOptions } from './setup-profile';
import { storeDir } from './store-dir';
import type { Workload } from './workload';

/** W9. */
export const w9Memory: Workload = {
  id: 'W9',
  name: 'memory',
  summary:
    'RSS and V8 heap growth per 1,000,000 rows (after GC), against the raw data size ' +
    '(keys + encoded values).',
  scenarios: [
    {
      id: 'per-million-rows',
      title: 'W9 memory per 1,000,000 rows (after GC)',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level', 'map'],
      columns: [
        { key: 'rssPerMillionBytes', label: 'RSS', unit: 'bytes' },
        { key: 'heapPerMillionBytes', label: 'heap used', unit: 'bytes' },
        { key: 'externalPerMillionBytes', label: 'external', unit: 'bytes' },
        { key: 'rssPerRaw', label: 'RSS / raw data', unit: 'x' },
      ],
      compare: { metric: 'rssPerMillionBytes', higherIsBetter: false },
      targets: [
        {
          variant: 'default',
          description: 'RSS <= 3x the raw data size',
          evaluate(median) {
            const r = median('aedb', 'default', 'rssPerRaw');
            return r === undefined ? undefined : { value: r, unit: 'x', met: r <= 3 };
          },
        },
      ],
    },
  ],
  async run(req) {
    if (!canForceGc()) throw new Error('W9 needs node --expose-gc');
    const adapter = kvAdapter(req.engine);
    const options = setupOptions(req.engine);
    const before = await settledMemory();
    const store = await adapter.open(storeDir(req.dir, 'data'), options);
    try {
      const load = await loadRows(store, req.sizes.rows, req.sizes.batchRows, 'sequential');
      const after = await settledMemory();
      const scale = 1_000_000 / req.sizes.rows;
      const raw = rawDataBytes(req.sizes.rows);
      const rssDelta = after.rss - before.rss;
      return {
        rows: [
          {
            variant: 'default',
            metrics: {
              rssPerMillionBytes: rssDelta * scale,
              heapPerMillionBytes: (after.heapUsed - before.heapUsed) * scale,
              externalPerMillionBytes: (after.external - before.external) * scale,
              rssBytes: after.rss,
              rawPerMillionBytes: raw * scale,
              rssPerRaw: rssDelta / raw,
            },
            notes: [
              adapter.describe(options),
              `loaded ${load.rows} rows in ${Math.round(load.wallMs)} ms; raw data ` +
                `${(raw / 1048576).toFixed(1)} MiB`,
            ],
          },
        ],
      };
    } finally {
      await store.close();
    }
  },
};
