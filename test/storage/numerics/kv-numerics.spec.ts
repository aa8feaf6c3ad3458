/**
 * The KV atomic numerics through a real instance: every operation at its boundaries (0, max u64,
 * max u256, i64 min/max) under each policy, the three amount forms, validation of every field,
 * stored values of the wrong width, `kvMutate*` compare-and-set on the version, and each failure
 * rolling back the whole commit (a kvSet before it in the same commitMany is not applied).
 */
import {
  ConflictError,
  NotFoundError,
  OverflowError,
  UnderflowError,
  ValidationError,
  decodeI64,
  decodeU256,
  decodeU64,
  encodeI64,
  encodeU256,
  encodeU64,
  type AedbErrorCode,
  type AedbInstance,
  type Mutation,
  type NumericMutation,
} from '../../../src/index';
import { I64_MAX, I64_MIN, U256_MAX, U64_MAX } from '../../../src/storage/numerics/numeric-codec';
import {
  NO_CHECKPOINT_ON_CLOSE,
  checkAcrossReopens,
  type AedbErrorClass,
  createScope,
  dumpState,
  expectFailsCleanly,
  useEngine,
} from '../engine/engine-fixture';

const engine = useEngine();

const AT = { projectId: 'p', scopeId: 's' } as const;

async function fresh(config = {}): Promise<AedbInstance> {
  const { db } = await engine.fresh({ durabilityMode: 'os', ...config });
  await createScope(db);
  return db;
}

/** A numeric mutation on `key` in p.s. */
function op(m: Record<string, unknown> & { type: NumericMutation['type'] }, key = 'k'): Mutation {
  return { ...AT, key, ...m } as unknown as Mutation;
}

async function raw(db: AedbInstance, key = 'k'): Promise<Uint8Array | undefined> {
  return (await db.kvGet('p', 's', key))?.value;
}
async function u64(db: AedbInstance, key = 'k'): Promise<bigint | undefined> {
  const v = await raw(db, key);
  return v === undefined ? undefined : decodeU64(v);
}
async function u256(db: AedbInstance, key = 'k'): Promise<bigint | undefined> {
  const v = await raw(db, key);
  return v === undefined ? undefined : decodeU256(v);
}
async function i64(db: AedbInstance, key = 'k'): Promise<bigint | undefined> {
  const v = await raw(db, key);
  return v === undefined ? undefined : decodeI64(v);
}
async function version(db: AedbInstance, key = 'k'): Promise<number | undefined> {
  return (await db.kvGet('p', 's', key))?.version;
}

const setU64 = (db: AedbInstance, v: bigint, key = 'k') => db.kvSet('p', 's', key, encodeU64(v));
const setU256 = (db: AedbInstance, v: bigint, key = 'k') => db.kvSet('p', 's', key, encodeU256(v));

/**
 * Commit `[kvSet marker, failing]` and assert it rejects with the typed error and leaves the
 * whole visible state (marker included) as it was.
 */
async function expectRollback(
  db: AedbInstance,
  failing: Mutation,
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
) {
  const err = await expectFailsCleanly(
    db,
    () =>
      db.commitMany([
        { type: 'kvSet', ...AT, key: 'marker', value: 'written before the failing op' },
        failing,
      ]),
    cls,
    code,
    ...mentions,
  );
  expect(await raw(db, 'marker')).toBeUndefined();
  return err;
}

