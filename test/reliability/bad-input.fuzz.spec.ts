/**
 * Bad-input fuzzing: fast-check generates malformed mutations (wrong types, missing fields,
 * extra nesting, huge and negative numbers, NaN, values of the wrong column type, unknown
 * mutation types, garbage DDL), malformed queries and `Expr` trees, bad keys (not strings or
 * bytes, empty, oversized, lone surrogates), configurations and option objects (commit, read,
 * scan), atomic numerics (bad amounts and policies, and arithmetic that must be refused),
 * envelopes (shapes, read sets, idempotency keys, stale reads), read assertions (in envelopes and
 * in `postflightCheck`), and the processor API (options, names, handlers, checkpoints, events).
 * Every call must fail with a typed `AedbError` — never a TypeError or any other exception,
 * never a synchronous throw from a method that returns a Promise, never an unhandled rejection —
 * and the database must be exactly as it was (a full dump before and after).
 *
 * Every generated input is invalid by construction (a valid one would rightly succeed).
 * The `as T` casts on generated values are the point of the test, not type escapes: they hand
 * ill-typed input to typed public APIs, as an untyped JavaScript caller could.
 * Runs per property: `AEDB_PROPERTY_RUNS` (default 150).
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AedbError,
  AedbInstance,
  Expr,
  Query,
  encodeU256,
  encodeU64,
  type AedbConfigInput,
  type Mutation,
  type ReactiveProcessorOptions,
  type ReadAssertion,
  type TransactionEnvelope,
} from '../../src/index';
import { MUTATION_TYPES } from '../../src/storage/mutation';
import { dumpState, type StateDump } from '../storage/engine/engine-fixture';
import { recordReliability } from '../support/reliability-stats';
import { removeTempDir } from '../support/temp-dir';
import { makeFastTempDir } from './fast-temp';

const RUNS = Number(process.env.AEDB_PROPERTY_RUNS ?? 150);
/** A valid mutation, to pair with broken parts (the pair must fail as a whole). */
const VALID: Mutation = { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'fuzz', value: 'x' };
jest.setTimeout(Math.max(60_000, RUNS * 200));
const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

let root: string;
let db: AedbInstance;
let before: StateDump;
/** Generated inputs tried (one per property run). */
let runs = 0;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  root = makeFastTempDir('aedb-fuzz-');
  db = await AedbInstance.open(path.join(root, 'db'), { durabilityMode: 'os' });
  await db.createProject('p');
  await db.createScope('p', 's');
  await db.createTable({
    ...T,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'amount', type: 'u64' },
      { name: 'small', type: 'u8', nullable: true },
      { name: 'score', type: 'float', nullable: true },
      { name: 'flag', type: 'boolean', nullable: true },
      { name: 'data', type: 'blob', nullable: true },
      { name: 'doc', type: 'json', nullable: true },
      { name: 'at', type: 'timestamp', nullable: true },
      { name: 'big', type: 'i256', nullable: true },
      { name: 'u', type: 'u256', nullable: true },
    ],
    primaryKey: ['id'],
  });
  await db.createIndex({ ...T, indexName: 'by_name', columns: ['name'], unique: true });
  for (let i = 0; i < 5; i++) {
    await db.commit({
      type: 'insert',
      ...T,
      row: { id: i, name: `n${i}`, amount: BigInt(i % 2), doc: { i } },
    });
    await db.kvSet('p', 's', `k${i}`, `v${i}`);
  }
  // Numeric balances, and an idempotency record whose key a different request may not reuse.
  await db.kvSet('p', 's', 'bal', encodeU64(5n));
  await db.kvSet('p', 's', 'wide', encodeU256(5n));
  await db.commitEnvelope({ idempotencyKey: 'used', writeIntent: { mutations: [VALID] } });
  before = dumpState(db);
});

afterAll(async () => {
  await db.close();
  removeTempDir(root);
  process.off('unhandledRejection', onUnhandled);
  recordReliability('bad-input fuzzing', { propertyRuns: runs });
});

afterEach(async () => {
  // Let stray rejections surface before judging.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
  expect(dumpState(db)).toEqual(before);
});

/** Describe anything for a failure message (bigints, symbols, cycles). */
function describe_(v: unknown): string {
  try {
    const seen = new WeakSet<object>();
    return (
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === 'bigint') return `${x}n`;
        if (typeof x === 'symbol' || typeof x === 'function') return String(x);
        if (typeof x === 'object' && x !== null) {
          if (seen.has(x)) return '[cycle]';
          seen.add(x);
        }
        return x;
      }) ?? String(v)
    );
  } catch {
    return String(v);
  }
}

/**
 * Call `fn` and require a typed AedbError: a rejection for Promise-returning calls (`async`),
 * a throw for synchronous ones. Returns a problem description, or undefined.
 */
async function mustFail(
  what: string,
  fn: () => unknown,
  kind: 'async' | 'sync',
): Promise<string | undefined> {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    if (kind === 'async')
      return `${what}: threw synchronously instead of rejecting: ${String(err)}`;
    return err instanceof AedbError
      ? undefined
      : `${what}: threw a non-AedbError: ${err instanceof Error ? err.stack : String(err)}`;
  }
  if (kind === 'sync') return `${what}: returned ${describe_(result)} instead of throwing`;
  if (!(result instanceof Promise)) return `${what}: did not return a Promise`;
  try {
    const value: unknown = await result;
    return `${what}: resolved with ${describe_(value)} instead of rejecting`;
  } catch (err) {
    return err instanceof AedbError
      ? undefined
      : `${what}: rejected with a non-AedbError: ${err instanceof Error ? err.stack : String(err)}`;
  }
}

async function assertAllFail(checks: [string, () => unknown, 'async' | 'sync'][]): Promise<void> {
  runs++;
  for (const [what, fn, kind] of checks) {
    const problem = await mustFail(what, fn, kind);
    if (problem !== undefined) throw new Error(problem);
  }
}

// ------------------------------------------------------------------ generators

class Opaque {
  x = 1;
}

/** Values that are no name, key, value or number anyone would pass on purpose. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    2 ** 53,
    -(2 ** 60),
    1e308,
    true,
    false,
    Symbol('s'),
    () => 1,
    new Opaque(),
    new Map([[1, 2]]),
    new Set([1]),
    new Date(Number.NaN),
    new Uint16Array(3),
    new ArrayBuffer(2),
    /re/,
    Object.create(null) as object,
    [],
    [[[]]],
    { nested: { deeper: { deepest: 1 } } },
  ),
  fc.bigInt(),
  fc.double(),
  fc.anything({ maxDepth: 2 }),
);

/** Values that are no JSON: bigints, cycles, symbols, objects without a prototype. */
const exotic: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  1n,
  cyclic(),
  Symbol('x'),
  Object.create(null) as object,
);

