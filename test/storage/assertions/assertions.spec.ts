/**
 * Read assertions through a real instance, in `postflightCheck` mutations and in envelope
 * `assertions`: every kind passing and failing (with the reported index, assertion and actual
 * value), numeric and bytewise `keyCompare`, nested `all` / `any` / `not`, `countCompare` and
 * `sumCompare` with filters, malformed assertions, missing objects, and each failure leaving the
 * state untouched.
 */
import {
  AssertionFailedError,
  Expr,
  NotFoundError,
  ValidationError,
  encodeU64,
  type AedbError,
  type AedbErrorCode,
  type AedbInstance,
  type Mutation,
  type ReadAssertion,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  createScope,
  expectFailsCleanly,
  useEngine,
  type AedbErrorClass,
} from '../engine/engine-fixture';

const engine = useEngine();
const KV = { projectId: 'p', scopeId: 's' } as const;
const ITEMS = { projectId: 'p', scopeId: 's', tableName: 'items' } as const;

/**
 * p.s with KV `a` = "alpha", `n` = u64 10, `empty` = 0 bytes, and table `items` (index on
 * owner) holding three rows.
 */
async function fixture(config = {}): Promise<AedbInstance> {
  const { db } = await engine.fresh({ durabilityMode: 'os', ...config });
  await createScope(db);
  await db.createTable({
    ...ITEMS,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'owner', type: 'text' },
      { name: 'qty', type: 'u64' },
      { name: 'price', type: 'float', nullable: true },
      { name: 'big', type: 'u256', nullable: true },
      { name: 'n', type: 'integer', nullable: true },
      { name: 'meta', type: 'json', nullable: true },
      { name: 'tag', type: 'blob', nullable: true },
    ],
    primaryKey: ['id'],
  });
  await db.createIndex({ ...ITEMS, indexName: 'by_owner', columns: ['owner'] });
  await db.commitMany([
    { type: 'kvSet', ...KV, key: 'a', value: 'alpha' },
    { type: 'kvSet', ...KV, key: 'n', value: encodeU64(10) },
    { type: 'kvSet', ...KV, key: 'empty', value: new Uint8Array(0) },
    {
      type: 'insert',
      ...ITEMS,
      row: { id: 1, owner: 'ann', qty: 5n, price: 1.5, big: 1n << 200n, n: -4, meta: { x: 1 } },
    },
    {
      type: 'insert',
      ...ITEMS,
      row: {
        id: 2,
        owner: 'bob',
        qty: 7n,
        price: null,
        big: 1n << 200n,
        n: 10,
        tag: new Uint8Array([1, 2]),
      },
    },
    {
      type: 'insert',
      ...ITEMS,
      row: { id: 3, owner: 'ann', qty: 1n, price: 2.25, big: null, n: null },
    },
  ]);
  return db;
}

const postflight = (...assertions: ReadAssertion[]): Mutation => ({
  type: 'postflightCheck',
  assertions,
});

/** Commit a postflight check (after an unrelated kvSet) and expect it to pass. */
async function passes(db: AedbInstance, ...assertions: ReadAssertion[]): Promise<void> {
  await db.commitMany([
    { type: 'kvSet', ...KV, key: 'marker', value: 'm' },
    postflight(...assertions),
  ]);
  await db.kvDel('p', 's', 'marker');
}

/** Commit a failing postflight check; nothing of the commit (its kvSet included) applies. */
async function fails(
  db: AedbInstance,
  assertions: readonly ReadAssertion[],
  cls: AedbErrorClass,
  code: AedbErrorCode,
  ...mentions: (string | RegExp)[]
): Promise<AedbError> {
  const err = await expectFailsCleanly(
    db,
    () =>
      db.commitMany([
        { type: 'kvSet', ...KV, key: 'marker', value: 'm' },
        postflight(...assertions),
      ]),
    cls,
    code,
    ...mentions,
  );
  expect(await db.kvGet('p', 's', 'marker')).toBeUndefined();
  return err;
}