describe('kvAddU64Ex', () => {
  it('adds to a missing key as zero by default and writes the resulting value', async () => {
    const db = await fresh();
    const r = await db.commit(op({ type: 'kvAddU64Ex', amount: 5n }));
    expect(await u64(db)).toBe(5n);
    expect(await version(db)).toBe(r.commitSeq);
    await db.commit(op({ type: 'kvAddU64Ex', amount: 7, onMissing: 'reject' }));
    expect(await u64(db)).toBe(12n);
    await db.commit(op({ type: 'kvAddU64Ex', amount: encodeU64(30) }));
    expect(await u64(db)).toBe(42n);
  });

  it('adding 0 to a missing key creates it with 0', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvAddU64Ex', amount: 0 }));
    expect(await raw(db)).toEqual(encodeU64(0));
  });

  it('reaches exactly 2^64-1, rejects beyond it, or saturates', async () => {
    const db = await fresh();
    await setU64(db, U64_MAX - 1n);
    await db.commit(op({ type: 'kvAddU64Ex', amount: 1n }));
    expect(await u64(db)).toBe(U64_MAX);
    const err = await expectRollback(
      db,
      op({ type: 'kvAddU64Ex', amount: 1n }),
      OverflowError,
      'OVERFLOW',
      'kvAddU64Ex',
      '"k" in p.s',
      'u64 maximum',
    );
    expect(err.details).toMatchObject({ current: U64_MAX.toString(), amount: '1' });
    await expectRollback(
      db,
      op({ type: 'kvAddU64Ex', amount: 1n, onOverflow: 'reject' }),
      OverflowError,
      'OVERFLOW',
    );
    await setU64(db, 5n);
    await db.commit(op({ type: 'kvAddU64Ex', amount: U64_MAX, onOverflow: 'saturate' }));
    expect(await u64(db)).toBe(U64_MAX);
    await db.commit(op({ type: 'kvAddU64Ex', amount: 0n, onOverflow: 'reject' }));
    expect(await u64(db)).toBe(U64_MAX);
  });

  it('onMissing reject fails with NOT_FOUND naming the key', async () => {
    const db = await fresh();
    await expectRollback(
      db,
      op({ type: 'kvAddU64Ex', amount: 1, onMissing: 'reject' }),
      NotFoundError,
      'NOT_FOUND',
      'kvAddU64Ex on kv key "k" in p.s',
      'does not exist',
    );
  });

  it('a stored value that is not 8 bytes is a VALIDATION error naming scope and key', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', 'k', 'abc');
    const err = await expectRollback(
      db,
      op({ type: 'kvAddU64Ex', amount: 1 }),
      ValidationError,
      'VALIDATION',
      'kv key "k" in p.s',
      '3 bytes',
      'not a u64',
    );
    expect(err.details).toMatchObject({ projectId: 'p', scopeId: 's', bytes: 3, expectedBytes: 8 });
    await setU256(db, 1n);
    await expectRollback(
      db,
      op({ type: 'kvAddU64Ex', amount: 1 }),
      ValidationError,
      'VALIDATION',
      '32 bytes',
    );
  });
});

describe('kvSubU64Ex', () => {
  it('subtracts down to exactly zero', async () => {
    const db = await fresh();
    await setU64(db, 10n);
    await db.commit(op({ type: 'kvSubU64Ex', amount: 4 }));
    expect(await u64(db)).toBe(6n);
    await db.commit(op({ type: 'kvSubU64Ex', amount: 6n, onUnderflow: 'reject' }));
    expect(await raw(db)).toEqual(encodeU64(0));
    await setU64(db, U64_MAX);
    await db.commit(op({ type: 'kvSubU64Ex', amount: U64_MAX }));
    expect(await u64(db)).toBe(0n);
  });

  it('rejects an underflow by default, with the current value and the amount', async () => {
    const db = await fresh();
    await setU64(db, 10n);
    const err = await expectRollback(
      db,
      op({ type: 'kvSubU64Ex', amount: 11 }),
      UnderflowError,
      'UNDERFLOW',
      'kvSubU64Ex on kv key "k" in p.s',
      '10 is less than the amount 11',
    );
    expect(err.details).toMatchObject({ current: '10', amount: '11', mutation: 'kvSubU64Ex' });
    expect(await u64(db)).toBe(10n);
  });

  it('noOp on underflow succeeds and writes nothing (value and version kept)', async () => {
    const db = await fresh();
    const set = await setU64(db, 3n);
    const r = await db.commitMany([
      { type: 'kvSet', ...AT, key: 'other', value: 'x' },
      op({ type: 'kvSubU64Ex', amount: 4n, onUnderflow: 'noOp' }),
    ]);
    expect(r.commitSeq).toBe(set.commitSeq + 1);
    expect(await u64(db)).toBe(3n);
    expect(await version(db)).toBe(set.commitSeq);
    expect(await raw(db, 'other')).toBeDefined();
    // Missing key, noOp: still nothing written.
    await db.commit(op({ type: 'kvSubU64Ex', amount: 1, onUnderflow: 'noOp' }, 'absent'));
    expect(await raw(db, 'absent')).toBeUndefined();
  });

  it('missing keys: treatAsZero (0 - 0 = 0, 0 - 1 underflows) or reject', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvSubU64Ex', amount: 0 }));
    expect(await u64(db)).toBe(0n);
    await expectRollback(
      db,
      op({ type: 'kvSubU64Ex', amount: 1 }, 'm'),
      UnderflowError,
      'UNDERFLOW',
    );
    await expectRollback(
      db,
      op({ type: 'kvSubU64Ex', amount: 0, onMissing: 'reject' }, 'm'),
      NotFoundError,
      'NOT_FOUND',
    );
  });
});

