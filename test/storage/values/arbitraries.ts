/**
 * fast-check generators of normalized values per column type, biased toward the edges the
 * codecs must get right (signs, extremes, NUL and 0xFF bytes, astral vs U+E000..U+FFFF).
 */
import fc from 'fast-check';

import type {
  ColumnSchema,
  ColumnType,
  JsonValue,
  TableSchema,
  Value,
} from '../../../src/storage/schema';

const MAX_U64 = (1n << 64n) - 1n;
const MAX_U256 = (1n << 256n) - 1n;
const MIN_I256 = -(1n << 255n);
const MAX_I256 = (1n << 255n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

function edgy<T>(edges: T[], general: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
    { arbitrary: general, weight: 3 },
  );
}

/** Unicode scalar values (no surrogate halves), often at the interesting boundaries. */
const codePoint = edgy(
  [0, 1, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff],
  fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff),
  ),
);

/** Well-formed text, including empty, NUL, U+FFFF and astral characters. */
export const textArb: fc.Arbitrary<string> = fc
  .array(codePoint, { maxLength: 8 })
  .map((cps) => String.fromCodePoint(...cps));

/** Bytes, often 0x00 and 0xFF. */
export const blobArb: fc.Arbitrary<Uint8Array> = fc
  .array(edgy([0, 0xff, 1, 0xfe], fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
  .map((a) => Uint8Array.from(a));

const floatArb = edgy(
  [
    0,
    -0,
    Infinity,
    -Infinity,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1,
    -1,
    0.5,
  ],
  fc.double({ noNaN: true }),
);

/** A generator of normalized non-null values for each column type (json excluded). */
export const valueArbs: Record<Exclude<ColumnType, 'json'>, fc.Arbitrary<Value>> = {
  integer: edgy(
    [
      0,
      1,
      -1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 32,
      -(2 ** 32),
      2 ** 31,
      -(2 ** 31) - 1,
    ],
    fc.oneof(fc.integer(), fc.maxSafeInteger()),
  ),
  u8: fc.integer({ min: 0, max: 255 }),
  u64: edgy([0n, 1n, MAX_U64, 1n << 63n, 1n << 32n], fc.bigInt({ min: 0n, max: MAX_U64 })),
  u256: edgy([0n, 1n, MAX_U256, 1n << 255n, MAX_U64], fc.bigInt({ min: 0n, max: MAX_U256 })),
  i256: edgy([0n, -1n, 1n, MIN_I256, MAX_I256], fc.bigInt({ min: MIN_I256, max: MAX_I256 })),
  timestamp: edgy([0n, -1n, MIN_I64, MAX_I64], fc.bigInt({ min: MIN_I64, max: MAX_I64 })),
  float: floatArb,
  boolean: fc.boolean(),
  text: textArb,
  blob: blobArb,
};

/** Keyable types, in a stable order. */
export const KEY_TYPES = Object.keys(valueArbs) as Exclude<ColumnType, 'json'>[];

/** A value of `type` or null. */
export function nullableArb(type: Exclude<ColumnType, 'json'>): fc.Arbitrary<Value> {
  return fc.option(valueArbs[type], { nil: null, freq: 6 });
}

/** JSON values that our normalization accepts (no `__proto__` keys, no -0). */
export const jsonArb: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 3 })
  .filter((v) => !JSON.stringify(v).includes('"__proto__"'))
  .map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);

/** A table schema with the given column types (ids 1..n, names c1..cn, all nullable). */
export function tableOf(types: readonly ColumnType[], nullable = true): TableSchema {
  const columns: ColumnSchema[] = types.map((type, i) => ({
    id: i + 1,
    name: `c${i + 1}`,
    type,
    nullable,
  }));
  return {
    projectId: 'demo',
    scopeId: 'app',
    tableName: 't',
    tableId: 1,
    columns,
    primaryKey: [],
    indexes: [],
    nextColumnId: types.length + 1,
    nextIndexId: 1,
  };
}
