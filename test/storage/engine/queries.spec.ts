/**
 * Queries through the instance (`query`, `queryWithOptions`, `snapshot().query`): results,
 * plans picked up after `createIndex` / `dropIndex`, consistency options, errors, and the same
 * results after reopen. The query engine itself has its own unit suites.
 */
import {
  Expr,
  NotFoundError,
  Query,
  ValidationError,
  type AedbInstance,
  type Row,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  checkAcrossReopens,
  createUsers,
  expectRejects,
  expectThrows,
  useEngine,
} from './engine-fixture';

const engine = useEngine();

const USERS = { projectId: 'p', scopeId: 's', tableName: 'users' } as const;
const N = 200;

function user(i: number): Row {
  return {
    id: i,
    name: `user${String(i % 20).padStart(2, '0')}`,
    age: i % 50,
    email: i % 4 === 0 ? null : `u${i}@x`,
  };
}

async function seed(db: AedbInstance): Promise<void> {
  await createUsers(db);
  const rows = [];
  for (let i = 1; i <= N; i++) rows.push({ type: 'insert' as const, ...USERS, row: user(i) });
  await db.commitMany(rows);
}

/** The reference answer computed in JS. */
function expectedIds(pred: (r: Row) => boolean): number[] {
  const ids: number[] = [];
  for (let i = 1; i <= N; i++) if (pred(user(i))) ids.push(i);
  return ids;
}

describe('db.query', () => {
  it('filters, orders, limits and projects', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const res = await db.query(
      'p',
      's',
      Query.select('id', 'name')
        .from('users')
        .where(Expr.and(Expr.gte('age', 40), Expr.isNotNull('email')))
        .orderBy('age', 'desc')
        .limit(5)
        .offset(1),
    );
    const all = expectedIds((r) => (r.age as number) >= 40 && r.email !== null)
      .map(user)
      .sort((a, b) => (b.age as number) - (a.age as number) || (b.id as number) - (a.id as number));
    expect(res.rows).toEqual(all.slice(1, 6).map((r) => ({ id: r.id, name: r.name })));
    expect(res.snapshotSeq).toBe(await db.snapshotProbe());
    expect(res.rowsExamined).toBeGreaterThan(0);
  });

  it('uses a pk point plan for primary key equality', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const res = await db.query(
      'p',
      's',
      Query.select('*')
        .from('users')
        .where(Expr.in('id', [3, 1, 999])),
    );
    expect(res.plan.kind).toBe('pkPoint');
    expect(res.rows).toEqual([user(1), user(3)]);
  });

  it('switches to an index once created and back to a scan once dropped, same results', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const q = Query.select('id').from('users').where(Expr.eq('name', 'user07'));
    const want = expectedIds((r) => r.name === 'user07').map((id) => ({ id }));
    const before = await db.query('p', 's', q);
    expect(before.plan.kind).toBe('fullScan');
    expect(before.rowsExamined).toBe(N);
    expect(before.rows).toEqual(want);

    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    const indexed = await db.query('p', 's', q);
    expect(indexed.plan).toMatchObject({ kind: 'indexEq', index: 'by_name' });
    expect(indexed.rows).toEqual(want);
    expect(indexed.rowsExamined).toBe(want.length);

    // Range over an index, served in index order.
    await db.createIndex({ ...USERS, indexName: 'by_age', columns: ['age'] });
    const range = await db.query(
      'p',
      's',
      Query.select('id', 'age')
        .from('users')
        .where(Expr.between('age', 10, 12))
        .orderBy('age')
        .limit(4),
    );
    expect(range.plan).toMatchObject({ kind: 'indexRange', index: 'by_age' });
    const rangeWant = expectedIds((r) => (r.age as number) >= 10 && (r.age as number) <= 12)
      .map(user)
      .sort((a, b) => (a.age as number) - (b.age as number) || (a.id as number) - (b.id as number))
      .slice(0, 4)
      .map((r) => ({ id: r.id, age: r.age }));
    expect(range.rows).toEqual(rangeWant);

    await db.dropIndex({ ...USERS, indexName: 'by_name' });
    const after = await db.query('p', 's', q);
    expect(after.plan.kind).toBe('fullScan');
    expect(after.rows).toEqual(want);
  });

  it('sees index maintenance by later writes', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    await db.createIndex({ ...USERS, indexName: 'by_name', columns: ['name'] });
    await db.commitMany([
      { type: 'updateFields', ...USERS, primaryKey: [7], fields: { name: 'zed' } },
      { type: 'delete', ...USERS, primaryKey: [27] },
      { type: 'upsert', ...USERS, row: { id: 1000, name: 'zed' } },
    ]);
    const res = await db.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('name', 'zed')),
    );
    expect(res.plan.kind).toBe('indexEq');
    expect(res.rows).toEqual([{ id: 7 }, { id: 1000 }]);
    const old = await db.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('name', 'user07')),
    );
    expect(old.rows).toEqual(
      expectedIds((r) => r.name === 'user07' && r.id !== 7 && r.id !== 27).map((id) => ({ id })),
    );
  });

  it('returns the same results and plans after reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await seed(db);
    await db.createIndex({ ...USERS, indexName: 'by_name_age', columns: ['name', 'age'] });
    const queries = [
      Query.select('*').from('users').where(Expr.eq('name', 'user03')).orderBy('age', 'desc'),
      Query.select('id').from('users').where(Expr.like('email', 'u1%')).limit(7),
      Query.select('name', 'id')
        .from('users')
        .where(Expr.or(Expr.lt('id', 3), Expr.gt('id', 198))),
      Query.select('id').from('users').where(Expr.isNull('email')).orderBy('id', 'desc').limit(3),
    ];
    const expected = await Promise.all(queries.map((q) => db.query('p', 's', q)));
    await checkAcrossReopens(engine, db, async (target) => {
      for (let i = 0; i < queries.length; i++) {
        const res = await target.query('p', 's', queries[i]);
        expect(res.rows).toEqual(expected[i].rows);
        expect(res.plan).toEqual(expected[i].plan);
      }
    });
  });

  it('rejects bad queries with typed errors naming the object', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    await expectRejects(
      db.query('p', 's', Query.select('*').from('nope')),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.nope'",
    );
    await expectRejects(
      db.query('p', 'nope', Query.select('*').from('users')),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.nope'",
    );
    await expectRejects(
      db.query('nope', 's', Query.select('*').from('users')),
      NotFoundError,
      'NOT_FOUND',
      "project 'nope'",
    );
    await expectRejects(
      db.query('p', 's', Query.select('*')),
      ValidationError,
      'VALIDATION',
      'from',
    );
    await expectRejects(
      db.query('p', 's', Query.select('ghost').from('users')),
      ValidationError,
      'VALIDATION',
      'ghost',
    );
    await expectRejects(
      db.query('p', 's', Query.select('*').from('users').where(Expr.eq('ghost', 1))),
      ValidationError,
      'VALIDATION',
      'ghost',
    );
    await expectRejects(
      db.query('p', 's', Query.select('*').from('users').where(Expr.eq('age', 'old'))),
      ValidationError,
      'VALIDATION',
      'age',
    );
    await expectRejects(
      db.query('_system', 's', Query.select('*').from('users')),
      ValidationError,
      'VALIDATION',
      '_system',
    );
  });
});

