/**
 * The fixed big-endian KV numeric encodings (u64, u256, i64) and the internal byte-string
 * helpers of the commit path: boundaries, round trips, order, and every rejection.
 */
import fc from 'fast-check';
import {
  ValidationError,
  decodeI64,
  decodeU256,
  decodeU64,
  encodeI64,
  encodeU256,
  encodeU64,
} from '../../../src/index';
import {
  I64_MAX,
  I64_MIN,
  U256_MAX,
  U64_MAX,
  byteStringToI64,
  byteStringToU256,
  byteStringToU64,
  byteStringToUnsigned,
  i64ToByteString,
  u256ToByteString,
  u64ToByteString,
  unsignedAmount,
} from '../../../src/storage/numerics/numeric-codec';
import { expectThrows } from '../engine/engine-fixture';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const latin1Hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('u64', () => {
  it.each<[bigint | number, string]>([
    [0n, '0000000000000000'],
    [0, '0000000000000000'],
    [1n, '0000000000000001'],
    [258, '0000000000000102'],
    [Number.MAX_SAFE_INTEGER, '001fffffffffffff'],
    [(1n << 63n) - 1n, '7fffffffffffffff'],
    [1n << 63n, '8000000000000000'],
    [U64_MAX, 'ffffffffffffffff'],
  ])('encodes %p as %s and decodes it back', (value, expected) => {
    const bytes = encodeU64(value);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(hex(bytes)).toBe(expected);
    expect(decodeU64(bytes)).toBe(BigInt(value));
    expect(latin1Hex(u64ToByteString(BigInt(value)))).toBe(expected);
    expect(byteStringToU64(u64ToByteString(BigInt(value)))).toBe(BigInt(value));
  });

  it.each<unknown>([
    -1n,
    -1,
    U64_MAX + 1n,
    1.5,
    Number.MAX_SAFE_INTEGER + 1,
    NaN,
    Infinity,
    '1',
    null,
  ])('rejects %p', (value) => {
    expectThrows(
      () => encodeU64(value as bigint),
      ValidationError,
      'VALIDATION',
      'encodeU64',
      '0..2^64-1',
    );
  });

  it.each([0, 7, 9, 32])('decodeU64 rejects %i bytes', (n) => {
    expectThrows(
      () => decodeU64(new Uint8Array(n)),
      ValidationError,
      'VALIDATION',
      `expected exactly 8 bytes`,
      `got ${n}`,
    );
  });

  it('decodeU64 rejects a non-Uint8Array and accepts a Buffer (any offset)', () => {
    expectThrows(
      () => decodeU64('12345678' as unknown as Uint8Array),
      ValidationError,
      'VALIDATION',
    );
    const buf = Buffer.alloc(20);
    buf.writeBigUInt64BE(123456789012345678n, 5);
    expect(decodeU64(buf.subarray(5, 13))).toBe(123456789012345678n);
  });

  it('preserves numeric order bytewise', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, U64_MAX), fc.bigInt(0n, U64_MAX), (a, b) => {
        const cmp = Buffer.compare(Buffer.from(encodeU64(a)), Buffer.from(encodeU64(b)));
        expect(Math.sign(cmp)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(decodeU64(encodeU64(a))).toBe(a);
      }),
    );
  });
});

describe('u256', () => {
  it.each<[bigint | number, string]>([
    [0n, '00'.repeat(32)],
    [1, '00'.repeat(31) + '01'],
    [U64_MAX, '00'.repeat(24) + 'ff'.repeat(8)],
    [U64_MAX + 1n, '00'.repeat(23) + '01' + '00'.repeat(8)],
    [1n << 255n, '80' + '00'.repeat(31)],
    [U256_MAX, 'ff'.repeat(32)],
  ])('encodes %p and decodes it back', (value, expected) => {
    const bytes = encodeU256(value);
    expect(bytes).toHaveLength(32);
    expect(hex(bytes)).toBe(expected);
    expect(decodeU256(bytes)).toBe(BigInt(value));
    expect(latin1Hex(u256ToByteString(BigInt(value)))).toBe(expected);
    expect(byteStringToU256(u256ToByteString(BigInt(value)))).toBe(BigInt(value));
  });

  it.each<unknown>([-1n, U256_MAX + 1n, 0.5, -1, 'x', undefined])('rejects %p', (value) => {
    expectThrows(
      () => encodeU256(value as bigint),
      ValidationError,
      'VALIDATION',
      'encodeU256',
      '0..2^256-1',
    );
  });

  it.each([0, 8, 31, 33])('decodeU256 rejects %i bytes', (n) => {
    expectThrows(
      () => decodeU256(new Uint8Array(n)),
      ValidationError,
      'VALIDATION',
      'expected exactly 32 bytes',
    );
  });

  it('round-trips random values (small values take the one-word path)', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, U256_MAX), (v) => {
        expect(decodeU256(encodeU256(v))).toBe(v);
        expect(byteStringToU256(u256ToByteString(v))).toBe(v);
        expect(latin1Hex(u256ToByteString(v))).toBe(hex(encodeU256(v)));
      }),
    );
  });
});

