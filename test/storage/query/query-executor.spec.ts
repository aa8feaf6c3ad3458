import { Expr } from '../../../src/storage/query/expr';
import { Query } from '../../../src/storage/query/query';
import {
  executeQuery,
  executeQueryCapturing,
  explainQuery,
  type QueryResult,
} from '../../../src/storage/query/query-executor';
import { buildSource, makeTable, normalizeRows, refQuery } from './query-fixtures';
import { eventRows, events, eventsSource, userRows, users, usersSource } from './users-fixture';

const all = Query.select('*').from('users');
const ids = (res: QueryResult): unknown[] => res.rows.map((r) => r.id);
const run = (q: Query): QueryResult => executeQuery(usersSource, q);
const where = (e: Expr): unknown[] => ids(run(all.where(e).orderBy('id')));
const usersByPk = normalizeRows(users, userRows);

describe('executeQuery: operators', () => {
  it('compares with eq, ne, lt, lte, gt, gte', () => {
    expect(where(Expr.eq('username', 'bob'))).toEqual([2]);
    expect(where(Expr.ne('age', 30))).toEqual([-3, 3, 5, 7, 8]);
    expect(where(Expr.lt('age', 25))).toEqual([-3, 8]);
    expect(where(Expr.lte('age', 25))).toEqual([-3, 3, 8]);
    expect(where(Expr.gt('age', 30))).toEqual([5, 7]);
    expect(where(Expr.gte('age', 30))).toEqual([1, 4, 5, 7]);
  });

  it('supports in and between (inclusive)', () => {
    expect(where(Expr.in('age', [30, 41, 99]))).toEqual([1, 4, 5]);
    expect(where(Expr.in('age', []))).toEqual([]);
    expect(where(Expr.between('age', 19, 30))).toEqual([-3, 1, 3, 4]);
    expect(where(Expr.between('age', 31, 30))).toEqual([]);
  });

  it('tests for NULL with isNull and isNotNull', () => {
    expect(where(Expr.isNull('age'))).toEqual([2, 6]);
    expect(where(Expr.isNotNull('email'))).toEqual([1, 3, 4, 6, 7, 8]);
    expect(where(Expr.isNull('id'))).toEqual([]);
  });

  it('matches like with %, _ and escapes, by code point', () => {
    expect(where(Expr.like('email', '%@x.com'))).toEqual([1, 4, 6, 8]);
    expect(where(Expr.like('username', '_ve'))).toEqual([5]);
    expect(where(Expr.like('username', '_smile'))).toEqual([6]); // the emoji is one character
    expect(where(Expr.like('username', 'a\\_b\\%c'))).toEqual([8]);
    expect(where(Expr.like('username', 'a_b%'))).toEqual([8]);
    expect(where(Expr.like('username', '%'))).toHaveLength(9);
    expect(where(Expr.like('username', 'ALICE'))).toEqual([]); // case-sensitive
  });

  it('combines with and, or, not', () => {
    expect(where(Expr.and(Expr.gte('age', 25), Expr.like('email', '%x.com')))).toEqual([1, 4]);
    expect(where(Expr.or(Expr.eq('id', 2), Expr.eq('username', 'dave')))).toEqual([2, 4]);
    expect(where(Expr.not(Expr.eq('active', true)))).toEqual([-3, 2, 4, 7]);
    expect(where(Expr.and())).toHaveLength(9);
    expect(where(Expr.or())).toEqual([]);
  });
});

