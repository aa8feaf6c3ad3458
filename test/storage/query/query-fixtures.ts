/**
 * Test fixtures for the query engine: real schemas, real encoded keys and rows in real
 * persistent B+ trees, plus an independent brute-force reference evaluator.
 */
import { PersistentBTree } from '../../../src/storage/btree/persistent-btree';
import type { ColumnDef, ColumnType, Row, TableSchema, Value } from '../../../src/storage/schema';
import { encodeKey } from '../../../src/storage/values/key-codec';
import { normalizeRow } from '../../../src/storage/values/normalize-value';
import { encodeRow } from '../../../src/storage/values/row-codec';
import { compareValues, valuesEqual } from '../../../src/storage/values/value-order';
import type { Expr } from '../../../src/storage/query/expr';
import type { Query } from '../../../src/storage/query/query';
import type { QuerySource } from '../../../src/storage/query/query-executor';

export function makeTable(
  tableName: string,
  columns: readonly ColumnDef[],
  primaryKey: readonly string[],
  indexes: readonly { name: string; columns: readonly string[]; unique?: boolean }[] = [],
): TableSchema {
  return {
    projectId: 'demo',
    scopeId: 'app',
    tableName,
    tableId: 1,
    columns: columns.map((c, i) => ({
      id: i + 1,
      name: c.name,
      type: c.type,
      nullable: c.nullable ?? false,
    })),
    primaryKey,
    indexes: indexes.map((ix, i) => ({
      id: i + 1,
      name: ix.name,
      columns: ix.columns,
      unique: ix.unique ?? false,
    })),
    nextColumnId: columns.length + 1,
    nextIndexId: indexes.length + 1,
  };
}

function typesOf(table: TableSchema, names: readonly string[]): ColumnType[] {
  return names.map((n) => table.columns.find((c) => c.name === n)!.type);
}

function valuesOf(table: TableSchema, values: readonly Value[], names: readonly string[]): Value[] {
  return names.map((n) => values[table.columns.findIndex((c) => c.name === n)]);
}

/** The encoded primary key of a normalized row. */
export function pkKeyOf(table: TableSchema, values: readonly Value[]): string {
  return encodeKey(typesOf(table, table.primaryKey), valuesOf(table, values, table.primaryKey));
}

/** The encoded index key (index values + primary key) of a normalized row. */
export function indexKeyOf(
  table: TableSchema,
  indexName: string,
  values: readonly Value[],
): string {
  const index = table.indexes.find((ix) => ix.name === indexName)!;
  return (
    encodeKey(typesOf(table, index.columns), valuesOf(table, values, index.columns)) +
    pkKeyOf(table, values)
  );
}

/** Normalize rows (later rows with the same primary key replace earlier ones). */
export function normalizeRows(table: TableSchema, rows: readonly Row[]): Map<string, Value[]> {
  const byPk = new Map<string, Value[]>();
  for (const row of rows) {
    const values = normalizeRow(table, row, 'full') as Value[];
    byPk.set(pkKeyOf(table, values), values);
  }
  return byPk;
}

/** A query source over real trees holding `rows`. */
export function buildSource(
  table: TableSchema,
  rows: readonly Row[],
  snapshotSeq = 7,
): QuerySource {
  return sourceFromValues(table, normalizeRows(table, rows), snapshotSeq);
}

export function sourceFromValues(
  table: TableSchema,
  byPk: ReadonlyMap<string, readonly Value[]>,
  snapshotSeq = 7,
): QuerySource {
  const tree = PersistentBTree.empty();
  const indexes = new Map<string, PersistentBTree>(
    table.indexes.map((ix) => [ix.name, PersistentBTree.empty()]),
  );
  let seq = 1;
  for (const [pk, values] of byPk) {
    tree.set(pk, encodeRow(table, values), seq);
    for (const ix of table.indexes)
      indexes.get(ix.name)!.set(indexKeyOf(table, ix.name, values), pk, seq);
    seq++;
  }
  return { table, rows: tree.snapshot(), indexes, snapshotSeq };
}

// ---------------------------------------------------------------------------------------------
// The reference: an independent, obviously-correct evaluator (three-valued logic spelled out).

type Tv = 'T' | 'F' | 'U';

function colIndex(table: TableSchema, name: string): number {
  return table.columns.findIndex((c) => c.name === name);
}

