/**
 * The immutable, fluent query builder.
 *
 * @module
 */
import { ValidationError } from '../errors';
import { describeValue } from '../values/normalize-value';
import { Expr, isExpr } from './expr';

/** Sort direction of an `orderBy` key. */
export type SortDirection = 'asc' | 'desc';

/** One `orderBy` key. */
export interface OrderKey {
  readonly column: string;
  readonly direction: SortDirection;
}

/** Most `orderBy` keys in one query. */
export const MAX_ORDER_KEYS = 8;

interface QueryState {
  readonly selection: readonly string[] | '*';
  readonly tableName: string | undefined;
  readonly filter: Expr | undefined;
  readonly ordering: readonly OrderKey[];
  readonly limitCount: number | undefined;
  readonly offsetCount: number;
}

/**
 * A read query over one table: projection, filter, order, offset and limit.
 *
 * Every method returns a new frozen `Query` and leaves its receiver untouched, so a base query
 * can be shared and refined freely. Arguments are validated on each call (a bad one throws a
 * {@link ValidationError} right there); column names and literal types are checked against the
 * table when the query runs.
 *
 * Result order is total and deterministic whatever plan runs: the `orderBy` keys, then the
 * primary key as tie-break, ascending, or descending when the last `orderBy` key is
 * descending (so `orderBy(x, 'desc')` is exactly the reverse of `orderBy(x, 'asc')`). Without
 * `orderBy`, rows come in primary-key order. NULLs sort first in `asc`, last in `desc`.
 *
 * @example
 * ```ts
 * const q = Query.select('id', 'username')
 *   .from('users')
 *   .where(Expr.and(Expr.gte('age', 18), Expr.like('username', 'a%')))
 *   .orderBy('username', 'asc')
 *   .limit(10)
 *   .offset(20);
 * const page = await db.query('demo', 'app', q);
 * ```
 */
export class Query {
  /** Selected column names in output order, or `'*'` for all columns in table order. */
  readonly selection: readonly string[] | '*';
  /** The table to read, once {@link Query.from} was called. */
  readonly tableName: string | undefined;
  /** The `where` predicate, if any. */
  readonly filter: Expr | undefined;
  /** The `orderBy` keys, in priority order. */
  readonly ordering: readonly OrderKey[];
  /** Most rows to return; `undefined` for all. */
  readonly limitCount: number | undefined;
  /** Rows to skip before the first returned one. */
  readonly offsetCount: number;

  private constructor(state: QueryState) {
    this.selection = state.selection;
    this.tableName = state.tableName;
    this.filter = state.filter;
    this.ordering = state.ordering;
    this.limitCount = state.limitCount;
    this.offsetCount = state.offsetCount;
    Object.freeze(this);
  }

  /**
   * Start a query selecting `columns` (in this output order), or every column with `'*'`.
   * Also accepts one array of names.
   */
  static select(...columns: (string | readonly string[])[]): Query {
    const first: unknown = columns[0];
    const names: readonly unknown[] =
      columns.length === 1 && Array.isArray(first) ? (first as readonly unknown[]) : columns;
    if (names.length === 0) {
      throw new ValidationError("select: name at least one column, or '*' for all", {});
    }
    const seen = new Set<string>();
    for (const name of names) {
      checkName('select', name);
      if (name === '*' && names.length > 1) {
        throw new ValidationError("select: '*' cannot be combined with column names", {});
      }
      if (seen.has(name)) {
        throw new ValidationError(`select: column '${name}' is selected twice`, { column: name });
      }
      seen.add(name);
    }
    return new Query({
      selection: names[0] === '*' ? '*' : Object.freeze([...(names as readonly string[])]),
      tableName: undefined,
      filter: undefined,
      ordering: Object.freeze([]),
      limitCount: undefined,
      offsetCount: 0,
    });
  }

  /** Read from `table` (replaces a previous `from`). */
  from(table: string): Query {
    checkName('from', table);
    return this.with({ tableName: table });
  }

  /** Filter rows by `expr`. A second `where` is combined with the first by `and`. */
  where(expr: Expr): Query {
    if (!isExpr(expr)) throw new ValidationError('where: expected an Expr', {});
    if (this.filter === undefined) return this.with({ filter: expr });
    const left = this.filter.kind === 'and' ? this.filter.operands : [this.filter];
    return this.with({ filter: Expr.and(...left, expr) });
  }

  /** Add a sort key (after the existing ones); at most {@link MAX_ORDER_KEYS}. */
  orderBy(column: string, direction: SortDirection = 'asc'): Query {
    checkName('orderBy', column);
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ValidationError(
        `orderBy on column '${column}': direction must be 'asc' or 'desc', got ${describeValue(direction)}`,
        { column },
      );
    }
    if (this.ordering.some((k) => k.column === column)) {
      throw new ValidationError(`orderBy: column '${column}' is already an order key`, { column });
    }
    if (this.ordering.length >= MAX_ORDER_KEYS) {
      throw new ValidationError(`orderBy: at most ${MAX_ORDER_KEYS} order keys`, { column });
    }
    const key: OrderKey = Object.freeze({ column, direction });
    return this.with({ ordering: Object.freeze([...this.ordering, key]) });
  }

  /** Return at most `n` rows (a non-negative safe integer; replaces a previous `limit`). */
  limit(n: number): Query {
    checkCount('limit', n);
    return this.with({ limitCount: n });
  }

  /** Skip the first `n` rows (a non-negative safe integer; replaces a previous `offset`). */
  offset(n: number): Query {
    checkCount('offset', n);
    return this.with({ offsetCount: n });
  }

  private with(change: Partial<QueryState>): Query {
    return new Query({
      selection: this.selection,
      tableName: this.tableName,
      filter: this.filter,
      ordering: this.ordering,
      limitCount: this.limitCount,
      offsetCount: this.offsetCount,
      ...change,
    });
  }
}

function checkName(method: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new ValidationError(`${method}: expected a non-empty name string, got ${typeof name}`, {
      method,
    });
  }
}

function checkCount(method: string, n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError(
      `${method}: expected a non-negative integer, got ${typeof n === 'number' ? n : typeof n}`,
      { method },
    );
  }
}
