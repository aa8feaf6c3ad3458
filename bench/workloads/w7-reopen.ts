/**
 * W7: reopen time with the large data set: a `prepare` phase loads the rows and closes the
 * store; then a fresh process opens it and reads one key (lazily opening engines pay there).
 * aedb twice: from a checkpoint (closed with `checkpointOnClose: true`) and from the WAL only
 * (checkpoints off while loading and at close). The page cache is warm for every engine.
 */
import { performance } from 'node:perf_hooks';
import type { KvStore, OpenOptions } from '../adapters/adapter';
import { openAedbStore } from '../adapters/aedb-adapter';
import { kvAdapter } from '../adapters/registry';
import { keyOf } from '../harness/data';
import { settledMemory } from '../harness/memory';
import type { ChildRequest, Json, RowResult } from '../harness/protocol';
import { directoryBytes } from '../harness/temp-dir';
import { loadRows } from './load-rows';
import { storeDir } from './store-dir';
import type { PhaseOutput, Workload } from './workload';

/** aedb's two prepared directories and how each is reopened. */
const AEDB_VARIANTS = {
  checkpoint: { phase: 'reopen-checkpoint', options: { durable: true } },
  'wal-only': { phase: 'reopen-wal', options: { durable: true, profile: 'no-checkpoints' } },
} as const satisfies Record<string, { phase: string; options: OpenOptions }>;

type AedbVariant = keyof typeof AEDB_VARIANTS;

async function prepare(req: ChildRequest): Promise<PhaseOutput> {
  const adapter = kvAdapter(req.engine);
  const prepared: Record<string, string> = {};
  const variants: { name: string; options: OpenOptions }[] =
    req.engine === 'aedb'
      ? [
          { name: 'checkpoint', options: { durable: false } },
          { name: 'wal-only', options: { durable: false, profile: 'no-checkpoints' } },
        ]
      : [{ name: 'default', options: { durable: false } }];
  for (const v of variants) {
    const dir = storeDir(req.dir, v.name);
    const store = await adapter.open(dir, v.options);
    await loadRows(store, req.sizes.rows, req.sizes.batchRows, 'sequential');
    await store.close();
    prepared[v.name] = dir;
  }
  return { rows: [], handoff: prepared };
}

async function firstRead(store: KvStore, key: string): Promise<boolean> {
  const p = store.readPaths()[0];
  const value = p.sync ? p.reader().get(key) : await p.reader().get(key);
  return value !== undefined;
}

async function reopen(
  req: ChildRequest,
  variant: string,
  options: OpenOptions,
): Promise<RowResult> {
  const handoff = req.handoff as Record<string, Json> | null;
  const dir = handoff?.[variant];
  if (typeof dir !== 'string') throw new Error(`W7: no prepared directory for ${variant}`);
  const adapter = kvAdapter(req.engine);
  const key = keyOf(Math.max(1, Math.floor(req.sizes.rows / 2)));
  const notes: string[] = [adapter.describe(options)];
  const metrics: Record<string, number> = {};
  let store: KvStore;
  const t0 = performance.now();
  if (req.engine === 'aedb') {
    const aedb = await openAedbStore(dir, options, false);
    store = aedb;
    const report = aedb.db.recoveryReport;
    metrics.recoveryMs = report.durationMs;
    metrics.framesReplayed = report.framesReplayed;
    notes.push(
      report.checkpoint === undefined
        ? `no checkpoint; ${report.framesReplayed} WAL frames replayed`
        : `checkpoint of ${report.checkpoint.entries} entries loaded in ` +
            `${Math.round(report.checkpoint.loadMs)} ms; ${report.framesReplayed} frames replayed`,
    );
  } else {
    store = await adapter.open(dir, options);
  }
  const found = await firstRead(store, key);
  metrics.reopenMs = performance.now() - t0;
  if (!found) notes.push(`MISSING: ${key} not found after reopen`);
  const mem = await settledMemory();
  metrics.rssBytes = mem.rss;
  metrics.heapUsedBytes = mem.heapUsed;
  await store.close();
  metrics.diskBytes = directoryBytes(dir);
  return { variant, metrics, notes };
}

/** W7. */
export const w7Reopen: Workload = {
  id: 'W7',
  name: 'reopen',
  summary:
    'Time to reopen the large data set in a fresh process and read one key; aedb from a ' +
    'checkpoint and from the WAL only. Also RSS after reopen and size on disk.',
  scenarios: [
    {
      id: 'reopen',
      title: 'W7 reopen with the large data set (open + first read)',
      engines: ['aedb', 'better-sqlite3', 'lmdb', 'classic-level'],
      columns: [
        { key: 'reopenMs', label: 'reopen', unit: 'ms' },
        { key: 'rssBytes', label: 'RSS after', unit: 'bytes' },
        { key: 'diskBytes', label: 'on disk', unit: 'bytes' },
      ],
      compare: { metric: 'reopenMs', higherIsBetter: false },
      targets: [
        {
          variant: 'checkpoint',
          description: '<= 2 s from a checkpoint',
          evaluate(median) {
            const ms = median('aedb', 'checkpoint', 'reopenMs');
            return ms === undefined ? undefined : { value: ms, unit: 'ms', met: ms <= 2000 };
          },
        },
      ],
    },
  ],
  phases: (engine) =>
    engine === 'aedb' ? ['prepare', 'reopen-checkpoint', 'reopen-wal'] : ['prepare', 'reopen'],
  async run(req) {
    if (req.phase === 'prepare') return prepare(req);
    if (req.engine !== 'aedb') {
      return { rows: [await reopen(req, 'default', { durable: true })] };
    }
    const variant = (Object.keys(AEDB_VARIANTS) as AedbVariant[]).find(
      (v) => AEDB_VARIANTS[v].phase === req.phase,
    );
    if (variant === undefined) throw new Error(`W7: unknown phase ${req.phase}`);
    return { rows: [await reopen(req, variant, AEDB_VARIANTS[variant].options)] };
  },
};
