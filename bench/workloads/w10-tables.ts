/**
 * W10 tables: upserts into a table with a typed row and two secondary indexes (aedb vs. a SQLite
 * table with the same indexes), one row per commit and 1,000 rows per transaction, over random
 * existing ids whose indexed columns change. Not fsynced (aedb `os`, SQLite `NORMAL`).
 */
import { performance } from 'node:perf_hooks';
import { aedbTableAdapter } from '../adapters/aedb-table-adapter';
import { betterSqlite3TableAdapter } from '../adapters/better-sqlite3-table-adapter';
import type { TableAdapter, TableStore, UserRow } from '../adapters/table-adapter';
import { userRow } from '../adapters/table-adapter';
import { LatencyRecorder } from '../harness/latency';
import { randomIds } from '../harness/prng';
import type { ChildRequest, EngineId } from '../harness/protocol';
import { loopMetrics, runSequential } from '../harness/timed-loops';
import { storeDir } from './store-dir';
import type { ScenarioGroup } from './workload';

const UPSERT_SEED = 0xab1e;

function tableAdapter(engine: EngineId): TableAdapter {
  if (engine === 'aedb') return aedbTableAdapter;
  if (engine === 'better-sqlite3') return betterSqlite3TableAdapter;
  throw new Error(`W10: no table adapter for ${engine}`);
}

async function preload(store: TableStore, rows: number, batch: number): Promise<number> {
  let ms = 0;
  for (let first = 1; first <= rows; first += batch) {
    const chunk: UserRow[] = [];
    for (let id = first; id < first + batch && id <= rows; id++) chunk.push(userRow(id, 0));
    const t0 = performance.now();
    await store.upsertBatch(chunk);
    ms += performance.now() - t0;
  }
  return (rows * 1000) / ms;
}

async function upsertBatches(store: TableStore, req: ChildRequest, ids: Uint32Array) {
  const batch = req.sizes.batchRows;
  const rec = new LatencyRecorder();
  let engineMs = 0;
  let rows = 0;
  let i = 0;
  const end = performance.now() + req.sizes.commitMs;
  while (performance.now() < end) {
    const chunk: UserRow[] = [];
    for (let k = 0; k < batch; k++, i++) chunk.push(userRow(ids[i % ids.length], i + 1));
    const t0 = performance.now();
    await store.upsertBatch(chunk);
    const dt = performance.now() - t0;
    rec.add(dt);
    engineMs += dt;
    rows += batch;
  }
  const s = rec.summary();
  return { rowsPerSec: (rows * 1000) / engineMs, p50Us: s.p50Us, p99Us: s.p99Us, rows };
}

/** The W10 table scenarios. */
export const w10Tables: ScenarioGroup = {
  scenarios: [
    {
      id: 'upsert',
      title: 'W10 upsert of a typed row with 2 secondary indexes, one row per commit (not fsynced)',
      engines: ['aedb', 'better-sqlite3'],
      columns: [
        { key: 'opsPerSec', label: 'upserts/s', unit: 'ops/s' },
        { key: 'p50Us', label: 'p50', unit: 'us' },
        { key: 'p99Us', label: 'p99', unit: 'us' },
        { key: 'loadRowsPerSec', label: 'initial load rows/s', unit: 'ops/s' },
      ],
      compare: { metric: 'opsPerSec', higherIsBetter: true },
      targets: [],
    },
    {
      id: 'upsert-batch',
      title: 'W10 upserts of typed rows with 2 secondary indexes, 1,000 per transaction',
      engines: ['aedb', 'better-sqlite3'],
      columns: [
        { key: 'rowsPerSec', label: 'rows/s', unit: 'ops/s' },
        { key: 'p50Us', label: 'p50 per tx', unit: 'us' },
        { key: 'p99Us', label: 'p99 per tx', unit: 'us' },
      ],
      compare: { metric: 'rowsPerSec', higherIsBetter: true },
      targets: [],
    },
  ],
  async run(req) {
    const adapter = tableAdapter(req.engine);
    const store = await adapter.open(storeDir(req.dir, 'tables'));
    try {
      const n = req.sizes.tableRows;
      const loadRowsPerSec = await preload(store, n, req.sizes.batchRows);
      const ids = randomIds(1 << 16, n, UPSERT_SEED);
      const notes = [adapter.description, `table preloaded with ${n} rows`];
      let metrics: Record<string, number>;
      if (req.scenario === 'upsert') {
        const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs };
        const r = await runSequential((i) => store.upsert(userRow(ids[i & 0xffff], i + 1)), timing);
        metrics = { ...loopMetrics(r), loadRowsPerSec };
      } else {
        const r = await upsertBatches(store, req, ids);
        metrics = { ...r, loadRowsPerSec };
        const lastEmail = userRow(ids[(r.rows - 1) % ids.length], r.rows).email;
        const found = await store.countByEmail(lastEmail);
        if (found !== 1)
          notes.push(`CHECK: the email index found ${found} rows for the last upsert`);
      }
      return { rows: [{ variant: 'default', metrics, notes }] };
    } finally {
      await store.close();
    }
  },
};
