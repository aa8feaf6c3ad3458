/**
 * Fail-stop on WAL write and sync failures, driven by the engine's fail points: the failing
 * commit rejects with IO, later writes with UNAVAILABLE, reads keep serving the last visible
 * state, close works, and reopening recovers a consistent state (every acknowledged commit,
 * and each failed commit entirely or not at all).
 */
import {
  Expr,
  FailPoints,
  IoError,
  Query,
  UnavailableError,
  isAedbError,
  type AedbConfigInput,
  type AedbInstance,
  type CommitResult,
  type FailPointName,
} from '../../../src/index';
import {
  createScope,
  dumpState,
  expectAedbError,
  expectRejects,
  nextTurn,
  settle,
  str,
  useEngine,
} from './engine-fixture';

const engine = useEngine();

afterEach(() => FailPoints.reset());

const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

async function setup(config: AedbConfigInput): Promise<AedbInstance> {
  const { db } = await engine.fresh(config);
  // Visible-finality DDL, then one explicit fsync: works whatever the batch interval.
  const visible = { finality: 'visible' } as const;
  await db.ddl({ type: 'createProject', projectId: 'p' }, visible);
  await db.ddl({ type: 'createScope', projectId: 'p', scopeId: 's' }, visible);
  await db.ddl(
    {
      type: 'createTable',
      ...T,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text' },
      ],
      primaryKey: ['id'],
    },
    visible,
  );
  await db.forceFsync();
  return db;
}

/** Commit `i`: a row and two KV entries, all or nothing. */
function unit(
  db: AedbInstance,
  i: number,
  finality: 'durable' | 'visible' = 'durable',
): Promise<CommitResult> {
  return db.commitMany(
    [
      { type: 'kvSet', projectId: 'p', scopeId: 's', key: `a${i}`, value: `${i}` },
      { type: 'insert', ...T, row: { id: i, v: `${i}` } },
      { type: 'kvSet', projectId: 'p', scopeId: 's', key: `b${i}`, value: `${i}` },
    ],
    { finality },
  );
}

/** How much of commit `i` is present: 0 (none) or 3 (all) are consistent. */
async function partsPresent(db: AedbInstance, i: number): Promise<number> {
  let n = 0;
  if ((await db.kvGet('p', 's', `a${i}`)) !== undefined) n++;
  if ((await db.kvGet('p', 's', `b${i}`)) !== undefined) n++;
  const rows = await db.query('p', 's', Query.select('id').from('t').where(Expr.eq('id', i)));
  n += rows.rows.length;
  return n;
}

/** After a failure: writes refuse with UNAVAILABLE, reads work, close works. */
async function expectFailStopped(db: AedbInstance, cause: string | RegExp): Promise<void> {
  const before = dumpState(db);
  await expectRejects(unit(db, 9999), UnavailableError, 'UNAVAILABLE', 'reopen', cause);
  await expectRejects(db.kvSet('p', 's', 'x', 'y'), UnavailableError, 'UNAVAILABLE');
  await expectRejects(db.createProject('other'), UnavailableError, 'UNAVAILABLE');
  await expectRejects(db.forceFsync(), IoError, 'IO');
  await expectRejects(db.checkpointNow(), IoError, 'IO');
  // Reads keep serving the last visible state.
  expect(dumpState(db)).toEqual(before);
  expect(await db.listTables('p', 's')).toEqual(['t']);
  const metrics = db.operationalMetrics();
  expect(metrics.queueDepth).toBe(0);
  await db.close();
  expect(db.closed).toBe(true);
}

/** Reopen with no fail point armed and check acknowledged and failed commits. */
async function reopenAndCheck(
  db: AedbInstance,
  acknowledged: readonly number[],
  failed: readonly number[],
): Promise<AedbInstance> {
  FailPoints.reset();
  const again = await engine.open(db.dir, { durabilityMode: 'os' });
  for (const i of acknowledged) expect([i, await partsPresent(again, i)]).toEqual([i, 3]);
  for (const i of failed) expect([0, 3]).toContain(await partsPresent(again, i));
  expect(await partsPresent(again, 9999)).toBe(0);
  // Writable again.
  await unit(again, 10_000);
  expect(await partsPresent(again, 10_000)).toBe(3);
  return again;
}

describe.each<[FailPointName, AedbConfigInput]>([
  ['wal.sync', { durabilityMode: 'full' }],
  ['wal.sync', { durabilityMode: 'batch', batchIntervalMs: 2 }],
  ['wal.append', { durabilityMode: 'full' }],
  ['wal.append', { durabilityMode: 'batch', batchIntervalMs: 2 }],
  ['wal.append', { durabilityMode: 'os' }],
])("fail point '%s' (EIO) in %o", (point, config) => {
  it('rejects the commit with IO, then fail-stops; reopen recovers consistently', async () => {
    const db = await setup(config);
    const acknowledged: number[] = [];
    for (let i = 1; i <= 5; i++) {
      await unit(db, i);
      acknowledged.push(i);
    }
    const visibleBefore = dumpState(db);
    FailPoints.arm(point, { error: 'EIO' });
    const err = await expectRejects(unit(db, 6), IoError, 'IO', 'EIO');
    expect(err.message).toMatch(point === 'wal.sync' ? /fdatasync/ : /append/);
    expect(FailPoints.trippedCount(point)).toBe(1);
    if (config.durabilityMode !== 'batch' || point === 'wal.append') {
      // Never published: readers did not see the failed commit.
      expect(dumpState(db)).toEqual(visibleBefore);
    }
    await expectFailStopped(db, 'EIO');
    await reopenAndCheck(db, acknowledged, [6]);
  });
});

