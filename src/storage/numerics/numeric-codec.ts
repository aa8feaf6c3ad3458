/**
 * The fixed big-endian encodings of KV numerics, and the helpers the commit path uses to read
 * and write them without a detour through `Uint8Array`s.
 *
 * | type   | bytes | encoding                         | range              |
 * | ------ | ----- | -------------------------------- | ------------------ |
 * | `u64`  | 8     | unsigned big-endian              | 0..2^64-1          |
 * | `u256` | 32    | unsigned big-endian              | 0..2^256-1         |
 * | `i64`  | 8     | two's complement, big-endian     | -2^63..2^63-1      |
 *
 * Big-endian unsigned values of one width sort bytewise in numeric order, so KV range scans
 * and bytewise `keyCompare` assertions over them agree with numeric order.
 *
 * @module
 */
import { types as utilTypes } from 'node:util';
import { ValidationError } from '../errors';
import { asLatin1Buffer } from '../latin1-buffer';
import { readUint256BE, readUint64BE } from '../values/key-codec';

/** The largest u64: 2^64-1. */
export const U64_MAX: bigint = (1n << 64n) - 1n;
/** The largest u256: 2^256-1. */
export const U256_MAX: bigint = (1n << 256n) - 1n;
/** The smallest i64: -2^63. */
export const I64_MIN: bigint = -(1n << 63n);
/** The largest i64: 2^63-1. */
export const I64_MAX: bigint = (1n << 63n) - 1n;

/** Width in bytes of a u64 / i64 value. @internal */
export const U64_BYTES = 8;
/** Width in bytes of a u256 value. @internal */
export const U256_BYTES = 32;

const MASK_64 = U64_MAX;

/** Scratch space for encoding: one buffer, reused by every call (the commit path is synchronous). */
const scratch = asLatin1Buffer(Buffer.allocUnsafeSlow(32));
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, 32);

/**
 * Encode a u64 as 8 big-endian bytes (the KV encoding of `kvAddU64Ex` and friends).
 *
 * Throws a `ValidationError` for a value outside 0..2^64-1 or a number that is not a safe
 * integer.
 *
 * @example
 * ```ts
 * await db.kvSet('casino', 'app', 'house/balance', encodeU64(1_000_000n));
 * const e = await db.kvGet('casino', 'app', 'house/balance');
 * decodeU64(e!.value); // 1000000n
 * encodeU64(258); // Uint8Array [0, 0, 0, 0, 0, 0, 1, 2]
 * ```
 */
