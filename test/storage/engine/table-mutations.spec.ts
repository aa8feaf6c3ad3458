/**
 * Row writes through the public API: insert, upsert, updateFields, delete; every column type
 * round-tripped (also through WAL replay and checkpoints); value validation errors naming the
 * column; unique indexes; composite primary keys and the three primary-key input forms; and
 * all-or-nothing `commitMany`.
 */
import {
  AlreadyExistsError,
  Expr,
  NotFoundError,
  Query,
  ValidationError,
  type AedbInstance,
  type ColumnDef,
  type Mutation,
  type PrimaryKeyInput,
  type Row,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  allRows,
  checkAcrossReopens,
  createScope,
  createUsers,
  dumpState,
  expectFailsCleanly,
  useEngine,
} from './engine-fixture';

const engine = useEngine();

const USERS = { projectId: 'p', scopeId: 's', tableName: 'users' } as const;

const insert = (row: Row, tableName = 'users'): Mutation => ({
  type: 'insert',
  projectId: 'p',
  scopeId: 's',
  tableName,
  row,
});
const upsert = (row: Row, tableName = 'users'): Mutation => ({
  type: 'upsert',
  projectId: 'p',
  scopeId: 's',
  tableName,
  row,
});
const update = (primaryKey: PrimaryKeyInput, fields: Row, tableName = 'users'): Mutation => ({
  type: 'updateFields',
  projectId: 'p',
  scopeId: 's',
  tableName,
  primaryKey,
  fields,
});
const del = (primaryKey: PrimaryKeyInput, tableName = 'users'): Mutation => ({
  type: 'delete',
  projectId: 'p',
  scopeId: 's',
  tableName,
  primaryKey,
});

describe('insert', () => {
  it('inserts rows and returns increasing commit seqs', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const a = await db.commit(insert({ id: 2, name: 'b' }));
    const b = await db.commit(insert({ id: 1, name: 'a', age: 30, email: 'a@x' }));
    expect(b.commitSeq).toBe(a.commitSeq + 1);
    expect(await allRows(db, 'users')).toEqual([
      { id: 1, name: 'a', age: 30, email: 'a@x' },
      { id: 2, name: 'b', age: null, email: null },
    ]);
  });

  it('rejects a duplicate primary key with ALREADY_EXISTS naming the table', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ id: 1, name: 'other' })),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'p.s.users',
      'primary key',
    );
    expect(await allRows(db, 'users')).toEqual([{ id: 1, name: 'a', age: null, email: null }]);
  });

  it('rejects a duplicate primary key inside one commitMany and applies none of it', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          insert({ id: 1, name: 'a' }),
          insert({ id: 2, name: 'b' }),
          insert({ id: 1, name: 'c' }),
        ]),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'p.s.users',
    );
    expect(await allRows(db, 'users')).toEqual([]);
  });

  it('rejects rows for missing projects, scopes and tables with NOT_FOUND naming them', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const row = { id: 1, name: 'a' };
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'insert', projectId: 'x', scopeId: 's', tableName: 'users', row }),
      NotFoundError,
      'NOT_FOUND',
      "project 'x'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'insert', projectId: 'p', scopeId: 'x', tableName: 'users', row }),
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.x'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'insert', projectId: 'p', scopeId: 's', tableName: 'x', row }),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.x'",
    );
  });

  it('rejects malformed mutations with VALIDATION', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () => db.commit({ type: 'replace' } as unknown as Mutation),
      ValidationError,
      'VALIDATION',
      'replace',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(null as unknown as Mutation),
      ValidationError,
      'VALIDATION',
      'mutation',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(insert([1, 'a'] as unknown as Row)),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      'plain object',
    );
    await expectFailsCleanly(
      db,
      () => db.commitMany([]),
      ValidationError,
      'VALIDATION',
      'commitMany',
    );
    await expectFailsCleanly(
      db,
      () =>
        db.commit(insert({ id: 1, name: 'a' }), {
          finality: 'eventually' as 'durable',
        }),
      ValidationError,
      'VALIDATION',
      'finality',
    );
  });
});