describe('kvMaxU64 / kvMinU64', () => {
  it('a missing key takes the value; then max/min keep the larger/smaller', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvMaxU64', value: 10 }, 'hi'));
    await db.commit(op({ type: 'kvMinU64', value: 10 }, 'lo'));
    await db.commit(op({ type: 'kvMaxU64', value: 3 }, 'hi'));
    await db.commit(op({ type: 'kvMinU64', value: 30 }, 'lo'));
    expect(await u64(db, 'hi')).toBe(10n);
    expect(await u64(db, 'lo')).toBe(10n);
    await db.commit(op({ type: 'kvMaxU64', value: U64_MAX }, 'hi'));
    await db.commit(op({ type: 'kvMinU64', value: 0n }, 'lo'));
    expect(await u64(db, 'hi')).toBe(U64_MAX);
    expect(await u64(db, 'lo')).toBe(0n);
  });

  it('always writes its result, so the version moves even when the value does not', async () => {
    const db = await fresh();
    await setU64(db, 50n);
    const r = await db.commit(op({ type: 'kvMaxU64', value: 1 }));
    expect(await u64(db)).toBe(50n);
    expect(await version(db)).toBe(r.commitSeq);
  });

  it('rejects a stored value of the wrong width and a bad value', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', 'k', new Uint8Array(9));
    await expectRollback(
      db,
      op({ type: 'kvMinU64', value: 1 }),
      ValidationError,
      'VALIDATION',
      '9 bytes',
    );
    await expectRollback(
      db,
      op({ type: 'kvMaxU64', value: U64_MAX + 1n }, 'x'),
      ValidationError,
      'VALIDATION',
      'value must be an integer 0..2^64-1',
    );
  });
});

describe('kvAddI64Bounded', () => {
  it('adds signed deltas within the i64 range by default', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvAddI64Bounded', delta: -5 }));
    expect(await i64(db)).toBe(-5n);
    expect(await raw(db)).toEqual(encodeI64(-5));
    await db.commit(op({ type: 'kvAddI64Bounded', delta: 12n }));
    expect(await i64(db)).toBe(7n);
  });

  it('reaches exactly i64 max and min, and rejects one beyond', async () => {
    const db = await fresh();
    await db.kvSet('p', 's', 'k', encodeI64(I64_MAX - 1n));
    await db.commit(op({ type: 'kvAddI64Bounded', delta: 1 }));
    expect(await i64(db)).toBe(I64_MAX);
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: 1 }),
      OverflowError,
      'OVERFLOW',
      'above the maximum 9223372036854775807',
    );
    await db.kvSet('p', 's', 'k', encodeI64(I64_MIN + 1n));
    await db.commit(op({ type: 'kvAddI64Bounded', delta: -1n }));
    expect(await i64(db)).toBe(I64_MIN);
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: -1 }),
      UnderflowError,
      'UNDERFLOW',
      'below the minimum -9223372036854775808',
    );
    // From the minimum all the way to the maximum in one delta is out of the i64 delta range.
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: I64_MAX - I64_MIN }),
      ValidationError,
      'VALIDATION',
      'delta must be an integer -2^63..2^63-1',
    );
  });

  it('custom bounds: min 0 keeps a balance non-negative, max caps it', async () => {
    const db = await fresh();
    const bounded = (delta: number) => op({ type: 'kvAddI64Bounded', delta, min: 0, max: 100n });
    await db.commit(bounded(100));
    const err = await expectRollback(db, bounded(1), OverflowError, 'OVERFLOW', 'maximum 100');
    expect(err.details).toMatchObject({ current: '100', delta: '1', max: '100' });
    await db.commit(bounded(-100));
    expect(await i64(db)).toBe(0n);
    await expectRollback(db, bounded(-1), UnderflowError, 'UNDERFLOW', 'minimum 0');
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: 0, min: 5, max: 4 }),
      ValidationError,
      'VALIDATION',
      'min 5 is greater than max 4',
    );
  });

  it('a missing key with onMissing reject fails; a stored non-8-byte value fails', async () => {
    const db = await fresh();
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: 1, onMissing: 'reject' }),
      NotFoundError,
      'NOT_FOUND',
    );
    await db.kvSet('p', 's', 'k', 'x');
    await expectRollback(
      db,
      op({ type: 'kvAddI64Bounded', delta: 1 }),
      ValidationError,
      'VALIDATION',
      'not an i64',
    );
  });
});

