/**
 * Validation and normalization of user input into the stored representation of each
 * {@link ColumnType} (see the table in `schema.ts`).
 *
 * Everything the engine stores passes through here first, so the codecs downstream may assume
 * well-typed, in-range values. Decisions that are not obvious from the type table:
 *
 * - `float` accepts `±Infinity` (they have a total order and an exact encoding) but rejects
 *   `NaN` (it has neither); `-0` is stored as `0` so that equal numbers have equal keys.
 * - `integer` and `u8` also turn `-0` into `0`, for the same reason.
 * - `text` (and every string inside `json`) rejects lone UTF-16 surrogates: they cannot be
 *   encoded to UTF-8 faithfully, so they would not survive the round trip through a key or a row.
 * - `blob` accepts `Uint8Array` and `Buffer` only (not other typed arrays, whose byte layout
 *   depends on the platform) and stores a copy, so later mutation by the caller cannot reach it.
 * - `json` returns a structural copy (plain objects and arrays), for the same reason. Numbers
 *   must be finite, `-0` becomes `0`, and the object key `__proto__` is rejected: it is the
 *   classic prototype-pollution vector and would not survive a MessagePack round trip.
 *   A top-level `null` is the absence of a value, as for every type: a non-nullable `json`
 *   column rejects it (`null` inside arrays and objects is fine).
 *
 * @module
 */
import { types as utilTypes } from 'node:util';
import { isWellFormed } from '../byte-string';

import { ValidationError } from '../errors';
import type { ColumnSchema, JsonValue, TableSchema, Value } from '../schema';

/** Where a value is going: names the table in error messages and details. */
export interface TableLocation {
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
}

/** Deepest nesting of arrays and objects accepted in a `json` value. */
export const MAX_JSON_DEPTH = 64;