describe('row error messages', () => {
  it('name the primary key of the offending row (duplicate insert, missing update)', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 4242, name: 'a' }));
    // In a commitMany of many rows the key is what tells the caller which one failed.
    await expectFailsCleanly(
      db,
      () => db.commitMany([insert({ id: 1, name: 'x' }), insert({ id: 4242, name: 'b' })]),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'p.s.users',
      '4242',
    );
    await expectFailsCleanly(
      db,
      () => db.commitMany([update([4242], { age: 1 }), update([31337], { age: 2 })]),
      NotFoundError,
      'NOT_FOUND',
      'p.s.users',
      '31337',
    );
  });
});

describe('upsert', () => {
  it('inserts a new row and replaces an existing one entirely', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(upsert({ id: 1, name: 'a', age: 20, email: 'a@x' }));
    await db.commit(upsert({ id: 1, name: 'A' }));
    expect(await allRows(db, 'users')).toEqual([{ id: 1, name: 'A', age: null, email: null }]);
  });

  it('validates the whole row like insert', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(upsert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(upsert({ id: 1, age: 3 })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "column 'name'",
      'missing',
    );
  });
});

describe('updateFields', () => {
  it('changes only the given fields', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a', age: 20, email: 'a@x' }));
    await db.commit(update([1], { age: 21 }));
    await db.commit(update({ id: 1 }, { email: null }));
    // A bare value works at runtime for a one-column key (PrimaryKeyInput does not declare it).
    await db.commit(update(1, { name: 'b', age: undefined }));
    expect(await allRows(db, 'users')).toEqual([{ id: 1, name: 'b', age: 21, email: null }]);
  });

  it('accepts the primary key in fields when it does not change', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await db.commit(update([1], { id: 1, name: 'b' }));
    expect(await allRows(db, 'users')).toEqual([{ id: 1, name: 'b', age: null, email: null }]);
  });

  it('rejects a missing row with NOT_FOUND naming the table', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(update([2], { name: 'x' })),
      NotFoundError,
      'NOT_FOUND',
      'p.s.users',
    );
  });

  it('rejects a primary key change with VALIDATION naming the key column', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(update([1], { id: 2 })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      'primary key',
      'id',
    );
  });

  it('rejects unknown and ill-typed fields with VALIDATION naming the column', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(update([1], { nickname: 'x' })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'nickname'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update([1], { age: 300 })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'age'",
      '300',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update([1], { name: null })),
      ValidationError,
      'VALIDATION',
      "'name'",
      'not nullable',
    );
  });
});

describe('delete', () => {
  it('deletes a row; deleting a missing row is a no-op commit', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commitMany([insert({ id: 1, name: 'a' }), insert({ id: 2, name: 'b' })]);
    await db.commit(del([1]));
    const before = dumpState(db);
    const r = await db.commit(del({ id: 1 }));
    expect(r.commitSeq).toBe(before.seq + 1);
    expect(dumpState(db).projects).toEqual(before.projects);
    expect(await allRows(db, 'users')).toEqual([{ id: 2, name: 'b', age: null, email: null }]);
  });

  it('rejects a malformed primary key with VALIDATION naming the table', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await expectFailsCleanly(
      db,
      () => db.commit(del(['x'])),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'id'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(del([1, 2])),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      'primary key',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(del({ name: 'a' })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'name'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(del(null as unknown as PrimaryKeyInput)),
      ValidationError,
      'VALIDATION',
      'p.s.users',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(del({})),
      ValidationError,
      'VALIDATION',
      "'id'",
      'missing',
    );
  });
});

