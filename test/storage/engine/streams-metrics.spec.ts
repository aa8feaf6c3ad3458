/**
 * The event streams (`commits$`, `durable$`, `checkpoints$`, `errors$`) and
 * `operationalMetrics()` of a real instance.
 */
import * as fs from 'node:fs';

import {
  ValidationError,
  type AedbConfigInput,
  type CheckpointEvent,
  type CommitBatchEvent,
  type DurableEvent,
  type Mutation,
} from '../../../src/index';
import { createScope, createUsers, expectRejects, useEngine, within } from './engine-fixture';

const engine = useEngine();

const USERS = { projectId: 'p', scopeId: 's', tableName: 'users' } as const;

function collect<T>(subscribe: (next: (v: T) => void) => void): T[] {
  const out: T[] = [];
  subscribe((v) => out.push(v));
  return out;
}

/** The next value of an observable-like `db.xxx$`, with a time limit. */
function nextValue<T>(
  source: { subscribe(next: (v: T) => void): { unsubscribe(): void } },
  ms = 5000,
): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const sub = source.subscribe((v) => {
        resolve(v);
        queueMicrotask(() => sub.unsubscribe());
      });
    }),
    ms,
    'the next stream event',
  );
}

function expectContiguous(
  events: readonly CommitBatchEvent[],
  firstSeq: number,
  lastSeq: number,
): void {
  expect(events.length).toBeGreaterThan(0);
  expect(events[0].firstSeq).toBe(firstSeq);
  expect(events[events.length - 1].lastSeq).toBe(lastSeq);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    expect(e.lastSeq).toBeGreaterThanOrEqual(e.firstSeq);
    expect(e.commits).toBe(e.lastSeq - e.firstSeq + 1);
    if (i > 0) expect(e.firstSeq).toBe(events[i - 1].lastSeq + 1);
  }
}

describe('commits$', () => {
  it.each<AedbConfigInput>([
    { durabilityMode: 'os' },
    { durabilityMode: 'full' },
    { durabilityMode: 'batch', batchIntervalMs: 2 },
  ])(
    'emits one event per batch with contiguous seq ranges, after the state is visible ($durabilityMode)',
    async (config) => {
      const { db } = await engine.fresh(config);
      await createUsers(db);
      const start = db.headState().visibleHeadSeq;
      const events: CommitBatchEvent[] = [];
      const visibleAtEvent: number[] = [];
      db.commits$.subscribe((e) => {
        events.push(e);
        visibleAtEvent.push(db.snapshot().seq);
      });
      const pending = [];
      for (let i = 0; i < 120; i++) {
        // Every 10th commit fails validation: it takes no seq and leaves no gap.
        const row = i % 10 === 9 ? { id: i, name: null } : { id: i, name: `n${i}` };
        pending.push(
          db.commit({ type: 'insert', ...USERS, row }).then(
            (r) => r.commitSeq,
            () => undefined,
          ),
        );
      }
      const seqs = (await Promise.all(pending)).filter((s): s is number => s !== undefined);
      expect(seqs).toHaveLength(108);
      expectContiguous(events, start + 1, start + 108);
      expect(events.reduce((n, e) => n + e.commits, 0)).toBe(108);
      // Group commit: fewer events than commits.
      expect(events.length).toBeLessThan(108);
      events.forEach((e, i) => {
        expect(visibleAtEvent[i]).toBe(e.lastSeq);
        expect(e.bytes).toBeGreaterThan(0);
        expect(e.touched).toEqual([{ projectId: 'p', scopeId: 's', tableName: 'users' }]);
      });
    },
  );

  it('names the tables and KV spaces a batch touched, not catalog-only or no-op commits', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.createScope('p', 's2');
    await db.createTable({
      projectId: 'p',
      scopeId: 's2',
      tableName: 'other',
      columns: [{ name: 'id', type: 'integer' }],
      primaryKey: ['id'],
    });
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    const events = collect<CommitBatchEvent>((f) => db.commits$.subscribe(f));

    await db.commitMany([
      { type: 'insert', ...USERS, row: { id: 1, name: 'a' } },
      { type: 'kvSet', projectId: 'p', scopeId: 's2', key: 'k', value: 'v' },
    ]);
    expect(events[0].touched).toHaveLength(2);
    expect(events[0].touched).toEqual(
      expect.arrayContaining([
        { projectId: 'p', scopeId: 's', tableName: 'users' },
        expect.objectContaining({ projectId: 'p', scopeId: 's2' }),
      ]),
    );
    const kvTouch = events[0].touched.find((t) => t.scopeId === 's2');
    expect(kvTouch?.tableName).toBeUndefined();

    await db.createProject('q');
    expect(events[1].touched).toEqual([]);
    await db.commit({ type: 'delete', ...USERS, primaryKey: [999] });
    expect(events[2].touched).toEqual([]);
    await db.commit({
      type: 'insert',
      projectId: 'p',
      scopeId: 's2',
      tableName: 'other',
      row: { id: 1 },
    });
    expect(events[3].touched).toEqual([{ projectId: 'p', scopeId: 's2', tableName: 'other' }]);

    // Concurrent commits to several objects: one batch event names them all, once each.
    const pending: Promise<unknown>[] = [];
    for (let i = 10; i < 20; i++) {
      const m: Mutation[] = [
        { type: 'insert', ...USERS, row: { id: i, name: `n${i}` } },
        { type: 'kvSet', projectId: 'p', scopeId: 's', key: `k${i}`, value: 'v' },
      ];
      pending.push(db.commitMany(m));
    }
    await Promise.all(pending);
    const batch = events.slice(4);
    const touched = batch.flatMap((e) =>
      e.touched.map((t) => `${t.projectId}.${t.scopeId}.${t.tableName ?? '<kv>'}`),
    );
    expect(new Set(touched)).toEqual(new Set(['p.s.users', 'p.s.<kv>']));
    for (const e of batch) expect(new Set(e.touched).size).toBe(e.touched.length);
  });
});

