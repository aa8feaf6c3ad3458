import type { OrderedMapView } from '../btree/ordered-map';
import { bytesToByteString, isWellFormed, utf8ToByteString } from '../byte-string';
import { kvTreeId } from '../catalog/catalog';
import { planDdl } from '../catalog/plan-ddl';
import type { AedbConfig } from '../config';
import type { ByteWriter } from '../effects/byte-writer';
import { writeCatalog, writeDel, writePut } from '../effects/effect-codec';
import { AlreadyExistsError, ValidationError } from '../errors';
import { validateName, validateUserProject, SYSTEM_PROJECT } from '../names';
import type { Mutation } from '../mutation';
import type { TableSchema, Value } from '../schema';
import type { WorkingState } from '../state/working-state';
import { KEY_UPPER_BOUND_SUFFIX } from '../values/key-codec';
import { normalizeRow } from '../values/normalize-value';
import { decodeRowValues, encodeRow } from '../values/row-codec';
import {
  describeEncodedKey,
  describePrimaryKey,
  duplicateRow,
  encodePrimaryKeyInput,
  hasNullIndexValue,
  indexValuePrefix,
  rowIndexKey,
  rowNotFound,
  rowPrimaryKey,
  tableLayout,
  type TableLayout,
} from './table-layout';

/** What applying a mutation needs: the state, the commit's seq and where its effects go. */
export interface ApplyContext {
  readonly state: WorkingState;
  /** The seq of the commit being applied (one context serves a whole batch). */
  seq: number;
  /** The commit's WAL payload being built (see effect-codec). */
  readonly out: ByteWriter;
  readonly config: AedbConfig;
  /** Engine-internal commits may write to the `_system` project. */
  allowSystem: boolean;
}

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
    case 'ddl': {
      for (const effect of planDdl(ctx.state.catalog, m.op, ctx.allowSystem)) {
        ctx.state.applyCatalog(effect, buildIndex);
        writeCatalog(ctx.out, effect);
      }
      return;
    }
    default:
      throw new ValidationError(
        `mutation: unknown type ${JSON.stringify((m as { type?: unknown }).type)}; expected insert, upsert, updateFields, delete, kvSet, kvDel or ddl`,
      );
  }
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

function writeRow(
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

function put(ctx: ApplyContext, treeId: string, key: string, value: string): void {
  ctx.state.putEntry(treeId, key, value, ctx.seq);
  writePut(ctx.out, treeId, key, value);
}

function del(ctx: ApplyContext, treeId: string, key: string): void {
  if (ctx.state.existingTree(treeId)?.get(key) === undefined) return;
  ctx.state.deleteEntry(treeId, key, ctx.seq);
  writeDel(ctx.out, treeId, key);
}

function targetTable(
  ctx: ApplyContext,
  m: { projectId: string; scopeId: string; tableName: string },
): TableLayout {
  checkProject(ctx, m.projectId);
  validateName('scope', m.scopeId);
  validateName('table', m.tableName);
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