describe('u256 numerics', () => {
  it('kvAddU256Ex: to exactly 2^256-1, reject beyond, saturate, amount as 32 bytes', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvAddU256Ex', amount: encodeU256(U256_MAX - 1n) }));
    expect(await raw(db)).toHaveLength(32);
    await db.commit(op({ type: 'kvAddU256Ex', amount: 1 }));
    expect(await u256(db)).toBe(U256_MAX);
    await expectRollback(
      db,
      op({ type: 'kvAddU256Ex', amount: 1n }),
      OverflowError,
      'OVERFLOW',
      'u256 maximum',
    );
    await setU256(db, 2n);
    await db.commit(op({ type: 'kvAddU256Ex', amount: U256_MAX, onOverflow: 'saturate' }));
    expect(await u256(db)).toBe(U256_MAX);
    await expectRollback(
      db,
      op({ type: 'kvAddU256Ex', amount: 1, onMissing: 'reject' }, 'absent'),
      NotFoundError,
      'NOT_FOUND',
    );
  });

  it('kvAddU256Ex carries across 64-bit words', async () => {
    const db = await fresh();
    await setU256(db, U64_MAX);
    await db.commit(op({ type: 'kvAddU256Ex', amount: 1 }));
    expect(await u256(db)).toBe(1n << 64n);
  });

  it('kvSubU256Ex: to exactly zero, reject or noOp below it', async () => {
    const db = await fresh();
    await setU256(db, U256_MAX);
    await db.commit(op({ type: 'kvSubU256Ex', amount: U256_MAX - 7n }));
    expect(await u256(db)).toBe(7n);
    await expectRollback(
      db,
      op({ type: 'kvSubU256Ex', amount: 8 }),
      UnderflowError,
      'UNDERFLOW',
      '7 is less than the amount 8',
    );
    const before = await version(db);
    await db.commit(op({ type: 'kvSubU256Ex', amount: 8, onUnderflow: 'noOp' }));
    expect(await u256(db)).toBe(7n);
    expect(await version(db)).toBe(before);
    await db.commit(op({ type: 'kvSubU256Ex', amount: 7 }));
    expect(await raw(db)).toEqual(encodeU256(0));
  });

  it('kvMaxU256 / kvMinU256 at 0 and 2^256-1', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvMaxU256', value: 0 }, 'hi'));
    await db.commit(op({ type: 'kvMinU256', value: U256_MAX }, 'lo'));
    expect(await u256(db, 'hi')).toBe(0n);
    expect(await u256(db, 'lo')).toBe(U256_MAX);
    await db.commit(op({ type: 'kvMaxU256', value: U256_MAX }, 'hi'));
    await db.commit(op({ type: 'kvMinU256', value: 0n }, 'lo'));
    await db.commit(op({ type: 'kvMaxU256', value: 5 }, 'hi'));
    await db.commit(op({ type: 'kvMinU256', value: 5 }, 'lo'));
    expect(await u256(db, 'hi')).toBe(U256_MAX);
    expect(await u256(db, 'lo')).toBe(0n);
  });

  it('a stored u64 (8 bytes) is not a u256', async () => {
    const db = await fresh();
    await setU64(db, 1n);
    await expectRollback(
      db,
      op({ type: 'kvAddU256Ex', amount: 1 }),
      ValidationError,
      'VALIDATION',
      '8 bytes, not a u256 (32 bytes big-endian)',
    );
  });
});