describe('column types', () => {
  const U256_MAX = (1n << 256n) - 1n;
  const I256_MIN = -(1n << 255n);
  const I256_MAX = (1n << 255n) - 1n;
  const U64_MAX = (1n << 64n) - 1n;

  const COLUMNS: ColumnDef[] = [
    { name: 'id', type: 'integer' },
    { name: 't', type: 'text', nullable: true },
    { name: 'u8', type: 'u8', nullable: true },
    { name: 'u64', type: 'u64', nullable: true },
    { name: 'i', type: 'integer', nullable: true },
    { name: 'f', type: 'float', nullable: true },
    { name: 'b', type: 'boolean', nullable: true },
    { name: 'u256', type: 'u256', nullable: true },
    { name: 'i256', type: 'i256', nullable: true },
    { name: 'blob', type: 'blob', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: true },
    { name: 'j', type: 'json', nullable: true },
  ];

  async function typesTable(db: AedbInstance): Promise<void> {
    await createScope(db);
    await db.createTable({
      projectId: 'p',
      scopeId: 's',
      tableName: 'all',
      columns: COLUMNS,
      primaryKey: ['id'],
    });
  }

  const date = new Date('2024-02-29T12:34:56.789Z');
  const inputs: Row[] = [
    {
      id: 1,
      t: 'héllo 🌍',
      u8: 255,
      u64: U64_MAX,
      i: Number.MAX_SAFE_INTEGER,
      f: 3.5,
      b: true,
      u256: U256_MAX,
      i256: I256_MIN,
      blob: new Uint8Array([0, 1, 254, 255]),
      ts: date,
      j: { a: [1, 'x', null, { deep: true }], n: -2.5, s: '' },
    },
    {
      id: 2,
      t: '',
      u8: 0,
      u64: 0,
      i: -Number.MAX_SAFE_INTEGER,
      f: -Infinity,
      b: false,
      u256: 0,
      i256: I256_MAX,
      blob: Buffer.from('buffer input'),
      ts: -1_000_000n,
      j: [],
    },
    { id: 3 },
    { id: 4, f: -0, u8: 7n, i: 12n, ts: 1_700_000_000_000_000, j: 'just a string' },
    { id: 5, i: -0, j: null, blob: new Uint8Array(0), f: Number.MIN_VALUE, i256: -1n, u256: 12 },
  ];

  const expected: Row[] = [
    {
      id: 1,
      t: 'héllo 🌍',
      u8: 255,
      u64: U64_MAX,
      i: Number.MAX_SAFE_INTEGER,
      f: 3.5,
      b: true,
      u256: U256_MAX,
      i256: I256_MIN,
      blob: new Uint8Array([0, 1, 254, 255]),
      ts: BigInt(date.getTime()) * 1000n,
      j: { a: [1, 'x', null, { deep: true }], n: -2.5, s: '' },
    },
    {
      id: 2,
      t: '',
      u8: 0,
      u64: 0n,
      i: -Number.MAX_SAFE_INTEGER,
      f: -Infinity,
      b: false,
      u256: 0n,
      i256: I256_MAX,
      blob: new Uint8Array(Buffer.from('buffer input')),
      ts: -1_000_000n,
      j: [],
    },
    {
      id: 3,
      t: null,
      u8: null,
      u64: null,
      i: null,
      f: null,
      b: null,
      u256: null,
      i256: null,
      blob: null,
      ts: null,
      j: null,
    },
    {
      id: 4,
      t: null,
      u8: 7,
      u64: null,
      i: 12,
      f: 0,
      b: null,
      u256: null,
      i256: null,
      blob: null,
      ts: 1_700_000_000_000_000n,
      j: 'just a string',
    },
    {
      id: 5,
      t: null,
      u8: null,
      u64: null,
      i: 0,
      f: Number.MIN_VALUE,
      b: null,
      u256: 12n,
      i256: -1n,
      blob: new Uint8Array(0),
      ts: null,
      j: null,
    },
  ];

  it('round-trips every type at its limits, also through WAL replay and a checkpoint', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await typesTable(db);
    await db.commitMany(inputs.map((row) => insert(row, 'all')));
    await checkAcrossReopens(engine, db, async (target) => {
      const rows = await allRows(target, 'all');
      expect(rows).toEqual(expected);
      // Representations, not just values: bigint vs number, Uint8Array, -0 normalized.
      expect(typeof rows[0].u64).toBe('bigint');
      expect(typeof rows[0].i).toBe('number');
      expect(typeof rows[0].u8).toBe('number');
      expect(typeof rows[0].ts).toBe('bigint');
      expect(rows[0].blob).toBeInstanceOf(Uint8Array);
      expect(Object.is(rows[3].f, 0)).toBe(true);
      expect(Object.is(rows[4].i, 0)).toBe(true);
      const point = await target.query(
        'p',
        's',
        Query.select('u256', 'i256').from('all').where(Expr.eq('u256', U256_MAX)),
      );
      expect(point.rows).toEqual([{ u256: U256_MAX, i256: I256_MIN }]);
    });
  });

  it('stores copies: later mutation of the caller’s blob or json does not leak in', async () => {
    const { db } = await engine.fresh();
    await typesTable(db);
    const blob = new Uint8Array([1, 2, 3]);
    const j = { list: [1, 2] };
    await db.commit(insert({ id: 1, blob, j }, 'all'));
    blob[0] = 99;
    j.list.push(3);
    const [row] = await allRows(db, 'all');
    expect(row.blob).toEqual(new Uint8Array([1, 2, 3]));
    expect(row.j).toEqual({ list: [1, 2] });
  });

  const bad: [string, Row, string[]][] = [
    ['u8 above 255', { u8: 256 }, ["'u8'", '256']],
    ['u8 negative', { u8: -1 }, ["'u8'"]],
    ['u8 fractional', { u8: 1.5 }, ["'u8'"]],
    ['u64 negative', { u64: -1n }, ["'u64'"]],
    ['u64 above 2^64-1', { u64: 1n << 64n }, ["'u64'"]],
    ['u64 unsafe number', { u64: 2 ** 60 }, ["'u64'"]],
    ['u256 above 2^256-1', { u256: 1n << 256n }, ["'u256'"]],
    ['u256 negative', { u256: -1n }, ["'u256'"]],
    ['i256 below -2^255', { i256: I256_MIN - 1n }, ["'i256'"]],
    ['i256 above 2^255-1', { i256: I256_MAX + 1n }, ["'i256'"]],
    ['integer above the safe range', { i: 2 ** 53 }, ["'i'"]],
    ['integer as a string', { i: '5' }, ["'i'"]],
    ['float NaN', { f: NaN }, ["'f'", 'NaN']],
    ['boolean as a string', { b: 'true' }, ["'b'"]],
    ['text with a lone surrogate', { t: 'a\ud800b' }, ["'t'"]],
    ['text as a number', { t: 5 }, ["'t'"]],
    ['blob as a string', { blob: 'abc' }, ["'blob'"]],
    ['blob as a Uint16Array', { blob: new Uint16Array(2) }, ["'blob'"]],
    ['timestamp invalid Date', { ts: new Date('nope') }, ["'ts'"]],
    ['timestamp above i64', { ts: 1n << 63n }, ["'ts'"]],
    ['json with a bigint', { j: { n: 1n } }, ["'j'"]],
    ['json with NaN', { j: [NaN] }, ["'j'"]],
    ['json with a Date', { j: new Date() }, ["'j'"]],
    ['an unknown column', { nope: 1 }, ["'nope'"]],
  ];

  it.each(bad)(
    'rejects %s with VALIDATION naming the table and column',
    async (_label, fields, mentions) => {
      const { db } = await engine.fresh();
      await typesTable(db);
      await db.commit(insert({ id: 1 }, 'all'));
      await expectFailsCleanly(
        db,
        () => db.commit(insert({ id: 2, ...fields }, 'all')),
        ValidationError,
        'VALIDATION',
        'p.s.all',
        ...mentions,
      );
      await expectFailsCleanly(
        db,
        () => db.commit(update([1], fields, 'all')),
        ValidationError,
        'VALIDATION',
        'p.s.all',
        ...mentions,
      );
    },
  );

  it('rejects null and missing values in non-nullable columns naming the column', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ id: 1, name: null })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'name'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ id: 1 })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      "'name'",
      'missing',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ name: 'x' })),
      ValidationError,
      'VALIDATION',
      "'id'",
    );
  });

  it('rejects rows above maxRowBytes naming the table and the limit', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'os', maxRowBytes: 1024 });
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'x'.repeat(500) }));
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ id: 2, name: 'x'.repeat(2000) })),
      ValidationError,
      'VALIDATION',
      'p.s.users',
      'maxRowBytes',
    );
  });
});