/** A failing assertion: check the details (index, the assertion itself, actual) and JSON safety. */
async function failsWith(
  db: AedbInstance,
  assertions: readonly ReadAssertion[],
  index: number,
  actual: unknown,
  ...mentions: (string | RegExp)[]
): Promise<AedbError> {
  const err = await fails(db, assertions, AssertionFailedError, 'ASSERTION_FAILED', ...mentions);
  expect(err.details.index).toBe(index);
  expect(err.details.assertion).toBe(assertions[index]);
  expect(err.details.actual).toEqual(actual);
  expect(() => JSON.stringify(err.details.actual)).not.toThrow();
  expect(err.message).toContain(`assertion #${index} failed`);
  return err;
}

const key = (k: string) => ({ ...KV, key: k });
const row = (primaryKey: unknown) =>
  ({ ...ITEMS, primaryKey }) as typeof ITEMS & { primaryKey: number };

describe('keyEquals', () => {
  it('passes on equal bytes or UTF-8 text', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'keyEquals', ...key('a'), value: 'alpha' },
      { type: 'keyEquals', ...key('a'), value: Buffer.from('alpha') },
      { type: 'keyEquals', ...key('empty'), value: new Uint8Array(0) },
    );
  });

  it('fails on another value (actual bytes) or a missing key (actual missing)', async () => {
    const db = await fixture();
    await failsWith(
      db,
      [{ type: 'keyEquals', ...key('a'), value: 'alph' }],
      0,
      { kind: 'bytes', hex: Buffer.from('alpha').toString('hex'), length: 5 },
      'keyEquals(kv key "a" in p.s = "alph")',
      'actual 0x616c706861',
    );
    await failsWith(
      db,
      [
        { type: 'keyEquals', ...key('a'), value: 'alpha' },
        { type: 'keyEquals', ...key('zzz'), value: '' },
      ],
      1,
      { kind: 'missing' },
      'actual missing',
    );
  });

  it('reports long values by their first 64 bytes and full length', async () => {
    const db = await fixture();
    await db.kvSet('p', 's', 'long', new Uint8Array(100).fill(0xab));
    const err = await failsWith(db, [{ type: 'keyEquals', ...key('long'), value: 'x' }], 0, {
      kind: 'bytes',
      hex: 'ab'.repeat(64),
      length: 100,
    });
    expect(err.message).toContain('... (100 bytes)');
  });
});

