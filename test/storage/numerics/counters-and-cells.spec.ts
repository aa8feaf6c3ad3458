/**
 * Sharded counters (`counterAdd` + `counterRead`: shard key layout, hints, rotation, exact sums
 * under 500 concurrent adds, validation, persistence) and the table cell numerics
 * (`tableIncU256` / `tableDecU256`: boundaries, policies, NULL as zero, index maintenance,
 * validation), each failure leaving the state untouched.
 */
import {
  AlreadyExistsError,
  Expr,
  NotFoundError,
  OverflowError,
  Query,
  UnderflowError,
  ValidationError,
  decodeU64,
  encodeU64,
  type AedbErrorCode,
  type AedbInstance,
  type Mutation,
} from '../../../src/index';
import {
  COUNTER_SHARD_SEPARATOR,
  MAX_COUNTER_SHARDS,
  counterShardKey,
} from '../../../src/storage/numerics/counter-read';
import { U256_MAX, U64_MAX } from '../../../src/storage/numerics/numeric-codec';
import {
  NO_CHECKPOINT_ON_CLOSE,
  allRows,
  checkAcrossReopens,
  createScope,
  dumpState,
  expectFailsCleanly,
  expectThrows,
  kvDump,
  useEngine,
  type AedbErrorClass,
} from '../engine/engine-fixture';

const engine = useEngine();
const AT = { projectId: 'p', scopeId: 's' } as const;

async function fresh(config = {}): Promise<AedbInstance> {
  const { db } = await engine.fresh({ durabilityMode: 'os', ...config });
  await createScope(db);
  return db;
}

async function expectRollback(
  db: AedbInstance,
  failing: Mutation,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
) {
  const err = await expectFailsCleanly(
    db,
    () => db.commitMany([{ type: 'kvSet', ...AT, key: 'marker', value: 'm' }, failing]),
    cls,
    code,
    ...mentions,
  );
  expect(await db.kvGet('p', 's', 'marker')).toBeUndefined();
  return err;
}

const add = (delta: unknown, shardCount: unknown, shardHint?: unknown, key = 'hits'): Mutation =>
  ({
    type: 'counterAdd',
    ...AT,
    key,
    delta,
    shardCount,
    ...(shardHint === undefined ? {} : { shardHint }),
  }) as Mutation;

async function shard(db: AedbInstance, key: string, i: number): Promise<bigint | undefined> {
  const e = await db.kvGet('p', 's', counterShardKey(key, i));
  return e === undefined ? undefined : decodeU64(e.value);
}

describe('counterShardKey', () => {
  it('is the key, NUL, #, and the shard index as u16 big-endian', () => {
    expect(Buffer.from(counterShardKey('hits', 0)).toString('latin1')).toBe('hits\x00#\x00\x00');
    expect(Buffer.from(counterShardKey('hits', 4095)).toString('hex')).toBe(
      Buffer.from('hits').toString('hex') + '00230fff',
    );
    expect(Buffer.from(counterShardKey(new Uint8Array([0xff, 1]), 258)).toString('hex')).toBe(
      'ff0100230102',
    );
    expect(COUNTER_SHARD_SEPARATOR).toBe('\x00#');
  });

  it.each([-1, MAX_COUNTER_SHARDS, 1.5, NaN])('rejects shard %p', (i) => {
    expectThrows(() => counterShardKey('k', i), ValidationError, 'VALIDATION', 'shard must be');
  });
});