describe('i64', () => {
  it.each<[bigint | number, string]>([
    [0n, '0000000000000000'],
    [1, '0000000000000001'],
    [-1, 'ffffffffffffffff'],
    [-2n, 'fffffffffffffffe'],
    [I64_MAX, '7fffffffffffffff'],
    [I64_MIN, '8000000000000000'],
    [-Number.MAX_SAFE_INTEGER, 'ffe0000000000001'],
  ])('encodes %p as %s (two’s complement) and decodes it back', (value, expected) => {
    expect(hex(encodeI64(value))).toBe(expected);
    expect(decodeI64(encodeI64(value))).toBe(BigInt(value));
    expect(latin1Hex(i64ToByteString(BigInt(value)))).toBe(expected);
    expect(byteStringToI64(i64ToByteString(BigInt(value)))).toBe(BigInt(value));
  });

  it.each<unknown>([I64_MAX + 1n, I64_MIN - 1n, 2.5, Number.MIN_SAFE_INTEGER - 2, '0'])(
    'rejects %p',
    (value) => {
      expectThrows(
        () => encodeI64(value as bigint),
        ValidationError,
        'VALIDATION',
        'encodeI64',
        '-2^63..2^63-1',
      );
    },
  );

  it.each([0, 4, 16])('decodeI64 rejects %i bytes', (n) => {
    expectThrows(() => decodeI64(new Uint8Array(n)), ValidationError, 'VALIDATION', '8 bytes');
  });
});

describe('internal helpers', () => {
  it('unsignedAmount accepts bigint, safe integers and exact-width bytes only', () => {
    expect(unsignedAmount(5n, 8)).toBe(5n);
    expect(unsignedAmount(5, 8)).toBe(5n);
    expect(unsignedAmount(-0, 8)).toBe(0n);
    expect(unsignedAmount(encodeU64(U64_MAX), 8)).toBe(U64_MAX);
    expect(unsignedAmount(encodeU256(U256_MAX), 32)).toBe(U256_MAX);
    expect(unsignedAmount(U64_MAX, 32)).toBe(U64_MAX);
    expect(unsignedAmount(U64_MAX + 1n, 8)).toBeUndefined();
    expect(unsignedAmount(encodeU64(1), 32)).toBeUndefined();
    expect(unsignedAmount(encodeU256(1), 8)).toBeUndefined();
    expect(unsignedAmount(-1, 8)).toBeUndefined();
    expect(unsignedAmount(1.5, 8)).toBeUndefined();
    expect(unsignedAmount('1', 8)).toBeUndefined();
    expect(unsignedAmount(null, 8)).toBeUndefined();
  });

  it('byteStringToUnsigned reads any length as big-endian', () => {
    expect(byteStringToUnsigned('')).toBe(0n);
    expect(byteStringToUnsigned('\x01\x00')).toBe(256n);
    expect(byteStringToUnsigned('\xff'.repeat(9))).toBe((1n << 72n) - 1n);
    expect(byteStringToUnsigned(u64ToByteString(42n))).toBe(42n);
    expect(byteStringToUnsigned(u256ToByteString(U256_MAX))).toBe(U256_MAX);
    expect(byteStringToUnsigned('\x00'.repeat(40) + '\x07')).toBe(7n);
  });
});