describe('unique indexes', () => {
  async function withUniqueEmail(db: AedbInstance): Promise<void> {
    await createUsers(db);
    await db.createIndex({ ...USERS, indexName: 'u_email', columns: ['email'], unique: true });
    await db.commitMany([
      insert({ id: 1, name: 'a', email: 'a@x' }),
      insert({ id: 2, name: 'b', email: 'b@x' }),
    ]);
  }

  it('rejects insert, upsert and update to a taken value with ALREADY_EXISTS naming the index', async () => {
    const { db } = await engine.fresh();
    await withUniqueEmail(db);
    for (const m of [
      insert({ id: 3, name: 'c', email: 'a@x' }),
      upsert({ id: 3, name: 'c', email: 'b@x' }),
      upsert({ id: 2, name: 'b', email: 'a@x' }),
      update([2], { email: 'a@x' }),
    ]) {
      await expectFailsCleanly(
        db,
        () => db.commit(m),
        AlreadyExistsError,
        'ALREADY_EXISTS',
        'p.s.users',
        "'u_email'",
      );
    }
  });

  it('rejects two new rows with one value in a commitMany and applies none of it', async () => {
    const { db } = await engine.fresh();
    await withUniqueEmail(db);
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          insert({ id: 3, name: 'c', email: 'c@x' }),
          update([1], { name: 'changed' }),
          insert({ id: 4, name: 'd', email: 'c@x' }),
        ]),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "'u_email'",
    );
  });

  it('allows a value freed earlier in the same commit, a swap, and rewriting the same value', async () => {
    const { db } = await engine.fresh();
    await withUniqueEmail(db);
    await db.commitMany([del([1]), insert({ id: 3, name: 'c', email: 'a@x' })]);
    await db.commitMany([
      update([2], { email: 'tmp' }),
      update([3], { email: 'b@x' }),
      update([2], { email: 'a@x' }),
    ]);
    await db.commit(upsert({ id: 2, name: 'B', email: 'a@x' }));
    await db.commit(insert({ id: 4, name: 'd', email: null }));
    await db.commit(insert({ id: 5, name: 'e', email: null }));
    expect(await allRows(db, 'users')).toEqual([
      { id: 2, name: 'B', age: null, email: 'a@x' },
      { id: 3, name: 'c', age: null, email: 'b@x' },
      { id: 4, name: 'd', age: null, email: null },
      { id: 5, name: 'e', age: null, email: null },
    ]);
    const res = await db.query(
      'p',
      's',
      Query.select('id').from('users').where(Expr.eq('email', 'b@x')),
    );
    expect(res.rows).toEqual([{ id: 3 }]);
    expect(res.plan).toMatchObject({ kind: 'indexEq', index: 'u_email' });
  });

  it('keeps enforcing after reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await withUniqueEmail(db);
    await checkAcrossReopens(engine, db, async (target) => {
      await expectFailsCleanly(
        target,
        () => target.commit(insert({ id: 9, name: 'z', email: 'b@x' })),
        AlreadyExistsError,
        'ALREADY_EXISTS',
        "'u_email'",
      );
    });
  });
});