describe('keyCompare', () => {
  const cases: [string, bigint, boolean][] = [];
  for (const [op, below, equal, above] of [
    ['eq', false, true, false],
    ['ne', true, false, true],
    ['gt', true, false, false],
    ['gte', true, true, false],
    ['lt', false, false, true],
    ['lte', false, true, true],
  ] as const) {
    cases.push([op, 9n, below], [op, 10n, equal], [op, 11n, above]);
  }

  it.each(cases)('numeric: u64 10 %s %p holds: %p', async (op, threshold, expected) => {
    const db = await fixture();
    const a: ReadAssertion = {
      type: 'keyCompare',
      ...key('n'),
      op: op as 'eq',
      threshold: Number(threshold),
    };
    if (expected) await passes(db, a);
    else {
      await failsWith(
        db,
        [a],
        0,
        { kind: 'bytes', hex: '000000000000000a', length: 8, uint: '10' },
        `keyCompare(kv key "n" in p.s ${op} ${threshold})`,
        'actual 10 (0x000000000000000a)',
      );
    }
  });

  it('numeric thresholds read any value length as unsigned big-endian', async () => {
    const db = await fixture();
    await db.kvSet('p', 's', 'wide', new Uint8Array([1, 0, 0]));
    await passes(
      db,
      { type: 'keyCompare', ...key('wide'), op: 'eq', threshold: 65536n },
      { type: 'keyCompare', ...key('empty'), op: 'eq', threshold: 0 },
      { type: 'keyCompare', ...key('n'), op: 'gt', threshold: -1 },
      { type: 'keyCompare', ...key('n'), op: 'lt', threshold: 1n << 300n },
    );
  });

  it('bytewise for a Uint8Array threshold (a prefix sorts first)', async () => {
    const db = await fixture();
    const t = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
    await passes(
      db,
      { type: 'keyCompare', ...key('a'), op: 'gt', threshold: t('alph') },
      { type: 'keyCompare', ...key('a'), op: 'lt', threshold: t('alpha\x00') },
      { type: 'keyCompare', ...key('a'), op: 'lt', threshold: t('b') },
      { type: 'keyCompare', ...key('a'), op: 'eq', threshold: t('alpha') },
      { type: 'keyCompare', ...key('a'), op: 'gt', threshold: t('Zeta') },
      {
        type: 'keyCompare',
        ...key('n'),
        op: 'lt',
        threshold: t('\x00\x00\x00\x00\x00\x00\x00\xff'),
      },
    );
    await failsWith(
      db,
      [{ type: 'keyCompare', ...key('a'), op: 'gte', threshold: t('b') }],
      0,
      { kind: 'bytes', hex: '616c706861', length: 5 },
      'gte 0x62',
    );
  });

  it('a missing key fails', async () => {
    const db = await fixture();
    await failsWith(db, [{ type: 'keyCompare', ...key('nope'), op: 'gte', threshold: 0 }], 0, {
      kind: 'missing',
    });
  });
});

describe('keyExists / keyVersion', () => {
  it('keyExists: expected true by default, or false', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'keyExists', ...key('a') },
      { type: 'keyExists', ...key('empty'), expected: true },
      { type: 'keyExists', ...key('nope'), expected: false },
    );
    await failsWith(db, [{ type: 'keyExists', ...key('nope') }], 0, { kind: 'bool', value: false });
    await failsWith(
      db,
      [{ type: 'keyExists', ...key('a'), expected: false }],
      0,
      { kind: 'bool', value: true },
      'keyExists(kv key "a" in p.s, expected false): actual true',
    );
  });

  it('keyVersion: the seq of the last write, 0 when missing', async () => {
    const db = await fixture();
    const { commitSeq } = await db.kvSet('p', 's', 'v', 'x');
    await passes(
      db,
      { type: 'keyVersion', ...key('v'), expectedSeq: commitSeq },
      { type: 'keyVersion', ...key('nope'), expectedSeq: 0 },
    );
    await failsWith(
      db,
      [{ type: 'keyVersion', ...key('v'), expectedSeq: commitSeq - 1 }],
      0,
      { kind: 'version', seq: commitSeq },
      `actual version ${commitSeq}`,
    );
    await failsWith(db, [{ type: 'keyVersion', ...key('nope'), expectedSeq: 1 }], 0, {
      kind: 'version',
      seq: 0,
    });
  });

  it('keys may be bytes', async () => {
    const db = await fixture();
    await db.kvSet('p', 's', new Uint8Array([0, 255]), 'bin');
    await passes(db, { type: 'keyExists', ...KV, key: new Uint8Array([0, 255]) });
    const err = await fails(
      db,
      [{ type: 'keyExists', ...KV, key: new Uint8Array([0, 254]) }],
      AssertionFailedError,
      'ASSERTION_FAILED',
      'kv key 0x00fe in p.s',
    );
    expect(err.details.actual).toEqual({ kind: 'bool', value: false });
  });
});

