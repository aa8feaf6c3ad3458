/**
 * Compiling a bound expression into a closure over decoded value arrays, evaluated in SQL's
 * three-valued logic (see the NULL semantics in `expr.ts`).
 *
 * Compilation happens once per (query, table); evaluation runs once per examined row, so the
 * closures avoid allocation and pick a specialized comparison per column type up front (plain
 * `===` / `<` where the stored representation allows it).
 *
 * @module
 */
import type { ColumnType, Value } from '../schema';
import { compareValues, valuesEqual } from '../values/value-order';
import type { BoundColumn, BoundExpr } from './bound-expr';
import { likeMatches } from './like-pattern';

/** Three-valued truth: {@link FALSE}, {@link TRUE} or {@link UNKNOWN}. */
export type Truth = 0 | 1 | 2;
/** The predicate does not hold. */
export const FALSE: Truth = 0;
/** The predicate holds: the only value that selects a row. */
export const TRUE: Truth = 1;
/** A NULL was involved: neither holds nor fails; `not` keeps it UNKNOWN. */
export const UNKNOWN: Truth = 2;

/** A compiled predicate over a row's values (aligned with `table.columns`). */
export type CompiledPredicate = (values: readonly Value[]) => Truth;

/**
 * Compile `expr` into a {@link CompiledPredicate}. A row is selected when it returns
 * {@link TRUE}.
 *
 * @example
 * ```ts
 * const p = compilePredicate(bindExpr(users, Expr.gt('age', 30)));
 * p([1, 'alice', 31]) === TRUE;
 * ```
 */
