/**
 * Property tests: for random data and random queries, every plan returns exactly what a
 * brute-force filter/sort over all rows returns, and the reads it reports cover every key whose
 * change would change the result.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';

import { Expr } from '../../../src/storage/query/expr';
import { Query } from '../../../src/storage/query/query';
import {
  executeQuery,
  executeQueryCapturing,
  type QueryRead,
} from '../../../src/storage/query/query-executor';
import type { QueryPlanKind } from '../../../src/storage/query/query-planner';
import type { Row, TableSchema, Value } from '../../../src/storage/schema';
import {
  indexKeyOf,
  makeTable,
  normalizeRows,
  pkKeyOf,
  refQuery,
  sourceFromValues,
} from './query-fixtures';

const TEXTS = ['', 'a', 'ab', 'a%', 'b', 'b\u0000', 'é', '\uFFFF', '😀'];

/** Value domains per column: small, so that random literals hit often. */
interface Schema {
  readonly table: TableSchema;
  readonly domains: Readonly<Record<string, readonly Value[]>>;
}

const composite: Schema = {
  table: makeTable(
    'items',
    [
      { name: 'a', type: 'integer' },
      { name: 'b', type: 'text' },
      { name: 'c', type: 'integer', nullable: true },
      { name: 'd', type: 'text', nullable: true },
      { name: 'e', type: 'u64' },
      { name: 'f', type: 'float', nullable: true },
    ],
    ['a', 'b'],
    [
      { name: 'by_c', columns: ['c'] },
      { name: 'by_dc', columns: ['d', 'c'] },
      { name: 'by_e', columns: ['e'] },
    ],
  ),
  domains: {
    a: [-3, -2, -1, 0, 1, 2, 3],
    b: TEXTS,
    c: [null, -2, -1, 0, 1, 2],
    d: [null, ...TEXTS.slice(0, 6)],
    e: [0n, 1n, 2n, 3n, 4n],
    f: [null, -Infinity, -1.5, 0, 2, Infinity],
  },
};

const single: Schema = {
  table: makeTable(
    'accounts',
    [
      { name: 'id', type: 'u64' },
      { name: 'name', type: 'text' },
      { name: 'tier', type: 'u8', nullable: true },
      { name: 'at', type: 'timestamp' },
      { name: 'tag', type: 'blob', nullable: true },
    ],
    ['id'],
    [
      { name: 'by_tier_at', columns: ['tier', 'at'] },
      { name: 'by_name', columns: ['name'] },
      { name: 'by_tag', columns: ['tag'] },
    ],
  ),
  domains: {
    id: Array.from({ length: 24 }, (_, i) => BigInt(i * 3)),
    name: TEXTS,
    tier: [null, 0, 1, 2, 255],
    at: [-5n, 0n, 1n, 1000n, 2n ** 62n],
    tag: [
      null,
      new Uint8Array([]),
      new Uint8Array([0]),
      new Uint8Array([0, 0]),
      new Uint8Array([1]),
    ],
  },
};

function columnsOf(schema: Schema): string[] {
  return schema.table.columns.map((c) => c.name);
}

function typeOf(schema: Schema, column: string): string {
  return schema.table.columns.find((c) => c.name === column)!.type;
}

const arbRows = (schema: Schema): fc.Arbitrary<Row[]> =>
  fc.array(
    fc.record(
      Object.fromEntries(
        columnsOf(schema).map((name) => [name, fc.constantFrom(...schema.domains[name])]),
      ) as Record<string, fc.Arbitrary<Value>>,
    ),
    { maxLength: 40 },
  );

function arbLiteral(schema: Schema, column: string): fc.Arbitrary<Value> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...schema.domains[column]) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

const PATTERN_PARTS = ['%', '_', 'a', 'b', 'é', '😀', '\\%', '\\_', ''];

function arbLeaf(schema: Schema): fc.Arbitrary<Expr> {
  return fc.constantFrom(...columnsOf(schema)).chain((column): fc.Arbitrary<Expr> => {
    const lit = arbLiteral(schema, column);
    const options: fc.Arbitrary<Expr>[] = [
      lit.map((v) => Expr.eq(column, v)),
      lit.map((v) => Expr.ne(column, v)),
      lit.map((v) => Expr.lt(column, v)),
      lit.map((v) => Expr.lte(column, v)),
      lit.map((v) => Expr.gt(column, v)),
      lit.map((v) => Expr.gte(column, v)),
      fc.tuple(lit, lit).map(([lo, hi]) => Expr.between(column, lo, hi)),
      fc.array(lit, { maxLength: 4 }).map((vs) => Expr.in(column, vs)),
      fc.constant(Expr.isNull(column)),
      fc.constant(Expr.isNotNull(column)),
    ];
    if (typeOf(schema, column) === 'text') {
      options.push(
        fc
          .array(fc.constantFrom(...PATTERN_PARTS), { maxLength: 4 })
          .map((parts) => Expr.like(column, parts.join(''))),
      );
    }
    return fc.oneof(...options);
  });
}

function arbExpr(schema: Schema): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: arbLeaf(schema) },
      {
        weight: 1,
        arbitrary: fc.array(tie('expr'), { maxLength: 3 }).map((es) => Expr.and(...es)),
      },
      { weight: 1, arbitrary: fc.array(tie('expr'), { maxLength: 3 }).map((es) => Expr.or(...es)) },
      { weight: 1, arbitrary: tie('expr').map((e) => Expr.not(e)) },
    ),
  }));
  // Top-level conjunctions of leaves are what the planner uses: make them common.
  return fc.oneof(
    expr,
    fc.array(arbLeaf(schema), { minLength: 1, maxLength: 3 }).map((es) => Expr.and(...es)),
  );
}