describe('executeQuery: NULL semantics (three-valued logic)', () => {
  it('a comparison with a NULL column or literal is never TRUE', () => {
    expect(where(Expr.eq('age', null))).toEqual([]);
    expect(where(Expr.ne('age', null))).toEqual([]);
    expect(where(Expr.lt('age', null))).toEqual([]);
    expect(where(Expr.between('age', null, 100))).toEqual([]);
    // Rows 2 and 6 have a NULL age: neither `age = 30` nor its negation holds for them.
    expect(where(Expr.eq('age', 30))).toEqual([1, 4]);
    expect(where(Expr.not(Expr.eq('age', 30)))).toEqual([-3, 3, 5, 7, 8]);
    expect(where(Expr.like('email', '%'))).toEqual([1, 3, 4, 6, 7, 8]);
  });

  it('in with a NULL in the list is TRUE on a match, else UNKNOWN', () => {
    expect(where(Expr.in('age', [30, null]))).toEqual([1, 4]);
    expect(where(Expr.not(Expr.in('age', [30, null])))).toEqual([]);
    expect(where(Expr.not(Expr.in('age', [30])))).toEqual([-3, 3, 5, 7, 8]);
  });

  it('and / or follow Kleene logic', () => {
    // FALSE and UNKNOWN = FALSE, so its negation is TRUE.
    expect(where(Expr.not(Expr.and(Expr.eq('id', 999), Expr.eq('age', null))))).toHaveLength(9);
    // TRUE or UNKNOWN = TRUE.
    expect(where(Expr.or(Expr.eq('id', 2), Expr.eq('age', null)))).toEqual([2]);
    // not(FALSE or UNKNOWN) = UNKNOWN: nothing.
    expect(where(Expr.not(Expr.or(Expr.eq('id', 999), Expr.eq('age', null))))).toEqual([]);
  });

  it('NULL literals are accepted on non-nullable columns (and select nothing)', () => {
    expect(where(Expr.eq('id', null))).toEqual([]);
    expect(where(Expr.in('id', [null]))).toEqual([]);
  });
});

describe('executeQuery: column types and cross-numeric literals', () => {
  it('normalizes literals to the column type', () => {
    expect(where(Expr.eq('balance', 100))).toEqual([1, 5]); // number on u64
    expect(where(Expr.eq('id', 3n))).toEqual([3]); // bigint on integer
    expect(where(Expr.eq('age', 30n))).toEqual([1, 4]); // bigint on u8
    expect(where(Expr.gt('big', 9))).toEqual([1, 3, 5]); // number on u256
    expect(where(Expr.eq('created', new Date(1)))).toEqual([1, 5]); // Date on timestamp (1 ms)
    expect(where(Expr.lt('created', 0))).toEqual([-3, 4]);
    expect(where(Expr.eq('balance', 2n ** 64n - 1n))).toEqual([3]);
  });

  it('compares floats, booleans, blobs, json and text by their own order', () => {
    expect(where(Expr.gt('score', 1))).toEqual([1, 4, 6, 8]);
    expect(where(Expr.lt('score', -1e308))).toEqual([7]);
    expect(where(Expr.eq('score', -0))).toEqual([5]);
    expect(where(Expr.lt('active', true))).toEqual([-3, 2, 4, 7]);
    expect(where(Expr.eq('avatar', new Uint8Array([1])))).toEqual([4]);
    expect(where(Expr.lt('avatar', new Uint8Array([1])))).toEqual([3, 6]);
    expect(where(Expr.eq('meta', { a: 1 }))).toEqual([1, 5]);
    expect(where(Expr.in('meta', [[1, 2], 'text', 8]))).toEqual([3, 6, 8]);
    expect(where(Expr.ne('meta', { a: 1 }))).toEqual([3, 4, 6, 8]);
    // Code point order: U+FFFF sorts before an astral character (UTF-16 `<` says otherwise).
    expect(where(Expr.gt('username', '\uFFFF'))).toEqual([6, 7]);
    expect(where(Expr.lt('username', '\u{1F600}'))).not.toContain(6);
    expect(where(Expr.lt('username', '\u{1F600}'))).toContain(7);
  });

  it('a literal that cannot fit its column is a ValidationError naming the column', () => {
    const cases: [Expr, string][] = [
      [Expr.eq('age', 300), 'age'],
      [Expr.eq('id', 'x'), 'id'],
      [Expr.eq('balance', -1), 'balance'],
      [Expr.lt('id', 1.5), 'id'],
      [Expr.in('score', [1, 'two']), 'score'],
      [Expr.between('created', 0, 'later'), 'created'],
      [Expr.eq('avatar', 'bytes'), 'avatar'],
      [Expr.eq('active', 1), 'active'],
    ];
    for (const [expr, column] of cases) {
      let err: unknown;
      try {
        run(all.where(expr));
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ name: 'ValidationError', code: 'VALIDATION' });
      expect((err as Error).message).toMatch(new RegExp(`column '${column}'`));
    }
  });
});