/** Junk that could not be mistaken for a typed object (no `type` / `kind` / `id` key) nor an array. */
const shapeless: fc.Arbitrary<unknown> = junk.filter(
  (v) =>
    !Array.isArray(v) &&
    !(typeof v === 'object' && v !== null && ('type' in v || 'kind' in v || 'id' in v)),
);

/** Anything but the given valid values (names of things that exist, for example). */
function junkExcept(...valid: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(junk, fc.string()).filter((v) => !valid.includes(v));
}

/** Invalid KV keys: not strings or bytes, empty, oversized, lone surrogates. */
const badKey: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter((v) => typeof v !== 'string' && !(v instanceof Uint8Array)),
  fc.constantFrom<unknown>(
    '',
    new Uint8Array(0),
    'x'.repeat(1025),
    new Uint8Array(1025),
    '\ud800',
    'a\udc00b',
    Buffer.alloc(0),
  ),
);

/** Invalid KV values: not strings or bytes, lone surrogates, above 1 MiB. */
const BIG = Buffer.alloc(1024 * 1024 + 1);
const badKvValue: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter((v) => typeof v !== 'string' && !(v instanceof Uint8Array)),
  fc.constantFrom<unknown>('\ud83d', BIG),
);

/** A valid row, to be broken one way. */
const goodRow = (): Record<string, unknown> => ({ id: 100, name: 'fresh', amount: 1n });

/** Values each column type must reject. */
const badForType: Record<string, unknown[]> = {
  id: [1.5, '1', 2 ** 53, -(2 ** 53), Number.NaN, Infinity, 1n << 60n, null, undefined, {}, [1]],
  name: [5, null, true, '\ud800', new Uint8Array(1), { s: 'x' }, ['a']],
  amount: [-1, -1n, 1n << 64n, 0.5, Number.NaN, '1', null, 2 ** 60],
  small: [256, -1, 1.5, '1', 300n],
  score: [Number.NaN, '1.5', 1n, {}],
  flag: [1, 'true', 0, 'false'],
  data: ['bytes', [1, 2], new Uint16Array(1), new ArrayBuffer(1), new DataView(new ArrayBuffer(1))],
  doc: [
    { n: Number.NaN },
    { b: 1n },
    { f: () => 1 },
    { s: Symbol('x') },
    new Map(),
    new Opaque(),
    JSON.parse('{"__proto__": 1}') as unknown,
    { deep: nest(70) },
    cyclic(),
    [undefined],
    '\ud800',
  ],
  at: ['2020', new Date(Number.NaN), 1n << 64n, 1.5],
  big: [1n << 255n, -(1n << 255n) - 1n, 0.5, 'x'],
  u: [-1n, 1n << 256n, 'x'],
};

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function cyclic(): unknown {
  const o: Record<string, unknown> = {};
  o.self = o;
  return o;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** Rows that cannot be inserted (or upserted). */
const badRow: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter(
    (v) =>
      typeof v !== 'object' ||
      v === null ||
      Array.isArray(v) ||
      Object.getPrototypeOf(v) !== Object.prototype,
  ),
  fc
    .constantFrom(...Object.keys(badForType))
    .chain((col) => fc.constantFrom(...badForType[col]).map((v) => ({ ...goodRow(), [col]: v }))),
  fc.constantFrom('id', 'name', 'amount').map((col) => {
    const row = goodRow();
    delete row[col];
    return row;
  }),
  fc
    .string({ minLength: 1 })
    .filter(
      (k) =>
        ![
          'id',
          'name',
          'amount',
          'small',
          'score',
          'flag',
          'data',
          'doc',
          'at',
          'big',
          'u',
        ].includes(k) && k !== '__proto__',
    )
    .map((k) => ({ ...goodRow(), [k]: 1 })),
  fc.constant({ ...goodRow(), id: 0 }), // duplicate primary key (insert)
  fc.constant({ ...goodRow(), name: 'n1' }), // unique index conflict
  fc.constant({ ...goodRow(), id: { id: 100 } }), // extra nesting
);

/** Primary keys no row can have. */
const badPk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    [],
    [1, 2],
    { id: 1, other: 2 },
    { nope: 1 },
    ['1'],
    [1.5],
    [Number.NaN],
    [[1]],
    [{ id: 1 }],
    [2 ** 53],
  ),
  shapeless.filter(
    (v) => !(typeof v === 'number' && Number.isSafeInteger(v)) && typeof v !== 'bigint',
  ),
);

/** DDL operations that must fail, whatever flags they carry. */
const badDdl: fc.Arbitrary<unknown> = fc.oneof(
  shapeless.filter((v) => typeof v !== 'object' || v === null),
  fc
    .string()
    .filter(
      (t) =>
        ![
          'createProject',
          'dropProject',
          'createScope',
          'dropScope',
          'createTable',
          'alterTable',
          'dropTable',
          'createIndex',
          'dropIndex',
        ].includes(t),
    )
    .map((type) => ({ type, projectId: 'p' })),
  junkExcept('p').map((projectId) => ({ type: 'createScope', projectId, scopeId: 'fresh' })),
  junkExcept().map((scopeId) => ({
    type: 'createScope',
    projectId: 'p',
    scopeId: typeof scopeId === 'string' ? `${scopeId} bad!` : scopeId,
  })),
  fc.constant({ type: 'createProject', projectId: '_system' }),
  fc.constant({ type: 'createProject', projectId: 'p' }), // exists
  fc
    .oneof(
      fc.constantFrom<unknown>(
        null,
        'x',
        [],
        [{}],
        [{ name: 'a' }],
        [{ name: 'a', type: 'varchar' }],
        [{ name: 'bad name', type: 'text' }],
        [{ name: 'a', type: 'text', nullable: 'yes' }],
        [
          { name: 'a', type: 'text' },
          { name: 'a', type: 'text' },
        ],
      ),
      shapeless,
    )
    .map((columns) => ({
      type: 'createTable',
      ...T,
      tableName: 'fresh',
      columns,
      primaryKey: ['a'],
    })),
  fc
    .oneof(fc.constantFrom<unknown>(null, [], ['nope'], ['j'], ['a', 'a'], ['n']), shapeless)
    .map((primaryKey) => ({
      type: 'createTable',
      ...T,
      tableName: 'fresh',
      columns: [
        { name: 'a', type: 'integer' },
        { name: 'j', type: 'json' },
        { name: 'n', type: 'text', nullable: true },
      ],
      primaryKey,
    })),
  fc
    .oneof(
      fc.constantFrom<unknown>(
        null,
        {},
        { type: 'addColumn' },
        { type: 'addColumn', column: { name: 'x', type: 'text' } },
        { type: 'addColumn', column: { name: 'name', type: 'text', nullable: true } },
        { type: 'dropColumn', name: 'id' },
        { type: 'dropColumn', name: 'name' },
        { type: 'dropColumn', name: 'zzz' },
        { type: 'renameColumn', from: 'zzz', to: 'y' },
        { type: 'renameColumn', from: 'small', to: 'name' },
        { type: 'renameColumn', from: 'small', to: 'bad name' },
        { type: 'nope' },
      ),
      shapeless,
    )
    .map((alteration) => ({ type: 'alterTable', ...T, alteration })),
  fc
    .oneof(
      fc.constantFrom<unknown>(null, [], ['doc'], ['zzz'], ['name', 'name'], 'name'),
      shapeless,
    )
    .map((columns) => ({ type: 'createIndex', ...T, indexName: 'ix', columns })),
  fc.constant({ type: 'createIndex', ...T, indexName: 'ix', columns: ['amount'], unique: true }), // duplicate values
  fc
    .oneof(
      fc.constantFrom<unknown>('yes', 1, null),
      junk.filter((u) => u !== undefined && typeof u !== 'boolean'),
    )
    .map((unique) => ({ type: 'createIndex', ...T, indexName: 'ix', columns: ['small'], unique })),
  fc.constant({ type: 'dropIndex', ...T, indexName: 'nope' }),
  fc.constant({ type: 'dropTable', ...T, tableName: 'nope' }),
  fc.constant({ type: 'dropScope', projectId: 'p', scopeId: 'nope' }),
  fc.constant({ type: 'dropProject', projectId: 'nope' }),
  // Values that break naive message formatting (JSON.stringify of a bigint or a cycle).
  exotic.chain((x) =>
    fc.constantFrom<unknown>(
      { type: x, projectId: 'p' },
      { type: 'alterTable', ...T, alteration: { type: x } },
      { type: 'alterTable', ...T, alteration: { type: 'dropColumn', name: x } },
      {
        type: 'createTable',
        ...T,
        tableName: 'fresh',
        columns: [{ name: 'a', type: x }],
        primaryKey: ['a'],
      },
      {
        type: 'createTable',
        ...T,
        tableName: 'fresh',
        columns: [{ name: 'a', type: 'text' }],
        primaryKey: [x],
      },
      { type: 'createIndex', ...T, indexName: 'ix', columns: [x] },
    ),
  ),
);

