/**
 * The row codec: how a table row is stored, as a byte string (a latin1 JS string: compact in
 * V8's heap and one object per row, where an object of columns would be many).
 *
 * ```text
 * row   := version entry*
 * entry := varint(columnId) varint(byteLength) value
 * ```
 *
 * - `version` is one byte, currently `0x01`.
 * - One entry per **non-null** column, in column order when written; a null column has no
 *   entry. Readers accept entries in any order.
 * - `varint` is unsigned LEB128 (7 bits per byte, least significant group first, high bit set
 *   on every byte but the last).
 * - `columnId` is the column's stable {@link ColumnSchema.id}, not its position or name, so
 *   `alterTable` never rewrites rows: a renamed column keeps its id, a dropped column's entries
 *   are skipped on decode, and a column added later decodes as `null` from older rows.
 * - `value` per column type:
 *
 * | type        | bytes                                                         |
 * |-------------|---------------------------------------------------------------|
 * | `text`      | UTF-8                                                         |
 * | `u8`        | 1                                                             |
 * | `boolean`   | 1, `0x00` or `0x01`                                           |
 * | `integer`   | 8, two's complement big-endian                                |
 * | `timestamp` | 8, two's complement big-endian (epoch microseconds)           |
 * | `u64`       | 8, big-endian                                                 |
 * | `float`     | 8, IEEE-754 binary64 big-endian                               |
 * | `u256`      | 32, big-endian                                                |
 * | `i256`      | 32, two's complement big-endian                               |
 * | `blob`      | the raw bytes                                                 |
 * | `json`      | MessagePack (msgpackr, no records or shared structures: every |
 * |             | row decodes on its own; maps decode as plain objects, numbers |
 * |             | as JS numbers, floats always as binary64)                     |
 *
 * A row that does not follow this format is a `CorruptionError`.
 *
 * @module
 */
import { FLOAT32_OPTIONS, Packr } from 'msgpackr';

import { CorruptionError } from '../errors';
import type { ColumnSchema, ColumnType, JsonValue, Row, TableSchema, Value } from '../schema';
import { readUint256BE, readUint64BE, utf8FromLatin1, writeUint256BE } from './key-codec';

/** The version byte every encoded row starts with. */
export const ROW_FORMAT_VERSION = 1;

const TWO_32 = 4294967296;

/** Node's fast latin1/utf8 Buffer methods (stable for years, missing from @types/node). */
interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

const INITIAL_SCRATCH = 4096;
const MAX_RETAINED_SCRATCH = 1 << 20;
let scratch = Buffer.allocUnsafeSlow(INITIAL_SCRATCH) as FastBuffer;
let view = new DataView(scratch.buffer);

function ensure(size: number): void {
  if (size <= scratch.length) return;
  const next = Buffer.allocUnsafeSlow(Math.max(size, scratch.length * 2)) as FastBuffer;
  scratch.copy(next);
  scratch = next;
  view = new DataView(scratch.buffer);
}

function releaseLargeScratch(): void {
  if (scratch.length <= MAX_RETAINED_SCRATCH) return;
  scratch = Buffer.allocUnsafeSlow(INITIAL_SCRATCH) as FastBuffer;
  view = new DataView(scratch.buffer);
}

// Self-contained MessagePack: no records (they would need shared structures to decode),
// maps as plain objects, never float32 (it would round), any map size.
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  useFloat32: FLOAT32_OPTIONS.NEVER,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  int64AsType: 'number',
});

/**
 * Encode a row whose normalized `values` are aligned with `table.columns` (`null` for none).
 *
 * @example
 * ```ts
 * const stored = encodeRow(users, normalizeRow(users, { id: 1, username: 'alice' }, 'full'));
 * ```
 */
export function encodeRow(table: TableSchema, values: readonly Value[]): string {
  const columns = table.columns;
  ensure(1);
  scratch[0] = ROW_FORMAT_VERSION;
  let pos = 1;
  for (let i = 0; i < columns.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const column = columns[i];
    // Room for two varints and the largest fixed-size value; variable ones ensure their own.
    ensure(pos + 48);
    pos = writeVarint(column.id, pos);
    pos = writeValue(column.type, v, pos);
  }
  const encoded = scratch.latin1Slice(0, pos);
  releaseLargeScratch();
  return encoded;
}

