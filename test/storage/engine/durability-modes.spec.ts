/**
 * Durability modes and commit finality: `full` (durable before visible), `batch` (visible runs
 * ahead of durable; durable commits wait for the timer or size-triggered fsync), `os` (no fsync
 * of its own), `forceFsync`, `waitForDurable`, `headState` — and that the explicit sync calls
 * complete while writes keep coming.
 */
import {
  ClosedError,
  ValidationError,
  type AedbConfigInput,
  type AedbInstance,
  type CommitBatchEvent,
  type CommitResult,
  type DurableEvent,
} from '../../../src/index';
import { expectRejects, nextTurn, str, useEngine, within } from './engine-fixture';

const engine = useEngine();

/** Open and create `p.s` with visible-finality DDL (works whatever the batch interval). */
async function open(config: AedbConfigInput): Promise<AedbInstance> {
  const { db } = await engine.fresh(config);
  await db.ddl({ type: 'createProject', projectId: 'p' }, { finality: 'visible' });
  await db.ddl({ type: 'createScope', projectId: 'p', scopeId: 's' }, { finality: 'visible' });
  if (config.durabilityMode !== 'full') await db.forceFsync();
  return db;
}

/** Track whether a promise settled, without awaiting it. */
function track<T>(promise: Promise<T>): {
  readonly settled: boolean;
  readonly promise: Promise<T>;
} {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** Fire a commit every event-loop turn (without awaiting) until stopped. */
function startFirehose(db: AedbInstance) {
  let stop = false;
  const fired: Promise<CommitResult>[] = [];
  const tick = () => {
    if (stop) return;
    fired.push(
      db.kvSet('p', 's', `fh${fired.length % 50}`, String(fired.length), { finality: 'visible' }),
    );
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get fired() {
      return fired.length;
    },
    async stop() {
      stop = true;
      await Promise.all(fired);
    },
  };
}

describe("durabilityMode 'full'", () => {
  it('resolves every commit durable (durableHeadSeq >= commitSeq), whatever the finality', async () => {
    const db = await open({ durabilityMode: 'full' });
    const syncsBefore = db.operationalMetrics().walSyncOps;
    for (const finality of ['durable', 'visible', undefined] as const) {
      const r = await db.kvSet('p', 's', 'k', 'v', finality === undefined ? {} : { finality });
      expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
      expect(db.headState().durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
      expect(db.headState().visibleHeadSeq).toBe(r.commitSeq);
    }
    expect(db.operationalMetrics().walSyncOps).toBeGreaterThanOrEqual(syncsBefore + 3);
  });

  it('does not publish a batch before its fsync', async () => {
    const db = await open({ durabilityMode: 'full' });
    const head = db.headState().visibleHeadSeq;
    const visible: CommitBatchEvent[] = [];
    db.commits$.subscribe((e) => visible.push(e));
    const pending = db.kvSet('p', 's', 'k', 'v');
    await nextTurn(); // applied and written; the fsync is in flight
    expect(db.headState().visibleHeadSeq).toBe(head);
    expect(db.snapshot().kvGet('p', 's', 'k')).toBeUndefined();
    expect(visible).toEqual([]);
    const r = await pending;
    expect(visible.map((e) => e.lastSeq)).toEqual([r.commitSeq]);
    expect(str(db.snapshot().kvGet('p', 's', 'k')?.value ?? new Uint8Array())).toBe('v');
  });

  it('group-commits: many concurrent commits share few fsyncs', async () => {
    const db = await open({ durabilityMode: 'full' });
    const before = db.operationalMetrics();
    const pending = [];
    for (let i = 0; i < 200; i++) pending.push(db.kvSet('p', 's', `k${i}`, 'v'));
    const results = await Promise.all(pending);
    const seqs = results.map((r) => r.commitSeq);
    expect(seqs).toEqual(seqs.map((_s, i) => seqs[0] + i));
    for (const r of results) expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    const after = db.operationalMetrics();
    expect(after.commitsTotal - before.commitsTotal).toBe(200);
    expect(after.walSyncOps - before.walSyncOps).toBeLessThan(20);
    expect(after.batchesTotal - before.batchesTotal).toBeLessThan(20);
  });
});

describe("durabilityMode 'batch'", () => {
  it('resolves visible finality before the fsync; durable finality waits for it', async () => {
    // The timer never fires during this test: only forceFsync() makes anything durable.
    const db = await open({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    const durableBefore = db.headState().durableHeadSeq;
    const v = await db.kvSet('p', 's', 'a', '1', { finality: 'visible' });
    expect(v.durableHeadSeq).toBeLessThan(v.commitSeq);
    expect(db.headState()).toEqual({ visibleHeadSeq: v.commitSeq, durableHeadSeq: durableBefore });
    expect(str((await db.kvGet('p', 's', 'a'))?.value ?? new Uint8Array())).toBe('1');
    expect(db.operationalMetrics().durableHeadLag).toBe(v.commitSeq - durableBefore);

    const durable = track(db.kvSet('p', 's', 'b', '2'));
    const waiter = track(db.waitForDurable(v.commitSeq));
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(durable.settled).toBe(false);
    expect(waiter.settled).toBe(false);
    // Visible already, durable not yet.
    expect(str((await db.kvGet('p', 's', 'b'))?.value ?? new Uint8Array())).toBe('2');

    const synced = await db.forceFsync();
    const r = await durable.promise;
    expect(synced).toBeGreaterThanOrEqual(r.commitSeq);
    expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    expect(await waiter.promise).toBeGreaterThanOrEqual(v.commitSeq);
    expect(db.headState()).toEqual({ visibleHeadSeq: r.commitSeq, durableHeadSeq: r.commitSeq });
  });

  it('fsyncs on the batchIntervalMs timer: durable commits and waitForDurable resolve on their own', async () => {
    const interval = 150;
    const db = await open({ durabilityMode: 'batch', batchIntervalMs: interval });
    const durableEvents: DurableEvent[] = [];
    db.durable$.subscribe((e) => durableEvents.push(e));
    const syncsBefore = db.operationalMetrics().walSyncOps;
    const started = Date.now();
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(db.kvSet('p', 's', `k${i}`, 'v'));
    await nextTurn();
    await nextTurn();
    expect(durableEvents).toEqual([]);
    const results = await within(Promise.all(pending), 5000, 'durable commits in batch mode');
    // The timer runs from the first unsynced write (setup commits may have armed it), so the
    // group is synced at most `interval` after it was written; sooner is allowed.
    expect(Date.now() - started).toBeLessThan(interval + 4000);
    const last = results[results.length - 1].commitSeq;
    for (const r of results) expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    expect(durableEvents[durableEvents.length - 1].durableHeadSeq).toBeGreaterThanOrEqual(last);
    // One timer-driven fsync covered the whole group.
    expect(db.operationalMetrics().walSyncOps - syncsBefore).toBe(1);

    const v = await db.kvSet('p', 's', 'late', 'v', { finality: 'visible' });
    expect(
      await within(db.waitForDurable(v.commitSeq), 5000, 'waitForDurable'),
    ).toBeGreaterThanOrEqual(v.commitSeq);
  });

  it('fsyncs early once batchMaxBytes are unsynced', async () => {
    const db = await open({
      durabilityMode: 'batch',
      batchIntervalMs: 60_000,
      batchMaxBytes: 4096,
    });
    const r = await within(
      db.kvSet('p', 's', 'big', new Uint8Array(8192)),
      5000,
      'a durable commit above batchMaxBytes',
    );
    expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
  });

  it('rejects waitForDurable waiters with CLOSED when closed before their seq exists', async () => {
    const db = await open({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    const head = db.headState().visibleHeadSeq;
    const waiter = expectRejects(db.waitForDurable(head + 5), ClosedError, 'CLOSED');
    await db.close();
    await waiter;
  });
});

describe("durabilityMode 'os'", () => {
  it('counts the OS write as durable and never fsyncs on its own', async () => {
    const db = await open({ durabilityMode: 'os' });
    const syncs = db.operationalMetrics().walSyncOps;
    const pending = [];
    for (let i = 0; i < 50; i++) pending.push(db.kvSet('p', 's', `k${i}`, 'v'));
    for (const r of await Promise.all(pending))
      expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    const r = await db.kvSet('p', 's', 'x', 'y', { finality: 'visible' });
    expect(r.durableHeadSeq).toBe(r.commitSeq);
    expect(db.headState()).toEqual({ visibleHeadSeq: r.commitSeq, durableHeadSeq: r.commitSeq });
    expect(db.operationalMetrics().walSyncOps).toBe(syncs);
    expect(await db.waitForDurable(r.commitSeq)).toBe(r.commitSeq);
  });
});

describe('forceFsync', () => {
  it.each<AedbConfigInput>([
    { durabilityMode: 'os' },
    { durabilityMode: 'batch', batchIntervalMs: 60_000 },
    { durabilityMode: 'full' },
  ])('syncs what was written and returns the synced head ($durabilityMode)', async (config) => {
    const db = await open(config);
    const r = await db.kvSet('p', 's', 'k', 'v', { finality: 'visible' });
    const before = db.operationalMetrics().walSyncOps;
    expect(await db.forceFsync()).toBe(r.commitSeq);
    const after = db.operationalMetrics().walSyncOps;
    expect(after - before).toBeLessThanOrEqual(1);
    if (config.durabilityMode !== 'full') expect(after - before).toBe(1);
    // Nothing new: no second fsync.
    expect(await db.forceFsync()).toBe(r.commitSeq);
    expect(db.operationalMetrics().walSyncOps).toBe(after);
    expect(db.headState().durableHeadSeq).toBe(r.commitSeq);
  });

  it.each<AedbConfigInput>([
    { durabilityMode: 'os' },
    { durabilityMode: 'batch', batchIntervalMs: 5 },
  ])('completes while commits keep coming ($durabilityMode)', async (config) => {
    const db = await open(config);
    const seqAtCall = db.headState().visibleHeadSeq;
    const firehose = startFirehose(db);
    try {
      for (let i = 0; i < 5; i++) await nextTurn();
      const synced = await within(db.forceFsync(), 10_000, 'forceFsync() under continuous writes');
      expect(synced).toBeGreaterThanOrEqual(seqAtCall);
      expect(firehose.fired).toBeGreaterThan(0);
    } finally {
      await firehose.stop();
    }
  });

  it.each<AedbConfigInput>([{ durabilityMode: 'os' }])(
    'checkpointNow() completes while commits keep coming ($durabilityMode)',
    async (config) => {
      const db = await open(config);
      await db.kvSet('p', 's', 'before', 'x', { finality: 'visible' });
      const seqAtCall = db.headState().visibleHeadSeq;
      const firehose = startFirehose(db);
      try {
        for (let i = 0; i < 5; i++) await nextTurn();
        const ckpt = await within(
          db.checkpointNow(),
          10_000,
          'checkpointNow() under continuous writes',
        );
        expect(ckpt?.seq).toBeGreaterThanOrEqual(seqAtCall);
      } finally {
        await firehose.stop();
      }
    },
  );
});

describe('waitForDurable', () => {
  it('resolves at once for durable seqs and rejects bad seqs with VALIDATION', async () => {
    const db = await open({ durabilityMode: 'os' });
    const head = db.headState().durableHeadSeq;
    expect(await db.waitForDurable(0)).toBe(head);
    expect(await db.waitForDurable(head)).toBe(head);
    await expectRejects(
      db.waitForDurable(-1),
      ValidationError,
      'VALIDATION',
      'waitForDurable',
      '-1',
    );
    await expectRejects(db.waitForDurable(1.5), ValidationError, 'VALIDATION', 'waitForDurable');
    await expectRejects(
      db.waitForDurable(Number.NaN),
      ValidationError,
      'VALIDATION',
      'waitForDurable',
    );
  });
});

describe('headState', () => {
  it('tracks visible and durable heads across modes and reopen', async () => {
    const { db, dir } = await engine.fresh({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    expect(db.headState()).toEqual({ visibleHeadSeq: 0, durableHeadSeq: 0 });
    await db.ddl({ type: 'createProject', projectId: 'p' }, { finality: 'visible' });
    expect(db.headState()).toEqual({ visibleHeadSeq: 1, durableHeadSeq: 0 });
    await db.forceFsync();
    expect(db.headState()).toEqual({ visibleHeadSeq: 1, durableHeadSeq: 1 });
    await db.close();
    const again = await engine.open(dir, { durabilityMode: 'full' });
    expect(again.headState()).toEqual({ visibleHeadSeq: 1, durableHeadSeq: 1 });
  });
});

describe('waitForVisible', () => {
  it('resolves when a seq becomes visible (full mode: after its fsync) and validates its argument', async () => {
    const db = await open({ durabilityMode: 'full' });
    const head = db.headState().visibleHeadSeq;
    expect(await db.waitForVisible(head)).toBe(head);
    const pending = db.kvSet('p', 's', 'w', 'v');
    const visible = await db.waitForVisible(head + 1);
    expect(visible).toBeGreaterThanOrEqual(head + 1);
    expect((await pending).commitSeq).toBe(head + 1);
    await expectRejects(db.waitForVisible(-1), ValidationError, 'VALIDATION', 'waitForVisible');
  });
});
