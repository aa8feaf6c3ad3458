/**
 * Query predicates: an immutable expression tree and the {@link Expr} factory that builds it.
 *
 * Build-time checks (here) are the ones that need no schema: column names are non-empty
 * strings, literals are values at all (not `undefined`, a function, a symbol or `NaN`), `in`
 * has at most {@link MAX_IN_VALUES} values, `like` patterns parse, and trees are at most
 * {@link MAX_EXPR_DEPTH} deep. Everything that needs the table (unknown columns, literals that
 * do not fit the column type, `like` on a non-text column, ordering on `json`) is checked when
 * the query is compiled against a schema.
 *
 * ## NULL semantics (three-valued logic)
 *
 * Predicates follow SQL: each evaluates to TRUE, FALSE or UNKNOWN, and a row is selected only
 * when the whole `where` is TRUE.
 * - A comparison (`eq`, `ne`, `lt`, `lte`, `gt`, `gte`, `like`) whose column value or literal
 *   is NULL is UNKNOWN. So `Expr.eq('x', null)` selects nothing: use `Expr.isNull('x')`.
 * - `between(x, lo, hi)` is `x >= lo AND x <= hi`: with a NULL bound it is FALSE when the other
 *   bound already fails, else UNKNOWN.
 * - `in` is TRUE when the value equals a listed value, UNKNOWN when it is NULL or when it does
 *   not match and the list holds a NULL, FALSE otherwise; an empty list is always FALSE.
 * - `isNull` / `isNotNull` are never UNKNOWN.
 * - `and` / `or` / `not` are Kleene's: FALSE wins `and`, TRUE wins `or`, otherwise UNKNOWN if
 *   any operand is; `not` swaps TRUE and FALSE and keeps UNKNOWN. So `not(eq('x', 1))` does NOT
 *   select rows where `x` is NULL (`not` of UNKNOWN is UNKNOWN, which is not selected).
 *   `and()` with no operand is TRUE, `or()` with none is FALSE.
 *
 * @module
 */
import { ValidationError } from '../errors';
import { describeValue } from '../values/normalize-value';
import { parseLikePattern } from './like-pattern';

/** Deepest accepted expression tree (a leaf has depth 1), as in aedb. */
export const MAX_EXPR_DEPTH = 32;

/** Most values accepted by `in`, as in aedb. */
export const MAX_IN_VALUES = 10_000;

/** The binary comparison operators. */
export type ComparisonKind = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

/** `column <op> value`. */
export interface ComparisonExpr {
  readonly kind: ComparisonKind;
  readonly column: string;
  readonly value: unknown;
}

/** `column IN (values)`. */
export interface InExpr {
  readonly kind: 'in';
  readonly column: string;
  readonly values: readonly unknown[];
}

/** `column BETWEEN low AND high` (both inclusive). */
export interface BetweenExpr {
  readonly kind: 'between';
  readonly column: string;
  readonly low: unknown;
  readonly high: unknown;
}

/** `column IS NULL` / `column IS NOT NULL`. */
export interface NullTestExpr {
  readonly kind: 'isNull' | 'isNotNull';
  readonly column: string;
}

/** `column LIKE pattern` (text columns only). */
export interface LikeExpr {
  readonly kind: 'like';
  readonly column: string;
  readonly pattern: string;
}

/** Conjunction or disjunction of any number of operands. */
export interface JunctionExpr {
  readonly kind: 'and' | 'or';
  readonly operands: readonly Expr[];
}

/** Negation. */
export interface NotExpr {
  readonly kind: 'not';
  readonly operand: Expr;
}

/**
 * A predicate over the columns of one table: a frozen tree of plain objects, discriminated by
 * `kind`. Build it with the {@link Expr} factory; see the module docs for NULL semantics.
 */
export type Expr =
  ComparisonExpr | InExpr | BetweenExpr | NullTestExpr | LikeExpr | JunctionExpr | NotExpr;