describe('executeQuery: order, offset, limit, projection', () => {
  it('orders asc and desc with NULLs first in asc and last in desc', () => {
    const asc = run(Query.select('id', 'age').from('users').orderBy('age'));
    expect(asc.rows.map((r) => r.age)).toEqual([null, null, 0, 19, 25, 30, 30, 41, 255]);
    expect(ids(asc).slice(0, 2)).toEqual([2, 6]);
    const desc = run(Query.select('id', 'age').from('users').orderBy('age', 'desc'));
    expect(desc.rows.map((r) => r.age)).toEqual([255, 41, 30, 30, 25, 19, 0, null, null]);
    // Ties (age 30, and NULL) go by primary key, descending like the last order key.
    expect(ids(desc)).toEqual([7, 5, 4, 1, 3, -3, 8, 6, 2]);
    expect(ids(desc)).toEqual([...ids(asc)].reverse());
  });

  it('orders by several keys, then offset and limit', () => {
    const q = Query.select('id').from('users').orderBy('active', 'desc').orderBy('balance', 'asc');
    const expected = refQuery(users, usersByPk, q).map((r) => r.id);
    expect(ids(run(q))).toEqual(expected);
    expect(ids(run(q.offset(2).limit(3)))).toEqual(expected.slice(2, 5));
    expect(ids(run(q.offset(8).limit(3)))).toEqual(expected.slice(8));
    expect(ids(run(q.offset(20)))).toEqual([]);
    expect(ids(run(q.limit(0)))).toEqual([]);
  });

  it('orders by blob, text and timestamp', () => {
    for (const column of ['avatar', 'username', 'created', 'score', 'big']) {
      for (const dir of ['asc', 'desc'] as const) {
        const q = Query.select('id', column).from('users').orderBy(column, dir);
        expect(run(q).rows).toEqual(refQuery(users, usersByPk, q));
      }
    }
  });

  it('projects the selected columns in select order, or all with *', () => {
    const res = run(Query.select('email', 'id').from('users').where(Expr.eq('id', 1)));
    expect(res.rows).toEqual([{ email: 'alice@x.com', id: 1 }]);
    expect(Object.keys(res.rows[0])).toEqual(['email', 'id']);
    const star = run(all.where(Expr.eq('id', 3)));
    expect(Object.keys(star.rows[0])).toEqual(users.columns.map((c) => c.name));
    expect(star.rows[0].balance).toBe(2n ** 64n - 1n);
    expect(star.rows[0].avatar).toEqual(new Uint8Array([0]));
    expect(star.rows[0].meta).toEqual([1, 2]);
  });

  it('returns snapshotSeq, rowsExamined and the plan', () => {
    const res = run(all.where(Expr.eq('id', 4)));
    expect(res.snapshotSeq).toBe(42);
    expect(res.rowsExamined).toBe(1);
    expect(res.plan.kind).toBe('pkPoint');
    expect(run(all).rowsExamined).toBe(9);
  });
});