describe('durable$', () => {
  it.each<AedbConfigInput>([
    { durabilityMode: 'os' },
    { durabilityMode: 'full' },
    { durabilityMode: 'batch', batchIntervalMs: 2 },
  ])('advances monotonically to the durable head ($durabilityMode)', async (config) => {
    const { db } = await engine.fresh(config);
    const events = collect<DurableEvent>((f) => db.durable$.subscribe(f));
    await createScope(db);
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(db.kvSet('p', 's', `k${i}`, 'v'));
    const results = await Promise.all(pending);
    const last = Math.max(...results.map((r) => r.commitSeq));
    expect(events.length).toBeGreaterThan(0);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].durableHeadSeq).toBeGreaterThan(events[i - 1].durableHeadSeq);
    }
    expect(events[events.length - 1].durableHeadSeq).toBe(last);
    expect(db.headState().durableHeadSeq).toBe(last);
  });

  it('in batch mode fires for the timer fsync, after the commit is visible', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'batch', batchIntervalMs: 20 });
    await db.ddl({ type: 'createProject', projectId: 'p' }, { finality: 'visible' });
    const events = collect<DurableEvent>((f) => db.durable$.subscribe(f));
    const next = nextValue(db.durable$);
    const r = await db.ddl(
      { type: 'createScope', projectId: 'p', scopeId: 's' },
      { finality: 'visible' },
    );
    expect(events).toEqual([]);
    expect((await next).durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
  });
});