describe('kvMutateU64 / kvMutateU256', () => {
  it('set, add and sub; a missing key counts as zero', async () => {
    const db = await fresh();
    await db.commit(op({ type: 'kvMutateU64', op: 'add', operand: 5 }));
    await db.commit(op({ type: 'kvMutateU64', op: 'sub', operand: 2n }));
    expect(await u64(db)).toBe(3n);
    await db.commit(op({ type: 'kvMutateU64', op: 'set', operand: U64_MAX }));
    expect(await u64(db)).toBe(U64_MAX);
    await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'add', operand: 1 }),
      OverflowError,
      'OVERFLOW',
    );
    await db.commit(op({ type: 'kvMutateU256', op: 'set', operand: U256_MAX }, 'w'));
    await expectRollback(
      db,
      op({ type: 'kvMutateU256', op: 'add', operand: 1 }, 'w'),
      OverflowError,
      'OVERFLOW',
    );
    await db.commit(op({ type: 'kvMutateU256', op: 'sub', operand: U256_MAX }, 'w'));
    expect(await u256(db, 'w')).toBe(0n);
    await expectRollback(
      db,
      op({ type: 'kvMutateU256', op: 'sub', operand: 1 }, 'w'),
      UnderflowError,
      'UNDERFLOW',
    );
    await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'sub', operand: 1 }, 'absent'),
      UnderflowError,
      'UNDERFLOW',
    );
  });

  it('expectedSeq: compare-and-set on the version (0 = must be missing)', async () => {
    const db = await fresh();
    const created = await db.commit(
      op({ type: 'kvMutateU64', op: 'set', operand: 10, expectedSeq: 0 }),
    );
    expect(await version(db)).toBe(created.commitSeq);
    const err = await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'add', operand: 1, expectedSeq: 0 }),
      ConflictError,
      'CONFLICT',
      `expected version 0, found ${created.commitSeq}`,
    );
    expect(err.details).toMatchObject({ expectedSeq: 0, actualSeq: created.commitSeq });
    await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'set', operand: 1, expectedSeq: created.commitSeq + 1 }),
      ConflictError,
      'CONFLICT',
    );
    const next = await db.commit(
      op({ type: 'kvMutateU64', op: 'add', operand: 5, expectedSeq: created.commitSeq }),
    );
    expect(await u64(db)).toBe(15n);
    // Two CAS writers from the same version: exactly one wins.
    const a = db.commit(
      op({ type: 'kvMutateU64', op: 'sub', operand: 1, expectedSeq: next.commitSeq }),
    );
    const b = db.commit(
      op({ type: 'kvMutateU64', op: 'sub', operand: 1, expectedSeq: next.commitSeq }),
    );
    const results = await Promise.allSettled([a, b]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await u64(db)).toBe(14n);
    await expectRollback(
      db,
      op({ type: 'kvMutateU256', op: 'set', operand: 1, expectedSeq: 3 }, 'absent'),
      ConflictError,
      'CONFLICT',
      'found 0 (missing)',
    );
  });

  it('rejects a bad op, operand or expectedSeq', async () => {
    const db = await fresh();
    await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'mul', operand: 1 }),
      ValidationError,
      'VALIDATION',
      "op must be 'set', 'add' or 'sub', got 'mul'",
    );
    await expectRollback(
      db,
      op({ type: 'kvMutateU64', op: 'set', operand: encodeU256(1) }),
      ValidationError,
      'VALIDATION',
      'operand must be',
      '32 bytes',
    );
    await expectRollback(
      db,
      op({ type: 'kvMutateU256', op: 'set', operand: 1, expectedSeq: -1 }),
      ValidationError,
      'VALIDATION',
      'expectedSeq must be a non-negative safe integer',
    );
  });
});