describe('planner: plan kinds', () => {
  const explain = (q: Query) => explainQuery(usersSource, q);

  it('pkPoint for equality on the whole primary key', () => {
    expect(explain(all.where(Expr.eq('id', 1)))).toMatchObject({
      kind: 'pkPoint',
      equalityColumns: ['id'],
      lookups: 1,
    });
    const inPlan = explain(all.where(Expr.and(Expr.in('id', [5, 1, 5, 99]), Expr.gt('age', 0))));
    expect(inPlan).toMatchObject({ kind: 'pkPoint', lookups: 3, sort: false, filter: true });
    const res = run(all.where(Expr.in('id', [5, 1, 99])).orderBy('id', 'desc'));
    expect(ids(res)).toEqual([5, 1]);
    expect(res.plan).toMatchObject({ kind: 'pkPoint', reverse: true, sort: false });
  });

  it('pkRange for a range on the primary key, in key order with early stop', () => {
    const q = all.where(Expr.gt('id', 2)).orderBy('id', 'desc').limit(2);
    const res = run(q);
    expect(ids(res)).toEqual([8, 7]);
    expect(res.plan).toMatchObject({
      kind: 'pkRange',
      rangeColumn: 'id',
      reverse: true,
      sort: false,
      stopAfter: 2,
    });
    expect(res.rowsExamined).toBe(2);
    expect(explain(all.where(Expr.between('id', 1, 3)))).toMatchObject({ kind: 'pkRange' });
  });

  it('indexEq and indexRange on secondary indexes, rows fetched by primary key', () => {
    const eq = run(all.where(Expr.eq('age', 30)));
    expect(eq.plan).toMatchObject({
      kind: 'indexEq',
      index: 'by_age',
      equalityColumns: ['age'],
      sort: false,
    });
    expect(ids(eq)).toEqual([1, 4]);
    expect(eq.rowsExamined).toBe(2);
    const nulls = run(all.where(Expr.isNull('age')));
    expect(nulls.plan).toMatchObject({ kind: 'indexEq', index: 'by_age' });
    expect(ids(nulls)).toEqual([2, 6]);
    const range = run(all.where(Expr.gte('created', 1000n)).orderBy('created'));
    expect(range.plan).toMatchObject({
      kind: 'indexRange',
      index: 'by_created',
      rangeColumn: 'created',
      sort: false,
    });
    expect(ids(range)).toEqual([1, 5, 2, 3, 6, 7, 8]);
    const like = run(all.where(Expr.like('email', 'd%')));
    expect(like.plan).toMatchObject({ kind: 'indexRange', index: 'by_email' });
    expect(ids(like)).toEqual([4]);
    expect(like.rowsExamined).toBe(1);
  });

  it('uses an index order for orderBy + limit with no predicate', () => {
    const res = run(all.orderBy('created', 'desc').limit(3));
    expect(res.plan).toMatchObject({
      kind: 'indexRange',
      index: 'by_created',
      reverse: true,
      sort: false,
      stopAfter: 3,
    });
    expect(ids(res)).toEqual([8, 7, 6]);
    expect(res.rowsExamined).toBe(3);
    // Without a limit, sorting a full scan is cheaper than fetching every row through the index.
    expect(explain(all.orderBy('created', 'desc'))).toMatchObject({ kind: 'fullScan', sort: true });
  });

  it('fullScan with a residual filter otherwise', () => {
    const res = run(all.where(Expr.or(Expr.eq('id', 1), Expr.eq('age', 41))));
    expect(res.plan).toMatchObject({ kind: 'fullScan', lookups: 1, filter: true, sort: false });
    expect(ids(res)).toEqual([1, 5]);
    expect(res.rowsExamined).toBe(9);
    expect(explain(all.limit(2))).toMatchObject({ kind: 'fullScan', stopAfter: 2, filter: false });
    expect(explain(all.orderBy('id', 'desc'))).toMatchObject({
      kind: 'fullScan',
      reverse: true,
      sort: false,
    });
  });

  it('prefers pkPoint over an index, and an index with more equality columns', () => {
    expect(explain(all.where(Expr.and(Expr.eq('age', 30), Expr.eq('id', 1))))).toMatchObject({
      kind: 'pkPoint',
    });
    expect(explain(all.where(Expr.and(Expr.gt('id', 0), Expr.eq('age', 30))))).toMatchObject({
      kind: 'indexEq',
    });
  });
});