describe('counterAdd / counterRead', () => {
  it('a hint picks shard hint % shardCount; counterRead sums the shards', async () => {
    const db = await fresh();
    await db.commit(add(5, 8, 3));
    await db.commit(add(7n, 8, 11));
    await db.commit(add(encodeU64(1), 8, 0));
    expect(await shard(db, 'hits', 3)).toBe(12n);
    expect(await shard(db, 'hits', 0)).toBe(1n);
    expect(await shard(db, 'hits', 1)).toBeUndefined();
    expect(await db.counterRead('p', 's', 'hits', 8)).toBe(13n);
    expect(await db.counterRead('p', 's', 'missing', 8)).toBe(0n);
    // The counter's own key is not written; the shards are contiguous under a prefix.
    expect(await db.kvGet('p', 's', 'hits')).toBeUndefined();
    const page = await db.kvScanPrefix('p', 's', counterShardKey('hits', 0).subarray(0, 6));
    expect(page.entries).toHaveLength(2);
  });

  it('500 concurrent adds without a hint: the total is exact and the shards rotate', async () => {
    const db = await fresh();
    const pending: Promise<unknown>[] = [];
    let expected = 0n;
    for (let i = 0; i < 500; i++) {
      const delta = (i % 13) + 1;
      expected += BigInt(delta);
      pending.push(db.commit(add(delta, 16), { finality: 'visible' }));
    }
    await Promise.all(pending);
    expect(await db.counterRead('p', 's', 'hits', 16)).toBe(expected);
    let used = 0;
    let sum = 0n;
    for (let i = 0; i < 16; i++) {
      const v = await shard(db, 'hits', i);
      if (v !== undefined) {
        used++;
        sum += v;
      }
    }
    expect(sum).toBe(expected);
    expect(used).toBe(16);
    // A snapshot-consistent read at an earlier seq sees the total as of then.
    const head = db.headState().visibleHeadSeq;
    await db.commit(add(1, 16));
    expect(await db.counterRead('p', 's', 'hits', 16, { consistency: { atSeq: head } })).toBe(
      expected,
    );
    expect(await db.counterRead('p', 's', 'hits', 16)).toBe(expected + 1n);
  });

  it('a total beyond 2^64-1 is exact; one shard overflowing is rejected', async () => {
    const db = await fresh();
    await db.commit(add(U64_MAX, 2, 0));
    await db.commit(add(U64_MAX, 2, 1));
    expect(await db.counterRead('p', 's', 'hits', 2)).toBe(2n * U64_MAX);
    const err = await expectRollback(
      db,
      add(1, 2, 0),
      OverflowError,
      'OVERFLOW',
      'counterAdd on kv key "hits" in p.s',
      'shard 0',
    );
    expect(err.details).toMatchObject({ shard: 0, amount: '1' });
  });

  it('validates shardCount, shardHint, delta and the key length', async () => {
    const db = await fresh();
    for (const bad of [0, MAX_COUNTER_SHARDS + 1, 1.5, '4', undefined]) {
      await expectRollback(
        db,
        add(1, bad),
        ValidationError,
        'VALIDATION',
        'shardCount must be an integer 1..4096',
      );
    }
    await db.commit(add(1, MAX_COUNTER_SHARDS, MAX_COUNTER_SHARDS - 1));
    expect(await shard(db, 'hits', MAX_COUNTER_SHARDS - 1)).toBe(1n);
    for (const bad of [-1, 0.5, 'a']) {
      await expectRollback(db, add(1, 4, bad), ValidationError, 'VALIDATION', 'shardHint');
    }
    await expectRollback(db, add(-1, 4), ValidationError, 'VALIDATION', 'delta must be');
    const max = db.config.maxKvKeyBytes;
    await expectRollback(
      db,
      add(1, 4, 0, 'x'.repeat(max - 3)),
      ValidationError,
      'VALIDATION',
      `at most ${max - 4} bytes`,
    );
    await db.commit(add(1, 4, 0, 'x'.repeat(max - 4)));
    await expect(db.counterRead('p', 's', 'hits', 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(db.counterRead('p', 'nope', 'hits', 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a shard that does not hold 8 bytes fails both the add and the read', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', counterShardKey('hits', 1), 'junk');
    await expectRollback(db, add(1, 2, 1), ValidationError, 'VALIDATION', '4 bytes');
    await expect(db.counterRead('p', 's', 'hits', 2)).rejects.toThrow(/shard 1\) holds 4 bytes/);
  });

  it('counters survive WAL replay and checkpoints', async () => {
    const db = await fresh(NO_CHECKPOINT_ON_CLOSE);
    await Promise.all(Array.from({ length: 100 }, () => db.commit(add(3, 7))));
    await checkAcrossReopens(engine, db, async (d) => {
      expect(await d.counterRead('p', 's', 'hits', 7)).toBe(300n);
    });
  });
});

describe('tableIncU256 / tableDecU256', () => {
  const T = { ...AT, tableName: 'wallets' } as const;

  async function withWallets(config = {}): Promise<AedbInstance> {
    const db = await fresh(config);
    await db.createTable({
      ...T,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'balance', type: 'u256' },
        { name: 'bonus', type: 'u256', nullable: true },
        { name: 'name', type: 'text' },
        { name: 'small', type: 'u64' },
      ],
      primaryKey: ['id'],
    });
    await db.commitMany([
      { type: 'insert', ...T, row: { id: 1, balance: 100n, bonus: null, name: 'a', small: 1n } },
      { type: 'insert', ...T, row: { id: 2, balance: 0n, bonus: 5n, name: 'b', small: 2n } },
    ]);
    return db;
  }

  const inc = (fields: Record<string, unknown>): Mutation =>
    ({ type: 'tableIncU256', ...T, primaryKey: 1, column: 'balance', ...fields }) as Mutation;
  const dec = (fields: Record<string, unknown>): Mutation =>
    ({ type: 'tableDecU256', ...T, primaryKey: 1, column: 'balance', ...fields }) as Mutation;

  async function cell(db: AedbInstance, id: number, column = 'balance'): Promise<unknown> {
    const rows = (
      await db.query('p', 's', Query.select(column).from('wallets').where(Expr.eq('id', id)))
    ).rows;
    return rows[0]?.[column];
  }

  it('increments and decrements a cell; the row keeps its other columns', async () => {
    const db = await withWallets();
    await db.commit(inc({ amount: 50 }));
    await db.commit(dec({ amount: 30n }));
    expect(await allRows(db, 'wallets')).toEqual([
      { id: 1, balance: 120n, bonus: null, name: 'a', small: 1n },
      { id: 2, balance: 0n, bonus: 5n, name: 'b', small: 2n },
    ]);
  });

  it('NULL counts as zero', async () => {
    const db = await withWallets();
    await db.commit(inc({ column: 'bonus', amount: 7 }));
    expect(await cell(db, 1, 'bonus')).toBe(7n);
    await db.commit(dec({ primaryKey: { id: 2 }, column: 'bonus', amount: 5 }));
    expect(await cell(db, 2, 'bonus')).toBe(0n);
    await db.commitMany([
      { type: 'updateFields', ...T, primaryKey: 1, fields: { bonus: null } },
      dec({ column: 'bonus', amount: 0 }),
    ]);
    expect(await cell(db, 1, 'bonus')).toBe(0n);
  });

  it('reaches 2^256-1, rejects beyond it or saturates', async () => {
    const db = await withWallets();
    await db.commit(inc({ amount: U256_MAX - 100n }));
    expect(await cell(db, 1)).toBe(U256_MAX);
    const err = await expectRollback(
      db,
      inc({ amount: 1 }),
      OverflowError,
      'OVERFLOW',
      "table 'p.s.wallets' row (id) = (1) column 'balance'",
      'u256 maximum',
    );
    expect(err.details).toMatchObject({ column: 'balance', amount: '1' });
    await db.commit(dec({ amount: 10 }));
    await db.commit(inc({ amount: 11, onOverflow: 'saturate' }));
    expect(await cell(db, 1)).toBe(U256_MAX);
  });

  it('decrements to exactly zero, rejects below it or does nothing with noOp', async () => {
    const db = await withWallets();
    await db.commit(dec({ amount: 100 }));
    expect(await cell(db, 1)).toBe(0n);
    await expectRollback(
      db,
      dec({ amount: 1 }),
      UnderflowError,
      'UNDERFLOW',
      '0 is less than the amount 1',
    );
    const before = dumpState(db);
    const r = await db.commit(dec({ amount: 1, onUnderflow: 'noOp' }));
    expect(r.commitSeq).toBe(before.seq + 1);
    expect(dumpState(db).projects).toEqual(before.projects);
  });

  it('maintains indexes on the column', async () => {
    const db = await withWallets();
    await db.createIndex({ ...T, indexName: 'by_balance', columns: ['balance'], unique: true });
    await db.commit(inc({ primaryKey: 2, amount: 500 }));
    const q = Query.select('id').from('wallets').where(Expr.gte('balance', 200n));
    const res = await db.query('p', 's', q);
    expect(res.plan.kind).toBe('indexRange');
    expect(res.rows).toEqual([{ id: 2 }]);
    // A unique index still rejects a duplicate value produced by an increment.
    await expectRollback(
      db,
      inc({ amount: 400 }),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      'by_balance',
    );
  });

  it('validates the row, the column and the amount', async () => {
    const db = await withWallets();
    await expectRollback(
      db,
      inc({ primaryKey: 9, amount: 1 }),
      NotFoundError,
      'NOT_FOUND',
      'no row with primary key (id) = (9)',
    );
    await expectRollback(
      db,
      inc({ column: 'nope', amount: 1 }),
      ValidationError,
      'VALIDATION',
      "no column 'nope'",
    );
    await expectRollback(
      db,
      inc({ column: 'small', amount: 1 }),
      ValidationError,
      'VALIDATION',
      "column 'small': the column is u64, not u256",
    );
    await expectRollback(
      db,
      dec({ column: 'name', amount: 1 }),
      ValidationError,
      'VALIDATION',
      'text, not u256',
    );
    await expectRollback(db, inc({ amount: -1 }), ValidationError, 'VALIDATION', 'amount must be');
    await expectRollback(
      db,
      inc({ amount: U256_MAX + 1n }),
      ValidationError,
      'VALIDATION',
      'amount must be',
    );
    await expectRollback(
      db,
      inc({ amount: 1, onOverflow: 'wrap' }),
      ValidationError,
      'VALIDATION',
      "onOverflow must be 'reject' or 'saturate'",
    );
    await expectRollback(
      db,
      dec({ amount: 1, onUnderflow: 'clamp' }),
      ValidationError,
      'VALIDATION',
      "onUnderflow must be 'reject' or 'noOp'",
    );
    await expectRollback(
      db,
      inc({ tableName: 'ghost', amount: 1 }),
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.ghost' does not exist",
    );
    await expectRollback(
      db,
      inc({ primaryKey: 'x', amount: 1 }),
      ValidationError,
      'VALIDATION',
      "column 'id'",
    );
  });

  it('rejects a u256 primary key column', async () => {
    const db = await fresh();
    await db.createTable({
      ...AT,
      tableName: 'keyed',
      columns: [{ name: 'k', type: 'u256' }],
      primaryKey: ['k'],
    });
    await db.commit({ type: 'insert', ...AT, tableName: 'keyed', row: { k: 1n } });
    await expectRollback(
      db,
      { type: 'tableIncU256', ...AT, tableName: 'keyed', primaryKey: 1n, column: 'k', amount: 1 },
      ValidationError,
      'VALIDATION',
      'primary key columns cannot change',
    );
  });

  it('the new cell values are replayed from the WAL and restored from checkpoints', async () => {
    const db = await withWallets(NO_CHECKPOINT_ON_CLOSE);
    await db.commitMany([inc({ amount: U256_MAX - 100n }), dec({ primaryKey: 2, amount: 0 })]);
    const before = await allRows(db, 'wallets');
    await checkAcrossReopens(engine, db, async (d) => {
      expect(await allRows(d, 'wallets')).toEqual(before);
      expect(kvDump(d.snapshot(), 'p', 's')).toEqual([]);
    });
  });
});
