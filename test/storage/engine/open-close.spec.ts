/**
 * Opening, closing and reopening real data directories: creation, recovery of everything
 * (catalog, rows, KV with versions, indexes) with and without a final checkpoint, the recovery
 * report, idempotent close, and CLOSED on every call afterwards.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  AedbInstance,
  ClosedError,
  Expr,
  IoError,
  Query,
  ValidationError,
  type AedbConfigInput,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  OS_MODE,
  createUsers,
  dumpState,
  expectRejects,
  expectThrows,
  str,
  useEngine,
  utf8,
} from './engine-fixture';

const engine = useEngine();

/** Users, an index, KV entries in two scopes and a deleted/overwritten history. */
async function populate(db: AedbInstance): Promise<void> {
  await createUsers(db);
  await db.createScope('p', 's2');
  await db.createIndex({
    projectId: 'p',
    scopeId: 's',
    tableName: 'users',
    indexName: 'by_name',
    columns: ['name'],
  });
  const rows = [];
  for (let i = 1; i <= 50; i++) {
    rows.push({
      type: 'insert' as const,
      projectId: 'p',
      scopeId: 's',
      tableName: 'users',
      row: { id: i, name: `user${i % 10}`, age: i, email: i % 3 === 0 ? null : `u${i}@x` },
    });
  }
  await db.commitMany(rows);
  await db.commit({
    type: 'delete',
    projectId: 'p',
    scopeId: 's',
    tableName: 'users',
    primaryKey: [7],
  });
  await db.commit({
    type: 'updateFields',
    projectId: 'p',
    scopeId: 's',
    tableName: 'users',
    primaryKey: [8],
    fields: { name: 'renamed' },
  });
  for (let i = 0; i < 20; i++) await db.kvSet('p', 's', `k${i}`, `v${i}`);
  await db.kvSet('p', 's', 'k3', 'overwritten');
  await db.kvDel('p', 's', 'k4');
  await db.kvSet('p', 's2', new Uint8Array([0, 255, 1]), new Uint8Array([9, 9]));
  await db.createProject('empty');
}

