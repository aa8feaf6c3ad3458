/**
 * Column types, column definitions and table schemas: the shape of typed data.
 *
 * JavaScript representation of each {@link ColumnType}:
 *
 * | type        | stored range                        | returned as  | also accepted on input                 |
 * |-------------|-------------------------------------|--------------|----------------------------------------|
 * | `text`      | any string                          | `string`     |                                        |
 * | `u8`        | 0..255                              | `number`     | `bigint` in range                      |
 * | `u64`       | 0..2^64-1                           | `bigint`     | safe-integer `number`                  |
 * | `integer`   | -(2^53-1)..2^53-1 (safe integers)   | `number`     | `bigint` in the safe range             |
 * | `float`     | any IEEE-754 double except NaN      | `number`     |                                        |
 * | `boolean`   | true / false                        | `boolean`    |                                        |
 * | `u256`      | 0..2^256-1                          | `bigint`     | safe-integer `number`                  |
 * | `i256`      | -2^255..2^255-1                     | `bigint`     | safe-integer `number`                  |
 * | `blob`      | bytes                               | `Uint8Array` | `Buffer` (a copy is stored)            |
 * | `timestamp` | epoch microseconds, signed 64-bit   | `bigint`     | `Date`, safe-integer `number`          |
 * | `json`      | any JSON value                      | JSON value   |                                        |
 *
 * `null` is accepted only where the column is nullable.
 */

/** The eleven column types. */
export type ColumnType =
  | 'text'
  | 'u8'
  | 'u64'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'u256'
  | 'i256'
  | 'blob'
  | 'timestamp'
  | 'json';

/** All column types, in a stable order. */
export const COLUMN_TYPES: readonly ColumnType[] = Object.freeze([
  'text',
  'u8',
  'u64',
  'integer',
  'float',
  'boolean',
  'u256',
  'i256',
  'blob',
  'timestamp',
  'json',
]);

/** Column types that may appear in a primary key or an index (every type but `json`). */
export const KEYABLE_COLUMN_TYPES: readonly ColumnType[] = Object.freeze(
  COLUMN_TYPES.filter((t) => t !== 'json'),
);

/** A JSON value as stored in a `json` column. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A normalized cell value as stored and returned (see the table in this module's docs). */
export type Value = JsonValue | bigint | Uint8Array;

/** A row as the user passes it in and gets it back: column name to value. */
export type Row = Record<string, unknown>;

/** A column as declared in `createTable` / `alterTable`. */
export interface ColumnDef {
  /** Column name, `[A-Za-z0-9_-]{1,64}`. */
  readonly name: string;
  /** One of the eleven {@link ColumnType}s. */
  readonly type: ColumnType;
  /** Whether `null` is allowed. Defaults to `false`. */
  readonly nullable?: boolean;
}

/** A column as the catalog stores it: with a stable numeric id that survives renames. */
export interface ColumnSchema {
  /** Stable id, unique within the table, never reused (row encoding refers to columns by id). */
  readonly id: number;
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** A secondary index as the catalog stores it. */
export interface IndexSchema {
  /** Stable id, unique within the table, never reused. */
  readonly id: number;
  readonly name: string;
  /** Indexed column names, in key order. */
  readonly columns: readonly string[];
  /** Whether two rows may share the indexed values. */
  readonly unique: boolean;
}

/** The schema of a table as stored in the catalog and returned by `describeTable`. */
export interface TableSchema {
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  /** Stable internal id, unique across the database, never reused. */
  readonly tableId: number;
  /** Columns in declaration order. */
  readonly columns: readonly ColumnSchema[];
  /** Primary key column names, in key order. */
  readonly primaryKey: readonly string[];
  /** Secondary indexes. */
  readonly indexes: readonly IndexSchema[];
  /** Next column id to assign. */
  readonly nextColumnId: number;
  /** Next index id to assign. */
  readonly nextIndexId: number;
}