/** Reference evaluation of `expr` on literals that are already normalized for their column. */
export function refEval(table: TableSchema, expr: Expr, values: readonly Value[]): Tv {
  const cmp = (column: string, lit: unknown, test: (c: number) => boolean): Tv => {
    const i = colIndex(table, column);
    const v = values[i];
    if (v === null || lit === null) return 'U';
    return test(compareValues(table.columns[i].type, v, lit as Value)) ? 'T' : 'F';
  };
  const eq = (column: string, lit: unknown): Tv => {
    const i = colIndex(table, column);
    const v = values[i];
    if (v === null || lit === null) return 'U';
    return valuesEqual(table.columns[i].type, v, lit as Value) ? 'T' : 'F';
  };
  const not = (t: Tv): Tv => (t === 'T' ? 'F' : t === 'F' ? 'T' : 'U');
  const and = (ts: Tv[]): Tv => (ts.includes('F') ? 'F' : ts.includes('U') ? 'U' : 'T');
  const or = (ts: Tv[]): Tv => (ts.includes('T') ? 'T' : ts.includes('U') ? 'U' : 'F');
  switch (expr.kind) {
    case 'eq':
      return eq(expr.column, expr.value);
    case 'ne':
      return not(eq(expr.column, expr.value));
    case 'lt':
      return cmp(expr.column, expr.value, (c) => c < 0);
    case 'lte':
      return cmp(expr.column, expr.value, (c) => c <= 0);
    case 'gt':
      return cmp(expr.column, expr.value, (c) => c > 0);
    case 'gte':
      return cmp(expr.column, expr.value, (c) => c >= 0);
    case 'between':
      return and([
        cmp(expr.column, expr.low, (c) => c >= 0),
        cmp(expr.column, expr.high, (c) => c <= 0),
      ]);
    case 'in':
      return or(expr.values.map((v) => eq(expr.column, v)));
    case 'isNull':
      return values[colIndex(table, expr.column)] === null ? 'T' : 'F';
    case 'isNotNull':
      return values[colIndex(table, expr.column)] === null ? 'F' : 'T';
    case 'like': {
      const v = values[colIndex(table, expr.column)];
      if (v === null) return 'U';
      return likeRegex(expr.pattern).test(v as string) ? 'T' : 'F';
    }
    case 'and':
      return and(expr.operands.map((e) => refEval(table, e, values)));
    case 'or':
      return or(expr.operands.map((e) => refEval(table, e, values)));
    case 'not':
      return not(refEval(table, expr.operand, values));
  }
}

/** A `LIKE` pattern as a regular expression (the reference for the hand-written matcher). */
export function likeRegex(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i];
    if (c === '%') src += '.*';
    else if (c === '_') src += '.';
    else {
      if (c === '\\') c = pattern[++i];
      src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${src}$`, 'su');
}

/**
 * Reference execution: every row in primary-key order, filter, stable sort by the order keys
 * then the primary key (in the direction of the last order key), offset, limit, project.
 */
export function refQuery(
  table: TableSchema,
  byPk: ReadonlyMap<string, readonly Value[]>,
  query: Query,
  normalizeLiteral: (e: Expr) => Expr = (e) => e,
): Row[] {
  const all = [...byPk.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const filter = query.filter === undefined ? undefined : normalizeLiteral(query.filter);
  const selected = all.filter(([, v]) => filter === undefined || refEval(table, filter, v) === 'T');
  const keys = query.ordering.map((k) => ({
    i: colIndex(table, k.column),
    sign: k.direction === 'desc' ? -1 : 1,
  }));
  const tie =
    query.ordering.length > 0 && query.ordering[query.ordering.length - 1].direction === 'desc'
      ? -1
      : 1;
  const pkIdx = table.primaryKey.map((n) => colIndex(table, n));
  selected.sort(([, a], [, b]) => {
    for (const k of keys) {
      const c = compareValues(table.columns[k.i].type, a[k.i], b[k.i]);
      if (c !== 0) return c * k.sign;
    }
    for (const i of pkIdx) {
      const c = compareValues(table.columns[i].type, a[i], b[i]);
      if (c !== 0) return c * tie;
    }
    return 0;
  });
  const start = query.offsetCount;
  const end = query.limitCount === undefined ? undefined : start + query.limitCount;
  const names = query.selection === '*' ? table.columns.map((c) => c.name) : query.selection;
  return selected.slice(start, end).map(([, v]) => {
    const row: Row = {};
    for (const n of names) row[n] = v[colIndex(table, n)];
    return row;
  });
}
