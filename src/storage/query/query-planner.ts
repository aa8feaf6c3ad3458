/**
 * The rule-based query planner: picks how to read a table for a compiled query, and explains
 * its choice.
 *
 * Candidate access paths, from the top-level conjuncts of `where` (see `access-constraints.ts`):
 * - the primary key: equality on a leading prefix of its columns, then a range on the next;
 * - each secondary index: the same on its columns (rows are then fetched by primary key);
 * - a full scan of the rows in primary-key order.
 *
 * Rules, the first that applies wins (no cost model, no statistics):
 * 1. `pkPoint` — equality (`eq`, `in`, `isNull`, wildcard-free `like`) on every primary key
 *    column, at most 10,000 key combinations: point gets.
 * 2. `pkRange` with an equality prefix — equality on leading primary key columns, optionally
 *    a range on the next one.
 * 3. `indexEq` / `indexRange` with an equality prefix — the index with the most leading
 *    equality columns; ties go to one that also has a range on the next column, then to one
 *    whose order serves `orderBy`, then to the first declared. (`indexRange` when a range
 *    bounds the scan, `indexEq` when equality alone does.)
 * 4. A range alone (`lt`/`lte`/`gt`/`gte`/`between`, `like 'abc%'` on text) on the first primary
 *    key column (`pkRange`) or the first column of an index (`indexRange`): a path whose order
 *    serves `orderBy` first, then the primary key, then the first declared index.
 * 5. With a `limit`, when a full scan cannot serve `orderBy` but an index's order can: an
 *    unbounded `indexRange` over that index, which stops after `offset + limit` rows.
 * 6. `fullScan`.
 *
 * Whatever the path, every fetched row is re-checked against the whole `where` (the residual
 * filter), so a plan can only make a query faster, never change its result. When the path's
 * key order is the result order (see `scan-order.ts`) the sort is skipped, the map is read
 * forward or in reverse, and the scan stops after `offset + limit` selected rows.
 *
 * @module
 */
import type { IndexSchema } from '../schema';
import { collectConstraints, constantColumns } from './access-constraints';
import { resolveColumn, tableLabel } from './bound-expr';
import type { CompiledQuery } from './compiled-query';
import { type KeyRange, type KeyScan, planKeyScan } from './key-scan';
import { scanDirectionFor } from './scan-order';

/** The access path kinds, best first. */
export type QueryPlanKind = 'pkPoint' | 'pkRange' | 'indexEq' | 'indexRange' | 'fullScan';

/** A plan as `explainQuery` reports it: plain data, stable enough to assert on. */
export interface QueryPlanDescription {
  readonly kind: QueryPlanKind;
  /** `project.scope.table`. */
  readonly table: string;
  /** The secondary index read, for `indexEq` / `indexRange`. */
  readonly index?: string;
  /** Leading key columns bounded by equality, in key order. */
  readonly equalityColumns: readonly string[];
  /** The key column bounded by a range after them, if any. */
  readonly rangeColumn?: string;
  /** Point gets (`pkPoint`) or key ranges (all other kinds) to read. */
  readonly lookups: number;
  /** Whether the map is read in descending key order. */
  readonly reverse: boolean;
  /** Whether the selected rows are sorted after the scan (the key order is not the result order). */
  readonly sort: boolean;
  /** The scan stops after this many selected rows (`offset + limit`), when it can. */
  readonly stopAfter?: number;
  /** Whether each fetched row is filtered by the `where` predicate. */
  readonly filter: boolean;
  /** Which rule chose the path, in words. */
  readonly reason: string;
}

/** An executable plan. Immutable; depends only on the schema and the query, not the data. */
export interface QueryPlan {
  readonly kind: QueryPlanKind;
  /** The index read, for index plans. */
  readonly index: IndexSchema | undefined;
  /** Whole primary keys to get, for `pkPoint` (sorted ascending). */
  readonly points: readonly string[];
  /** Key ranges to scan, sorted ascending and disjoint (unused by `pkPoint`). */
  readonly ranges: readonly KeyRange[];
  readonly reverse: boolean;
  readonly sort: boolean;
  readonly stopAfter: number | undefined;
  readonly description: QueryPlanDescription;
}

interface Candidate {
  readonly kind: QueryPlanKind;
  readonly index: IndexSchema | undefined;
  /** Key columns of the map (index columns then primary key, or the primary key). */
  readonly keyColumns: readonly number[];
  readonly scan: KeyScan;
  readonly direction: 'forward' | 'reverse' | undefined;
  readonly reason: string;
}

/**
 * Choose the access path for `compiled` (see the module docs for the rules).
 *
 * @example
 * ```ts
 * planQuery(compileQuery(users, Query.select('*').from('users').where(Expr.eq('id', 1)))).kind;
 * // 'pkPoint'
 * ```
 */
