/**
 * Binding an {@link Expr} to a table: resolve column names to positions, normalize literals to
 * the stored form of their column's type, and reject operators the type does not support.
 * The bound tree is what both the predicate compiler and the planner work on.
 *
 * @module
 */
import { ValidationError } from '../errors';
import type { ColumnSchema, ColumnType, TableSchema, Value } from '../schema';
import { describeValue, normalizeValue } from '../values/normalize-value';
import { type ComparisonKind, type Expr, isExpr, MAX_EXPR_DEPTH, MAX_IN_VALUES } from './expr';
import { type LikePattern, parseLikePattern } from './like-pattern';

/** A resolved column reference. */
export interface BoundColumn {
  /** Position in `table.columns` (and in decoded value arrays). */
  readonly index: number;
  readonly name: string;
  readonly type: ColumnType;
}

/** An {@link Expr} bound to a table. Literals are normalized; `null` is the SQL NULL. */
export type BoundExpr =
  | { readonly kind: ComparisonKind; readonly column: BoundColumn; readonly value: Value }
  | { readonly kind: 'in'; readonly column: BoundColumn; readonly values: readonly Value[] }
  | {
      readonly kind: 'between';
      readonly column: BoundColumn;
      readonly low: Value;
      readonly high: Value;
    }
  | { readonly kind: 'isNull' | 'isNotNull'; readonly column: BoundColumn }
  | { readonly kind: 'like'; readonly column: BoundColumn; readonly pattern: LikePattern }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly BoundExpr[] }
  | { readonly kind: 'not'; readonly operand: BoundExpr };

/** `demo.app.users`: the table as messages name it. */
export function tableLabel(table: TableSchema): string {
  return `${table.projectId}.${table.scopeId}.${table.tableName}`;
}

/**
 * Resolve `name` to a column of `table`, or throw a {@link ValidationError} naming both and
 * listing the columns.
 */
export function resolveColumn(table: TableSchema, name: unknown, clause: string): BoundColumn {
  const columns = table.columns;
  for (let i = 0; i < columns.length; i++) {
    if (columns[i].name === name) return { index: i, name: columns[i].name, type: columns[i].type };
  }
  throw new ValidationError(
    `${clause}: table ${tableLabel(table)} has no column ${typeof name === 'string' ? `'${name}'` : describeValue(name)} (columns: ${columns
      .map((c) => c.name)
      .join(', ')})`,
    { ...location(table), column: typeof name === 'string' ? name : describeValue(name) },
  );
}

/**
 * Bind `expr` to `table`. Throws a {@link ValidationError} that names the column for an unknown
 * column, a literal that does not fit the column type, `like` on a non-text column, an order
 * comparison on a `json` column, or a tree that is malformed or deeper than 32 levels (trees
 * may be built by hand or deserialized, so nothing the factory checked is assumed here).
 */
export function bindExpr(table: TableSchema, expr: Expr): BoundExpr {
  return bind(table, expr, 1);
}

function bind(table: TableSchema, expr: unknown, depth: number): BoundExpr {
  if (depth > MAX_EXPR_DEPTH) {
    throw new ValidationError(`where: expression is nested deeper than ${MAX_EXPR_DEPTH} levels`, {
      ...location(table),
      maxDepth: MAX_EXPR_DEPTH,
    });
  }
  if (!isExpr(expr)) {
    throw new ValidationError('where: expected an Expr node', location(table));
  }
  switch (expr.kind) {
    case 'eq':
    case 'ne': {
      const column = resolveColumn(table, expr.column, 'where');
      return { kind: expr.kind, column, value: bindLiteral(table, column, expr.kind, expr.value) };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const column = orderedColumn(table, expr.column, expr.kind);
      return { kind: expr.kind, column, value: bindLiteral(table, column, expr.kind, expr.value) };
    }
    case 'between': {
      const column = orderedColumn(table, expr.column, 'between');
      return {
        kind: 'between',
        column,
        low: bindLiteral(table, column, 'between', expr.low),
        high: bindLiteral(table, column, 'between', expr.high),
      };
    }
    case 'in': {
      const column = resolveColumn(table, expr.column, 'where');
      if (!Array.isArray(expr.values) || expr.values.length > MAX_IN_VALUES) {
        throw new ValidationError(
          `in on column '${column.name}': expected an array of at most ${MAX_IN_VALUES} values`,
          { ...location(table), column: column.name },
        );
      }
      const values = expr.values.map((v: unknown) => bindLiteral(table, column, 'in', v));
      return { kind: 'in', column, values };
    }
    case 'isNull':
    case 'isNotNull':
      return { kind: expr.kind, column: resolveColumn(table, expr.column, 'where') };
    case 'like': {
      const column = resolveColumn(table, expr.column, 'where');
      if (column.type !== 'text') {
        throw new ValidationError(
          `like on column '${column.name}' of table ${tableLabel(table)}: like needs a text column, the column is ${column.type}`,
          { ...location(table), column: column.name, type: column.type },
        );
      }
      if (typeof expr.pattern !== 'string') {
        throw new ValidationError(`like on column '${column.name}': the pattern must be a string`, {
          ...location(table),
          column: column.name,
        });
      }
      return { kind: 'like', column, pattern: parseLikePattern(expr.pattern, column.name) };
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(expr.operands)) {
        throw new ValidationError(`${expr.kind}: expected an array of operands`, location(table));
      }
      const operands = expr.operands.map((e: unknown) => bind(table, e, depth + 1));
      return { kind: expr.kind, operands };
    }
    case 'not':
      return { kind: 'not', operand: bind(table, expr.operand, depth + 1) };
  }
}

/** A column that an order comparison may use: anything but `json`. */
function orderedColumn(table: TableSchema, name: string, kind: string): BoundColumn {
  const column = resolveColumn(table, name, 'where');
  if (column.type === 'json') {
    throw new ValidationError(
      `${kind} on column '${column.name}' of table ${tableLabel(table)}: json values have no order (only eq, ne, in, isNull and isNotNull apply)`,
      { ...location(table), column: column.name, type: column.type },
    );
  }
  return column;
}

/**
 * Normalize a literal against its column, as a stored value would be. `null` stays the SQL
 * NULL even on a non-nullable column (comparing with it is UNKNOWN, not an error).
 */
function bindLiteral(table: TableSchema, column: BoundColumn, kind: string, value: unknown): Value {
  if (value === null) return null;
  if (value === undefined) {
    throw new ValidationError(
      `${kind} on column '${column.name}': undefined is not a value (use null or isNull)`,
      { ...location(table), column: column.name },
    );
  }
  const schema: ColumnSchema = table.columns[column.index];
  try {
    return normalizeValue(value, schema, table);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(`${kind} literal does not fit: ${err.message}`, {
      ...err.details,
      column: column.name,
    });
  }
}

function location(table: TableSchema): { projectId: string; scopeId: string; tableName: string } {
  return { projectId: table.projectId, scopeId: table.scopeId, tableName: table.tableName };
}