const MAX_U64 = (1n << 64n) - 1n;
const MAX_U256 = (1n << 256n) - 1n;
const MIN_I256 = -(1n << 255n);
const MAX_I256 = (1n << 255n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * Validate one input value for `column` and return its stored form.
 *
 * `null` and `undefined` become `null` when the column is nullable. Every rejection is a
 * {@link ValidationError} whose message names the table, the column, its type and what was
 * expected, and whose `details` hold `{ projectId, scopeId, tableName, column, type }`.
 *
 * @example
 * ```ts
 * normalizeValue(42, { id: 1, name: 'balance', type: 'u64', nullable: false }, loc); // 42n
 * normalizeValue(new Date(0), { id: 2, name: 'at', type: 'timestamp', nullable: false }, loc); // 0n
 * normalizeValue(300, { id: 3, name: 'age', type: 'u8', nullable: false }, loc);
 * // throws ValidationError: table demo.app.users column 'age' (u8): expected an integer 0..255, got 300
 * ```
 */
export function normalizeValue(value: unknown, column: ColumnSchema, where: TableLocation): Value {
  if (value === null || value === undefined) {
    if (column.nullable) return null;
    throw invalid(where, column, 'a value (the column is not nullable)', value);
  }
  switch (column.type) {
    case 'text':
      if (typeof value === 'string' && isWellFormed(value)) return value;
      throw invalid(where, column, 'a string without lone surrogates', value);
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
      if (typeof value === 'bigint' && value >= MIN_SAFE && value <= MAX_SAFE) return Number(value);
      throw invalid(where, column, 'a safe integer -(2^53-1)..2^53-1', value);
    case 'u8':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255) {
        return value === 0 ? 0 : value;
      }
      if (typeof value === 'bigint' && value >= 0n && value <= 255n) return Number(value);
      throw invalid(where, column, 'an integer 0..255', value);
    case 'u64':
      return toBigInt(value, 0n, MAX_U64, where, column, 'an integer 0..2^64-1');
    case 'u256':
      return toBigInt(value, 0n, MAX_U256, where, column, 'an integer 0..2^256-1');
    case 'i256':
      return toBigInt(value, MIN_I256, MAX_I256, where, column, 'an integer -2^255..2^255-1');
    case 'timestamp':
      if (utilTypes.isDate(value)) {
        const ms = value.getTime();
        if (Number.isNaN(ms)) throw invalid(where, column, 'a valid Date', value);
        return BigInt(ms) * 1000n;
      }
      return toBigInt(
        value,
        MIN_I64,
        MAX_I64,
        where,
        column,
        'epoch microseconds -2^63..2^63-1 (bigint or safe integer) or a Date',
      );
    case 'float':
      if (typeof value === 'number' && !Number.isNaN(value)) return value === 0 ? 0 : value;
      throw invalid(where, column, 'a number (not NaN)', value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw invalid(where, column, 'a boolean', value);
    case 'blob':
      // util.types.isUint8Array is realm-independent and true for Buffer, false for other views.
      if (utilTypes.isUint8Array(value)) return new Uint8Array(value);
      throw invalid(where, column, 'a Uint8Array or Buffer', value);
    case 'json':
      return copyJson(value, where, column, [], []);
  }
}

/**
 * Validate a row object against `table` and return its normalized values aligned with
 * `table.columns` (by position).
 *
 * - `full` (insert, upsert): a missing or `undefined` nullable column becomes `null`, a missing
 *   non-nullable column is an error.
 * - `partial` (updateFields): absent or `undefined` columns are `undefined` in the result;
 *   primary-key columns may be present (the engine decides what to do with them).
 *
 * `row` must be a plain object (prototype `Object.prototype` or `null`); a key that is not a
 * column of the table is an error that lists the valid column names.
 *
 * @example
 * ```ts
 * normalizeRow(users, { id: 1, username: 'alice' }, 'full'); // [1, 'alice', null]
 * normalizeRow(users, { age: 31 }, 'partial');               // [undefined, undefined, 31]
 * ```
 */
export function normalizeRow(
  table: TableSchema,
  row: unknown,
  mode: 'full' | 'partial',
): (Value | undefined)[] {
  if (!isPlainObject(row)) {
    throw new ValidationError(
      `table ${tableLabel(table)}: expected a row as a plain object, got ${describeValue(row)}`,
      locationDetails(table),
    );
  }
  const columns = table.columns;
  const index = columnIndex(table);
  const out = new Array<Value | undefined>(columns.length).fill(undefined);
  // Own enumerable keys only: an inherited `constructor` or `toString` is never a column value.
  for (const name of Object.keys(row)) {
    const i = index.get(name);
    if (i === undefined) {
      throw new ValidationError(
        `table ${tableLabel(table)}: unknown column '${name}' (columns: ${columns.map((c) => c.name).join(', ')})`,
        { ...locationDetails(table), column: name },
      );
    }
    const v = row[name];
    if (v !== undefined) out[i] = normalizeValue(v, columns[i], table);
  }
  if (mode === 'full') {
    for (let i = 0; i < columns.length; i++) {
      if (out[i] !== undefined) continue;
      const column = columns[i];
      if (!column.nullable) {
        throw invalid(
          table,
          column,
          'a value (the column is not nullable)',
          undefined,
          ', missing from the row',
        );
      }
      out[i] = null;
    }
  }
  return out;
}

/** `demo.app.users`: the table as every message names it. */
function tableLabel(where: TableLocation): string {
  return `${where.projectId}.${where.scopeId}.${where.tableName}`;
}

/**
 * A short human description of any value for error messages (never the whole value). Safe for
 * anything a caller may pass: bigints, symbols, cycles, objects without a prototype.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 40
        ? `${JSON.stringify(value.slice(0, 40))}... (${value.length} chars)`
        : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'object':
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (utilTypes.isDate(value))
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `a Date (${value.toISOString()})`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (isPlainObject(value)) return 'an object';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
}

function invalid(
  where: TableLocation,
  column: ColumnSchema,
  expected: string,
  got: unknown,
  at = '',
): ValidationError {
  return new ValidationError(
    `table ${tableLabel(where)} column '${column.name}' (${column.type}): expected ${expected}, got ${describeValue(got)}${at}`,
    { ...locationDetails(where), column: column.name, type: column.type },
  );
}

function locationDetails(where: TableLocation): {
  projectId: string;
  scopeId: string;
  tableName: string;
} {
  return { projectId: where.projectId, scopeId: where.scopeId, tableName: where.tableName };
}

function toBigInt(
  value: unknown,
  min: bigint,
  max: bigint,
  where: TableLocation,
  column: ColumnSchema,
  expected: string,
): bigint {
  if (typeof value === 'bigint') {
    if (value >= min && value <= max) return value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
    const b = BigInt(value);
    if (b >= min && b <= max) return b;
  }
  throw invalid(where, column, expected, value);
}

/** Plain object: prototype `null` or a realm's `Object.prototype` (whose own prototype is null). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

const columnIndexCache = new WeakMap<TableSchema, Map<string, number>>();

/** Column name to position, cached per (immutable) schema object. */
function columnIndex(table: TableSchema): Map<string, number> {
  let index = columnIndexCache.get(table);
  if (index === undefined) {
    index = new Map(table.columns.map((c, i) => [c.name, i]));
    columnIndexCache.set(table, index);
  }
  return index;
}

/**
 * Validate `value` as JSON and return a structural copy. `ancestors` holds the containers
 * being copied (cycle detection), `path` the keys leading here (for the error message).
 */
function copyJson(
  value: unknown,
  where: TableLocation,
  column: ColumnSchema,
  ancestors: object[],
  path: (string | number)[],
): JsonValue {
  const fail = (expected: string): ValidationError =>
    invalid(where, column, expected, value, path.length > 0 ? ` at ${formatPath(path)}` : '');
  switch (typeof value) {
    case 'string':
      if (isWellFormed(value)) return value;
      throw fail('a JSON string without lone surrogates');
    case 'number':
      if (Number.isFinite(value)) return value === 0 ? 0 : value;
      throw fail('a JSON value (numbers must be finite)');
    case 'boolean':
      return value;
    case 'object':
      break;
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw fail('a JSON value');
  }
  if (value === null) return null;
  if (ancestors.includes(value)) throw fail('a JSON value without cycles');
  if (ancestors.length >= MAX_JSON_DEPTH)
    throw fail(`a JSON value nested at most ${MAX_JSON_DEPTH} deep`);
  ancestors.push(value);
  let out: JsonValue;
  if (Array.isArray(value)) {
    const arr: JsonValue[] = new Array<JsonValue>(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      // A hole or `undefined` has no JSON form; JSON.stringify would silently write `null`.
      arr[i] = copyJson(value[i] as unknown, where, column, ancestors, path);
      path.pop();
    }
    out = arr;
  } else if (isPlainObject(value)) {
    const obj: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      path.push(key);
      if (key === '__proto__') throw fail("an object key other than '__proto__'");
      if (!isWellFormed(key)) throw fail('an object key without lone surrogates');
      obj[key] = copyJson(value[key], where, column, ancestors, path);
      path.pop();
    }
    out = obj;
  } else {
    throw fail('a JSON value (plain objects and arrays only)');
  }
  ancestors.pop();
  return out;
}

function formatPath(path: readonly (string | number)[]): string {
  let s = '$';
  for (const p of path)
    s +=
      typeof p === 'number'
        ? `[${p}]`
        : /^[A-Za-z_$][\w$]*$/.test(p)
          ? `.${p}`
          : `[${JSON.stringify(p)}]`;
  return s;
}