describe('open', () => {
  it('creates a missing data directory (with parents) and starts empty', async () => {
    const dir = path.join(engine.dir(), 'a', 'b', 'data');
    expect(fs.existsSync(dir)).toBe(false);
    const db = await engine.open(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(db.dir).toBe(path.resolve(dir));
    expect(db.closed).toBe(false);
    expect(await db.listProjects()).toEqual([]);
    expect(await db.snapshotProbe()).toBe(0);
    expect(db.headState()).toEqual({ visibleHeadSeq: 0, durableHeadSeq: 0 });
    expect(db.config.durabilityMode).toBe('os');
  });

  it('resolves a relative directory to an absolute one', async () => {
    const base = engine.dir();
    const rel = path.relative(process.cwd(), path.join(base, 'rel'));
    const db = await engine.open(rel);
    expect(path.isAbsolute(db.dir)).toBe(true);
    expect(db.dir).toBe(path.join(base, 'rel'));
  });

  it('reports an empty recovery for a new directory', async () => {
    const { db } = await engine.fresh();
    const r = db.recoveryReport;
    expect(r.checkpoint).toBeUndefined();
    expect(r.skippedCheckpoints).toEqual([]);
    expect(r.framesReplayed).toBe(0);
    expect(r.framesScanned).toBe(0);
    expect(r.recoveredSeq).toBe(0);
    expect(r.tornTail).toBeUndefined();
    expect(r.dropped).toBeUndefined();
    expect(r.quarantined).toEqual([]);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects an empty or non-string directory with VALIDATION', async () => {
    await expectRejects(AedbInstance.open(''), ValidationError, 'VALIDATION', 'data directory');
    await expectRejects(
      AedbInstance.open(42 as unknown as string),
      ValidationError,
      'VALIDATION',
      'data directory',
    );
  });

  it('rejects a directory path that is a regular file with IO naming the path', async () => {
    const file = path.join(engine.dir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    await expectRejects(AedbInstance.open(file, OS_MODE), IoError, 'IO', file);
  });
});

describe('reopen keeps everything', () => {
  const variants: [string, AedbConfigInput][] = [
    ['with a final checkpoint (checkpointOnClose: true)', { ...OS_MODE, checkpointOnClose: true }],
    [
      'without a checkpoint (checkpointOnClose: false, WAL replay only)',
      { ...OS_MODE, checkpointOnClose: false },
    ],
    ['in full durability mode', { durabilityMode: 'full' }],
  ];

  it.each(variants)('%s', async (_label, config) => {
    const { db, dir } = await engine.fresh(config);
    await populate(db);
    const before = dumpState(db);
    const head = db.headState().visibleHeadSeq;
    await db.close();

    const again = await engine.open(dir, config);
    expect(dumpState(again)).toEqual(before);
    expect(again.headState()).toEqual({ visibleHeadSeq: head, durableHeadSeq: head });
    expect(again.recoveryReport.recoveredSeq).toBe(head);
    if (config.checkpointOnClose === false) {
      expect(again.recoveryReport.checkpoint).toBeUndefined();
      expect(again.recoveryReport.framesReplayed).toBe(head);
    } else {
      expect(again.recoveryReport.checkpoint?.seq).toBe(head);
      expect(again.recoveryReport.checkpoint?.file).toContain(dir);
      expect(again.recoveryReport.checkpoint?.entries).toBeGreaterThan(0);
      expect(again.recoveryReport.framesReplayed).toBe(0);
    }

    // Catalog details survive: the index is there and still used by the planner.
    const schema = await again.describeTable('p', 's', 'users');
    expect(schema.indexes.map((i) => i.name)).toEqual(['by_name']);
    const res = await again.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('name', 'user3')),
    );
    expect(res.plan.kind).toBe('indexEq');
    expect(res.rows.map((r) => r.id)).toEqual([3, 13, 23, 33, 43]);

    // KV reads by both key forms, with the original versions.
    const k3 = await again.kvGet('p', 's', 'k3');
    expect(k3 && str(k3.value)).toBe('overwritten');
    expect(await again.kvGet('p', 's', 'k4')).toBeUndefined();
    const bin = await again.kvGet('p', 's2', new Uint8Array([0, 255, 1]));
    expect(bin && Array.from(bin.value)).toEqual([9, 9]);

    // New commits continue the sequence.
    const next = await again.kvSet('p', 's', 'after', 'reopen');
    expect(next.commitSeq).toBe(head + 1);
    expect(await again.listProjects()).toEqual(['empty', 'p']);
  });

  it('replays WAL written after the last checkpoint on top of it', async () => {
    const config = { ...OS_MODE, checkpointOnClose: false };
    const { db, dir } = await engine.fresh(config);
    await populate(db);
    const ckpt = await db.checkpointNow();
    expect(ckpt).toBeDefined();
    await db.kvSet('p', 's', 'late', 'write');
    await db.commit({
      type: 'insert',
      projectId: 'p',
      scopeId: 's',
      tableName: 'users',
      row: { id: 1000, name: 'late' },
    });
    const before = dumpState(db);
    await db.close();
    const again = await engine.open(dir, config);
    expect(again.recoveryReport.checkpoint?.seq).toBe(ckpt?.seq);
    expect(again.recoveryReport.framesReplayed).toBe(2);
    expect(dumpState(again)).toEqual(before);
    expect(await again.snapshotProbe('atCheckpoint')).toBe(ckpt?.seq);
  });

  it('survives several reopen cycles with writes in between', async () => {
    const dir = engine.dir();
    let db = await engine.open(dir);
    await createUsers(db);
    for (let cycle = 0; cycle < 4; cycle++) {
      await db.commit({
        type: 'insert',
        projectId: 'p',
        scopeId: 's',
        tableName: 'users',
        row: { id: cycle, name: `c${cycle}` },
      });
      await db.kvSet('p', 's', 'cycle', String(cycle));
      db = await engine.reopen(
        db,
        cycle % 2 === 0 ? OS_MODE : { ...OS_MODE, checkpointOnClose: false },
      );
    }
    const rows = (await db.query('p', 's', Query.select('id', 'name').from('users'))).rows;
    expect(rows).toEqual([0, 1, 2, 3].map((i) => ({ id: i, name: `c${i}` })));
    const entry = await db.kvGet('p', 's', 'cycle');
    expect(entry && str(entry.value)).toBe('3');
  });
});