describe('queryWithOptions and snapshot().query', () => {
  it('reads at atLatest, atSeq and atCheckpoint', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const q = Query.select('id').from('users').where(Expr.lte('id', 3));
    const seqBefore = await db.snapshotProbe();
    await db.checkpointNow();
    await db.commit({ type: 'delete', ...USERS, primaryKey: [2] });
    await db.commit({
      type: 'updateFields',
      ...USERS,
      primaryKey: [1],
      fields: { name: 'changed' },
    });
    const latest = await db.queryWithOptions('p', 's', q);
    expect(latest.rows).toEqual([{ id: 1 }, { id: 3 }]);
    const atSeq = await db.queryWithOptions('p', 's', q, { consistency: { atSeq: seqBefore } });
    expect(atSeq.rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(atSeq.snapshotSeq).toBe(seqBefore);
    const atCkpt = await db.queryWithOptions(
      'p',
      's',
      Query.select('name').from('users').where(Expr.eq('id', 1)),
      {
        consistency: 'atCheckpoint',
      },
    );
    expect(atCkpt.rows).toEqual([{ name: user(1).name }]);
    expect(atCkpt.snapshotSeq).toBe(seqBefore);
  });

  it('gives the same answer synchronously from a snapshot handle', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const q = Query.select('id', 'age')
      .from('users')
      .where(Expr.in('age', [1, 2]))
      .orderBy('age');
    const snap = db.snapshot();
    const sync = snap.query('p', 's', q);
    expect(sync).toEqual(await db.query('p', 's', q));
    expect(sync.snapshotSeq).toBe(snap.seq);
    expectThrows(
      () => snap.query('p', 's', Query.select('*').from('nope')),
      NotFoundError,
      'NOT_FOUND',
      'p.s.nope',
    );
  });

  it('rejects a bad consistency and bad read options with VALIDATION', async () => {
    const { db } = await engine.fresh();
    await seed(db);
    const q = Query.select('*').from('users');
    await expectRejects(
      db.queryWithOptions('p', 's', q, { consistency: 'latest' as 'atLatest' }),
      ValidationError,
      'VALIDATION',
      'consistency',
    );
    await expectRejects(
      db.queryWithOptions('p', 's', q, null as unknown as { consistency?: 'atLatest' }),
      ValidationError,
      'VALIDATION',
      'options',
    );
    await expectRejects(
      db.queryWithOptions('p', 's', q, { consistency: { atSeq: 10_000 } }),
      ValidationError,
      'VALIDATION',
      '10000',
    );
  });
});