describe('planner: composite primary key', () => {
  const ev = Query.select('region', 'n', 'kind').from('events');
  const byPk = normalizeRows(events, eventRows);
  const check = (q: Query) => {
    const res = executeQuery(eventsSource, q);
    expect(res.rows).toEqual(refQuery(events, byPk, q));
    return res;
  };

  it('pkPoint on both columns, pkRange on the leading one', () => {
    expect(check(ev.where(Expr.and(Expr.eq('region', 'eu'), Expr.eq('n', 3)))).plan.kind).toBe(
      'pkPoint',
    );
    const prefix = check(ev.where(Expr.eq('region', 'eu')));
    expect(prefix.plan).toMatchObject({ kind: 'pkRange', equalityColumns: ['region'] });
    expect(prefix.rows).toHaveLength(8);
    expect(prefix.rowsExamined).toBe(8);
    const both = check(
      ev.where(Expr.and(Expr.eq('region', 'us'), Expr.gte('n', 0), Expr.lt('n', 4))),
    );
    expect(both.plan).toMatchObject({
      kind: 'pkRange',
      equalityColumns: ['region'],
      rangeColumn: 'n',
    });
    expect(both.rowsExamined).toBe(4);
  });

  it('serves orderBy on the second key column after an equality on the first', () => {
    const res = check(ev.where(Expr.eq('region', 'eu')).orderBy('n', 'desc').limit(3));
    expect(res.plan).toMatchObject({ kind: 'pkRange', reverse: true, sort: false, stopAfter: 3 });
    expect(res.rows.map((r) => r.n)).toEqual([5, 4, 3]);
    expect(res.rowsExamined).toBe(3);
    // The leading column is not constant here: a sort is needed.
    expect(check(ev.where(Expr.in('region', ['eu', 'us'])).orderBy('n')).plan.sort).toBe(true);
  });

  it('like with a literal prefix scans a key range (eu, eu-west, not us)', () => {
    const res = check(ev.where(Expr.like('region', 'eu%')));
    expect(res.plan).toMatchObject({ kind: 'pkRange', rangeColumn: 'region' });
    expect(res.rowsExamined).toBe(16);
    expect(check(ev.where(Expr.like('region', 'eu-w_st'))).rows).toHaveLength(8);
  });

  it('index on (kind, amount) with NULL kinds', () => {
    const res = check(ev.where(Expr.and(Expr.eq('kind', 'buy'), Expr.gt('amount', 0))));
    expect(res.plan).toMatchObject({
      kind: 'indexRange',
      index: 'by_kind',
      equalityColumns: ['kind'],
      rangeColumn: 'amount',
    });
    const nulls = check(ev.where(Expr.isNull('kind')).orderBy('amount', 'desc'));
    expect(nulls.plan).toMatchObject({
      kind: 'indexEq',
      index: 'by_kind',
      reverse: true,
      sort: false,
    });
    expect(nulls.rows).toHaveLength(10);
  });
});

describe('planner: u64 primary key and large in lists', () => {
  const ledger = makeTable(
    'ledger',
    [
      { name: 'id', type: 'u64' },
      { name: 'v', type: 'integer' },
    ],
    ['id'],
  );
  const src = buildSource(
    ledger,
    Array.from({ length: 50 }, (_, i) => ({ id: BigInt(i) * 2n, v: i })),
  );
  const q = Query.select('v').from('ledger');

  it('number literals on a u64 key become key points and ranges', () => {
    const point = executeQuery(src, q.where(Expr.eq('id', 4)));
    expect(point.plan.kind).toBe('pkPoint');
    expect(point.rows).toEqual([{ v: 2 }]);
    const range = executeQuery(src, q.where(Expr.between('id', 10, 2n ** 64n - 1n)).limit(2));
    expect(range.plan).toMatchObject({ kind: 'pkRange', stopAfter: 2 });
    expect(range.rows).toEqual([{ v: 5 }, { v: 6 }]);
    expect(range.rowsExamined).toBe(2);
  });

  it('caps the key combinations of in lists at 10,000', () => {
    const many = Array.from({ length: 3000 }, (_, i) => i);
    const big = executeQuery(
      eventsSource,
      Query.select('n')
        .from('events')
        .where(Expr.and(Expr.in('region', ['eu', 'us', 'ap', 'x']), Expr.in('n', many))),
    );
    expect(big.plan).toMatchObject({ kind: 'pkRange', equalityColumns: ['region'], lookups: 4 });
    expect(big.rows).toHaveLength(3 * 6);
    const small = explainQuery(
      eventsSource,
      Query.select('n')
        .from('events')
        .where(Expr.and(Expr.in('region', ['eu', 'us']), Expr.in('n', many))),
    );
    expect(small).toMatchObject({ kind: 'pkPoint', lookups: 6000 });
  });
});