/** Mutations that must fail. */
const badMutation: fc.Arbitrary<unknown> = fc.oneof(
  shapeless,
  fc
    .string()
    .filter((t) => !(MUTATION_TYPES as readonly string[]).includes(t))
    .map((type) => ({ type, ...T })),
  fc
    .constantFrom('insert', 'upsert')
    .chain((type) =>
      badRow
        .filter(
          (row) =>
            type === 'insert' ||
            !(
              typeof row === 'object' &&
              row !== null &&
              (row as { id?: unknown }).id === 0 &&
              Object.keys(row).length === 3
            ),
        )
        .map((row) => ({ type, ...T, row })),
    ),
  fc
    .record(
      { projectId: junkExcept('p'), scopeId: junkExcept('s'), tableName: junkExcept('t') },
      { requiredKeys: [] },
    )
    .filter((x) => Object.keys(x).length > 0)
    .map((target) => ({ type: 'insert', ...T, ...target, row: goodRow() })),
  badPk.map((primaryKey) => ({ type: 'updateFields', ...T, primaryKey, fields: { score: 1 } })),
  fc
    .oneof(badRow, fc.constant({ id: 2 }), fc.constant({ name: 'n2' }))
    // A plain object without `id` could be a valid patch: keep the (changed) key in it.
    .map((fields) => (isPlain(fields) && !('id' in fields) ? { ...fields, id: 100 } : fields))
    .map((fields) => ({ type: 'updateFields', ...T, primaryKey: [1], fields })),
  fc.constant({ type: 'updateFields', ...T, primaryKey: [999], fields: { score: 1 } }), // no such row
  badPk.map((primaryKey) => ({ type: 'delete', ...T, primaryKey })),
  badKey.map((key) => ({ type: 'kvSet', projectId: 'p', scopeId: 's', key, value: 'v' })),
  badKvValue.map((value) => ({ type: 'kvSet', projectId: 'p', scopeId: 's', key: 'k', value })),
  badKey.map((key) => ({ type: 'kvDel', projectId: 'p', scopeId: 's', key })),
  fc
    .record({ projectId: junkExcept('p'), scopeId: junkExcept('s') })
    .map((t) => ({ type: 'kvSet', ...t, key: 'k', value: 'v' })),
  badDdl.map((op) => ({ type: 'ddl', op })),
  fc.constant({ type: 'ddl' }),
);

// ------------------------------------------------------------------ properties