describe('checkpoints$', () => {
  it('emits the checkpoint written by checkpointNow(), with a real file', async () => {
    const { db, dir } = await engine.fresh();
    await createUsers(db);
    await db.commit({ type: 'insert', ...USERS, row: { id: 1, name: 'a' } });
    await db.kvSet('p', 's', 'k', 'v');
    const events = collect<CheckpointEvent>((f) => db.checkpoints$.subscribe(f));
    const ckpt = await db.checkpointNow();
    expect(events).toEqual([ckpt]);
    const e = events[0];
    expect(e.seq).toBe(db.headState().visibleHeadSeq);
    expect(e.file.startsWith(dir)).toBe(true);
    expect(fs.statSync(e.file).size).toBe(e.bytes);
    expect(e.entries).toBeGreaterThanOrEqual(2);
    expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(e.longestSliceMs).toBeGreaterThanOrEqual(0);
    expect(await db.checkpointNow()).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  it('emits automatic checkpoints triggered by checkpointCommits and checkpointIntervalMs', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'os', checkpointCommits: 20 });
    await createScope(db);
    const byCount = nextValue(db.checkpoints$);
    for (let i = 0; i < 25; i++) await db.kvSet('p', 's', `k${i}`, 'v');
    expect((await byCount).seq).toBeGreaterThanOrEqual(20);

    const { db: timed } = await engine.fresh({ durabilityMode: 'os', checkpointIntervalMs: 30 });
    await createScope(timed);
    const byTime = nextValue(timed.checkpoints$);
    const r = await timed.kvSet('p', 's', 'k', 'v');
    expect((await byTime).seq).toBeGreaterThanOrEqual(r.commitSeq - 1);
    expect(timed.operationalMetrics().checkpointsWritten).toBeGreaterThanOrEqual(1);
  });
});

describe('checkpoint retention', () => {
  it('keeps checkpointRetention files, and concurrent checkpointNow calls settle', async () => {
    const { db, dir } = await engine.fresh({ durabilityMode: 'os', checkpointRetention: 2 });
    await createScope(db);
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      await db.kvSet('p', 's', `k${i}`, 'v');
      const both = await Promise.all([db.checkpointNow(), db.checkpointNow()]);
      const written = both.filter((c): c is CheckpointEvent => c !== undefined);
      expect(written).toHaveLength(1);
      seqs.push(written[0].seq);
    }
    const files = fs.readdirSync(`${dir}/checkpoints`).filter((f) => f.endsWith('.ckpt'));
    expect(files).toHaveLength(2);
    const again = await engine.reopen(db, { durabilityMode: 'os', checkpointOnClose: false });
    expect(again.recoveryReport.checkpoint?.seq).toBe(seqs[3]);
    expect((await again.kvScanPrefix('p', 's', 'k')).entries).toHaveLength(4);
  });

  it('close() waits for a running checkpoint', async () => {
    const { db, dir } = await engine.fresh({ durabilityMode: 'os', checkpointOnClose: false });
    await createScope(db);
    const batch = [];
    for (let i = 0; i < 5000; i++)
      batch.push({
        type: 'kvSet' as const,
        projectId: 'p',
        scopeId: 's',
        key: `k${i}`,
        value: 'v'.repeat(50),
      });
    await db.commitMany(batch);
    const running = db.checkpointNow();
    await db.close();
    const ckpt = await running;
    expect(ckpt?.seq).toBe(3);
    const again = await engine.open(dir);
    expect(again.recoveryReport.checkpoint?.seq).toBe(3);
    expect((await again.kvScanPrefix('p', 's', 'k', { limit: 10_000 })).entries).toHaveLength(5000);
  });
});

