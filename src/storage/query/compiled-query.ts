/**
 * A {@link Query} validated and compiled against one table schema: resolved projection and
 * order keys, the bound filter (for the planner) and its compiled predicate (for rows).
 *
 * @module
 */
import { NotFoundError, ValidationError } from '../errors';
import type { TableSchema } from '../schema';
import {
  type BoundColumn,
  bindExpr,
  type BoundExpr,
  resolveColumn,
  tableLabel,
} from './bound-expr';
import { type CompiledPredicate, compilePredicate } from './compiled-predicate';
import { MAX_ORDER_KEYS, Query } from './query';
import { makeRowProjector, type RowProjector } from './row-projector';

/** A resolved `orderBy` key. */
export interface BoundOrderKey {
  readonly column: BoundColumn;
  readonly descending: boolean;
}

/** A query ready to plan and run against its table. Immutable; reusable across snapshots. */
export interface CompiledQuery {
  readonly table: TableSchema;
  /** Output column names, in output order. */
  readonly projectionNames: readonly string[];
  /** Position in `table.columns` of each output column. */
  readonly projectionIndexes: readonly number[];
  /** Builds an output row from decoded values. */
  readonly project: RowProjector;
  /** The bound `where`, if any. */
  readonly filter: BoundExpr | undefined;
  /** The compiled `where`, if any: a row is selected when it returns `TRUE`. */
  readonly predicate: CompiledPredicate | undefined;
  /** The `orderBy` keys. */
  readonly order: readonly BoundOrderKey[];
  /** The primary key columns, in key order. */
  readonly primaryKey: readonly BoundColumn[];
  readonly limit: number | undefined;
  readonly offset: number;
}

/**
 * Validate `query` against `table` and compile it.
 *
 * Throws {@link NotFoundError} when the query reads another table than `table`, and
 * {@link ValidationError} (naming the column) for an unknown column, a literal that does not
 * fit its column, `like` on a non-text column, ordering on a `json` column, a malformed or too
 * deep expression, or a query without `from`.
 *
 * @example
 * ```ts
 * const compiled = compileQuery(users, Query.select('id').from('users').where(Expr.eq('id', 1)));
 * ```
 */
export function compileQuery(table: TableSchema, query: Query): CompiledQuery {
  if (!(query instanceof Query)) {
    throw new ValidationError('query: expected a Query (build it with Query.select(...))', {});
  }
  if (query.tableName === undefined) {
    throw new ValidationError("query: no table to read from: call .from('table')", {});
  }
  if (query.tableName !== table.tableName) {
    throw new NotFoundError(
      `table '${query.tableName}' not found in ${table.projectId}.${table.scopeId} (the query source is table ${tableLabel(table)})`,
      { projectId: table.projectId, scopeId: table.scopeId, tableName: query.tableName },
    );
  }
  let projectionIndexes: number[];
  if (query.selection === '*') {
    projectionIndexes = table.columns.map((_, i) => i);
  } else {
    projectionIndexes = query.selection.map((name) => resolveColumn(table, name, 'select').index);
  }
  const projectionNames = projectionIndexes.map((i) => table.columns[i].name);

  if (query.ordering.length > MAX_ORDER_KEYS) {
    throw new ValidationError(`orderBy: at most ${MAX_ORDER_KEYS} order keys`, {});
  }
  const order = query.ordering.map((key): BoundOrderKey => {
    const column = resolveColumn(table, key.column, 'orderBy');
    if (column.type === 'json') {
      throw new ValidationError(
        `orderBy on column '${column.name}' of table ${tableLabel(table)}: json values have no order`,
        {
          projectId: table.projectId,
          scopeId: table.scopeId,
          tableName: table.tableName,
          column: column.name,
          type: column.type,
        },
      );
    }
    return { column, descending: key.direction === 'desc' };
  });

  const filter = query.filter === undefined ? undefined : bindExpr(table, query.filter);
  const predicate = filter === undefined ? undefined : compilePredicate(filter);
  const primaryKey = table.primaryKey.map((name) => resolveColumn(table, name, 'primary key'));

  return Object.freeze({
    table,
    projectionNames: Object.freeze(projectionNames),
    projectionIndexes: Object.freeze(projectionIndexes),
    project: makeRowProjector(projectionNames, projectionIndexes),
    filter,
    predicate,
    order: Object.freeze(order),
    primaryKey: Object.freeze(primaryKey),
    limit: query.limitCount,
    offset: query.offsetCount,
  });
}
