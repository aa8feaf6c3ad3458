import { kvTreeId } from '../catalog/catalog';
import { ValidationError } from '../errors';
import { SYSTEM_PROJECT, validateName, validateUserProject } from '../names';
import { MUTATION_TYPES, type Mutation } from '../mutation';
import type { Value } from '../schema';
import { SYSTEM_SCOPE, isSystemTableName } from '../system/system-tables';
import { describeValue, normalizeRow } from '../values/normalize-value';
import { decodeRowValues } from '../values/row-codec';
import { evaluateAssertions } from '../assertions/evaluate-assertions';
import { applyNumericMutation } from '../numerics/apply-numeric';
import { isNumericMutation } from '../numerics/numeric-mutation';
import { applyEmitEvent, ensureSystemTable } from './apply-event';
import { applyDeleteWhere, applyUpdateWhere } from './apply-predicate-write';
import { applyDdl, del, put, writeRow, type ApplyContext } from './apply-primitives';
import { kvKeyToByteString, kvValueToByteString } from './kv-input';
import {
  duplicateRow,
  encodePrimaryKeyInput,
  rowIndexKey,
  rowNotFound,
  rowPrimaryKey,
  tableLayout,
  type TableLayout,
} from './table-layout';

export type { ApplyContext } from './apply-primitives';

/**
 * Validate one mutation against the working state, apply it, and append its resolved effects
 * to `ctx.out`. Throws a typed `AedbError` on any problem; the caller rolls the whole commit back.
 */
export function applyMutation(ctx: ApplyContext, m: Mutation): void {
  if (m === null || typeof m !== 'object') {
    throw new ValidationError(
      `mutation: expected an object with a 'type', got ${m === null ? 'null' : typeof m}`,
    );
  }
  if (isNumericMutation(m)) {
    applyNumericMutation(ctx, m);
    return;
  }
  switch (m.type) {
    case 'insert':
    case 'upsert': {
      const layout = targetTable(ctx, m);
      const values = normalizeRow(layout.table, m.row, 'full') as Value[];
      const pk = rowPrimaryKey(layout, values);
      const existing = ctx.state.tree(layout.rowsTreeId).get(pk);
      if (existing !== undefined && m.type === 'insert') throw duplicateRow(layout, pk);

      const old = existing === undefined ? undefined : decodeRowValues(layout.table, existing);
      writeRow(ctx, layout, pk, old, values);
      return;
    }
    case 'updateFields': {
      const layout = targetTable(ctx, m);
      const pk = encodePrimaryKeyInput(layout, m.primaryKey);
      const existing = ctx.state.tree(layout.rowsTreeId).get(pk);
      if (existing === undefined) throw rowNotFound(layout, pk);
      const old = decodeRowValues(layout.table, existing);
      const patch = normalizeRow(layout.table, m.fields, 'partial');
      const next = old.slice();
      for (let i = 0; i < patch.length; i++) {
        const v = patch[i];
        if (v !== undefined) next[i] = v;
      }
      if (rowPrimaryKey(layout, next) !== pk) {
        throw new ValidationError(
          `table '${layout.name}': updateFields cannot change primary key columns (${layout.table.primaryKey.join(', ')}); delete and insert instead`,
          { ...layout.location },
        );
      }
      writeRow(ctx, layout, pk, old, next);
      return;
    }
    case 'delete': {
      const layout = targetTable(ctx, m);
      const pk = encodePrimaryKeyInput(layout, m.primaryKey);
      const existing = ctx.state.tree(layout.rowsTreeId).get(pk);
      if (existing === undefined) return;
      const old = decodeRowValues(layout.table, existing);
      for (const index of layout.indexes) del(ctx, index.treeId, rowIndexKey(index, old, pk));
      del(ctx, layout.rowsTreeId, pk);
      return;
    }
    case 'kvSet': {
      const tree = targetKv(ctx, m);
      const key = kvKeyToByteString(ctx.config, m.key, m);
      put(ctx, tree, key, kvValueToByteString(ctx.config, m.value, m, key));
      return;
    }
    case 'kvDel': {
      const tree = targetKv(ctx, m);
      del(ctx, tree, kvKeyToByteString(ctx.config, m.key, m));
      return;
    }
    case 'emitEvent':
      applyEmitEvent(ctx, m);
      return;
    case 'updateWhere':
      applyUpdateWhere(ctx, targetTable(ctx, m), m);
      return;
    case 'deleteWhere':
      applyDeleteWhere(ctx, targetTable(ctx, m), m);
      return;
    case 'postflightCheck':
      if (!Array.isArray(m.assertions)) {
        throw new ValidationError('postflightCheck: assertions must be an array');
      }
      evaluateAssertions(ctx.state, m.assertions, {
        snapshotSeq: ctx.seq - 1,
        allowSystem: ctx.allowSystem,
      });
      return;
    case 'ddl':
      applyDdl(ctx, m.op);
      return;
    default:
      throw new ValidationError(
        `mutation: unknown type ${describeValue((m as { type?: unknown }).type)}; expected one of ${MUTATION_TYPES.join(', ')}`,
      );
  }
}

function targetTable(
  ctx: ApplyContext,
  m: { projectId: string; scopeId: string; tableName: string },
): TableLayout {
  checkProject(ctx, m.projectId);
  validateName('scope', m.scopeId);
  validateName('table', m.tableName);
  if (
    m.projectId === SYSTEM_PROJECT &&
    m.scopeId === SYSTEM_SCOPE &&
    isSystemTableName(m.tableName)
  ) {
    // Engine-internal writes create the system table they need inside the same commit.
    ensureSystemTable(ctx, m.tableName);
  }
  return tableLayout(ctx.state.catalog.requireTable(m.projectId, m.scopeId, m.tableName));
}

function targetKv(ctx: ApplyContext, m: { projectId: string; scopeId: string }): string {
  checkProject(ctx, m.projectId);
  validateName('scope', m.scopeId);
  return kvTreeId(ctx.state.catalog.requireScope(m.projectId, m.scopeId).scopeNum);
}

function checkProject(ctx: ApplyContext, projectId: string): void {
  if (ctx.allowSystem && projectId === SYSTEM_PROJECT) return;
  validateUserProject(projectId);
}