/** Every `kind` an {@link Expr} may have. */
export type ExprKind = Expr['kind'];

/** Depth of the trees built by the factory (the factory refuses to build deeper ones). */
const depths = new WeakMap<Expr, number>();

/**
 * The factory of {@link Expr} nodes. Each call validates its arguments, copies mutable
 * literals (byte arrays, JSON objects) and returns a frozen node.
 *
 * @example
 * ```ts
 * const active = Expr.and(
 *   Expr.eq('status', 'active'),
 *   Expr.or(Expr.gte('balance', 100n), Expr.isNull('closedAt')),
 *   Expr.not(Expr.like('email', '%@example.com')),
 * );
 * Query.select('*').from('accounts').where(active);
 * ```
 */
export const Expr = Object.freeze({
  /** `column = value`. */
  eq: (column: string, value: unknown): Expr => comparison('eq', column, value),
  /** `column <> value`. */
  ne: (column: string, value: unknown): Expr => comparison('ne', column, value),
  /** `column < value`. */
  lt: (column: string, value: unknown): Expr => comparison('lt', column, value),
  /** `column <= value`. */
  lte: (column: string, value: unknown): Expr => comparison('lte', column, value),
  /** `column > value`. */
  gt: (column: string, value: unknown): Expr => comparison('gt', column, value),
  /** `column >= value`. */
  gte: (column: string, value: unknown): Expr => comparison('gte', column, value),

  /** `column IN (values)`: at most {@link MAX_IN_VALUES} values; an empty list matches nothing. */
  in(column: string, values: readonly unknown[]): Expr {
    checkColumn('in', column);
    if (!Array.isArray(values)) {
      throw new ValidationError(`in on column '${column}': expected an array of values`, {
        column,
      });
    }
    if (values.length > MAX_IN_VALUES) {
      throw new ValidationError(
        `in on column '${column}': ${values.length} values, at most ${MAX_IN_VALUES}`,
        { column, count: values.length },
      );
    }
    const copy = values.map((v: unknown) => literal('in', column, v));
    return leaf({ kind: 'in', column, values: Object.freeze(copy) });
  },

  /** `column BETWEEN low AND high`, both bounds inclusive. */
  between(column: string, low: unknown, high: unknown): Expr {
    checkColumn('between', column);
    return leaf({
      kind: 'between',
      column,
      low: literal('between', column, low),
      high: literal('between', column, high),
    });
  },

  /** `column IS NULL`. */
  isNull(column: string): Expr {
    checkColumn('isNull', column);
    return leaf({ kind: 'isNull', column });
  },

  /** `column IS NOT NULL`. */
  isNotNull(column: string): Expr {
    checkColumn('isNotNull', column);
    return leaf({ kind: 'isNotNull', column });
  },

  /**
   * `column LIKE pattern` on a text column: `%` any run, `_` one character, `\` escapes the
   * next character. Case-sensitive; at most 256 characters.
   */
  like(column: string, pattern: string): Expr {
    checkColumn('like', column);
    if (typeof pattern !== 'string') {
      throw new ValidationError(`like on column '${column}': the pattern must be a string`, {
        column,
      });
    }
    parseLikePattern(pattern, column); // validate now; compiled again per query
    return leaf({ kind: 'like', column, pattern });
  },

  /** All operands are TRUE (`and()` with none is TRUE). */
  and: (...operands: Expr[]): Expr => junction('and', operands),

  /** Any operand is TRUE (`or()` with none is FALSE). */
  or: (...operands: Expr[]): Expr => junction('or', operands),

  /** Negation (UNKNOWN stays UNKNOWN). */
  not(operand: Expr): Expr {
    const depth = 1 + depthOf(operand, 'not');
    checkDepth(depth);
    return node({ kind: 'not', operand }, depth);
  },
});

/** True when `value` looks like an {@link Expr} node (a known `kind`); does not check deeper. */
export function isExpr(value: unknown): value is Expr {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    EXPR_KINDS.has((value as { kind: string }).kind)
  );
}