/**
 * Decode a stored row into an object with every current column by name, in column order;
 * a column the row has no entry for is `null`.
 *
 * @example
 * ```ts
 * decodeRow(users, stored); // { id: 1, username: 'alice', email: null }
 * ```
 */
export function decodeRow(table: TableSchema, encoded: string): Row {
  const values = decodeRowValues(table, encoded);
  const columns = table.columns;
  const row: Row = {};
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i].name;
    // `row.__proto__ = v` would set the prototype; a column may legally be named so.
    if (name === '__proto__') {
      Object.defineProperty(row, name, {
        value: values[i],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      row[name] = values[i];
    }
  }
  return row;
}

/**
 * Decode a stored row into values aligned with `table.columns` (`null` for none). Blobs are
 * fresh copies the caller may keep or mutate.
 *
 * @example
 * ```ts
 * decodeRowValues(users, stored); // [1, 'alice', null]
 * ```
 */
export function decodeRowValues(table: TableSchema, encoded: string): Value[] {
  const columns = table.columns;
  const slots = slotsById(table);
  const out = new Array<Value>(columns.length).fill(null);
  if (encoded.charCodeAt(0) !== ROW_FORMAT_VERSION) {
    throw corrupt(table, 0, `unknown row format version ${encoded.charCodeAt(0)}`);
  }
  const end = encoded.length;
  let pos = 1;
  while (pos < end) {
    const id = readVarint(table, encoded, pos);
    pos = cursor;
    const len = readVarint(table, encoded, pos);
    pos = cursor;
    if (pos + len > end) throw corrupt(table, pos, `value of ${len} bytes runs past the row end`);
    const slot = id < slots.length ? slots[id] : -1;
    if (slot >= 0) out[slot] = readValue(table, columns[slot], encoded, pos, len);
    pos += len;
  }
  return out;
}

function writeValue(type: ColumnType, v: Value, pos: number): number {
  const buf = scratch;
  switch (type) {
    case 'text':
      return writeText(v as string, pos);
    case 'u8':
      buf[pos] = 1;
      buf[pos + 1] = v as number;
      return pos + 2;
    case 'boolean':
      buf[pos] = 1;
      buf[pos + 1] = v === true ? 1 : 0;
      return pos + 2;
    case 'integer': {
      const n = v as number;
      const hi = Math.floor(n / TWO_32);
      buf[pos] = 8;
      view.setInt32(pos + 1, hi);
      view.setUint32(pos + 5, n - hi * TWO_32);
      return pos + 9;
    }
    case 'timestamp':
      buf[pos] = 8;
      view.setBigInt64(pos + 1, v as bigint);
      return pos + 9;
    case 'u64':
      buf[pos] = 8;
      view.setBigUint64(pos + 1, v as bigint);
      return pos + 9;
    case 'float':
      buf[pos] = 8;
      view.setFloat64(pos + 1, v as number);
      return pos + 9;
    case 'u256':
      buf[pos] = 32;
      return writeUint256BE(view, pos + 1, v as bigint);
    case 'i256':
      buf[pos] = 32;
      return writeUint256BE(view, pos + 1, BigInt.asUintN(256, v as bigint));
    case 'blob':
      return writeBytes(v as Uint8Array, pos);
    case 'json':
      // `pack` returns a view of msgpackr's own buffer; copied into ours right away.
      return writeBytes(packr.pack(v), pos);
  }
}

function writeText(s: string, pos: number): number {
  const n = s.length;
  if (3 * n < 0x80) {
    // The UTF-8 length is below 128 for sure: its varint is one byte, written afterwards.
    ensure(pos + 1 + 3 * n);
    const buf = scratch;
    let p = pos + 1;
    let i = 0;
    // Short ASCII: a JS loop beats the native call.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) p = pos + 1 + buf.utf8Write(s, pos + 1);
    buf[pos] = p - pos - 1;
    return p;
  }
  const len = Buffer.byteLength(s, 'utf8');
  ensure(pos + 10 + len);
  pos = writeVarint(len, pos);
  return pos + scratch.utf8Write(s, pos);
}

function writeBytes(bytes: Uint8Array, pos: number): number {
  ensure(pos + 10 + bytes.length);
  pos = writeVarint(bytes.length, pos);
  scratch.set(bytes, pos);
  return pos + bytes.length;
}