export function encodeU64(value: bigint | number): Uint8Array {
  const v = unsignedFromInteger(value, U64_MAX);
  if (v === undefined) throw badInteger('encodeU64', 'an integer 0..2^64-1', value);
  const out = new Uint8Array(U64_BYTES);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

/** Decode 8 big-endian bytes as a u64. A `ValidationError` unless there are exactly 8 bytes. */
export function decodeU64(bytes: Uint8Array): bigint {
  checkLength('decodeU64', bytes, U64_BYTES);
  return bytesToUnsigned(bytes, U64_BYTES);
}

/**
 * Encode a u256 as 32 big-endian bytes. Throws a `ValidationError` for a value outside
 * 0..2^256-1 or a number that is not a safe integer.
 */
export function encodeU256(value: bigint | number): Uint8Array {
  const v = unsignedFromInteger(value, U256_MAX);
  if (v === undefined) throw badInteger('encodeU256', 'an integer 0..2^256-1', value);
  const out = new Uint8Array(U256_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, v >> 192n);
  view.setBigUint64(8, (v >> 128n) & MASK_64);
  view.setBigUint64(16, (v >> 64n) & MASK_64);
  view.setBigUint64(24, v & MASK_64);
  return out;
}

/** Decode 32 big-endian bytes as a u256. A `ValidationError` unless there are exactly 32 bytes. */
export function decodeU256(bytes: Uint8Array): bigint {
  checkLength('decodeU256', bytes, U256_BYTES);
  return bytesToUnsigned(bytes, U256_BYTES);
}

/**
 * Encode an i64 as 8 bytes, two's complement big-endian. Throws a `ValidationError` for a value
 * outside -2^63..2^63-1 or a number that is not a safe integer.
 */
export function encodeI64(value: bigint | number): Uint8Array {
  const v = signedI64From(value);
  if (v === undefined) throw badInteger('encodeI64', 'an integer -2^63..2^63-1', value);
  const out = new Uint8Array(U64_BYTES);
  new DataView(out.buffer).setBigInt64(0, v);
  return out;
}

/** Decode 8 bytes of two's complement big-endian as an i64. A `ValidationError` unless 8 bytes. */
export function decodeI64(bytes: Uint8Array): bigint {
  checkLength('decodeI64', bytes, U64_BYTES);
  return BigInt.asIntN(64, bytesToUnsigned(bytes, U64_BYTES));
}

// ---------------------------------------------------------------------------------------------
// Internal helpers of the commit path (byte strings: one latin1 code unit per byte).
// ---------------------------------------------------------------------------------------------

/**
 * Normalize an unsigned amount of a numeric mutation: a bigint or safe-integer number in
 * 0..max, or exactly `width` big-endian bytes. `undefined` when it is none of these (the caller
 * throws an error that names the mutation).
 * @internal
 */
export function unsignedAmount(value: unknown, width: 8 | 32): bigint | undefined {
  if (typeof value === 'bigint' || typeof value === 'number') {
    return unsignedFromInteger(value, width === U64_BYTES ? U64_MAX : U256_MAX);
  }
  if (utilTypes.isUint8Array(value)) {
    return value.length === width ? bytesToUnsigned(value, width) : undefined;
  }
  return undefined;
}

/**
 * A bigint in 0..max from a bigint or a non-negative safe-integer number; `undefined` otherwise.
 * @internal
 */
export function unsignedFromInteger(value: unknown, max: bigint): bigint | undefined {
  if (typeof value === 'bigint') return value >= 0n && value <= max ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

/**
 * An i64 from a bigint in range or a safe-integer number; `undefined` otherwise.
 * @internal
 */
export function signedI64From(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value >= I64_MIN && value <= I64_MAX ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

/** The 8-byte byte string of a u64 in range. @internal */
export function u64ToByteString(v: bigint): string {
  scratchView.setBigUint64(0, v);
  return scratch.latin1Slice(0, U64_BYTES);
}

/** The 32-byte byte string of a u256 in range. @internal */
export function u256ToByteString(v: bigint): string {
  if (v <= MASK_64) {
    // The common case (balances): three zero words and one store, no shifts.
    scratchView.setBigUint64(0, 0n);
    scratchView.setBigUint64(8, 0n);
    scratchView.setBigUint64(16, 0n);
    scratchView.setBigUint64(24, v);
  } else {
    scratchView.setBigUint64(0, v >> 192n);
    scratchView.setBigUint64(8, (v >> 128n) & MASK_64);
    scratchView.setBigUint64(16, (v >> 64n) & MASK_64);
    scratchView.setBigUint64(24, v & MASK_64);
  }
  return scratch.latin1Slice(0, U256_BYTES);
}

/** The 8-byte two's complement byte string of an i64 in range. @internal */
export function i64ToByteString(v: bigint): string {
  scratchView.setBigInt64(0, v);
  return scratch.latin1Slice(0, U64_BYTES);
}

/** The u64 held in an 8-byte byte string (the caller checked the length). @internal */
export function byteStringToU64(s: string): bigint {
  return readUint64BE(s, 0);
}

/** The u256 held in a 32-byte byte string (the caller checked the length). @internal */
export function byteStringToU256(s: string): bigint {
  return readUint256BE(s, 0);
}

/** The i64 held in an 8-byte byte string (the caller checked the length). @internal */
export function byteStringToI64(s: string): bigint {
  return BigInt.asIntN(64, readUint64BE(s, 0));
}

/**
 * A byte string of any length read as an unsigned big-endian integer (empty = 0).
 * @internal
 */
export function byteStringToUnsigned(s: string): bigint {
  const n = s.length;
  if (n === U64_BYTES) return readUint64BE(s, 0);
  if (n === U256_BYTES) return readUint256BE(s, 0);
  let v = 0n;
  let i = 0;
  for (; i + U64_BYTES <= n; i += U64_BYTES) v = (v << 64n) | readUint64BE(s, i);
  for (; i < n; i++) v = (v << 8n) | BigInt(s.charCodeAt(i));
  return v;
}

/** Describe an input value for an error message (never the whole of a large input). @internal */
export function describeNumericInput(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value);
  if (utilTypes.isUint8Array(value)) return `${value.length} bytes`;
  if (typeof value === 'string') return `a string`;
  return value === null ? 'null' : typeof value;
}

/** `width` big-endian bytes of `bytes` as a bigint (the caller checked the length). */
function bytesToUnsigned(bytes: Uint8Array, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i += 8) {
    scratchView.setUint32(
      0,
      ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0,
    );
    scratchView.setUint32(
      4,
      ((bytes[i + 4] << 24) | (bytes[i + 5] << 16) | (bytes[i + 6] << 8) | bytes[i + 7]) >>> 0,
    );
    const word = scratchView.getBigUint64(0);
    v = width === U64_BYTES ? word : (v << 64n) | word;
  }
  return v;
}

function checkLength(fn: string, bytes: unknown, width: number): void {
  if (!utilTypes.isUint8Array(bytes)) {
    throw new ValidationError(
      `${fn}: expected a Uint8Array of ${width} bytes, got ${describeNumericInput(bytes)}`,
      { expectedBytes: width },
    );
  }
  if (bytes.length !== width) {
    throw new ValidationError(
      `${fn}: expected exactly ${width} bytes (big-endian), got ${bytes.length}`,
      { expectedBytes: width, bytes: bytes.length },
    );
  }
}

function badInteger(fn: string, expected: string, value: unknown): ValidationError {
  return new ValidationError(
    `${fn}: expected ${expected} (a bigint or a safe-integer number), got ${describeNumericInput(value)}`,
    { value: typeof value === 'bigint' ? value.toString() : describeNumericInput(value) },
  );
}