const EXPR_KINDS: ReadonlySet<string> = new Set<ExprKind>([
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'between',
  'isNull',
  'isNotNull',
  'like',
  'and',
  'or',
  'not',
]);

function comparison(kind: ComparisonKind, column: string, value: unknown): Expr {
  checkColumn(kind, column);
  return leaf({ kind, column, value: literal(kind, column, value) });
}

function junction(kind: 'and' | 'or', operands: Expr[]): Expr {
  let depth = 0;
  for (const operand of operands) depth = Math.max(depth, depthOf(operand, kind));
  checkDepth(depth + 1);
  return node({ kind, operands: Object.freeze([...operands]) }, depth + 1);
}

function leaf(expr: Expr): Expr {
  return node(expr, 1);
}

function node(expr: Expr, depth: number): Expr {
  Object.freeze(expr);
  depths.set(expr, depth);
  return expr;
}

/** Depth of an operand; measured (bounded) when it was not built by the factory. */
function depthOf(operand: unknown, parent: string): number {
  if (!isExpr(operand)) {
    throw new ValidationError(`${parent}: every operand must be an Expr`, { kind: parent });
  }
  return depths.get(operand) ?? measureDepth(operand, MAX_EXPR_DEPTH + 1);
}

/**
 * Depth of `expr`, or `limit` as soon as it is known to be at least `limit` (so a hostile,
 * very deep hand-built tree costs at most `limit` levels of recursion).
 */
export function measureDepth(expr: Expr, limit: number): number {
  if (limit <= 1) return 1;
  if (expr.kind === 'not') return 1 + measureDepth(expr.operand, limit - 1);
  if (expr.kind !== 'and' && expr.kind !== 'or') return 1;
  let d = 0;
  for (const operand of expr.operands) {
    d = Math.max(d, measureDepth(operand, limit - 1));
    if (d >= limit - 1) break;
  }
  return d + 1;
}

function checkDepth(depth: number): void {
  if (depth > MAX_EXPR_DEPTH) {
    throw new ValidationError(`expression is nested deeper than ${MAX_EXPR_DEPTH} levels`, {
      maxDepth: MAX_EXPR_DEPTH,
    });
  }
}

function checkColumn(kind: string, column: unknown): asserts column is string {
  if (typeof column !== 'string' || column === '') {
    throw new ValidationError(`${kind}: the column name must be a non-empty string`, {
      kind,
      column: describeValue(column),
    });
  }
}

/**
 * Validate a literal that needs no schema to be judged, and copy what the caller could mutate
 * later (the tree must stay immutable). Type fit is checked against the column on compile.
 */
function literal(kind: string, column: string, value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      throw new ValidationError(
        `${kind} on column '${column}': ${typeof value} is not a value (use null or isNull)`,
        { kind, column },
      );
    case 'number':
      if (Number.isNaN(value)) {
        throw new ValidationError(`${kind} on column '${column}': NaN is not a value`, {
          kind,
          column,
        });
      }
      return value;
    case 'object':
      return value === null ? null : copyObject(value, kind, column, 0);
    case 'string':
    case 'bigint':
    case 'boolean':
      return value;
  }
}

function copyObject(value: object, kind: string, column: string, depth: number): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    if (depth > 64) {
      throw new ValidationError(`${kind} on column '${column}': literal nested too deep`, {
        kind,
        column,
      });
    }
    // JSON literals: a frozen structural copy, so later edits by the caller cannot reach it.
    const copy: unknown = Array.isArray(value)
      ? value.map((v: unknown) => copyMember(v, kind, column, depth))
      : Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, copyMember(v, kind, column, depth)]),
        );
    return Object.freeze(copy);
  }
  // A Date or anything else: checked (and converted) against the column type on compile.
  return value;
}

function copyMember(v: unknown, kind: string, column: string, depth: number): unknown {
  return typeof v === 'object' && v !== null ? copyObject(v, kind, column, depth + 1) : v;
}