/** Unsigned LEB128 of a non-negative safe integer; the caller ensured 10 bytes of room. */
function writeVarint(n: number, pos: number): number {
  const buf = scratch;
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos] = n;
  return pos + 1;
}

/** Position after the last {@link readVarint} (saves returning a pair). */
let cursor = 0;

function readVarint(table: TableSchema, s: string, pos: number): number {
  let b = s.charCodeAt(pos);
  if (b < 0x80) {
    cursor = pos + 1;
    return b;
  }
  let n = 0;
  let scale = 1;
  const start = pos;
  for (;;) {
    // A NaN from reading past the end fails the range check too.
    if (!(b <= 0xff) || pos - start >= 8) throw corrupt(table, start, 'malformed varint');
    n += (b & 0x7f) * scale;
    pos++;
    if (b < 0x80) break;
    scale *= 128;
    b = s.charCodeAt(pos);
  }
  cursor = pos;
  return n;
}

function readValue(
  table: TableSchema,
  column: ColumnSchema,
  s: string,
  pos: number,
  len: number,
): Value {
  switch (column.type) {
    case 'text':
      return utf8FromLatin1(s.slice(pos, pos + len));
    case 'u8':
      expectSize(table, column, pos, len, 1);
      return s.charCodeAt(pos);
    case 'boolean':
      expectSize(table, column, pos, len, 1);
      return s.charCodeAt(pos) === 1;
    case 'integer':
      expectSize(table, column, pos, len, 8);
      return (word(s, pos) | 0) * TWO_32 + word(s, pos + 4);
    case 'timestamp':
      expectSize(table, column, pos, len, 8);
      return BigInt.asIntN(64, readUint64BE(s, pos));
    case 'u64':
      expectSize(table, column, pos, len, 8);
      return readUint64BE(s, pos);
    case 'float':
      expectSize(table, column, pos, len, 8);
      view.setUint32(0, word(s, pos));
      view.setUint32(4, word(s, pos + 4));
      return view.getFloat64(0);
    case 'u256':
      expectSize(table, column, pos, len, 32);
      return readUint256BE(s, pos);
    case 'i256':
      expectSize(table, column, pos, len, 32);
      return BigInt.asIntN(256, readUint256BE(s, pos));
    case 'blob': {
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i++) out[i] = s.charCodeAt(pos + i);
      return out;
    }
    case 'json': {
      ensure(len);
      scratch.latin1Write(s.slice(pos, pos + len), 0);
      try {
        const value: unknown = packr.unpack(scratch.subarray(0, len));
        return value as JsonValue;
      } catch (err) {
        throw corrupt(table, pos, `undecodable json in column '${column.name}': ${String(err)}`);
      } finally {
        releaseLargeScratch();
      }
    }
  }
}

function expectSize(
  table: TableSchema,
  column: ColumnSchema,
  pos: number,
  len: number,
  size: number,
): void {
  if (len !== size) {
    throw corrupt(
      table,
      pos,
      `column '${column.name}' (${column.type}) has ${len} bytes, expected ${size}`,
    );
  }
}

/** Big-endian 32-bit word of a byte string. */
function word(s: string, i: number): number {
  return (
    ((s.charCodeAt(i) << 24) |
      (s.charCodeAt(i + 1) << 16) |
      (s.charCodeAt(i + 2) << 8) |
      s.charCodeAt(i + 3)) >>>
    0
  );
}

const slotsCache = new WeakMap<TableSchema, Int32Array>();

/** Column id to position in `table.columns` (-1: not a current column), cached per schema. */
function slotsById(table: TableSchema): Int32Array {
  let slots = slotsCache.get(table);
  if (slots === undefined) {
    let maxId = -1;
    for (const c of table.columns) maxId = Math.max(maxId, c.id);
    const bySlot = new Int32Array(maxId + 1).fill(-1);
    table.columns.forEach((c, i) => (bySlot[c.id] = i));
    slotsCache.set(table, bySlot);
    slots = bySlot;
  }
  return slots;
}

function corrupt(table: TableSchema, offset: number, what: string): CorruptionError {
  return new CorruptionError(
    `table ${table.projectId}.${table.scopeId}.${table.tableName}: corrupt row at byte ${offset}: ${what}`,
    { projectId: table.projectId, scopeId: table.scopeId, tableName: table.tableName, offset },
  );
}