describe('rowExists / rowVersion', () => {
  it('rowExists with each primary key form; rowVersion of a row and of a missing row', async () => {
    const db = await fixture();
    const { commitSeq } = await db.commit({
      type: 'updateFields',
      ...ITEMS,
      primaryKey: 2,
      fields: { qty: 8n },
    });
    await passes(
      db,
      { type: 'rowExists', ...row(1) },
      { type: 'rowExists', ...ITEMS, primaryKey: [2] },
      { type: 'rowExists', ...ITEMS, primaryKey: { id: 3 }, expected: true },
      { type: 'rowExists', ...row(4), expected: false },
      { type: 'rowVersion', ...row(2), expectedSeq: commitSeq },
      { type: 'rowVersion', ...row(99), expectedSeq: 0 },
    );
    await failsWith(
      db,
      [{ type: 'rowExists', ...row(4) }],
      0,
      { kind: 'bool', value: false },
      'rowExists(row 4 of p.s.items, expected true): actual false',
    );
    await failsWith(db, [{ type: 'rowVersion', ...row(2), expectedSeq: 1 }], 0, {
      kind: 'version',
      seq: commitSeq,
    });
  });

  it('a bad primary key is a VALIDATION error naming the column', async () => {
    const db = await fixture();
    await fails(db, [{ type: 'rowExists', ...row('x') }], ValidationError, 'VALIDATION', "'id'");
  });
});

describe('rowColumnCompare', () => {
  it('compares typed cells (numbers, bigints, text, floats, json equality, blobs)', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'rowColumnCompare', ...row(1), column: 'qty', op: 'gte', value: 5 },
      { type: 'rowColumnCompare', ...row(1), column: 'qty', op: 'lt', value: 6n },
      { type: 'rowColumnCompare', ...row(1), column: 'owner', op: 'eq', value: 'ann' },
      { type: 'rowColumnCompare', ...row(1), column: 'owner', op: 'lt', value: 'bob' },
      { type: 'rowColumnCompare', ...row(1), column: 'price', op: 'gt', value: 1.25 },
      { type: 'rowColumnCompare', ...row(1), column: 'n', op: 'lt', value: 0 },
      { type: 'rowColumnCompare', ...row(1), column: 'big', op: 'eq', value: 1n << 200n },
      { type: 'rowColumnCompare', ...row(1), column: 'meta', op: 'eq', value: { x: 1 } },
      { type: 'rowColumnCompare', ...row(1), column: 'meta', op: 'ne', value: { x: 2 } },
      { type: 'rowColumnCompare', ...row(2), column: 'tag', op: 'gt', value: new Uint8Array([1]) },
    );
  });

  it('fails with the cell value (JSON-safe), on NULL, and on a missing row', async () => {
    const db = await fixture();
    await failsWith(
      db,
      [{ type: 'rowColumnCompare', ...row(1), column: 'big', op: 'gt', value: 1n << 201n }],
      0,
      { kind: 'value', value: (1n << 200n).toString() },
      "rowColumnCompare(row 1 of p.s.items column 'big' gt",
    );
    await failsWith(
      db,
      [
        {
          type: 'rowColumnCompare',
          ...row(2),
          column: 'tag',
          op: 'eq',
          value: new Uint8Array([9]),
        },
      ],
      0,
      { kind: 'value', value: '0102' },
    );
    await failsWith(
      db,
      [{ type: 'rowColumnCompare', ...row(2), column: 'price', op: 'ne', value: 0 }],
      0,
      { kind: 'value', value: null },
      'actual null',
    );
    await failsWith(
      db,
      [{ type: 'rowColumnCompare', ...row(9), column: 'qty', op: 'gte', value: 0 }],
      0,
      { kind: 'missing' },
    );
    await db.commit({
      type: 'updateFields',
      ...ITEMS,
      primaryKey: 3,
      fields: { price: -Infinity },
    });
    await failsWith(
      db,
      [{ type: 'rowColumnCompare', ...row(3), column: 'price', op: 'gt', value: 0 }],
      0,
      { kind: 'value', value: '-Infinity' },
    );
  });

  it('rejects an unknown column, a value of the wrong type, NULL, and ordering on json', async () => {
    const db = await fixture();
    await fails(
      db,
      [{ type: 'rowColumnCompare', ...row(1), column: 'nope', op: 'eq', value: 1 }],
      ValidationError,
      'VALIDATION',
      "no column 'nope'",
    );
    await fails(
      db,
      [{ type: 'rowColumnCompare', ...row(1), column: 'qty', op: 'eq', value: 'five' }],
      ValidationError,
      'VALIDATION',
      "column 'qty'",
    );
    await fails(
      db,
      [{ type: 'rowColumnCompare', ...row(1), column: 'qty', op: 'eq', value: null }],
      ValidationError,
      'VALIDATION',
      'NULL never holds',
    );
    await fails(
      db,
      [{ type: 'rowColumnCompare', ...row(1), column: 'meta', op: 'gt', value: { x: 0 } }],
      ValidationError,
      'VALIDATION',
      'json values have no order',
    );
  });
});