export function planQuery(compiled: CompiledQuery): QueryPlan {
  const table = compiled.table;
  const constraints = collectConstraints(compiled.filter);
  const constants = constantColumns(constraints);
  const pkColumns = compiled.primaryKey.map((c) => c.index);
  const directionOf = (scanColumns: readonly number[]): 'forward' | 'reverse' | undefined =>
    scanDirectionFor(compiled.order, compiled.primaryKey, scanColumns, constants);
  const names = (columns: readonly number[]): string =>
    columns.map((i) => table.columns[i].name).join(', ');

  // Rules 1, 2 and the primary-key half of 4.
  const pkScan = planKeyScan(pkColumns, constraints);
  const pk = (kind: QueryPlanKind, reason: string): Candidate => ({
    kind,
    index: undefined,
    keyColumns: pkColumns,
    scan: pkScan,
    direction: directionOf(pkColumns),
    reason,
  });
  if (pkScan.equalityColumns === pkColumns.length && pkColumns.length > 0) {
    return finish(
      compiled,
      pk('pkPoint', `equality on every primary key column (${names(pkColumns)})`),
    );
  }
  if (pkScan.equalityColumns > 0) {
    const eq = pkColumns.slice(0, pkScan.equalityColumns);
    const range = pkScan.rangeColumn ? ` and a range on ${names([pkColumns[eq.length]])}` : '';
    return finish(compiled, pk('pkRange', `equality on primary key prefix (${names(eq)})${range}`));
  }

  // Rule 3 and the index half of 4.
  const indexCandidates = table.indexes.map((index): Candidate => {
    const columns = index.columns.map(
      (name) => resolveColumn(table, name, `index ${index.name}`).index,
    );
    const keyColumns = [...columns, ...pkColumns];
    const scan = planKeyScan(columns, constraints);
    const kind = scan.rangeColumn || scan.equalityColumns === 0 ? 'indexRange' : 'indexEq';
    const eq = columns.slice(0, scan.equalityColumns);
    const parts: string[] = [];
    if (eq.length > 0) parts.push(`equality on (${names(eq)})`);
    if (scan.rangeColumn) parts.push(`a range on ${names([columns[eq.length]])}`);
    const reason = `index ${index.name}: ${parts.length > 0 ? parts.join(' and ') : 'its order serves orderBy'}`;
    return { kind, index, keyColumns, scan, direction: directionOf(keyColumns), reason };
  });
  const withEquality = indexCandidates.filter((c) => c.scan.equalityColumns > 0);
  if (withEquality.length > 0) {
    const best = withEquality.reduce((a, b) => (betterIndex(b, a) ? b : a));
    return finish(compiled, best);
  }

  const ranged: Candidate[] = [];
  if (pkScan.rangeColumn) {
    ranged.push(
      pk('pkRange', `a range on the first primary key column (${names([pkColumns[0]])})`),
    );
  }
  for (const c of indexCandidates) if (c.scan.rangeColumn) ranged.push(c);
  if (ranged.length > 0) {
    // Stable: among equals the primary key (pushed first), then declaration order.
    const serving = ranged.find((c) => c.direction !== undefined);
    return finish(compiled, serving ?? ranged[0]);
  }

  // Rule 5: an index whose order serves orderBy, to stop early instead of sorting everything.
  const full = pk('fullScan', 'no equality or range on a primary key or index prefix');
  if (compiled.limit !== undefined && full.direction === undefined) {
    const ordered = indexCandidates.find((c) => c.direction !== undefined);
    if (ordered !== undefined) return finish(compiled, ordered);
  }
  return finish(compiled, full);
}

/** Rule 3's preference between two index candidates with an equality prefix. */
function betterIndex(b: Candidate, a: Candidate): boolean {
  if (b.scan.equalityColumns !== a.scan.equalityColumns) {
    return b.scan.equalityColumns > a.scan.equalityColumns;
  }
  if (b.scan.rangeColumn !== a.scan.rangeColumn) return b.scan.rangeColumn;
  // `reduce` visits in declaration order: only a strictly better one replaces the current.
  return b.direction !== undefined && a.direction === undefined;
}

function finish(compiled: CompiledQuery, c: Candidate): QueryPlan {
  const table = compiled.table;
  const sort = c.direction === undefined;
  const reverse = c.direction === 'reverse';
  const stopAfter =
    !sort && compiled.limit !== undefined ? compiled.offset + compiled.limit : undefined;
  const keyNames = c.keyColumns.map((i) => table.columns[i].name);
  const points = c.kind === 'pkPoint' ? c.scan.prefixes : [];
  const ranges: readonly KeyRange[] =
    c.kind === 'fullScan' ? [{ lo: undefined, hi: undefined }] : c.scan.ranges;
  const bounded = c.kind !== 'fullScan';
  const description: QueryPlanDescription = {
    kind: c.kind,
    table: tableLabel(table),
    ...(c.index !== undefined ? { index: c.index.name } : {}),
    equalityColumns: bounded ? keyNames.slice(0, c.scan.equalityColumns) : [],
    ...(bounded && c.scan.rangeColumn ? { rangeColumn: keyNames[c.scan.equalityColumns] } : {}),
    lookups: c.kind === 'pkPoint' ? points.length : ranges.length,
    reverse,
    sort,
    ...(stopAfter !== undefined ? { stopAfter } : {}),
    filter: compiled.predicate !== undefined,
    reason: c.reason,
  };
  return Object.freeze({
    kind: c.kind,
    index: c.index,
    points,
    ranges,
    reverse,
    sort,
    stopAfter,
    description: Object.freeze(description),
  });
}
