/**
 * What the top-level conjuncts of a `where` say about single columns, in the byte space of the
 * key codec: the planner turns these into key points and ranges.
 *
 * Only conjuncts at the top level (through nested `and`s) are used: every selected row makes
 * each of them TRUE, so each is a necessary condition and any key bound derived from one is
 * safe. Everything else (`or`, `not`, `ne`, `like` without a literal prefix) is left to the
 * residual filter, which always re-checks the whole predicate.
 *
 * @module
 */
import type { ColumnType, Value } from '../schema';
import { encodeKey, KEY_UPPER_BOUND_SUFFIX } from '../values/key-codec';
import type { BoundColumn, BoundExpr } from './bound-expr';

/** Constraints on one column, on its key component (the encoding of its value alone). */
export interface ColumnConstraint {
  /**
   * The encoded components the value must be one of: sorted, distinct. From `eq`, `in`,
   * `isNull` (the null component) and a wildcard-free `like`. Empty: no row can match.
   */
  points: string[] | undefined;
  /** Inclusive lower bound on the component, from range predicates. */
  lo: string | undefined;
  /** Exclusive upper bound on the component, from range predicates. */
  hi: string | undefined;
}

/** Constraints by column position in `table.columns`. */
export type Constraints = ReadonlyMap<number, ColumnConstraint>;

/**
 * Collect the single-column constraints of `filter`. Columns of type `json` are never keyed
 * and get none.
 */
export function collectConstraints(filter: BoundExpr | undefined): Constraints {
  const out = new Map<number, ColumnConstraint>();
  if (filter !== undefined) visit(filter, out);
  for (const c of out.values()) {
    // A range and a point set on one column: keep the points inside the range.
    if (c.points !== undefined && (c.lo !== undefined || c.hi !== undefined)) {
      c.points = c.points.filter(
        (p) => (c.lo === undefined || p >= c.lo) && (c.hi === undefined || p < c.hi),
      );
    }
  }
  return out;
}

/** The columns a single value is known for in every selected row (one point). */
export function constantColumns(constraints: Constraints): Set<number> {
  const out = new Set<number>();
  for (const [column, c] of constraints) {
    if (c.points !== undefined && c.points.length === 1) out.add(column);
  }
  return out;
}

function visit(expr: BoundExpr, out: Map<number, ColumnConstraint>): void {
  switch (expr.kind) {
    case 'and':
      for (const operand of expr.operands) visit(operand, out);
      return;
    case 'eq':
      if (!keyable(expr.column)) return;
      addPoints(out, expr.column, expr.value === null ? [] : [component(expr.column, expr.value)]);
      return;
    case 'in': {
      if (!keyable(expr.column)) return;
      const points: string[] = [];
      for (const v of expr.values) if (v !== null) points.push(component(expr.column, v));
      addPoints(out, expr.column, points);
      return;
    }
    case 'isNull':
      if (keyable(expr.column)) addPoints(out, expr.column, [component(expr.column, null)]);
      return;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (!keyable(expr.column)) return;
      if (expr.value === null) addPoints(out, expr.column, []);
      else addBound(out, expr.column, expr.kind, component(expr.column, expr.value));
      return;
    case 'between':
      if (!keyable(expr.column)) return;
      if (expr.low === null || expr.high === null) {
        addPoints(out, expr.column, []);
        return;
      }
      addBound(out, expr.column, 'gte', component(expr.column, expr.low));
      addBound(out, expr.column, 'lte', component(expr.column, expr.high));
      return;
    case 'like': {
      const { prefix, exact } = expr.pattern;
      if (exact) {
        addPoints(out, expr.column, [component(expr.column, prefix)]);
      } else if (prefix !== '') {
        // A text component is tag, escaped UTF-8, terminator 0x00. Without the terminator it
        // is a byte prefix of every text starting with `prefix`; the byte after it is 0x00 or
        // a UTF-8 byte, never 0xFF, so `+ 0xFF` bounds them all.
        const open = component(expr.column, prefix).slice(0, -1);
        narrow(out, expr.column, open, open + KEY_UPPER_BOUND_SUFFIX);
      }
      return;
    }
    case 'ne':
    case 'isNotNull':
    case 'or':
    case 'not':
      return;
  }
}

function keyable(column: BoundColumn): boolean {
  return column.type !== 'json';
}

/** The key component of one value of `column`. */
function component(column: BoundColumn, value: Value): string {
  return encodeKey(SINGLE[column.type], [value]);
}

const SINGLE: Readonly<Record<ColumnType, readonly ColumnType[]>> = {
  text: ['text'],
  u8: ['u8'],
  u64: ['u64'],
  integer: ['integer'],
  float: ['float'],
  boolean: ['boolean'],
  u256: ['u256'],
  i256: ['i256'],
  blob: ['blob'],
  timestamp: ['timestamp'],
  json: ['json'],
};

function entry(out: Map<number, ColumnConstraint>, column: BoundColumn): ColumnConstraint {
  let c = out.get(column.index);
  if (c === undefined) {
    c = { points: undefined, lo: undefined, hi: undefined };
    out.set(column.index, c);
  }
  return c;
}

function addPoints(
  out: Map<number, ColumnConstraint>,
  column: BoundColumn,
  points: string[],
): void {
  const c = entry(out, column);
  const sorted = [...new Set(points)].sort();
  if (c.points === undefined) {
    c.points = sorted;
  } else {
    const keep = new Set(sorted);
    c.points = c.points.filter((p) => keep.has(p));
  }
}

/**
 * A range predicate as half-open component bounds. Every range excludes NULL (a comparison
 * with NULL is never TRUE), so the lower bound is at least "just above the null component".
 */
function addBound(
  out: Map<number, ColumnConstraint>,
  column: BoundColumn,
  kind: 'lt' | 'lte' | 'gt' | 'gte',
  enc: string,
): void {
  const aboveNull = component(column, null) + KEY_UPPER_BOUND_SUFFIX;
  switch (kind) {
    case 'gt':
      return narrow(out, column, enc + KEY_UPPER_BOUND_SUFFIX, undefined);
    case 'gte':
      return narrow(out, column, enc, undefined);
    case 'lt':
      return narrow(out, column, aboveNull, enc);
    case 'lte':
      return narrow(out, column, aboveNull, enc + KEY_UPPER_BOUND_SUFFIX);
  }
}

function narrow(
  out: Map<number, ColumnConstraint>,
  column: BoundColumn,
  lo: string | undefined,
  hi: string | undefined,
): void {
  const c = entry(out, column);
  if (lo !== undefined && (c.lo === undefined || lo > c.lo)) c.lo = lo;
  if (hi !== undefined && (c.hi === undefined || hi < c.hi)) c.hi = hi;
}