describe('countCompare / sumCompare', () => {
  it('counts all rows or the rows matching a filter (through the index)', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'countCompare', ...ITEMS, op: 'eq', value: 3 },
      { type: 'countCompare', ...ITEMS, filter: Expr.eq('owner', 'ann'), op: 'eq', value: 2 },
      { type: 'countCompare', ...ITEMS, filter: Expr.isNull('price'), op: 'eq', value: 1 },
      { type: 'countCompare', ...ITEMS, filter: Expr.eq('owner', 'zed'), op: 'lt', value: 1 },
    );
    await failsWith(
      db,
      [{ type: 'countCompare', ...ITEMS, filter: Expr.gt('qty', 4), op: 'gt', value: 2 }],
      0,
      { kind: 'count', count: 2 },
      'countCompare(rows of p.s.items matching the filter gt 2): actual count 2',
    );
  });

  it('sums integer, u64, u256 and float columns, skipping NULLs', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'sumCompare', ...ITEMS, column: 'qty', op: 'eq', value: 13n },
      { type: 'sumCompare', ...ITEMS, column: 'qty', op: 'eq', value: 13 },
      {
        type: 'sumCompare',
        ...ITEMS,
        column: 'qty',
        filter: Expr.eq('owner', 'ann'),
        op: 'eq',
        value: 6,
      },
      { type: 'sumCompare', ...ITEMS, column: 'n', op: 'eq', value: 6 },
      { type: 'sumCompare', ...ITEMS, column: 'big', op: 'eq', value: 1n << 201n },
      { type: 'sumCompare', ...ITEMS, column: 'price', op: 'eq', value: 3.75 },
      { type: 'sumCompare', ...ITEMS, column: 'price', op: 'gt', value: 3n },
      {
        type: 'sumCompare',
        ...ITEMS,
        column: 'qty',
        filter: Expr.eq('owner', 'zed'),
        op: 'eq',
        value: 0,
      },
    );
    await failsWith(
      db,
      [{ type: 'sumCompare', ...ITEMS, column: 'big', op: 'lt', value: 1n }],
      0,
      { kind: 'value', value: (1n << 201n).toString() },
      "sumCompare(sum of 'big' over p.s.items lt 1)",
    );
  });

  it('sees the rows written earlier in the same commit', async () => {
    const db = await fixture();
    await db.commitMany([
      { type: 'insert', ...ITEMS, row: { id: 4, owner: 'ann', qty: 100n } },
      postflight(
        { type: 'countCompare', ...ITEMS, filter: Expr.eq('owner', 'ann'), op: 'eq', value: 3 },
        { type: 'sumCompare', ...ITEMS, column: 'qty', op: 'eq', value: 113 },
      ),
    ]);
    await fails(
      db,
      [{ type: 'sumCompare', ...ITEMS, column: 'owner', op: 'eq', value: 0 }],
      ValidationError,
      'VALIDATION',
      'cannot sum a text column',
    );
  });
});

