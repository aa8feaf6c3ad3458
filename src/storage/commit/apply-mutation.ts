import { bytesToByteString, isWellFormed, utf8ToByteString } from '../byte-string';
import { kvTreeId } from '../catalog/catalog';
import type { AedbConfig } from '../config';
import { ValidationError } from '../errors';
import { SYSTEM_PROJECT, validateName, validateUserProject } from '../names';
import type { Mutation } from '../mutation';
import type { Value } from '../schema';
import { SYSTEM_SCOPE, isSystemTableName } from '../system/system-tables';
import { normalizeRow } from '../values/normalize-value';
import { decodeRowValues } from '../values/row-codec';
import { applyEmitEvent, ensureSystemTable } from './apply-event';
import { applyDdl, del, put, writeRow, type ApplyContext } from './apply-primitives';
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
    case 'ddl':
      applyDdl(ctx, m.op);
      return;
    default:
      throw new ValidationError(
        `mutation: unknown type ${JSON.stringify((m as { type?: unknown }).type)}; expected insert, upsert, updateFields, delete, kvSet, kvDel or ddl`,
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

/** Where a KV mutation applies, for error messages. */
interface KvTarget {
  readonly projectId: string;
  readonly scopeId: string;
}

/** Validate a KV key and convert it to a byte string. */
export function kvKeyToByteString(config: AedbConfig, key: unknown, at: KvTarget): string {
  let s: string;
  if (typeof key === 'string') {
    if (!isWellFormed(key)) {
      throw new ValidationError(
        `kv key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: string keys must be well-formed UTF-16 (lone surrogate found)`,
        { ...at },
      );
    }
    s = utf8ToByteString(key);
  } else if (key instanceof Uint8Array) {
    s = bytesToByteString(key);
  } else {
    throw new ValidationError(
      `kv key in ${at.projectId}.${at.scopeId}: expected a string or Uint8Array, got ${key === null ? 'null' : typeof key}`,
      { ...at },
    );
  }
  if (s.length === 0 || s.length > config.maxKvKeyBytes) {
    throw new ValidationError(
      `kv key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: expected 1-${config.maxKvKeyBytes} bytes, got ${s.length}`,
      { ...at, keyBytes: s.length },
    );
  }
  return s;
}

/** Validate a KV value and convert it to a byte string (`key` is the converted key). */
export function kvValueToByteString(
  config: AedbConfig,
  value: unknown,
  at: KvTarget,
  key: string,
): string {
  let s: string;
  if (value instanceof Uint8Array) s = bytesToByteString(value);
  else if (typeof value === 'string') {
    if (!isWellFormed(value)) {
      throw new ValidationError(
        `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: strings must be well-formed UTF-16 (lone surrogate found)`,
        { ...at },
      );
    }
    s = utf8ToByteString(value);
  } else {
    throw new ValidationError(
      `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: expected a Uint8Array or string, got ${value === null ? 'null' : typeof value}`,
      { ...at },
    );
  }
  if (s.length > config.maxKvValueBytes) {
    throw new ValidationError(
      `kv value of key ${describeKey(key)} in ${at.projectId}.${at.scopeId}: ${s.length} bytes is above maxKvValueBytes (${config.maxKvValueBytes})`,
      { ...at, valueBytes: s.length },
    );
  }
  return s;
}

/** A short printable form of a key for messages (JSON for text, hex for bytes; truncated). */
function describeKey(key: unknown): string {
  if (typeof key === 'string') {
    const printable = /^[\x20-\x7e]*$/.test(key);
    if (printable) return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
    return `0x${Buffer.from(key, 'latin1').subarray(0, 32).toString('hex')}${key.length > 32 ? '...' : ''}`;
  }
  if (key instanceof Uint8Array) {
    return `0x${Buffer.from(key.buffer, key.byteOffset, Math.min(32, key.byteLength)).toString('hex')}${key.byteLength > 32 ? '...' : ''}`;
  }
  return String(key);
}
