import type { OrderedMapView } from '../btree/ordered-map';
import { ValidationError } from '../errors';
import type { DeleteWhereMutation, UpdateWhereMutation } from '../mutation';
import { isExpr } from '../query/expr';
import { Query } from '../query/query';
import { executeQueryCapturing, type QueryRead } from '../query/query-executor';
import type { StateView } from '../state/state-view';
import { decodeRowValues } from '../values/row-codec';
import { describeValue, normalizeRow } from '../values/normalize-value';
import { del, writeRow, type ApplyContext } from './apply-primitives';
import {
  encodePrimaryKeyInput,
  rowIndexKey,
  rowPrimaryKey,
  type TableLayout,
} from './table-layout';

/**
 * Find the primary keys of the rows matching a predicate write's `where`, in primary-key order,
 * at most `limit`, on `view` (the transaction-local state inside a commit, or a snapshot for
 * preflight). Also returns the reads the match depended on (for preflight read sets).
 */
export function matchPredicate(
  view: StateView,
  layout: TableLayout,
  m: UpdateWhereMutation | DeleteWhereMutation,
  snapshotSeq: number,
): { pks: string[]; reads: readonly QueryRead[] } {
  if (!isExpr(m.where)) {
    throw new ValidationError(`${m.type} on table '${layout.name}': where must be an Expr`);
  }
  if (m.limit !== undefined && (!Number.isSafeInteger(m.limit) || m.limit < 1)) {
    throw new ValidationError(
      `${m.type} on table '${layout.name}': limit must be a positive integer, got ${describeValue(m.limit)}`,
    );
  }
  const indexes = new Map<string, OrderedMapView>();
  for (const index of layout.indexes) indexes.set(index.schema.name, view.readTree(index.treeId));
  let query = Query.select(...layout.pkColumns.map((c) => c.name))
    .from(layout.table.tableName)
    .where(m.where);
  if (m.limit !== undefined) query = query.limit(m.limit);
  const result = executeQueryCapturing(
    { table: layout.table, rows: view.readTree(layout.rowsTreeId), indexes, snapshotSeq },
    query,
  );
  return { pks: result.rows.map((row) => encodePrimaryKeyInput(layout, row)), reads: result.reads };
}

/** Apply `updateWhere`: set the given columns on every matching row. @returns rows updated. */
export function applyUpdateWhere(
  ctx: ApplyContext,
  layout: TableLayout,
  m: UpdateWhereMutation,
): number {
  const patch = normalizeRow(layout.table, m.set, 'partial');
  for (const p of layout.pkPositions) {
    if (patch[p] !== undefined) {
      throw new ValidationError(
        `updateWhere on table '${layout.name}': set cannot change primary key column '${layout.table.columns[p].name}'`,
        { ...layout.location, column: layout.table.columns[p].name },
      );
    }
  }
  // Match first, then write: the writes must not feed back into the scan.
  const { pks } = matchPredicate(ctx.state, layout, m, ctx.seq - 1);
  const rows = ctx.state.readTree(layout.rowsTreeId);
  for (const pk of pks) {
    const old = decodeRowValues(layout.table, rows.get(pk) as string);
    const next = old.slice();
    for (let i = 0; i < patch.length; i++)
      if (patch[i] !== undefined) next[i] = patch[i] as (typeof next)[number];
    if (rowPrimaryKey(layout, next) !== pk) throw new Error('updateWhere changed a primary key');
    writeRow(ctx, layout, pk, old, next);
  }
  return pks.length;
}

/** Apply `deleteWhere`: delete every matching row and its index entries. @returns rows deleted. */
export function applyDeleteWhere(
  ctx: ApplyContext,
  layout: TableLayout,
  m: DeleteWhereMutation,
): number {
  const { pks } = matchPredicate(ctx.state, layout, m, ctx.seq - 1);
  const rows = ctx.state.readTree(layout.rowsTreeId);
  for (const pk of pks) {
    const old = decodeRowValues(layout.table, rows.get(pk) as string);
    for (const index of layout.indexes) del(ctx, index.treeId, rowIndexKey(index, old, pk));
    del(ctx, layout.rowsTreeId, pk);
  }
  return pks.length;
}