describe('all / any / not', () => {
  const yes: ReadAssertion = { type: 'keyExists', ...key('a') };
  const no: ReadAssertion = { type: 'keyExists', ...key('nope') };

  it('combine with the usual logic', async () => {
    const db = await fixture();
    await passes(
      db,
      { type: 'all', assertions: [yes, yes] },
      { type: 'all', assertions: [] },
      { type: 'any', assertions: [no, yes] },
      { type: 'not', assertion: no },
      { type: 'not', assertion: { type: 'all', assertions: [yes, no] } },
      {
        type: 'any',
        assertions: [
          { type: 'not', assertion: yes },
          { type: 'all', assertions: [yes] },
        ],
      },
    );
    await failsWith(db, [{ type: 'any', assertions: [] }], 0, { kind: 'bool', value: false });
    await failsWith(
      db,
      [{ type: 'not', assertion: yes }],
      0,
      { kind: 'bool', value: true },
      'not(keyExists',
    );
  });

  it('a failing all reports the path to the innermost failing assertion', async () => {
    const db = await fixture();
    const inner: ReadAssertion = { type: 'keyCompare', ...key('n'), op: 'gt', threshold: 10 };
    const top: ReadAssertion = {
      type: 'all',
      assertions: [yes, { type: 'all', assertions: [yes, yes, inner] }],
    };
    const err = await failsWith(
      db,
      [yes, top],
      1,
      { kind: 'bytes', hex: '000000000000000a', length: 8, uint: '10' },
      'keyCompare(kv key "n" in p.s gt 10) (inside all #1 at [1][2]): actual 10',
    );
    expect(err.details.path).toEqual([1, 2]);
    expect(err.details.failed).toBe(inner);
    await failsWith(
      db,
      [{ type: 'any', assertions: [no, { type: 'not', assertion: yes }] }],
      0,
      { kind: 'bool', value: false },
      'any(2 assertions)',
    );
  });

  it('nesting up to 32 levels is fine; deeper is a VALIDATION error', async () => {
    const db = await fixture();
    const nest = (depth: number): ReadAssertion => {
      let a: ReadAssertion = yes;
      for (let i = 1; i < depth; i++)
        a =
          i % 2 === 0
            ? { type: 'not', assertion: { type: 'not', assertion: a } }
            : { type: 'all', assertions: [a] };
      return a;
    };
    const measure = (a: ReadAssertion): number =>
      a.type === 'all'
        ? 1 + measure(a.assertions[0])
        : a.type === 'not'
          ? 1 + measure(a.assertion)
          : 1;
    let ok = nest(20);
    while (measure(ok) < 32) ok = { type: 'all', assertions: [ok] };
    expect(measure(ok)).toBe(32);
    await passes(db, ok);
    await fails(
      db,
      [yes, { type: 'all', assertions: [ok] }],
      ValidationError,
      'VALIDATION',
      'assertion #1: assertions are nested deeper than 32 levels',
    );
  });
});

