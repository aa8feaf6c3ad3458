import { indexTreeId, rowsTreeId } from '../catalog/catalog';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors';
import type { ColumnSchema, ColumnType, IndexSchema, TableSchema, Value } from '../schema';
import { decodeKey, encodeKey } from '../values/key-codec';
import { normalizeValue, type TableLocation } from '../values/normalize-value';

/** A secondary index with what writing to it needs, precomputed. */
export interface IndexLayout {
  readonly schema: IndexSchema;
  readonly treeId: string;
  readonly types: readonly ColumnType[];
  /** Positions of the indexed columns in `table.columns`. */
  readonly positions: readonly number[];
}

/**
 * Everything the write and read paths derive from a table schema, computed once per schema
 * object. Schemas are immutable (a DDL change makes a new object), so a `WeakMap` keyed by the
 * schema is an exact cache.
 */
export interface TableLayout {
  readonly table: TableSchema;
  readonly location: TableLocation;
  /** `project.scope.table`, for messages. */
  readonly name: string;
  readonly rowsTreeId: string;
  readonly pkColumns: readonly ColumnSchema[];
  readonly pkTypes: readonly ColumnType[];
  /** Positions of the primary-key columns in `table.columns`. */
  readonly pkPositions: readonly number[];
  readonly indexes: readonly IndexLayout[];
}

const cache = new WeakMap<TableSchema, TableLayout>();

/** The layout of `table` (cached). */
export function tableLayout(table: TableSchema): TableLayout {
  let layout = cache.get(table);
  if (layout !== undefined) return layout;
  const position = (name: string) => table.columns.findIndex((c) => c.name === name);
  const pkPositions = table.primaryKey.map(position);
  layout = {
    table,
    location: { projectId: table.projectId, scopeId: table.scopeId, tableName: table.tableName },
    name: `${table.projectId}.${table.scopeId}.${table.tableName}`,
    rowsTreeId: rowsTreeId(table.tableId),
    pkColumns: pkPositions.map((p) => table.columns[p]),
    pkTypes: pkPositions.map((p) => table.columns[p].type),
    pkPositions,
    indexes: table.indexes.map((schema) => {
      const positions = schema.columns.map(position);
      return {
        schema,
        treeId: indexTreeId(table.tableId, schema.id),
        types: positions.map((p) => table.columns[p].type),
        positions,
      };
    }),
  };
  cache.set(table, layout);
  return layout;
}

/** The encoded primary key of a row given as values aligned with the table's columns. */
export function rowPrimaryKey(layout: TableLayout, values: readonly Value[]): string {
  const pos = layout.pkPositions;
  if (pos.length === 1) return encodeKey(layout.pkTypes, [values[pos[0]]]);
  return encodeKey(
    layout.pkTypes,
    pos.map((p) => values[p]),
  );
}

/** The index key of a row: the encoded indexed values followed by the encoded primary key. */
export function rowIndexKey(index: IndexLayout, values: readonly Value[], pkKey: string): string {
  return indexValuePrefix(index, values) + pkKey;
}

/** The encoded indexed values of a row (the prefix shared by rows with equal indexed values). */
export function indexValuePrefix(index: IndexLayout, values: readonly Value[]): string {
  return encodeKey(
    index.types,
    index.positions.map((p) => values[p]),
  );
}

/** Whether any indexed value of the row is null (unique indexes allow repeated nulls, as SQL). */
export function hasNullIndexValue(index: IndexLayout, values: readonly Value[]): boolean {
  for (const p of index.positions) if (values[p] === null) return true;
  return false;
}

/**
 * Validate and encode a primary key given positionally (`[1]`) or by name (`{ id: 1 }`).
 * Throws `ValidationError` naming the table and column.
 */
export function encodePrimaryKeyInput(layout: TableLayout, input: unknown): string {
  const cols = layout.pkColumns;
  let raw: unknown[];
  if (Array.isArray(input)) {
    if (input.length !== cols.length) {
      throw new ValidationError(
        `table '${layout.name}': primary key needs ${cols.length} value(s) (${cols
          .map((c) => c.name)
          .join(', ')}), got ${input.length}`,
        { ...layout.location },
      );
    }
    raw = input as unknown[];
  } else if (input !== null && typeof input === 'object' && !(input instanceof Uint8Array)) {
    const obj = input as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!cols.some((c) => c.name === key)) {
        throw new ValidationError(
          `table '${layout.name}': '${key}' is not a primary key column (primary key: ${cols
            .map((c) => c.name)
            .join(', ')})`,
          { ...layout.location, column: key },
        );
      }
    }
    raw = cols.map((c) => obj[c.name]);
  } else if (cols.length === 1 && input !== undefined && input !== null) {
    // A bare value is accepted for single-column keys: { primaryKey: 7 }.
    raw = [input];
  } else {
    throw new ValidationError(
      `table '${layout.name}': primary key must be an array of values or an object by column name`,
      { ...layout.location },
    );
  }
  const values: Value[] = [];
  for (let i = 0; i < cols.length; i++) {
    if (raw[i] === undefined || raw[i] === null) {
      throw new ValidationError(
        `table '${layout.name}' column '${cols[i].name}': primary key value is missing`,
        { ...layout.location, column: cols[i].name },
      );
    }
    values.push(normalizeValue(raw[i], cols[i], layout.location));
  }
  return encodeKey(layout.pkTypes, values);
}

/** A `NotFoundError` for a missing row, naming its primary key. */
export function rowNotFound(layout: TableLayout, pkKey: string): NotFoundError {
  const pk = describePrimaryKey(layout, pkKey);
  return new NotFoundError(`table '${layout.name}': no row with primary key ${pk}`, {
    ...layout.location,
    primaryKey: pk,
  });
}

/** An `AlreadyExistsError` for a duplicate primary key. */
export function duplicateRow(layout: TableLayout, pkKey: string): AlreadyExistsError {
  const pk = describePrimaryKey(layout, pkKey);
  return new AlreadyExistsError(
    `table '${layout.name}': a row with primary key ${pk} already exists`,
    {
      ...layout.location,
      primaryKey: pk,
    },
  );
}

/**
 * A readable form of an encoded primary key for messages: `(id) = (4242)` or
 * `(region, id) = ('eu', 1)`. Only used on error paths (it decodes the key).
 */
export function describePrimaryKey(layout: TableLayout, pkKey: string): string {
  return describeEncodedKey(layout.pkColumns, pkKey);
}

/** The same for any encoded key over `columns` (an index's values, say). */
export function describeEncodedKey(columns: readonly ColumnSchema[], key: string): string {
  const values = decodeKey(
    columns.map((c) => c.type),
    key,
  );
  return `(${columns.map((c) => c.name).join(', ')}) = (${values.map(describeValue).join(', ')})`;
}

function describeValue(v: Value): string {
  let s: string;
  if (typeof v === 'string') s = `'${v}'`;
  else if (v instanceof Uint8Array) s = `0x${Buffer.from(v).toString('hex')}`;
  else if (v !== null && typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