describe('recoveryReport', () => {
  it('reports and cuts a torn tail, keeping every complete commit', async () => {
    const { db, dir } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await populate(db);
    const before = dumpState(db);
    await db.close();
    const walDir = path.join(dir, 'wal');
    const last =
      fs
        .readdirSync(walDir)
        .filter((f) => f.endsWith('.wal'))
        .sort()
        .pop() ?? '';
    const file = path.join(walDir, last);
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));

    const again = await engine.open(dir, NO_CHECKPOINT_ON_CLOSE);
    const r = again.recoveryReport;
    expect(r.tornTail).toMatchObject({ file, offset: size, bytes: 7 });
    expect(r.recoveredSeq).toBe(before.seq);
    expect(r.framesReplayed).toBe(before.seq);
    expect(r.quarantined).toHaveLength(1);
    expect(dumpState(again)).toEqual(before);
    expect(fs.statSync(file).size).toBe(size);
    // The log continues cleanly after the cut.
    await again.kvSet('p', 's', 'after', 'cut');
    await again.close();
    const third = await engine.open(dir);
    expect(third.recoveryReport.tornTail).toBeUndefined();
    expect(str((await third.kvGet('p', 's', 'after'))?.value ?? new Uint8Array())).toBe('cut');
  });
});

describe('close', () => {
  it('is idempotent: concurrent and repeated calls resolve', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const a = db.close();
    const b = db.close();
    await Promise.all([a, b]);
    await db.close();
    expect(db.closed).toBe(true);
  });

  it('drains commits queued before close and makes them durable', async () => {
    // The batch timer never fires during the test: only close() can make these commits durable.
    const { db, dir } = await engine.fresh({ durabilityMode: 'batch', batchIntervalMs: 60_000 });
    await db.ddl({ type: 'createProject', projectId: 'p' }, { finality: 'visible' });
    await db.ddl({ type: 'createScope', projectId: 'p', scopeId: 's' }, { finality: 'visible' });
    const pending = [];
    for (let i = 0; i < 25; i++) pending.push(db.kvSet('p', 's', `q${i}`, utf8(String(i))));
    const closing = db.close();
    const results = await Promise.all(pending);
    await closing;
    const seqs = results.map((r) => r.commitSeq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    for (const r of results) expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    const again = await engine.open(dir);
    const page = await again.kvScanPrefix('p', 's', 'q', { limit: 100 });
    expect(page.entries).toHaveLength(25);
  });

  it('completes the event streams', async () => {
    const { db } = await engine.fresh();
    const done: string[] = [];
    db.commits$.subscribe({ complete: () => done.push('commits$') });
    db.durable$.subscribe({ complete: () => done.push('durable$') });
    db.checkpoints$.subscribe({ complete: () => done.push('checkpoints$') });
    db.errors$.subscribe({ complete: () => done.push('errors$') });
    await db.close();
    expect(done.sort()).toEqual(['checkpoints$', 'commits$', 'durable$', 'errors$']);
  });

  it('makes every later call fail with CLOSED', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.kvSet('p', 's', 'k', 'v');
    await db.close();
    expect(db.closed).toBe(true);

    const t = { projectId: 'p', scopeId: 's', tableName: 'users' };
    const q = Query.select('*').from('users');
    const rejecting: [string, () => Promise<unknown>][] = [
      [
        'commit',
        () => db.commit({ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'a', value: 'b' }),
      ],
      [
        'commitMany',
        () => db.commitMany([{ type: 'kvDel', projectId: 'p', scopeId: 's', key: 'a' }]),
      ],
      ['ddl', () => db.ddl({ type: 'createProject', projectId: 'x' })],
      ['createProject', () => db.createProject('x')],
      ['dropProject', () => db.dropProject('p')],
      ['createScope', () => db.createScope('p', 'x')],
      ['dropScope', () => db.dropScope('p', 's')],
      [
        'createTable',
        () =>
          db.createTable({
            projectId: 'p',
            scopeId: 's',
            tableName: 't2',
            columns: [{ name: 'id', type: 'integer' }],
            primaryKey: ['id'],
          }),
      ],
      [
        'alterTable',
        () =>
          db.alterTable({
            ...t,
            alteration: { type: 'addColumn', column: { name: 'z', type: 'text', nullable: true } },
          }),
      ],
      ['dropTable', () => db.dropTable(t)],
      ['createIndex', () => db.createIndex({ ...t, indexName: 'i', columns: ['name'] })],
      ['dropIndex', () => db.dropIndex({ ...t, indexName: 'i' })],
      ['kvSet', () => db.kvSet('p', 's', 'k', 'v')],
      ['kvDel', () => db.kvDel('p', 's', 'k')],
      ['kvGet', () => db.kvGet('p', 's', 'k')],
      ['kvScanPrefix', () => db.kvScanPrefix('p', 's', 'k')],
      ['kvScanRange', () => db.kvScanRange('p', 's', {})],
      ['query', () => db.query('p', 's', q)],
      ['queryWithOptions', () => db.queryWithOptions('p', 's', q, { consistency: 'atCheckpoint' })],
      ['snapshotProbe', () => db.snapshotProbe()],
      ['listProjects', () => db.listProjects()],
      ['listScopes', () => db.listScopes('p')],
      ['listTables', () => db.listTables('p', 's')],
      ['describeTable', () => db.describeTable('p', 's', 'users')],
      ['projectExists', () => db.projectExists('p')],
      ['scopeExists', () => db.scopeExists('p', 's')],
      ['tableExists', () => db.tableExists('p', 's', 'users')],
      ['waitForDurable', () => db.waitForDurable(1)],
      ['forceFsync', () => db.forceFsync()],
      ['checkpointNow', () => db.checkpointNow()],
    ];
    for (const [name, call] of rejecting) {
      let result: Promise<unknown>;
      try {
        result = call();
      } catch (err) {
        throw new Error(`${name} threw synchronously instead of rejecting: ${String(err)}`);
      }
      await expectRejects(result, ClosedError, 'CLOSED', 'closed');
    }
    expectThrows(() => db.snapshot(), ClosedError, 'CLOSED', 'closed');
    expectThrows(() => db.headState(), ClosedError, 'CLOSED', 'closed');
  });

  it('makes operationalMetrics() fail with CLOSED too (close() documents "every call")', async () => {
    const { db } = await engine.fresh();
    await db.close();
    expectThrows(() => db.operationalMetrics(), ClosedError, 'CLOSED', 'closed');
  });

  it('rejects calls made while close() is still running', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const closing = db.close();
    expect(db.closed).toBe(false);
    await expectRejects(db.kvSet('p', 's', 'k', 'v'), ClosedError, 'CLOSED');
    await expectRejects(db.kvGet('p', 's', 'k'), ClosedError, 'CLOSED');
    expectThrows(() => db.snapshot(), ClosedError, 'CLOSED');
    await closing;
  });

  it('releases the directory: the same process can open it again', async () => {
    const { db, dir } = await engine.fresh();
    await db.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    const again = await engine.open(dir);
    expect(again.closed).toBe(false);
  });
});