describe('malformed assertions and missing objects', () => {
  const bad: [string, unknown, string][] = [
    ['null', null, 'expected an assertion object'],
    ['no type', { ...key('a') }, 'unknown assertion type'],
    ['unknown type', { type: 'keyMatches', ...key('a') }, 'unknown assertion type "keyMatches"'],
    ['bad op', { type: 'keyCompare', ...key('a'), op: '>=', threshold: 1 }, "'op' must be one of"],
    ['no threshold', { type: 'keyCompare', ...key('a'), op: 'eq' }, "'threshold'"],
    [
      'float threshold',
      { type: 'keyCompare', ...key('a'), op: 'eq', threshold: 1.5 },
      "'threshold'",
    ],
    ['empty key', { type: 'keyExists', ...key('') }, "'key' must be"],
    ['no key', { type: 'keyExists', ...KV }, "'key' must be"],
    [
      'bad expected',
      { type: 'keyExists', ...key('a'), expected: 'yes' },
      "'expected' must be a boolean",
    ],
    ['bad expectedSeq', { type: 'keyVersion', ...key('a'), expectedSeq: -1 }, "'expectedSeq'"],
    ['bad value', { type: 'keyEquals', ...key('a'), value: 5 }, "'value' must be"],
    ['bad project', { type: 'keyExists', ...key('a'), projectId: 'bad name' }, 'project name'],
    ['system project', { type: 'keyExists', ...key('a'), projectId: '_system' }, 'reserved'],
    ['no table', { type: 'rowExists', ...KV, primaryKey: 1 }, 'table name'],
    ['no primary key', { type: 'rowExists', ...ITEMS }, "'primaryKey' is required"],
    ['no column', { type: 'rowColumnCompare', ...row(1), op: 'eq', value: 1 }, "'column'"],
    ['bad count', { type: 'countCompare', ...ITEMS, op: 'eq', value: -1 }, "'value' must be"],
    [
      'bad filter',
      { type: 'countCompare', ...ITEMS, op: 'eq', value: 1, filter: { x: 1 } },
      "'filter' must be an Expr",
    ],
    [
      'NaN sum',
      { type: 'sumCompare', ...ITEMS, column: 'qty', op: 'eq', value: NaN },
      "'value' must be",
    ],
    ['all without list', { type: 'all' }, "'assertions' must be an array"],
    ['not without inner', { type: 'not' }, 'expected an assertion object'],
  ];

  it.each(bad)('%s is a VALIDATION error naming the assertion', async (_name, a, message) => {
    const db = await fixture();
    // Validation runs before evaluation: a failing assertion before it does not hide it.
    await fails(
      db,
      [{ type: 'keyExists', ...key('nope') }, a as ReadAssertion],
      ValidationError,
      'VALIDATION',
      'assertion #1',
      message,
    );
  });

  it('a postflightCheck whose assertions are not an array is rejected', async () => {
    const db = await fixture();
    await expect(
      db.commit({ type: 'postflightCheck', assertions: 'x' } as unknown as Mutation),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('a missing scope or table is NOT_FOUND', async () => {
    const db = await fixture();
    await fails(
      db,
      [{ type: 'keyExists', ...key('a'), scopeId: 'nope' }],
      NotFoundError,
      'NOT_FOUND',
      "scope 'p.nope' does not exist",
    );
    await fails(
      db,
      [{ type: 'countCompare', ...ITEMS, tableName: 'ghost', op: 'eq', value: 0 }],
      NotFoundError,
      'NOT_FOUND',
      "table 'p.s.ghost' does not exist",
    );
  });
});

describe('postflightCheck', () => {
  const HOUSE = { projectId: 'casino', scopeId: 'app', key: 'house/balance' } as const;
  const debit = (amount: bigint): Mutation => ({
    type: 'kvSubU64Ex',
    ...HOUSE,
    amount: encodeU64(amount),
    onMissing: 'reject',
    onUnderflow: 'reject',
  });
  const reserve: Mutation = postflight({
    type: 'keyCompare',
    ...HOUSE,
    op: 'gte',
    threshold: encodeU64(10_000n),
  });

  it('the README example: the balance must remain above the reserve after the debit', async () => {
    const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
    await createScope(db, 'casino', 'app');
    await db.kvSet('casino', 'app', 'house/balance', encodeU64(10_700n));
    await db.commitMany([debit(500n), reserve]);
    expect((await db.kvGet('casino', 'app', 'house/balance'))?.value).toEqual(encodeU64(10_200n));
    const err = await expectFailsCleanly(
      db,
      () => db.commitMany([debit(500n), reserve]),
      AssertionFailedError,
      'ASSERTION_FAILED',
      'keyCompare(kv key "house/balance" in casino.app gte 0x0000000000002710)',
      'actual 0x00000000000025e4',
    );
    expect(err.details).toMatchObject({
      index: 0,
      actual: { kind: 'bytes', hex: '00000000000025e4', length: 8 },
    });
    await db.commitMany([debit(200n), reserve]);
    expect((await db.kvGet('casino', 'app', 'house/balance'))?.value).toEqual(encodeU64(10_000n));
  });

  it('sees exactly the mutations before it in the same commit', async () => {
    const db = await fixture();
    const r = await db.commitMany([
      { type: 'kvSet', ...KV, key: 'x', value: '1' },
      postflight(
        { type: 'keyEquals', ...key('x'), value: '1' },
        { type: 'keyExists', ...key('y'), expected: false },
      ),
      { type: 'kvSet', ...KV, key: 'x', value: '2' },
      { type: 'kvSet', ...KV, key: 'y', value: '2' },
      postflight(
        { type: 'keyEquals', ...key('x'), value: '2' },
        { type: 'keyExists', ...key('y') },
      ),
    ]);
    // A key written earlier in the commit has the commit's own seq as its version.
    await db.commitMany([
      { type: 'kvSet', ...KV, key: 'z', value: '1' },
      postflight({ type: 'keyVersion', ...key('z'), expectedSeq: r.commitSeq + 1 }),
    ]);
    await fails(
      db,
      [{ type: 'keyEquals', ...key('x'), value: '1' }],
      AssertionFailedError,
      'ASSERTION_FAILED',
    );
  });

  it('a failing postflight rolls back numeric and table writes before it', async () => {
    const db = await fixture();
    await expectFailsCleanly(
      db,
      () =>
        db.commitMany([
          { type: 'kvAddU64Ex', ...key('n'), amount: 5 },
          { type: 'updateFields', ...ITEMS, primaryKey: 1, fields: { qty: 50n } },
          postflight({ type: 'keyCompare', ...key('n'), op: 'lte', threshold: 14 }),
        ]),
      AssertionFailedError,
      'ASSERTION_FAILED',
      'actual 15',
    );
  });
});

describe('envelope assertions', () => {
  it('are checked before the mutations; a failure applies nothing', async () => {
    const db = await fixture();
    const created = { type: 'keyExists', ...key('fresh'), expected: false } as const;
    await db.commitEnvelope({
      assertions: [created, { type: 'keyCompare', ...key('n'), op: 'eq', threshold: 10 }],
      writeIntent: { mutations: [{ type: 'kvSet', ...KV, key: 'fresh', value: 'v' }] },
    });
    expect(await db.kvGet('p', 's', 'fresh')).toBeDefined();
    const err = await expectFailsCleanly(
      db,
      () =>
        db.commitEnvelope({
          assertions: [{ type: 'rowExists', ...row(1) }, created],
          writeIntent: { mutations: [{ type: 'kvSet', ...KV, key: 'other', value: 'v' }] },
        }),
      AssertionFailedError,
      'ASSERTION_FAILED',
      'assertion #1 failed',
    );
    expect(err.details.actual).toEqual({ kind: 'bool', value: true });
  });

  it('combine with a postflight check in the same envelope', async () => {
    const db = await fixture();
    await db.commitEnvelope({
      assertions: [{ type: 'keyCompare', ...key('n'), op: 'gte', threshold: 3 }],
      writeIntent: {
        mutations: [
          { type: 'kvSubU64Ex', ...key('n'), amount: 3 },
          postflight({ type: 'keyCompare', ...key('n'), op: 'eq', threshold: 7 }),
        ],
      },
    });
    await expectFailsCleanly(
      db,
      () =>
        db.commitEnvelope({
          assertions: [{ type: 'keyCompare', ...key('n'), op: 'gte', threshold: 3 }],
          writeIntent: {
            mutations: [
              { type: 'kvSubU64Ex', ...key('n'), amount: 3 },
              postflight({ type: 'keyCompare', ...key('n'), op: 'gte', threshold: 5 }),
            ],
          },
        }),
      AssertionFailedError,
      'ASSERTION_FAILED',
      'actual 4',
    );
  });
});
