import type { OrderedMapView } from '../btree/ordered-map';
import type { DdlOperation } from '../catalog/ddl-operation';
import { planDdl } from '../catalog/plan-ddl';
import type { AedbConfig } from '../config';
import type { ByteWriter } from '../effects/byte-writer';
import { writeCatalog, writeDel, writePut } from '../effects/effect-codec';
import { AlreadyExistsError, ValidationError } from '../errors';
import type { TableSchema, Value } from '../schema';
import type { WorkingState } from '../state/working-state';
import { KEY_UPPER_BOUND_SUFFIX } from '../values/key-codec';
import { decodeRowValues, encodeRow } from '../values/row-codec';
import {
  describeEncodedKey,
  describePrimaryKey,
  hasNullIndexValue,
  indexValuePrefix,
  rowIndexKey,
  tableLayout,
  type TableLayout,
} from './table-layout';

/** What applying a mutation needs: the state, the commit's seq and where its effects go. */
export interface ApplyContext {
  readonly state: WorkingState;
  /** The seq of the commit being applied (one context serves a whole batch). */
  seq: number;
  /** The commit time (epoch microseconds) recorded in the WAL frame and in emitted events. */
  timestampMicros: number;
  /** Event topics emitted in this batch (for the `commits$` event), or `null` when none yet. */
  topics: Set<string> | null;
  /** The commit's WAL payload being built (see effect-codec). */
  readonly out: ByteWriter;
  readonly config: AedbConfig;
  /** Engine-internal commits may write to the `_system` project. */
  allowSystem: boolean;
}

/**
 * Build a new index's tree from the table's rows. Runs inside the DDL commit (and again on
 * replay, deterministically), so its entries are not logged one by one.
 */
export function buildIndex(state: WorkingState, table: TableSchema, indexId: number): void {
  const layout = tableLayout(table);
  const index = layout.indexes.find((i) => i.schema.id === indexId);
  if (index === undefined) return;
  const rows = state.tree(layout.rowsTreeId);
  const tree = state.tree(index.treeId);
  const seq = rows.lastModifiedSeq;
  let duplicate: string | undefined;
  rows.range(undefined, undefined, false, (pk, encoded) => {
    const values = decodeRowValues(table, encoded);
    if (index.schema.unique && !hasNullIndexValue(index, values)) {
      if (uniqueConflict(tree, indexValuePrefix(index, values), pk) !== undefined) {
        duplicate = index.schema.name;
        return false;
      }
    }
    state.putEntry(index.treeId, rowIndexKey(index, values, pk), pk, seq);
    return true;
  });
  if (duplicate !== undefined) {
    throw new AlreadyExistsError(
      `table '${layout.name}': cannot create unique index '${duplicate}': existing rows share a value`,
      { ...layout.location, index: duplicate },
    );
  }
}

/**
 * Write a row and maintain every index: an index entry changes only when its key does, and a
 * unique index rejects a value another row holds. `old` is the row being replaced, if any.
 */
export function writeRow(
  ctx: ApplyContext,
  layout: TableLayout,
  pk: string,
  old: readonly Value[] | undefined,
  values: readonly Value[],
): void {
  const encoded = encodeRow(layout.table, values);
  if (encoded.length > ctx.config.maxRowBytes) {
    throw new ValidationError(
      `table '${layout.name}': encoded row is ${encoded.length} bytes, above maxRowBytes (${ctx.config.maxRowBytes})`,
      { ...layout.location },
    );
  }
  for (const index of layout.indexes) {
    const key = rowIndexKey(index, values, pk);
    const oldKey = old === undefined ? undefined : rowIndexKey(index, old, pk);
    if (key === oldKey) continue;
    if (index.schema.unique && !hasNullIndexValue(index, values)) {
      const other = uniqueConflict(
        ctx.state.tree(index.treeId),
        indexValuePrefix(index, values),
        pk,
      );
      if (other !== undefined) {
        const taken = describeEncodedKey(
          index.positions.map((p) => layout.table.columns[p]),
          indexValuePrefix(index, values),
        );
        throw new AlreadyExistsError(
          `table '${layout.name}': unique index '${index.schema.name}' already has ${taken} (row ${describePrimaryKey(layout, other)})`,
          { ...layout.location, index: index.schema.name, value: taken },
        );
      }
    }
    if (oldKey !== undefined) del(ctx, index.treeId, oldKey);
    put(ctx, index.treeId, key, pk);
  }
  put(ctx, layout.rowsTreeId, pk, encoded);
}

/** The pk of another row holding the same unique index values, if any. */
function uniqueConflict(tree: OrderedMapView, prefix: string, pk: string): string | undefined {
  let other: string | undefined;
  tree.range(prefix, prefix + KEY_UPPER_BOUND_SUFFIX, false, (_key, rowPk) => {
    if (rowPk !== pk) {
      other = rowPk;
      return false;
    }
    return true;
  });
  return other;
}

/** Put an entry in the working state and log it. */
export function put(ctx: ApplyContext, treeId: string, key: string, value: string): void {
  ctx.state.putEntry(treeId, key, value, ctx.seq);
  writePut(ctx.out, treeId, key, value);
}

/** Delete an entry (if present) from the working state and log it. */
export function del(ctx: ApplyContext, treeId: string, key: string): void {
  if (ctx.state.existingTree(treeId)?.get(key) === undefined) return;
  ctx.state.deleteEntry(treeId, key, ctx.seq);
  writeDel(ctx.out, treeId, key);
}

/** Validate a DDL request against the working catalog, apply it and log its effects. */
export function applyDdl(ctx: ApplyContext, op: DdlOperation): void {
  for (const effect of planDdl(ctx.state.catalog, op, ctx.allowSystem)) {
    ctx.state.applyCatalog(effect, buildIndex, ctx.seq);
    writeCatalog(ctx.out, effect);
  }
}
