/**
 * Whether reading a sorted map in key order already yields a query's result order, so the
 * executor can skip the sort and stop early at `offset + limit`.
 *
 * The result order of a query is total (see {@link Query}): its `orderBy` keys, then the
 * primary key as tie-break, ascending, or descending when the last `orderBy` key is. A scan
 * yields rows ordered by its key columns (all ascending, or all descending when read in
 * reverse). Both sequences are reduced the same way before comparing:
 * - columns that are constant in every selected row (a top-level equality) are dropped;
 * - a column seen before is dropped (ordering by it again changes nothing);
 * - the sequence ends once every primary key column was seen (rows are then distinct).
 * The scan satisfies the order when the reduced sequences name the same columns and every
 * reduced order key has the scan's direction.
 *
 * @module
 */
import type { BoundColumn } from './bound-expr';
import type { BoundOrderKey } from './compiled-query';

/** The direction to read a map in to get the result order, or `undefined` when it cannot. */
export type ScanDirection = 'forward' | 'reverse';

interface Step {
  readonly column: number;
  readonly descending: boolean;
}

/**
 * The direction that makes a scan over `scanColumns` (positions, in key order) produce the
 * result order, or `undefined` when a sort is needed.
 */
export function scanDirectionFor(
  order: readonly BoundOrderKey[],
  primaryKey: readonly BoundColumn[],
  scanColumns: readonly number[],
  constants: ReadonlySet<number>,
): ScanDirection | undefined {
  const tieDescending = order.length > 0 && order[order.length - 1].descending;
  const wanted = reduce(
    [
      ...order.map((k) => ({ column: k.column.index, descending: k.descending })),
      ...primaryKey.map((c) => ({ column: c.index, descending: tieDescending })),
    ],
    primaryKey,
    constants,
  );
  const scanned = reduce(
    scanColumns.map((column) => ({ column, descending: false })),
    primaryKey,
    constants,
  );
  if (wanted.length !== scanned.length) return undefined;
  if (wanted.length === 0) return 'forward';
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i].column !== scanned[i].column) return undefined;
  }
  const descending = wanted[0].descending;
  for (const step of wanted) if (step.descending !== descending) return undefined;
  return descending ? 'reverse' : 'forward';
}

function reduce(
  steps: readonly Step[],
  primaryKey: readonly BoundColumn[],
  constants: ReadonlySet<number>,
): Step[] {
  const seen = new Set(constants);
  const out: Step[] = [];
  for (const step of steps) {
    if (primaryKey.every((c) => seen.has(c.index))) break;
    if (seen.has(step.column)) continue;
    seen.add(step.column);
    out.push(step);
  }
  return out;
}
