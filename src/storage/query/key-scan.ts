/**
 * Turning column constraints into the byte ranges to read from one sorted map, for a given
 * sequence of key columns (the primary key, or an index's columns).
 *
 * @module
 */
import { KEY_UPPER_BOUND_SUFFIX } from '../values/key-codec';
import type { ColumnConstraint, Constraints } from './access-constraints';
import { MAX_IN_VALUES } from './expr';

/** Most points or ranges one plan reads (a cross product of `in` lists is capped here). */
export const MAX_KEY_LOOKUPS = MAX_IN_VALUES;

/** A half-open byte-string range `lo <= key < hi`; an `undefined` bound is open. */
export interface KeyRange {
  readonly lo: string | undefined;
  readonly hi: string | undefined;
}

/** The part of the key columns a set of constraints can bound. */
export interface KeyScan {
  /** Leading key columns fixed by equality (`eq`, `in`, `isNull`). */
  readonly equalityColumns: number;
  /** Whether the next key column is bounded by a range too. */
  readonly rangeColumn: boolean;
  /**
   * The encoded key prefixes of the equality columns, sorted (a cross product of their point
   * sets). When `equalityColumns` is every key column, these are whole keys.
   */
  readonly prefixes: readonly string[];
  /** The ranges to read, sorted and disjoint (one per prefix; none when nothing can match). */
  readonly ranges: readonly KeyRange[];
}

/**
 * Bound a scan over keys made of `keyColumns` (positions in `table.columns`, in key order)
 * using `constraints`: equality on a leading prefix, then a range on the next column.
 * A map whose keys continue after these columns (an index key ends with the primary key)
 * is covered as well: bounds only ever constrain whole leading components.
 */
export function planKeyScan(keyColumns: readonly number[], constraints: Constraints): KeyScan {
  let prefixes: string[] = [''];
  let equalityColumns = 0;
  for (const column of keyColumns) {
    const points = constraints.get(column)?.points;
    if (points === undefined || prefixes.length * points.length > MAX_KEY_LOOKUPS) break;
    prefixes = cross(prefixes, points);
    equalityColumns++;
  }
  let range: ColumnConstraint | undefined;
  if (equalityColumns < keyColumns.length) {
    const next = constraints.get(keyColumns[equalityColumns]);
    if (next !== undefined && (next.lo !== undefined || next.hi !== undefined)) range = next;
  }
  const ranges: KeyRange[] = [];
  for (const p of prefixes) {
    const lo = range?.lo !== undefined ? p + range.lo : p === '' ? undefined : p;
    const hi =
      range?.hi !== undefined ? p + range.hi : p === '' ? undefined : p + KEY_UPPER_BOUND_SUFFIX;
    if (lo !== undefined && hi !== undefined && lo >= hi) continue; // an empty range
    ranges.push({ lo, hi });
  }
  return { equalityColumns, rangeColumn: range !== undefined, prefixes, ranges };
}

/**
 * Every `p + q`, in sorted order. `ps` and `qs` are sorted and hold whole self-delimiting
 * components, so no `p` is a prefix of another and concatenation preserves the order.
 */
function cross(ps: readonly string[], qs: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of ps) for (const q of qs) out.push(p + q);
  return out;
}
