/**
 * The total order and equality of normalized values of one column type.
 *
 * This order is the one the key codec preserves: for keyable types,
 * `sign(compareValues(t, a, b)) === sign(encodeKey([t], [a]) < encodeKey([t], [b]) ...)`.
 * Queries use it to sort and filter on columns that are not covered by a key.
 *
 * @module
 */
import { ValidationError } from '../errors';
import type { ColumnType, JsonValue, Value } from '../schema';

/**
 * Compare two normalized values of the column type `type`: negative when `a` sorts first,
 * positive when `b` does, `0` when they are equal.
 *
 * `null` sorts before every other value. Text is ordered by Unicode code point (which is
 * UTF-8 byte order, and differs from JavaScript's UTF-16 `<` for astral characters against
 * U+E000..U+FFFF); blobs bytewise with a prefix first; `false < true`; floats numerically
 * (`-Infinity` first, `-0` equal to `0`). `json` has no order: asking throws a
 * {@link ValidationError}.
 *
 * @example
 * ```ts
 * compareValues('text', '\uFFFF', '\u{1F600}'); // < 0 (UTF-16 `<` says the opposite)
 * compareValues('u64', null, 0n);                 // < 0
 * ```
 */
export function compareValues(type: ColumnType, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  switch (type) {
    case 'text':
      return compareCodePoints(a as string, b as string);
    case 'integer':
    case 'u8':
    case 'float':
    case 'u64':
    case 'u256':
    case 'i256':
    case 'timestamp':
      // number vs number or bigint vs bigint; `-0 < 0` is false, so they compare equal.
      return (a as number | bigint) < (b as number | bigint)
        ? -1
        : (a as number | bigint) > (b as number | bigint)
          ? 1
          : 0;
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'blob':
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case 'json':
      throw new ValidationError(
        'json values have no order: they cannot be sorted, ranged or keyed',
        {
          type,
        },
      );
  }
}

/**
 * Whether two normalized values of the column type `type` are equal: bytewise for blobs,
 * structurally for json (object key order does not matter), `-0` equals `0` for floats.
 *
 * @example
 * ```ts
 * valuesEqual('json', { a: [1, 2] }, { a: [1, 2] }); // true
 * valuesEqual('blob', new Uint8Array([1]), Buffer.from([1])); // true
 * ```
 */
export function valuesEqual(type: ColumnType, a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  switch (type) {
    case 'blob':
      return compareBytes(a as Uint8Array, b as Uint8Array) === 0;
    case 'json':
      return jsonEqual(a as JsonValue, b as JsonValue);
    case 'text':
    case 'integer':
    case 'u8':
    case 'float':
    case 'u64':
    case 'u256':
    case 'i256':
    case 'timestamp':
    case 'boolean':
      // Primitives: `===` above already decided (bigints compare by value with ===).
      return false;
  }
}

/** Unicode code point order of two well-formed strings (= UTF-8 byte order). */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Below U+D800 UTF-16 and code point order agree. Above, surrogates (which encode
      // U+10000 and up) must sort after U+E000..U+FFFF: rotate them to the top of the range.
      if (x < 0xd800 && y < 0xd800) return x - y;
      return rotateSurrogates(x) - rotateSurrogates(y);
    }
  }
  return a.length - b.length;
}

function rotateSurrogates(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  // The native compare pays a call overhead that only long inputs win back.
  if (a.length > 64 && b.length > 64) return Buffer.compare(a, b);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual(a[k], b[k])) return false;
  }
  return true;
}