export function compilePredicate(expr: BoundExpr): CompiledPredicate {
  switch (expr.kind) {
    case 'eq':
    case 'ne': {
      const { index: i, type } = expr.column;
      const lit = expr.value;
      if (lit === null) return alwaysUnknown;
      const eq = equalityOf(type);
      const hit = expr.kind === 'eq' ? TRUE : FALSE;
      const miss = expr.kind === 'eq' ? FALSE : TRUE;
      return (values) => {
        const v = values[i];
        return v === null ? UNKNOWN : eq(v, lit) ? hit : miss;
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return compareTo(expr.column, expr.kind, expr.value);
    case 'between': {
      // Exactly `column >= low AND column <= high`, including how NULL bounds behave.
      return and2(
        compareTo(expr.column, 'gte', expr.low),
        compareTo(expr.column, 'lte', expr.high),
      );
    }
    case 'in':
      return compileIn(expr.column, expr.values);
    case 'isNull': {
      const i = expr.column.index;
      return (values) => (values[i] === null ? TRUE : FALSE);
    }
    case 'isNotNull': {
      const i = expr.column.index;
      return (values) => (values[i] === null ? FALSE : TRUE);
    }
    case 'like': {
      const i = expr.column.index;
      const pattern = expr.pattern;
      return (values) => {
        const v = values[i];
        return v === null ? UNKNOWN : likeMatches(pattern, v as string) ? TRUE : FALSE;
      };
    }
    case 'and': {
      const ps = expr.operands.map(compilePredicate);
      if (ps.length === 0) return alwaysTrue;
      if (ps.length === 1) return ps[0];
      if (ps.length === 2) return and2(ps[0], ps[1]);
      return (values) => {
        let r: Truth = TRUE;
        for (let k = 0; k < ps.length; k++) {
          const t = ps[k](values);
          if (t === FALSE) return FALSE;
          if (t === UNKNOWN) r = UNKNOWN;
        }
        return r;
      };
    }
    case 'or': {
      const ps = expr.operands.map(compilePredicate);
      if (ps.length === 0) return alwaysFalse;
      if (ps.length === 1) return ps[0];
      return (values) => {
        let r: Truth = FALSE;
        for (let k = 0; k < ps.length; k++) {
          const t = ps[k](values);
          if (t === TRUE) return TRUE;
          if (t === UNKNOWN) r = UNKNOWN;
        }
        return r;
      };
    }
    case 'not': {
      const p = compilePredicate(expr.operand);
      return (values) => {
        const t = p(values);
        return t === TRUE ? FALSE : t === FALSE ? TRUE : UNKNOWN;
      };
    }
  }
}

const alwaysTrue: CompiledPredicate = () => TRUE;
const alwaysFalse: CompiledPredicate = () => FALSE;
const alwaysUnknown: CompiledPredicate = () => UNKNOWN;

function and2(a: CompiledPredicate, b: CompiledPredicate): CompiledPredicate {
  return (values) => {
    const x = a(values);
    if (x === FALSE) return FALSE;
    const y = b(values);
    return y === FALSE ? FALSE : x === TRUE && y === TRUE ? TRUE : UNKNOWN;
  };
}

/** Types whose stored values are JS primitives that compare correctly with `<`. */
function isNumeric(type: ColumnType): boolean {
  switch (type) {
    case 'integer':
    case 'u8':
    case 'float':
    case 'u64':
    case 'u256':
    case 'i256':
    case 'timestamp':
      return true;
    case 'text':
    case 'boolean':
    case 'blob':
    case 'json':
      return false;
  }
}

/** Equality of two non-null stored values of `type`. */
function equalityOf(type: ColumnType): (a: Value, b: Value) => boolean {
  // Text, numbers, bigints and booleans are primitives (and -0 is stored as 0): `===` is exact.
  if (type === 'blob' || type === 'json') return (a, b) => valuesEqual(type, a, b);
  return (a, b) => a === b;
}

function compareTo(
  column: BoundColumn,
  kind: 'lt' | 'lte' | 'gt' | 'gte',
  lit: Value,
): CompiledPredicate {
  if (lit === null) return alwaysUnknown;
  const { index: i, type } = column;
  if (isNumeric(type)) {
    // Number vs number or bigint vs bigint (normalized to the column's representation).
    const l = lit as number | bigint;
    switch (kind) {
      case 'lt':
        return (values) => {
          const v = values[i] as number | bigint | null;
          return v === null ? UNKNOWN : v < l ? TRUE : FALSE;
        };
      case 'lte':
        return (values) => {
          const v = values[i] as number | bigint | null;
          return v === null ? UNKNOWN : v <= l ? TRUE : FALSE;
        };
      case 'gt':
        return (values) => {
          const v = values[i] as number | bigint | null;
          return v === null ? UNKNOWN : v > l ? TRUE : FALSE;
        };
      case 'gte':
        return (values) => {
          const v = values[i] as number | bigint | null;
          return v === null ? UNKNOWN : v >= l ? TRUE : FALSE;
        };
    }
  }
  // Text (code point order, not UTF-16 `<`), blob and boolean go through the shared order.
  const test = signTest(kind);
  return (values) => {
    const v = values[i];
    return v === null ? UNKNOWN : test(compareValues(type, v, lit)) ? TRUE : FALSE;
  };
}

function signTest(kind: 'lt' | 'lte' | 'gt' | 'gte'): (c: number) => boolean {
  switch (kind) {
    case 'lt':
      return (c) => c < 0;
    case 'lte':
      return (c) => c <= 0;
    case 'gt':
      return (c) => c > 0;
    case 'gte':
      return (c) => c >= 0;
  }
}

function compileIn(column: BoundColumn, list: readonly Value[]): CompiledPredicate {
  const { index: i, type } = column;
  const present = list.filter((v) => v !== null);
  const hasNull = present.length < list.length;
  const miss = hasNull ? UNKNOWN : FALSE;
  if (present.length === 0) {
    return hasNull ? alwaysUnknown : alwaysFalse;
  }
  if (type === 'blob' || type === 'json') {
    return (values) => {
      const v = values[i];
      if (v === null) return UNKNOWN;
      for (let k = 0; k < present.length; k++) if (valuesEqual(type, v, present[k])) return TRUE;
      return miss;
    };
  }
  // Primitives: a Set (SameValueZero compares bigints by value, and -0 is never stored).
  const set = new Set<Value>(present);
  return (values) => {
    const v = values[i];
    return v === null ? UNKNOWN : set.has(v) ? TRUE : miss;
  };
}