describe('malformed writes fail with a typed error and change nothing', () => {
  it('single mutations, inside commitMany after a valid one, and with bad commit options', async () => {
    await fc.assert(
      fc.asyncProperty(badMutation, async (m) => {
        const valid: Mutation = {
          type: 'kvSet',
          projectId: 'p',
          scopeId: 's',
          key: 'fuzz',
          value: 'x',
        };
        await assertAllFail([
          ['commit', () => db.commit(m as Mutation), 'async'],
          ['commitMany', () => db.commitMany([valid, m as Mutation]), 'async'],
        ]);
        expect(dumpState(db)).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('garbage in place of the mutation list or the options', async () => {
    const valid: Mutation = {
      type: 'kvSet',
      projectId: 'p',
      scopeId: 's',
      key: 'fuzz',
      value: 'x',
    };
    await fc.assert(
      fc.asyncProperty(
        junk.filter((v) => !Array.isArray(v) || v.length === 0),
        fc.oneof(
          fc.record({ finality: junkExcept('durable', 'visible', undefined) }),
          junk.filter((v) => v !== undefined && (typeof v !== 'object' || v === null)),
        ),
        async (list, options) => {
          await assertAllFail([
            ['commitMany(list)', () => db.commitMany(list as Mutation[]), 'async'],
            [
              'commit(options)',
              () => db.commit(valid, options as { finality: 'durable' }),
              'async',
            ],
            [
              'kvSet(options)',
              () => db.kvSet('p', 's', 'fuzz', 'x', options as { finality: 'durable' }),
              'async',
            ],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('DDL helpers with garbage arguments', async () => {
    await fc.assert(
      fc.asyncProperty(shapeless, junkExcept(), async (a, b) => {
        const x = a as string;
        const y = typeof b === 'string' ? `${b} !` : (b as string);
        await assertAllFail([
          ['createProject', () => db.createProject(typeof a === 'string' ? `${a} !` : x), 'async'],
          ['createScope', () => db.createScope('p', y), 'async'],
          ['dropScope', () => db.dropScope('p', y), 'async'],
          ['ddl', () => db.ddl(a as never), 'async'],
          ['createTable', () => db.createTable(a as never), 'async'],
          ['alterTable', () => db.alterTable({ ...T, alteration: a as never }), 'async'],
        ]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('malformed reads fail with a typed error', () => {
  const handBuilt: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom<unknown>(
      { kind: 'eq', column: 5, value: 1 },
      { kind: 'eq', column: 'id' },
      { kind: 'eq', column: 'id', value: Symbol('x') },
      { kind: 'eq', column: 'id', value: 'one' },
      { kind: 'eq', column: 'amount', value: -1 },
      { kind: 'lt', column: 'doc', value: 1 },
      { kind: 'and', operands: 'x' },
      { kind: 'and', operands: [null] },
      { kind: 'or', operands: [{ kind: 'nope' }] },
      { kind: 'not', operand: null },
      { kind: 'not' },
      { kind: 'in', column: 'id', values: { length: 1e9 } },
      { kind: 'in', column: 'id', values: [Number.NaN] },
      { kind: 'in', column: 'id', values: ['x'] },
      { kind: 'between', column: 'id', low: 1 },
      { kind: 'like', column: 'name', pattern: 5 },
      { kind: 'like', column: 'amount', pattern: 'a%' },
      { kind: 'isNull', column: 'zzz' },
      { kind: 'eq', column: 'zzz', value: 1 },
    ),
    fc.integer({ min: 33, max: 2000 }).map((depth) => {
      let e: unknown = { kind: 'isNull', column: 'id' };
      for (let i = 0; i < depth; i++) e = { kind: 'not', operand: e };
      return e;
    }),
  );

  it('queries: garbage names, non-Query objects, hand-built Expr trees, literals that do not fit', async () => {
    await fc.assert(
      fc.asyncProperty(
        junkExcept('p'),
        junkExcept('s'),
        junk,
        handBuilt,
        async (p, s, notQuery, expr) => {
          const q = Query.select('*').from('t');
          const withExpr = q.where(expr as Expr);
          await assertAllFail([
            ['query(project)', () => db.query(p as string, 's', q), 'async'],
            ['query(scope)', () => db.query('p', s as string, q), 'async'],
            ['query(non-Query)', () => db.query('p', 's', notQuery as Query), 'async'],
            ['query(hand-built where)', () => db.query('p', 's', withExpr), 'async'],
            ['snapshot.query', () => db.snapshot().query('p', 's', withExpr), 'sync'],
            [
              'query(missing table)',
              () => db.query('p', 's', Query.select('*').from('nope')),
              'async',
            ],
            [
              'query(unknown column)',
              () => db.query('p', 's', Query.select('zzz').from('t')),
              'async',
            ],
            ['query(order on json)', () => db.query('p', 's', q.orderBy('doc')), 'async'],
            ['query(literal)', () => db.query('p', 's', q.where(Expr.eq('amount', 'x'))), 'async'],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the Query builder and the Expr factory reject bad arguments synchronously', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeless.filter((v) => typeof v !== 'string' || v === ''),
        shapeless,
        async (bad, junk) => {
          // `bad`/`junk` are cast to each parameter's type on purpose (see the module docs).
          const q = Query.select('*').from('t');
          await assertAllFail([
            ['select', () => Query.select(bad as string), 'sync'],
            ['select()', () => Query.select(), 'sync'],
            ['from', () => q.from(bad as string), 'sync'],
            ['where', () => q.where(bad as Expr), 'sync'],
            ['orderBy column', () => q.orderBy(bad as string), 'sync'],
            [
              'orderBy direction',
              () =>
                q.orderBy(
                  'id',
                  (typeof junk === 'string' || junk === undefined
                    ? `${String(junk)}!`
                    : junk) as 'asc',
                ),
              'sync',
            ],
            [
              'limit',
              () =>
                q.limit(
                  typeof junk === 'number' && Number.isSafeInteger(junk) && junk >= 0
                    ? -1
                    : (junk as number),
                ),
              'sync',
            ],
            ['offset', () => q.offset(-5), 'sync'],
            ['Expr.eq column', () => Expr.eq(bad as string, 1), 'sync'],
            ['Expr.eq NaN', () => Expr.eq('id', Number.NaN), 'sync'],
            [
              'Expr.in',
              () => Expr.in('id', (Array.isArray(junk) ? 'x' : junk) as unknown[]),
              'sync',
            ],
            [
              'Expr.like',
              () => Expr.like('name', (typeof junk === 'string' ? 5 : junk) as string),
              'sync',
            ],
            ['Expr.and', () => Expr.and(bad as Expr), 'sync'],
            ['Expr.not', () => Expr.not(bad as Expr), 'sync'],
            [
              'Expr depth',
              () => Array.from({ length: 40 }).reduce<Expr>((e) => Expr.not(e), Expr.isNull('id')),
              'sync',
            ],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('KV reads with bad keys, ranges, scan options and read options', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Not strings or bytes, or lone surrogates. (Reads take any other key: an empty prefix is
        // everything, and a key longer than maxKvKeyBytes is simply absent.)
        badKey.filter(
          (k) =>
            !(typeof k === 'string' || k instanceof Uint8Array) ||
            k === '\ud800' ||
            k === 'a\udc00b',
        ),
        fc.oneof(
          junk.filter((v) => v !== undefined && (typeof v !== 'object' || v === null)),
          fc.record({
            start: badKey.filter(
              (k) => k !== undefined && typeof k !== 'string' && !(k instanceof Uint8Array),
            ),
          }),
        ),
        fc.oneof(
          fc.record({
            limit: fc.oneof(
              fc.constantFrom<unknown>(0, -1, 1.5, 10_001, Number.NaN, '5', null, 1n),
              junk.filter(
                (v) =>
                  v !== undefined &&
                  !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10_000),
              ),
            ),
          }),
          fc.record({
            cursor: fc.oneof(
              fc.constantFrom<unknown>('!!', '%%', 'a b', null, 5, {}),
              junk.filter((v) => v !== undefined && typeof v !== 'string'),
            ),
          }),
          junk.filter((v) => v !== undefined && (typeof v !== 'object' || v === null)),
        ),
        fc.oneof(
          fc.record({
            consistency: fc.oneof(
              fc.constantFrom<unknown>(
                'latest',
                { atSeq: -1 },
                { atSeq: 1.5 },
                { atSeq: '3' },
                { atSeq: 1e9 },
                { atSeq: null },
                null,
                5,
              ),
              shapeless.filter((v) => v !== undefined && v !== 'atLatest' && v !== 'atCheckpoint'),
            ),
          }),
          junk.filter((v) => v !== undefined && (typeof v !== 'object' || v === null)),
        ),
        async (key, range, scanOptions, readOptions) => {
          await assertAllFail([
            ['kvGet(key)', () => db.kvGet('p', 's', key as string), 'async'],
            ['kvGet(scope)', () => db.kvGet('p', 'nope', 'k1'), 'async'],
            ['kvGet(empty)', () => db.kvGet('p', 's', ''), 'async'],
            ['kvScanPrefix(prefix)', () => db.kvScanPrefix('p', 's', key as string), 'async'],
            [
              'kvScanRange(range)',
              () => db.kvScanRange('p', 's', range as { start: string }),
              'async',
            ],
            [
              'kvScanPrefix(options)',
              () => db.kvScanPrefix('p', 's', 'k', scanOptions as { limit: number }),
              'async',
            ],
            [
              'kvGet(read options)',
              () => db.kvGet('p', 's', 'k1', readOptions as { consistency: 'atLatest' }),
              'async',
            ],
            [
              'queryWithOptions',
              () =>
                db.queryWithOptions(
                  'p',
                  's',
                  Query.select('*').from('t'),
                  readOptions as { consistency: 'atLatest' },
                ),
              'async',
            ],
            [
              'snapshot(consistency)',
              () =>
                db.snapshot(
                  (readOptions as { consistency?: never } | null)?.consistency ?? ('bad' as never),
                ),
              'sync',
            ],
            [
              'snapshot().kvScanPrefix',
              () => db.snapshot().kvScanPrefix('p', 's', 'k', scanOptions as { limit: number }),
              'sync',
            ],
            ['waitForDurable', () => db.waitForDurable(-1), 'async'],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('malformed configurations fail with a typed error and leave the directory usable', () => {
  const badConfig: fc.Arbitrary<unknown> = fc.oneof(
    junk.filter(
      (v) => v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v)),
    ),
    fc
      .string({ minLength: 1 })
      .filter(
        (k) =>
          ![
            'durabilityMode',
            'batchIntervalMs',
            'batchMaxBytes',
            'recoveryMode',
            'hashChain',
            'hmacKey',
            'maxSegmentBytes',
            'maxQueuedCommits',
            'maxQueuedBytes',
            'maxBatchCommits',
            'maxBatchBytes',
            'maxTransactionBytes',
            'maxMutationsPerCommit',
            'maxKvKeyBytes',
            'maxKvValueBytes',
            'maxRowBytes',
            'snapshotRetention',
            'checkpointWalBytes',
            'checkpointCommits',
            'checkpointIntervalMs',
            'checkpointRetention',
            'checkpointSliceMs',
            'checkpointOnClose',
            'maxEventPayloadBytes',
            '__proto__',
          ].includes(k),
      )
      .map((k) => ({ [k]: 1 })),
    fc.record({ durabilityMode: junkExcept('full', 'batch', 'os', undefined) }),
    fc.record({ recoveryMode: junkExcept('strict', 'permissive', undefined) }),
    fc.record({ hashChain: junk.filter((v) => v !== undefined && typeof v !== 'boolean') }),
    fc.record({
      hmacKey: fc.oneof(
        fc.constantFrom<unknown>('k'.repeat(40), new Uint8Array(31), Buffer.alloc(0), null),
        junk.filter((v) => v !== undefined && !(v instanceof Uint8Array)),
      ),
    }),
    fc
      .constantFrom(
        'maxSegmentBytes',
        'batchIntervalMs',
        'snapshotRetention',
        'checkpointRetention',
        'maxKvKeyBytes',
        'checkpointSliceMs',
      )
      .chain((key) =>
        fc
          .constantFrom<unknown>(-1, 0.5, Number.NaN, Infinity, '10', 1n, null, 2 ** 60)
          .map((v) => ({ [key]: v })),
      ),
  );

  it('open rejects every bad option, bad directory arguments too, and holds no lock afterwards', async () => {
    const dir = path.join(root, 'configs');
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'not a directory');
    await fc.assert(
      fc.asyncProperty(
        badConfig,
        junk.filter((v) => typeof v !== 'string'),
        async (config, badDir) => {
          await assertAllFail([
            ['open(config)', () => AedbInstance.open(dir, config as AedbConfigInput), 'async'],
            ['open(dir)', () => AedbInstance.open(badDir as string), 'async'],
            ["open('')", () => AedbInstance.open(''), 'async'],
            ['open(file)', () => AedbInstance.open(file, { durabilityMode: 'os' }), 'async'],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
    const ok = await AedbInstance.open(dir, { durabilityMode: 'os' });
    await ok.close();
  });
});

// ------------------------------------------------------------------ transactions

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;
const AT = { projectId: 'p', scopeId: 's' } as const;

/** Anything but a valid amount of `width` bytes (a bigint or safe integer in range, or bytes). */
function badAmount(width: 8 | 32): fc.Arbitrary<unknown> {
  const max = width === 8 ? U64_MAX : U256_MAX;
  return fc.oneof(
    junk.filter(
      (v) =>
        !(typeof v === 'bigint' && v >= 0n && v <= max) &&
        !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) &&
        !(v instanceof Uint8Array && v.length === width),
    ),
    fc.constantFrom<unknown>(-1n, -1, 1.5, Number.NaN, max + 1n, '5', new Uint8Array(width + 1)),
  );
}

/** Numeric mutations that must fail: bad inputs, and arithmetic the policies refuse. */
const badNumeric: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .constantFrom('kvAddU64Ex', 'kvSubU64Ex', 'kvAddU256Ex', 'kvSubU256Ex')
    .chain((type) =>
      badAmount(type.includes('256') ? 32 : 8).map((amount) => ({ type, ...AT, key: 'n', amount })),
    ),
  fc
    .constantFrom('kvMaxU64', 'kvMinU64', 'kvMaxU256', 'kvMinU256')
    .chain((type) =>
      badAmount(type.includes('256') ? 32 : 8).map((value) => ({ type, ...AT, key: 'n', value })),
    ),
  junkExcept(undefined, 'treatAsZero', 'reject').map((onMissing) => ({
    type: 'kvAddU64Ex',
    ...AT,
    key: 'bal',
    amount: 1n,
    onMissing,
  })),
  junkExcept(undefined, 'reject', 'saturate').map((onOverflow) => ({
    type: 'kvAddU256Ex',
    ...AT,
    key: 'wide',
    amount: 1n,
    onOverflow,
  })),
  junkExcept(undefined, 'reject', 'noOp').map((onUnderflow) => ({
    type: 'kvSubU64Ex',
    ...AT,
    key: 'bal',
    amount: 1n,
    onUnderflow,
  })),
  fc.constantFrom<unknown>(
    { type: 'kvSubU64Ex', ...AT, key: 'bal', amount: 6n }, // UNDERFLOW
    { type: 'kvSubU64Ex', ...AT, key: 'bal', amount: 6n, onUnderflow: 'reject' },
    { type: 'kvAddU64Ex', ...AT, key: 'bal', amount: U64_MAX }, // OVERFLOW
    { type: 'kvAddU256Ex', ...AT, key: 'wide', amount: U256_MAX },
    { type: 'kvSubU64Ex', ...AT, key: 'nope', amount: 1n, onMissing: 'reject' }, // NOT_FOUND
    { type: 'kvAddU64Ex', ...AT, key: 'nope', amount: 1n, onMissing: 'reject' },
    { type: 'kvAddU64Ex', ...AT, key: 'k1', amount: 1n }, // a 2-byte text value
    { type: 'kvAddU64Ex', ...AT, key: 'wide', amount: 1n }, // a u256 where a u64 is expected
    { type: 'kvMaxU256', ...AT, key: 'bal', value: 1n },
    { type: 'kvAddI64Bounded', ...AT, key: 'i', delta: 1n, min: 5n, max: 1n },
    { type: 'kvAddI64Bounded', ...AT, key: 'i', delta: -10n, min: 0n },
    { type: 'kvAddI64Bounded', ...AT, key: 'i', delta: 10n, max: 5n },
    { type: 'kvAddI64Bounded', ...AT, key: 'i', delta: 1n << 63n },
    { type: 'kvAddI64Bounded', ...AT, key: 'bal', delta: 1n, min: 'x' },
    { type: 'kvMutateU64', ...AT, key: 'bal', op: 'set', operand: 1n, expectedSeq: 999 }, // CONFLICT
    { type: 'kvMutateU64', ...AT, key: 'bal', op: 'mul', operand: 1n },
    { type: 'kvMutateU64', ...AT, key: 'bal', op: 'sub', operand: 6n },
    { type: 'kvMutateU256', ...AT, key: 'wide', op: 'add', operand: U256_MAX },
    { type: 'kvMutateU64', ...AT, key: 'bal', op: 'set', operand: 1n, expectedSeq: -1 },
    { type: 'counterAdd', ...AT, key: 'c', delta: 1n, shardCount: 0 },
    { type: 'counterAdd', ...AT, key: 'c', delta: 1n, shardCount: 4097 },
    { type: 'counterAdd', ...AT, key: 'c', delta: 1n, shardCount: 2, shardHint: -1 },
    { type: 'counterAdd', ...AT, key: 'x'.repeat(1021), delta: 1n, shardCount: 2 },
    { type: 'counterAdd', ...AT, key: 'c', delta: -1n, shardCount: 2 },
    { type: 'tableIncU256', ...T, primaryKey: [1], column: 'amount', amount: 1n }, // a u64 column
    { type: 'tableIncU256', ...T, primaryKey: [1], column: 'id', amount: 1n },
    { type: 'tableIncU256', ...T, primaryKey: [999], column: 'u', amount: 1n }, // NOT_FOUND
    { type: 'tableDecU256', ...T, primaryKey: [1], column: 'u', amount: 1n }, // NULL is 0
    { type: 'tableIncU256', ...T, primaryKey: [1], column: 'u', amount: -1n },
    { type: 'tableIncU256', ...T, primaryKey: [1], column: 'u', amount: 1n, onOverflow: 'x' },
  ),
  junk
    .filter((v) => v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
    .map((shardHint) => ({
      type: 'counterAdd',
      ...AT,
      key: 'c',
      delta: 1n,
      shardCount: 2,
      shardHint,
    })),
  junk
    .filter((v) => v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
    .map((expectedSeq) => ({
      type: 'kvMutateU64',
      ...AT,
      key: 'bal',
      op: 'set',
      operand: 1n,
      expectedSeq,
    })),
  junk
    .filter(
      (v) =>
        !(typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 63n) &&
        !(typeof v === 'number' && Number.isSafeInteger(v)),
    )
    .map((delta) => ({ type: 'kvAddI64Bounded', ...AT, key: 'i', delta })),
  fc
    .record({ column: junkExcept('u'), primaryKey: badPk })
    .map((x) => ({ type: 'tableDecU256', ...T, amount: 1n, ...x })),
  fc
    .record({ projectId: junkExcept('p'), scopeId: junkExcept('s') })
    .map((x) => ({ type: 'kvAddU64Ex', ...x, key: 'bal', amount: 1n })),
);

/** Read assertions that fail, or are malformed (checked before anything is evaluated). */
const badAssertion: fc.Arbitrary<unknown> = fc.oneof(
  shapeless,
  junkExcept(
    'keyEquals',
    'keyCompare',
    'keyExists',
    'keyVersion',
    'rowVersion',
    'rowExists',
    'rowColumnCompare',
    'countCompare',
    'sumCompare',
    'all',
    'any',
    'not',
  ).map((type) => ({ type, ...AT, key: 'k1' })),
  fc.constantFrom<unknown>(
    { type: 'keyExists', ...AT, key: 'nope' }, // ASSERTION_FAILED
    { type: 'keyEquals', ...AT, key: 'k1', value: 'v2' },
    { type: 'keyCompare', ...AT, key: 'bal', op: 'gt', threshold: 5n },
    { type: 'keyVersion', ...AT, key: 'k1', expectedSeq: 0 },
    { type: 'rowExists', ...T, primaryKey: [999] },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'amount', op: 'eq', value: 7n },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'small', op: 'eq', value: 1 }, // NULL
    { type: 'countCompare', ...T, op: 'eq', value: 999 },
    { type: 'sumCompare', ...T, column: 'amount', op: 'gt', value: 100n },
    { type: 'any', assertions: [] },
    { type: 'not', assertion: { type: 'all', assertions: [] } },
    {
      type: 'all',
      assertions: [
        { type: 'keyExists', ...AT, key: 'k1' },
        { type: 'keyExists', ...AT, key: 'zz' },
      ],
    },
    { type: 'keyExists', projectId: 'p', scopeId: 'nope', key: 'k1' }, // NOT_FOUND
    { type: 'rowExists', ...T, tableName: 'nope', primaryKey: [1] },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'zzz', op: 'eq', value: 1 },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'name', op: 'eq', value: 5 },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'doc', op: 'lt', value: {} },
    { type: 'rowColumnCompare', ...T, primaryKey: [1], column: 'name', op: 'eq', value: null },
    { type: 'sumCompare', ...T, column: 'name', op: 'gt', value: 1n },
    { type: 'sumCompare', ...T, column: 'amount', op: 'gt', value: Number.NaN },
    { type: 'countCompare', ...T, op: 'eq', value: -1 },
    { type: 'countCompare', ...T, op: 'eq', value: 1, filter: { kind: 'eq' } },
    { type: 'rowVersion', ...T, expectedSeq: 1 },
    { type: 'all', assertions: 'x' },
    { type: 'not' },
    { type: 'keyCompare', ...AT, key: 'k1', op: 'gt', threshold: 'x' },
    { type: 'keyCompare', ...AT, key: '', op: 'gt', threshold: 1n },
    { type: 'keyEquals', ...AT, key: 'k1', value: 5 },
  ),
  fc.record({ op: junkExcept('eq', 'ne', 'gt', 'gte', 'lt', 'lte') }).map((x) => ({
    type: 'keyCompare',
    ...AT,
    key: 'k1',
    threshold: 1n,
    ...x,
  })),
  junk
    .filter((v) => v !== undefined && typeof v !== 'boolean')
    .map((expected) => ({ type: 'keyExists', ...AT, key: 'k1', expected })),
  junk
    .filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
    .map((expectedSeq) => ({ type: 'keyVersion', ...AT, key: 'k1', expectedSeq })),
  fc.integer({ min: 33, max: 60 }).map((depth) => {
    let a: unknown = { type: 'keyExists', ...AT, key: 'k1' };
    for (let i = 0; i < depth; i++) a = { type: 'not', assertion: { type: 'not', assertion: a } };
    return a;
  }),
);

/** Envelopes that must fail as a whole (every one also carries a valid mutation). */
const badEnvelope: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
  junk.filter((v) => !Array.isArray(v)).map((mutations) => ({ writeIntent: { mutations } })),
  fc.constant({ writeIntent: { mutations: [] } }),
  fc.constant({ writeIntent: { mutations: [] }, assertions: [] }),
  // (`null` counts as absent for writeClass, assertions and baseSeq, like `undefined`.)
  junkExcept(undefined, null, 'standard', 'economic', 'volatile').map((writeClass) => ({
    writeClass,
    writeIntent: { mutations: [VALID] },
  })),
  junk
    .filter((v) => v !== undefined && v !== null && !Array.isArray(v))
    .map((assertions) => ({ assertions, writeIntent: { mutations: [VALID] } })),
  badAssertion.map((a) => ({ assertions: [a], writeIntent: { mutations: [VALID] } })),
  badMutation.map((m) => ({ writeIntent: { mutations: [VALID, m] } })),
  badNumeric.map((m) => ({ writeIntent: { mutations: [VALID, m] } })),
  fc
    .oneof(
      junk.filter((v) => v !== undefined && (v === null || typeof v !== 'object')),
      junk.filter((v) => v !== undefined && !Array.isArray(v)).map((points) => ({ points })),
      junk.map((p) => ({ points: [p] })).filter((rs) => !isPlain(rs.points[0])),
      junk
        .filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0))
        .map((version) => ({ points: [{ type: 'kv', ...AT, key: 'k1', version }] })),
      junk.map((type) => ({ ranges: [{ type, ...AT, prefix: 'k' }] })),
      fc.constantFrom<unknown>(
        { points: [{ type: 'kv', ...AT, key: 'k1', version: 999 }] }, // CONFLICT
        { points: [{ type: 'kv', projectId: 'p', scopeId: 'nope', key: 'k1', version: 0 }] },
        { points: [{ type: 'row', ...T, primaryKey: ['x'], version: 0 }] },
        { points: [{ type: 'row', ...T, tableName: 'nope', primaryKey: [1], version: 0 }] },
        { ranges: [{ type: 'tablePrefix', ...T, prefix: [1, 2] }] },
        { ranges: [{ type: 'tablePrefix', ...T, prefix: ['x'] }] },
        { ranges: [{ type: 'tableKeyRange', ...T, lo: '!!' }] },
        { ranges: [{ type: 'tableKeyRange', ...T, index: 'nope' }] },
        { ranges: [{ type: 'kvPrefix', projectId: 'p', scopeId: 'nope', prefix: 'k' }] },
      ),
    )
    .map((readSet) => ({ readSet, baseSeq: 0, writeIntent: { mutations: [VALID] } })),
  // Ranges need the base seq they were read at.
  fc.constant({
    readSet: { ranges: [{ type: 'kvPrefix', ...AT, prefix: 'k' }] },
    writeIntent: { mutations: [VALID] },
  }),
  junk
    .filter(
      (v) =>
        v !== undefined &&
        v !== null &&
        !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0),
    )
    .map((baseSeq) => ({ baseSeq, writeIntent: { mutations: [VALID] } })),
  fc
    .oneof(
      junk.filter((v) => v !== undefined && !isPlain(v)),
      junk.map((callerId) => ({ callerId })).filter((c) => typeof c.callerId !== 'string'),
      fc.constant({ callerId: '' }),
    )
    .map((caller) => ({ caller, writeIntent: { mutations: [VALID] } })),
  fc
    .oneof(
      junk.filter((v) => v !== undefined && typeof v !== 'string' && !(v instanceof Uint8Array)),
      fc.constantFrom<unknown>('', new Uint8Array(0), 'k'.repeat(257), new Uint8Array(257)),
    )
    .map((idempotencyKey) => ({ idempotencyKey, writeIntent: { mutations: [VALID] } })),
  fc
    .constantFrom<unknown>(Symbol('s'), () => 1, nest(70))
    .map((bad) => ({
      idempotencyKey: 'fp',
      writeIntent: { mutations: [{ type: 'kvSet', ...AT, key: 'fuzz', value: bad }] },
    })),
  // The key of the setup's envelope, with another request: VALIDATION.
  fc.constant({ idempotencyKey: 'used', writeIntent: { mutations: [{ ...VALID, value: 'y' }] } }),
);

describe('malformed transactions fail with a typed error and change nothing', () => {
  it('numerics: bad amounts, policies, shard counts, widths; underflow, overflow, conflicts', async () => {
    await fc.assert(
      fc.asyncProperty(badNumeric, async (m) => {
        await assertAllFail([
          ['commit', () => db.commit(m as Mutation), 'async'],
          ['commitMany', () => db.commitMany([VALID, m as Mutation]), 'async'],
        ]);
        // preflight reports the failure (or rejects with a typed error); it never accepts it.
        const pre: unknown = await db.preflight(m as Mutation).catch((err: unknown) => err);
        if (!(pre instanceof AedbError) && (pre as { ok?: unknown }).ok !== false) {
          throw new Error(`preflight of ${describe_(m)}: ${describe_(pre)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('envelopes: shapes, read sets, idempotency keys, stale reads, failing parts', async () => {
    await fc.assert(
      fc.asyncProperty(
        badEnvelope,
        junk.filter((v) => v !== undefined && v !== 'durable' && v !== 'visible'),
        async (env, finality) => {
          await assertAllFail([
            ['commitEnvelope', () => db.commitEnvelope(env as TransactionEnvelope), 'async'],
            [
              'commitActionEnvelope',
              () => db.commitActionEnvelope(env as TransactionEnvelope),
              'async',
            ],
            [
              'commitActionEnvelope(finality)',
              () =>
                db.commitActionEnvelope({
                  writeIntent: { mutations: [VALID] },
                  finality: finality as 'durable',
                }),
              'async',
            ],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('assertions: in an envelope and in a postflightCheck', async () => {
    await fc.assert(
      fc.asyncProperty(badAssertion, async (a) => {
        const assertion = a as ReadAssertion;
        await assertAllFail([
          [
            'envelope assertion',
            () =>
              db.commitEnvelope({ assertions: [assertion], writeIntent: { mutations: [VALID] } }),
            'async',
          ],
          [
            'postflightCheck',
            () => db.commitMany([VALID, { type: 'postflightCheck', assertions: [assertion] }]),
            'async',
          ],
          [
            'postflightCheck (not an array)',
            () =>
              db.commit({
                type: 'postflightCheck',
                assertions: assertion as unknown as ReadAssertion[],
              }),
            'async',
          ],
        ]);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Options that are no processor options. */
const badProcessorOptions: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter((v) => v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))),
  fc
    .string({ minLength: 1 })
    .filter(
      (k) =>
        ![
          'callerId',
          'topicFilter',
          'runOnInterval',
          'maxAllowedLagCommits',
          'maxAllowedStallMs',
          'maxEventsPerRun',
          'maxBytesPerRun',
          'maxRunDurationMs',
          'runIntervalMs',
          'idleBackoffMs',
          'checkpointWatermarkCommits',
          'maxRetries',
          'retryBackoffMs',
          'startFrom',
          'stopTimeoutMs',
          '__proto__',
        ].includes(k),
    )
    .map((k) => ({ [k]: 1 })),
  fc
    .constantFrom(
      'maxEventsPerRun',
      'maxRetries',
      'checkpointWatermarkCommits',
      'runIntervalMs',
      'maxAllowedStallMs',
      'retryBackoffMs',
      'stopTimeoutMs',
      'maxBytesPerRun',
    )
    .chain((key) =>
      fc
        .constantFrom<unknown>(-1, 0.5, Number.NaN, Infinity, '10', 1n, null, 2 ** 60)
        .filter((v) => !(key === 'retryBackoffMs' && v === 0))
        .map((v) => ({ [key]: v })),
    ),
  fc
    .constantFrom('callerId', 'topicFilter')
    .chain((key) =>
      fc.constantFrom<unknown>('', 'a\nb', 'x'.repeat(257), 5, null, {}).map((v) => ({ [key]: v })),
    ),
  junk
    .filter((v) => v !== undefined && typeof v !== 'boolean')
    .map((runOnInterval) => ({ runOnInterval })),
  fc
    .oneof(
      junk.filter(
        (v) =>
          v !== undefined &&
          v !== 'beginning' &&
          v !== 'end' &&
          !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0),
      ),
      fc.constantFrom<unknown>('start', -1, 1.5),
    )
    .map((startFrom) => ({ startFrom })),
);

/** Names no processor can have. */
const badProcessorName: fc.Arbitrary<unknown> = fc.oneof(
  junk.filter((v) => typeof v !== 'string'),
  fc.constantFrom<unknown>('', 'bad name', 'x'.repeat(129), 'a/b', 'é'),
);

describe('malformed processor and event calls fail with a typed error and register nothing', () => {
  afterEach(async () => {
    expect(await db.listReactiveProcessors()).toEqual([]);
  });

  it('startReactiveProcessor: bad options, names and handlers', async () => {
    const handler = (): void => undefined;
    await fc.assert(
      fc.asyncProperty(
        badProcessorOptions,
        badProcessorName,
        junk.filter((v) => typeof v !== 'function'),
        async (options, name, notAHandler) => {
          await assertAllFail([
            [
              'start(options)',
              () => db.startReactiveProcessor('proc', options as ReactiveProcessorOptions, handler),
              'async',
            ],
            ['start(name)', () => db.startReactiveProcessor(name as string, {}, handler), 'async'],
            [
              'start(handler)',
              () => db.startReactiveProcessor('proc', {}, notAHandler as typeof handler),
              'async',
            ],
            [
              'register(unknown)',
              () => db.registerReactiveProcessorHandler('never-started', handler),
              'async',
            ],
            [
              'register(name)',
              () => db.registerReactiveProcessorHandler(name as string, handler),
              'async',
            ],
            ['stop(unknown)', () => db.stopReactiveProcessor('never-started'), 'async'],
            ['pause(unknown)', () => db.pauseReactiveProcessor('never-started'), 'async'],
            ['resume(unknown)', () => db.resumeReactiveProcessor('never-started'), 'async'],
            ['delete(unknown)', () => db.deleteReactiveProcessor('never-started'), 'async'],
            ['health(name)', () => db.reactiveProcessorHealth(name as string), 'async'],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('checkpoints, processor commits, event reads and retention with bad arguments', async () => {
    await fc.assert(
      fc.asyncProperty(
        badProcessorName,
        junk.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)),
        fc.oneof(
          junk.filter((v) => v !== undefined && typeof v !== 'string'),
          fc.constantFrom<unknown>('', 'x'.repeat(257)),
        ),
        junk.filter(
          (v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10_000),
        ),
        async (name, seq, topic, limit) => {
          await assertAllFail([
            ['ack(name)', () => db.ackReactiveProcessorCheckpoint(name as string, 1), 'async'],
            ['ack(seq)', () => db.ackReactiveProcessorCheckpoint('manual', seq as number), 'async'],
            [
              'ackBatched(every)',
              () => db.ackReactiveProcessorCheckpointBatched('manual', 1, seq as number),
              'async',
            ],
            [
              'reset(seq)',
              () => db.resetReactiveProcessorCheckpoint('manual', seq as number),
              'async',
            ],
            ['lag(name)', () => db.reactiveProcessorLag(name as string), 'async'],
            [
              'processorCommit(seq)',
              () => db.processorCommit('proc', seq as number, [VALID]),
              'async',
            ],
            [
              'processorCommit(_system)',
              () =>
                db.processorCommit('proc', 1, [
                  { type: 'kvSet', projectId: '_system', scopeId: 'app', key: 'x', value: 'y' },
                ]),
              'async',
            ],
            [
              'processorCommit(bad mutation)',
              () => db.processorCommit('proc', 1, [{ type: 'kvSet', ...AT, key: '', value: 'y' }]),
              'async',
            ],
            ['readEventStream(topic)', () => db.readEventStream(topic as string, 0, 10), 'async'],
            [
              'readEventStream(from)',
              () => db.readEventStream(undefined, seq as number, 10),
              'async',
            ],
            [
              'readEventStream(limit)',
              () => db.readEventStream(undefined, 0, limit as number),
              'async',
            ],
            [
              'queryEvents(limit)',
              // null and undefined mean the default limit here
              () => db.queryEvents({ limit: (limit ?? 0) as number }),
              'async',
            ],
            ['queryEvents(topic)', () => db.queryEvents({ topic: topic as string }), 'async'],
            ['compactEvents(policy)', () => db.compactEvents({ maxAgeMs: seq as number }), 'async'],
            ['compactEvents({})', () => db.compactEvents({}), 'async'],
            ['emitEvent(topic)', () => db.emitEvent('p', 's', topic as string, 'k', '{}'), 'async'],
            ['emitEvent(payload)', () => db.emitEvent('p', 's', 't', 'k', '{nope'), 'async'],
            [
              'deadLetters(name)',
              () => db.listReactiveProcessorDeadLetters(name as string),
              'async',
            ],
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