describe('operationalMetrics', () => {
  it('starts at zero and moves with commits, errors, syncs and checkpoints', async () => {
    const { db, dir } = await engine.fresh({ durabilityMode: 'full' });
    const m0 = db.operationalMetrics();
    expect(m0).toMatchObject({
      commitsTotal: 0,
      commitErrors: 0,
      backpressureRejections: 0,
      queueDepth: 0,
      queuedBytes: 0,
      batchesTotal: 0,
      avgBatchCommits: 0,
      visibleHeadSeq: 0,
      durableHeadSeq: 0,
      durableHeadLag: 0,
      walAppendBytes: 0,
      walAppendOps: 0,
      walSyncOps: 0,
      checkpointsWritten: 0,
      lastCheckpointSeq: 0,
      startupRecoveredSeq: 0,
      estimatedMemoryBytes: 0,
    });
    expect(m0.startupRecoveryMicros).toBeGreaterThanOrEqual(0);

    await createUsers(db);
    const pending = [];
    for (let i = 0; i < 40; i++)
      pending.push(db.commit({ type: 'insert', ...USERS, row: { id: i, name: 'x'.repeat(100) } }));
    const inFlight = db.operationalMetrics();
    expect(inFlight.queueDepth).toBe(40);
    expect(inFlight.queuedBytes).toBeGreaterThan(40 * 100);
    await Promise.all(pending);
    await expectRejects(
      db.commit({ type: 'insert', ...USERS, row: { id: 0, name: 1 } }),
      ValidationError,
      'VALIDATION',
    );

    const m1 = db.operationalMetrics();
    expect(m1.commitsTotal).toBe(43);
    expect(m1.commitErrors).toBe(1);
    expect(m1.queueDepth).toBe(0);
    expect(m1.queuedBytes).toBe(0);
    expect(m1.batchesTotal).toBeGreaterThanOrEqual(4);
    expect(m1.batchesTotal).toBeLessThan(43);
    expect(m1.avgBatchCommits).toBeCloseTo(m1.commitsTotal / m1.batchesTotal);
    expect(m1.visibleHeadSeq).toBe(43);
    expect(m1.durableHeadSeq).toBe(43);
    expect(m1.durableHeadLag).toBe(0);
    expect(m1.avgCommitLatencyMicros).toBeGreaterThan(0);
    expect(m1.walAppendBytes).toBeGreaterThan(40 * 100);
    expect(m1.walAppendOps).toBe(m1.batchesTotal);
    expect(m1.walSyncOps).toBeGreaterThan(0);
    expect(m1.walSyncOps).toBeLessThanOrEqual(m1.batchesTotal);
    expect(m1.avgWalSyncMicros).toBeGreaterThan(0);
    expect(m1.estimatedMemoryBytes).toBeGreaterThan(40 * 100);

    await db.commitMany(
      Array.from({ length: 30 }, (_v, id) => ({
        type: 'delete' as const,
        ...USERS,
        primaryKey: [id],
      })),
    );
    expect(db.operationalMetrics().estimatedMemoryBytes).toBeLessThan(m1.estimatedMemoryBytes);
    // A dropped index's entries are released.
    const withIndex = db.operationalMetrics().estimatedMemoryBytes;
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    expect(db.operationalMetrics().estimatedMemoryBytes).toBeGreaterThan(withIndex);
    await db.dropIndex({ ...USERS, indexName: 'by_name' });
    expect(db.operationalMetrics().estimatedMemoryBytes).toBe(withIndex);
    // A dropped table's data is released too.
    await db.dropTable(USERS);
    expect(db.operationalMetrics().estimatedMemoryBytes).toBeLessThan(1000);

    const ckpt = await db.checkpointNow();
    const m2 = db.operationalMetrics();
    expect(m2.checkpointsWritten).toBe(1);
    expect(m2.lastCheckpointSeq).toBe(ckpt?.seq);
    expect(m2.lastCheckpointDurationMs).toBeGreaterThanOrEqual(0);
    expect(m2.lastCheckpointLongestSliceMs).toBeGreaterThanOrEqual(0);

    await db.close();
    const again = await engine.open(dir, { durabilityMode: 'full' });
    const m3 = again.operationalMetrics();
    expect(m3.startupRecoveredSeq).toBe(47);
    expect(m3.startupRecoveryMicros).toBeGreaterThan(0);
    expect(m3.lastCheckpointSeq).toBe(47);
    expect(m3.commitsTotal).toBe(0);
    expect(m3.visibleHeadSeq).toBe(47);
    expect(m3.estimatedMemoryBytes).toBeLessThan(1000);
  });

  it('shows the durable lag in batch mode', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    await db.ddl({ type: 'createProject', projectId: 'p' }, { finality: 'visible' });
    await db.ddl({ type: 'createProject', projectId: 'q' }, { finality: 'visible' });
    expect(db.operationalMetrics()).toMatchObject({
      visibleHeadSeq: 2,
      durableHeadSeq: 0,
      durableHeadLag: 2,
      walSyncOps: 0,
    });
    await db.forceFsync();
    expect(db.operationalMetrics()).toMatchObject({
      durableHeadSeq: 2,
      durableHeadLag: 0,
      walSyncOps: 1,
    });
  });
});