describe('validation shared by every KV numeric', () => {
  const TYPES: readonly [NumericMutation['type'], Record<string, unknown>][] = [
    ['kvAddU64Ex', { amount: 1 }],
    ['kvSubU64Ex', { amount: 0 }],
    ['kvMaxU64', { value: 1 }],
    ['kvMinU64', { value: 1 }],
    ['kvAddI64Bounded', { delta: 1 }],
    ['kvAddU256Ex', { amount: 1 }],
    ['kvSubU256Ex', { amount: 0 }],
    ['kvMaxU256', { value: 1 }],
    ['kvMinU256', { value: 1 }],
    ['kvMutateU64', { op: 'set', operand: 1 }],
    ['kvMutateU256', { op: 'set', operand: 1 }],
    ['counterAdd', { delta: 1, shardCount: 4 }],
  ];

  it.each(TYPES)('%s: valid input commits', async (type, fields) => {
    const db = await fresh();
    await db.commit(op({ type, ...fields }));
  });

  it.each(TYPES)('%s: key, project and scope follow the kvSet rules', async (type, fields) => {
    const db = await fresh();
    await expectRollback(db, op({ type, ...fields }, ''), ValidationError, 'VALIDATION', 'kv key');
    await expectRollback(
      db,
      op({ type, ...fields }, 'x'.repeat(db.config.maxKvKeyBytes + 1)),
      ValidationError,
      'VALIDATION',
      `expected 1-${db.config.maxKvKeyBytes} bytes`,
    );
    await expectRollback(
      db,
      op({ type, ...fields }, '\ud800'),
      ValidationError,
      'VALIDATION',
      'lone surrogate',
    );
    await expectRollback(
      db,
      { ...op({ type, ...fields }), scopeId: 'nope' } as Mutation,
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.nope' does not exist",
    );
    await expectRollback(
      db,
      { ...op({ type, ...fields }), projectId: '_system' } as Mutation,
      ValidationError,
      'VALIDATION',
      'reserved',
    );
    await expectRollback(
      db,
      { ...op({ type, ...fields }), scopeId: 'bad name' } as Mutation,
      ValidationError,
      'VALIDATION',
      'scope name',
    );
  });

  it.each([
    ['kvAddU64Ex', 'amount'],
    ['kvSubU64Ex', 'amount'],
    ['kvAddU256Ex', 'amount'],
    ['kvSubU256Ex', 'amount'],
    ['kvMaxU64', 'value'],
    ['kvMinU256', 'value'],
    ['counterAdd', 'delta'],
  ] as const)('%s: rejects bad %s values', async (type, field) => {
    const db = await fresh();
    const wide = type.includes('256');
    const extra = type === 'counterAdd' ? { shardCount: 2 } : {};
    for (const bad of [
      -1,
      -1n,
      1.5,
      NaN,
      '5',
      null,
      undefined,
      wide ? U256_MAX + 1n : U64_MAX + 1n,
      new Uint8Array(wide ? 8 : 32),
      new Uint8Array(wide ? 31 : 7),
    ]) {
      await expectRollback(
        db,
        op({ type, ...extra, [field]: bad }),
        ValidationError,
        'VALIDATION',
        `${field} must be an integer 0..2^${wide ? 256 : 64}-1`,
      );
    }
  });

  it.each([
    ['kvAddU64Ex', 'onMissing', 'zero'],
    ['kvAddU64Ex', 'onOverflow', 'wrap'],
    ['kvSubU64Ex', 'onUnderflow', 'clamp'],
    ['kvAddU256Ex', 'onOverflow', 'noOp'],
    ['kvSubU256Ex', 'onUnderflow', 'saturate'],
    ['kvAddI64Bounded', 'onMissing', 1],
  ] as const)('%s: rejects %s %p', async (type, field, value) => {
    const db = await fresh();
    const base = type === 'kvAddI64Bounded' ? { delta: 1 } : { amount: 1 };
    await expectRollback(
      db,
      op({ type, ...base, [field]: value }),
      ValidationError,
      'VALIDATION',
      `${field} must be`,
    );
  });
});

describe('persistence', () => {
  it('the resulting values are what the WAL replays and checkpoints restore', async () => {
    const db = await fresh(NO_CHECKPOINT_ON_CLOSE);
    await setU64(db, 100n, 'a');
    await db.commitMany([
      op({ type: 'kvSubU64Ex', amount: 30 }, 'a'),
      op({ type: 'kvAddU64Ex', amount: 30 }, 'b'),
      op({ type: 'kvAddU256Ex', amount: U256_MAX }, 'c'),
      op({ type: 'kvAddI64Bounded', delta: I64_MIN }, 'd'),
      op({ type: 'kvMaxU64', value: U64_MAX }, 'e'),
      op({ type: 'kvMutateU256', op: 'set', operand: 9, expectedSeq: 0 }, 'f'),
    ]);
    await db.commit(op({ type: 'kvSubU64Ex', amount: 1000, onUnderflow: 'noOp' }, 'a'));
    const before = dumpState(db);
    await checkAcrossReopens(engine, db, async (d) => {
      expect(dumpState(d)).toEqual(before);
      expect(await u64(d, 'a')).toBe(70n);
      expect(await u64(d, 'b')).toBe(30n);
      expect(await u256(d, 'c')).toBe(U256_MAX);
      expect(await i64(d, 'd')).toBe(I64_MIN);
      expect(await u64(d, 'e')).toBe(U64_MAX);
      expect(await u256(d, 'f')).toBe(9n);
    });
  });
});