describe('composite primary keys', () => {
  const ORDERS = { projectId: 'p', scopeId: 's', tableName: 'orders' } as const;

  async function orders(db: AedbInstance): Promise<void> {
    await createScope(db);
    await db.createTable({
      ...ORDERS,
      columns: [
        { name: 'region', type: 'text' },
        { name: 'id', type: 'u64' },
        { name: 'total', type: 'u256' },
      ],
      primaryKey: ['region', 'id'],
    });
    await db.commitMany([
      insert({ region: 'us', id: 1, total: 10 }, 'orders'),
      insert({ region: 'eu', id: 2, total: 20 }, 'orders'),
      insert({ region: 'eu', id: 1, total: 30 }, 'orders'),
      insert({ region: 'eu', id: 10, total: 40 }, 'orders'),
    ]);
  }

  it('orders rows by the key columns in order and keeps equal ids apart', async () => {
    const { db } = await engine.fresh();
    await orders(db);
    const rows = await allRows(db, 'orders');
    expect(rows.map((r) => [r.region, r.id])).toEqual([
      ['eu', 1n],
      ['eu', 2n],
      ['eu', 10n],
      ['us', 1n],
    ]);
    await expectFailsCleanly(
      db,
      () => db.commit(insert({ region: 'eu', id: 1, total: 0 }, 'orders')),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'p.s.orders',
    );
  });

  it('accepts the key as an array in key order or as an object by name', async () => {
    const { db } = await engine.fresh();
    await orders(db);
    await db.commit(update(['eu', 1], { total: 31 }, 'orders'));
    await db.commit(update({ id: 2n, region: 'eu' }, { total: 21 }, 'orders'));
    await db.commit(del(['us', 1n], 'orders'));
    await db.commit(del({ region: 'eu', id: 10 }, 'orders'));
    expect(await allRows(db, 'orders')).toEqual([
      { region: 'eu', id: 1n, total: 31n },
      { region: 'eu', id: 2n, total: 21n },
    ]);
  });

  it('rejects a bare value, a wrong arity, a missing component and a non-key name', async () => {
    const { db } = await engine.fresh();
    await orders(db);
    await expectFailsCleanly(
      db,
      () => db.commit(del('eu', 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      'primary key',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(del(['eu'], 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      'region, id',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update({ region: 'eu' }, { total: 1 }, 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      "'id'",
      'missing',
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update({ region: 'eu', id: 1, total: 5 }, { total: 1 }, 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      "'total'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update(['eu', -1], { total: 1 }, 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      "'id'",
    );
    await expectFailsCleanly(
      db,
      () => db.commit(update(['eu', 1], { region: 'us' }, 'orders')),
      ValidationError,
      'VALIDATION',
      'p.s.orders',
      'primary key',
    );
  });

  it('supports a pk point query and a pk prefix range', async () => {
    const { db } = await engine.fresh();
    await orders(db);
    const point = await db.query(
      'p',
      's',
      Query.select('total')
        .from('orders')
        .where(Expr.and(Expr.eq('region', 'eu'), Expr.eq('id', 2))),
    );
    expect(point.plan.kind).toBe('pkPoint');
    expect(point.rows).toEqual([{ total: 20n }]);
    const prefix = await db.query(
      'p',
      's',
      Query.select('id').from('orders').where(Expr.eq('region', 'eu')),
    );
    expect(prefix.plan.kind).toBe('pkRange');
    expect(prefix.rows).toEqual([{ id: 1n }, { id: 2n }, { id: 10n }]);
  });
});

describe('single-column primary keys', () => {
  it.each<[string, PrimaryKeyInput]>([
    ['an array', [5]],
    ['an object', { id: 5 }],
    ['a bare value', 5],
    ['a bigint bare value', 5n],
  ])('accepts the key as %s', async (_label, key) => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commit(insert({ id: 5, name: 'five' }));
    await db.commit(update(key, { name: 'FIVE' }));
    expect(await allRows(db, 'users')).toEqual([{ id: 5, name: 'FIVE', age: null, email: null }]);
    await db.commit(del(key));
    expect(await allRows(db, 'users')).toEqual([]);
  });

  it('supports text, blob and timestamp keys', async () => {
    const { db } = await engine.fresh();
    await createScope(db);
    for (const [name, type] of [
      ['kt', 'text'],
      ['kb', 'blob'],
      ['kts', 'timestamp'],
    ] as const) {
      await db.createTable({
        projectId: 'p',
        scopeId: 's',
        tableName: name,
        columns: [
          { name: 'k', type },
          { name: 'v', type: 'integer' },
        ],
        primaryKey: ['k'],
      });
    }
    await db.commitMany([
      insert({ k: 'b', v: 1 }, 'kt'),
      insert({ k: 'a', v: 2 }, 'kt'),
      insert({ k: new Uint8Array([2]), v: 1 }, 'kb'),
      insert({ k: new Uint8Array([1, 255]), v: 2 }, 'kb'),
      insert({ k: new Date(2000, 0, 1), v: 1 }, 'kts'),
      insert({ k: -5n, v: 2 }, 'kts'),
    ]);
    await db.commitMany([
      update(['a'], { v: 20 }, 'kt'),
      update([new Uint8Array([1, 255])], { v: 20 }, 'kb'),
      update([-5n], { v: 20 }, 'kts'),
    ]);
    expect((await allRows(db, 'kt')).map((r) => r.v)).toEqual([20, 1]);
    expect((await allRows(db, 'kb')).map((r) => r.v)).toEqual([20, 1]);
    expect((await allRows(db, 'kts')).map((r) => r.v)).toEqual([20, 1]);
  });
});

describe('commitMany atomicity', () => {
  it('leaves the first mutations unapplied when the third fails, also after reopen', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createUsers(db);
    await db.commit(insert({ id: 1, name: 'a' }));
    await db.kvSet('p', 's', 'k', 'before');
    const before = dumpState(db);
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          insert({ id: 2, name: 'b' }),
          { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'k', value: 'after' },
          update([1], { age: 1000 }),
          insert({ id: 3, name: 'c' }),
        ]),
      ValidationError,
      'VALIDATION',
      "'age'",
    );
    // The next commit takes the seq the failed one did not use.
    const next = await db.kvSet('p', 's', 'other', 'x');
    expect(next.commitSeq).toBe(before.seq + 1);
    await db.kvDel('p', 's', 'other');
    await checkAcrossReopens(engine, db, (target) => {
      expect(dumpState(target).projects).toEqual(before.projects);
    });
  });

  it('applies mutations in order: later ones see earlier ones of the same commit', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    await db.commitMany([
      insert({ id: 1, name: 'a' }),
      update([1], { age: 5 }),
      upsert({ id: 2, name: 'b' }),
      del([2]),
      insert({ id: 2, name: 'b2' }),
    ]);
    expect(await allRows(db, 'users')).toEqual([
      { id: 1, name: 'a', age: 5, email: null },
      { id: 2, name: 'b2', age: null, email: null },
    ]);
  });

  it('rejects a commit above maxMutationsPerCommit and one above maxTransactionBytes', async () => {
    const { db } = await engine.fresh({
      durabilityMode: 'os',
      maxMutationsPerCommit: 3,
      maxTransactionBytes: 2048,
    });
    await createUsers(db);
    await expectFailsCleanly(
      db,
      () => db.commitMany([1, 2, 3, 4].map((id) => insert({ id, name: 'x' }))),
      ValidationError,
      'VALIDATION',
      'maxMutationsPerCommit',
    );
    await expectFailsCleanly(
      db,
      () => db.commitMany([1, 2, 3].map((id) => insert({ id, name: 'x'.repeat(1000) }))),
      ValidationError,
      'VALIDATION',
      'maxTransactionBytes',
    );
    await db.commitMany([1, 2, 3].map((id) => insert({ id, name: 'x' })));
  });

  it('isolates failures inside one group-commit batch: only the bad commit is rejected', async () => {
    const { db } = await engine.fresh();
    await createUsers(db);
    const pending = [];
    for (let i = 1; i <= 30; i++) {
      const row = i % 7 === 0 ? { id: i, name: 'x', age: 999 } : { id: i, name: `n${i}` };
      pending.push(db.commit(insert(row)));
    }
    const results = await Promise.allSettled(pending);
    const okIds: number[] = [];
    results.forEach((r, i) => {
      if ((i + 1) % 7 === 0) expect(r.status).toBe('rejected');
      else {
        expect(r.status).toBe('fulfilled');
        okIds.push(i + 1);
      }
    });
    const seqs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.commitSeq] : []));
    // Seqs are contiguous: a rejected commit consumes none.
    expect(seqs).toEqual(seqs.map((_s, i) => seqs[0] + i));
    expect((await allRows(db, 'users')).map((r) => r.id)).toEqual(okIds);
  });
});