describe('fail-stop details', () => {
  it('stays stopped after a one-shot failure (times: 1)', async () => {
    const db = await setup({ durabilityMode: 'full' });
    await unit(db, 1);
    FailPoints.arm('wal.sync', { error: 'EIO', times: 1 });
    await expectRejects(unit(db, 2), IoError, 'IO');
    expect(FailPoints.trippedCount('wal.sync')).toBe(1);
    // The fail point disarmed itself, but the page cache cannot be trusted: still stopped.
    await expectRejects(unit(db, 3), UnavailableError, 'UNAVAILABLE');
    await db.close();
    await reopenAndCheck(db, [1], [2]);
  });

  it('reports ENOSPC as IO naming it', async () => {
    const db = await setup({ durabilityMode: 'os' });
    FailPoints.arm('wal.append', { error: 'ENOSPC' });
    await expectRejects(unit(db, 1), IoError, 'IO', 'ENOSPC');
    await expectFailStopped(db, 'ENOSPC');
    await reopenAndCheck(db, [], [1]);
  });

  it('rejects every commit of the failing group-commit batch and of batches applied on top of it', async () => {
    const db = await setup({ durabilityMode: 'full' });
    for (let i = 1; i <= 3; i++) await unit(db, i);
    const head = db.headState().visibleHeadSeq;
    // The first fsync fails; batches formed while it runs are applied on top and must fail too.
    FailPoints.arm('wal.sync', { error: 'EIO' });
    const first: Promise<CommitResult>[] = [];
    for (let i = 10; i < 30; i++) first.push(unit(db, i));
    await nextTurn();
    const second: Promise<CommitResult>[] = [];
    for (let i = 30; i < 50; i++) second.push(unit(db, i));
    const { ok, failed } = await settle([...first, ...second]);
    expect(ok.size).toBe(0);
    expect(failed.size).toBe(40);
    for (const e of failed.values()) {
      expect(isAedbError(e, 'IO') || isAedbError(e, 'UNAVAILABLE')).toBe(true);
    }
    expectAedbError(failed.get(0), IoError, 'IO', 'EIO');
    // full mode: nothing of them was ever visible.
    expect(db.headState().visibleHeadSeq).toBe(head);
    await db.close();
    const failedIds = Array.from({ length: 40 }, (_v, k) => 10 + k);
    const again = await reopenAndCheck(db, [1, 2, 3], failedIds);
    // WAL order: if a later failed commit survived on disk, every earlier one did too.
    const present = [];
    for (const i of failedIds) present.push((await partsPresent(again, i)) === 3);
    const firstMissing = present.indexOf(false);
    if (firstMissing >= 0) expect(present.slice(firstMissing).every((p) => !p)).toBe(true);
  });

  it('batch mode: visible-finality commits were acknowledged; durable ones of the failed sync reject', async () => {
    const db = await setup({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    const v = await unit(db, 1, 'visible');
    const durable = unit(db, 2);
    const waiter = db.waitForDurable(v.commitSeq);
    const durableCheck = expectRejects(durable, IoError, 'IO', 'EIO');
    const waiterCheck = expectRejects(waiter, IoError, 'IO');
    await nextTurn();
    FailPoints.arm('wal.sync', { error: 'EIO' });
    await expectRejects(db.forceFsync(), IoError, 'IO', 'EIO');
    await durableCheck;
    await waiterCheck;
    // Both were visible before the sync failed (batch mode publishes before the fsync).
    expect(await partsPresent(db, 1)).toBe(3);
    await expectFailStopped(db, 'EIO');
    await reopenAndCheck(db, [], [1, 2]);
  });

  it('a failed checkpoint write rejects checkpointNow with IO and leaves the database working', async () => {
    const db = await setup({ durabilityMode: 'os' });
    await unit(db, 1);
    FailPoints.arm('checkpoint.write', { error: 'EIO', times: 1 });
    await expectRejects(db.checkpointNow(), IoError, 'IO');
    await unit(db, 2);
    const ckpt = await db.checkpointNow();
    expect(ckpt?.seq).toBe(db.headState().visibleHeadSeq);
    await db.close();
    await reopenAndCheck(db, [1, 2], []);
  });

  it('a failed automatic checkpoint is reported on errors$, not to any caller', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'os', checkpointCommits: 5 });
    await createScope(db);
    const errors: unknown[] = [];
    db.errors$.subscribe((e) => errors.push(e));
    FailPoints.arm('checkpoint.write', { error: 'EIO', times: 1 });
    for (let i = 0; i < 10; i++) await db.kvSet('p', 's', `k${i}`, 'v');
    for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors).toHaveLength(1);
    expectAedbError(errors[0], IoError, 'IO');
    expect(str((await db.kvGet('p', 's', 'k9'))?.value ?? new Uint8Array())).toBe('v');
  });
});