describe('executeQueryCapturing: reads', () => {
  it('records point gets, hits and misses', () => {
    const { reads, rows } = executeQueryCapturing(usersSource, all.where(Expr.in('id', [1, 99])));
    expect(rows).toHaveLength(1);
    expect(reads).toHaveLength(2);
    expect(reads.every((r) => r.map === 'rows' && 'point' in r)).toBe(true);
  });

  it('records the part of a range read before an early stop', () => {
    const { reads } = executeQueryCapturing(usersSource, all.where(Expr.gt('id', 2)).limit(2));
    expect(reads).toHaveLength(1);
    const [r] = reads;
    expect('point' in r).toBe(false);
    const range = r as { lo?: string; hi?: string };
    const key4 = usersSource.rows.get(range.hi!.slice(0, -1)); // hi = successor of the last key
    expect(key4).toBeDefined();
    expect(range.lo! < range.hi!).toBe(true);
  });

  it('records index ranges and the rows they led to', () => {
    const { reads } = executeQueryCapturing(usersSource, all.where(Expr.eq('age', 30)));
    expect(reads.filter((r) => typeof r.map === 'object')).toEqual([
      expect.objectContaining({ map: { index: 'by_age' } }),
    ]);
    expect(reads.filter((r) => 'point' in r)).toHaveLength(2);
  });

  it('reads nothing for limit 0 or an impossible equality', () => {
    expect(executeQueryCapturing(usersSource, all.limit(0)).reads).toEqual([]);
    expect(executeQueryCapturing(usersSource, all.where(Expr.eq('id', null))).reads).toEqual([]);
  });
});

describe('validation errors', () => {
  const expectError = (fn: () => unknown, name: string, code: string, text: RegExp): void => {
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ name, code });
    expect((thrown as Error).message).toMatch(text);
  };

  it('unknown table is NotFoundError', () => {
    expectError(() => run(Query.select('*').from('nope')), 'NotFoundError', 'NOT_FOUND', /'nope'/);
  });

  it('a query without from is a ValidationError', () => {
    expectError(() => run(Query.select('*')), 'ValidationError', 'VALIDATION', /from/);
  });

  it('unknown columns in select, where and orderBy name the column', () => {
    expectError(
      () => run(Query.select('id', 'ghost').from('users')),
      'ValidationError',
      'VALIDATION',
      /'ghost'/,
    );
    expectError(
      () => run(all.where(Expr.eq('ghost', 1))),
      'ValidationError',
      'VALIDATION',
      /'ghost'/,
    );
    expectError(
      () => run(all.where(Expr.not(Expr.isNull('ghost')))),
      'ValidationError',
      'VALIDATION',
      /'ghost'/,
    );
    expectError(() => run(all.orderBy('ghost')), 'ValidationError', 'VALIDATION', /'ghost'/);
  });

  it('like on a non-text column, order on json', () => {
    expectError(
      () => run(all.where(Expr.like('age', '1%'))),
      'ValidationError',
      'VALIDATION',
      /column 'age'.*text/,
    );
    expectError(
      () => run(all.where(Expr.like('meta', '%'))),
      'ValidationError',
      'VALIDATION',
      /column 'meta'/,
    );
    expectError(
      () => run(all.orderBy('meta')),
      'ValidationError',
      'VALIDATION',
      /column 'meta'.*order/,
    );
    expectError(
      () => run(all.where(Expr.lt('meta', 1))),
      'ValidationError',
      'VALIDATION',
      /column 'meta'.*order/,
    );
    expectError(
      () => run(all.where(Expr.between('meta', 1, 2))),
      'ValidationError',
      'VALIDATION',
      /column 'meta'/,
    );
  });

  it('hand-built trees are validated too: depth and shape', () => {
    let deep: Expr = { kind: 'isNull', column: 'age' };
    for (let i = 0; i < 40; i++) deep = { kind: 'not', operand: deep };
    expectError(() => run(all.where(deep)), 'ValidationError', 'VALIDATION', /deeper than 32/);
    const bad = { kind: 'and', operands: [{ kind: 'nope' }] } as unknown as Expr;
    expectError(() => run(all.where(bad)), 'ValidationError', 'VALIDATION', /Expr/);
  });

  it('does not fail on a query whose result would be empty before validating', () => {
    expectError(
      () => run(all.where(Expr.eq('ghost', 1)).limit(0)),
      'ValidationError',
      'VALIDATION',
      /'ghost'/,
    );
  });
});

describe('compile cache', () => {
  it('a reused query object reads each source it runs against', () => {
    const q = Query.select('id').from('users').where(Expr.eq('username', 'bob'));
    const more = buildSource(
      users,
      [...userRows, { ...userRows[0], id: 100, username: 'bob' }],
      43,
    );
    expect(ids(executeQuery(usersSource, q))).toEqual([2]);
    const res = executeQuery(more, q);
    expect(ids(res)).toEqual([2, 100]);
    expect(res.snapshotSeq).toBe(43);
    expect(ids(executeQuery(usersSource, q))).toEqual([2]);
  });
});