/**
 * Queries shaped for the planner: a conjunction of equality / `in` / range leaves on key
 * columns, orderBy on key columns, usually a limit. Random trees rarely hit these shapes.
 */
function arbKeyedQuery(schema: Schema): fc.Arbitrary<Query> {
  const table = schema.table;
  const keyColumns = [
    ...new Set([...table.primaryKey, ...table.indexes.flatMap((ix) => ix.columns)]),
  ];
  const leaf = fc.constantFrom(...keyColumns).chain((column): fc.Arbitrary<Expr> => {
    const lit = fc.constantFrom(...schema.domains[column]);
    return fc.oneof(
      lit.map((v) => Expr.eq(column, v)),
      fc.array(lit, { minLength: 1, maxLength: 3 }).map((vs) => Expr.in(column, vs)),
      lit.map((v) => Expr.gt(column, v)),
      lit.map((v) => Expr.lte(column, v)),
      fc.tuple(lit, lit).map(([lo, hi]) => Expr.between(column, lo, hi)),
      fc.constant(Expr.isNull(column)),
    );
  });
  return arbQuery(schema, {
    where: fc.array(leaf, { minLength: 1, maxLength: 3 }).map((es) => Expr.and(...es)),
    orderColumns: keyColumns,
  });
}

function arbQuery(
  schema: Schema,
  shape: { where?: fc.Arbitrary<Expr>; orderColumns?: readonly string[] } = {},
): fc.Arbitrary<Query> {
  const columns = columnsOf(schema);
  return fc
    .record({
      select: fc.oneof(fc.constant<'*'>('*'), fc.shuffledSubarray(columns, { minLength: 1 })),
      where: shape.where ?? fc.option(arbExpr(schema), { nil: undefined }),
      order: fc.uniqueArray(
        fc.tuple(
          fc.constantFrom(...(shape.orderColumns ?? columns)),
          fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        ),
        { maxLength: 3, selector: ([c]) => c },
      ),
      limit: fc.option(fc.nat(12), { nil: undefined }),
      offset: fc.option(fc.nat(6), { nil: undefined }),
    })
    .map(({ select, where, order, limit, offset }) => {
      let q = (select === '*' ? Query.select('*') : Query.select(...select)).from(
        schema.table.tableName,
      );
      if (where !== undefined) q = q.where(where);
      for (const [column, dir] of order) q = q.orderBy(column, dir);
      if (limit !== undefined) q = q.limit(limit);
      if (offset !== undefined) q = q.offset(offset);
      return q;
    });
}

const seenPlans = new Set<QueryPlanKind>();

describe.each([
  ['composite (integer, text) primary key', composite],
  ['single u64 primary key', single],
])('planner vs brute force: %s', (_name, schema) => {
  it('every query returns what a naive filter/sort returns', () => {
    fc.assert(
      fc.property(
        arbRows(schema),
        fc.oneof(arbQuery(schema), arbKeyedQuery(schema)),
        (rows, query) => {
          const byPk = normalizeRows(schema.table, rows);
          const source = sourceFromValues(schema.table, byPk);
          const res = executeQuery(source, query);
          seenPlans.add(res.plan.kind);
          expect(res.rows).toEqual(refQuery(schema.table, byPk, query));
          expect(res.rowsExamined).toBeLessThanOrEqual(byPk.size);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('the reads cover every change that would change the result', () => {
    const arbMutation = fc.oneof(
      arbRows(schema).map((rows) => ({ upsert: rows.at(0) })),
      fc.nat().map((n) => ({ deleteNth: n })),
    );
    fc.assert(
      fc.property(
        arbRows(schema),
        fc.oneof(arbQuery(schema), arbKeyedQuery(schema)),
        arbMutation,
        (rows, query, mutation) => {
          const table = schema.table;
          const byPk = normalizeRows(table, rows);
          const before = executeQueryCapturing(sourceFromValues(table, byPk), query);
          const after = new Map(byPk);
          let pk: string;
          let old: Value[] | undefined;
          let next: Value[] | undefined;
          if ('upsert' in mutation) {
            if (mutation.upsert === undefined) return;
            next = [...normalizeRows(table, [mutation.upsert]).values()][0];
            pk = pkKeyOf(table, next);
            old = after.get(pk);
            after.set(pk, next);
          } else {
            if (byPk.size === 0) return;
            pk = [...byPk.keys()][mutation.deleteNth % byPk.size];
            old = after.get(pk);
            after.delete(pk);
          }
          const changed = executeQuery(sourceFromValues(table, after), query);
          if (isDeepStrictEqual(changed.rows, before.rows)) return;
          const touched: { map: string; key: string }[] = [{ map: 'rows', key: pk }];
          for (const ix of table.indexes) {
            for (const v of [old, next])
              if (v !== undefined)
                touched.push({ map: ix.name, key: indexKeyOf(table, ix.name, v) });
          }
          expect(touched.some((t) => before.reads.some((r) => covers(r, t.map, t.key)))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

it('the random queries exercised every access path', () => {
  // Runs after the suites above (Jest keeps declaration order); empty when they were filtered out.
  if (seenPlans.size === 0) return;
  expect([...seenPlans].sort()).toEqual([
    'fullScan',
    'indexEq',
    'indexRange',
    'pkPoint',
    'pkRange',
  ]);
});

function covers(read: QueryRead, map: string, key: string): boolean {
  const readMap = typeof read.map === 'string' ? read.map : read.map.index;
  if (readMap !== map) return false;
  if ('point' in read) return read.point === key;
  return (read.lo === undefined || read.lo <= key) && (read.hi === undefined || key < read.hi);
}