describe('WAL segment rotation', () => {
  it.each<AedbConfigInput>([
    { durabilityMode: 'os', maxSegmentBytes: 1024, checkpointOnClose: false },
    { durabilityMode: 'full', maxSegmentBytes: 1024, checkpointOnClose: false },
    {
      durabilityMode: 'batch',
      batchIntervalMs: 1,
      maxSegmentBytes: 1024,
      checkpointOnClose: false,
    },
  ])('keeps every commit across many small segments ($durabilityMode)', async (config) => {
    const { db, dir } = await engine.fresh(config);
    await createUsers(db);
    const pending = [];
    for (let i = 0; i < 300; i++) {
      pending.push(
        db.commit({
          type: 'insert',
          projectId: 'p',
          scopeId: 's',
          tableName: 'users',
          row: { id: i, name: `user-${i}-${'x'.repeat(i % 40)}` },
        }),
      );
      if (i % 50 === 49) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    for (let i = 0; i < 30; i++) await db.kvSet('p', 's', `k${i}`, 'y'.repeat(100));
    const segments = fs.readdirSync(path.join(dir, 'wal')).filter((f) => f.endsWith('.wal'));
    expect(segments.length).toBeGreaterThan(5);
    const before = dumpState(db);
    await db.close();

    const replayed = await engine.open(dir, config);
    expect(replayed.recoveryReport.framesReplayed).toBe(before.seq);
    expect(dumpState(replayed)).toEqual(before);
    // Checkpoint, drop covered segments, write more, and recover again.
    await replayed.checkpointNow();
    for (let i = 0; i < 20; i++) await replayed.kvSet('p', 's', `after${i}`, 'z'.repeat(100));
    const later = dumpState(replayed);
    await replayed.close();
    const again = await engine.open(dir, config);
    expect(again.recoveryReport.checkpoint?.seq).toBe(before.seq);
    expect(again.recoveryReport.framesReplayed).toBe(20);
    expect(dumpState(again)).toEqual(later);
  });
});
