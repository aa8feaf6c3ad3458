/**
 * Values of the model-based tests: the pool of column names (each name always has the same
 * type, so a generated value fits a column whatever table it lands in), generators of input
 * values paired with the stored form the engine must return, and an independent implementation
 * of value equality and order (UTF-8 byte order for text, bytewise for blobs, NULL first).
 */
import fc from 'fast-check';
import type { ColumnType, JsonValue, Value } from '../../../src/index';

/** Every column name the tests use, with its one type. */
export const COLUMN_POOL = {
  id: 'integer',
  name: 'text',
  title: 'text',
  n: 'u64',
  m: 'u64',
  f: 'float',
  ok: 'boolean',
  data: 'blob',
  doc: 'json',
  at: 'timestamp',
  big: 'i256',
  amt: 'u256',
} as const satisfies Record<string, ColumnType>;

/** A pooled column name. */
export type PoolColumn = keyof typeof COLUMN_POOL;

/** The pooled names, `id` first. */
export const POOL_NAMES = Object.keys(COLUMN_POOL) as PoolColumn[];

/** Names that may be renamed into one another (same type). */
export const RENAMES: readonly [PoolColumn, PoolColumn][] = [
  ['name', 'title'],
  ['title', 'name'],
  ['n', 'm'],
  ['m', 'n'],
];

/** A generated input: its stored form, or `invalid` when the engine must reject it. */
export type GenValue =
  | { readonly input: unknown; readonly stored: Value }
  | { readonly input: unknown; readonly invalid: true };

/** Whether a generated value is valid for its column. */
export function isValid(v: GenValue): v is { readonly input: unknown; readonly stored: Value } {
  return !('invalid' in v);
}

const TEXTS = ['', 'a', 'ab', 'b', 'z', 'é', 'ｚ', '😀', 'a😀', 'a\u0000'];

const jsonArb: fc.Arbitrary<JsonValue> = fc.letrec<{ j: JsonValue }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -50, max: 50 }),
    fc.constantFrom('x', 'y', ''),
    fc.boolean(),
    fc.array(tie('j'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('j'), { maxKeys: 2 }),
  ),
})).j;

function valid(input: unknown, stored: Value = input as Value): GenValue {
  return { input, stored };
}

function invalid(input: unknown): GenValue {
  return { input, invalid: true };
}

/** Valid inputs of `type`, from small domains so that equal values (and conflicts) are common. */
export function validValueArb(type: ColumnType): fc.Arbitrary<GenValue> {
  switch (type) {
    case 'integer':
      return fc.oneof(
        fc.integer({ min: -2, max: 6 }).map((n) => valid(n)),
        fc.integer({ min: 0, max: 3 }).map((n) => valid(BigInt(n), n)),
      );
    case 'text':
      return fc.constantFrom(...TEXTS).map((s) => valid(s));
    case 'u64':
      return fc.oneof(
        fc.constantFrom(0n, 1n, 7n, (1n << 64n) - 1n).map((n) => valid(n)),
        fc.integer({ min: 0, max: 7 }).map((n) => valid(n, BigInt(n))),
      );
    case 'float':
      return fc
        .constantFrom(0, -0, 1.5, -2.25, Infinity, -Infinity, 3)
        .map((x) => valid(x, x === 0 ? 0 : x));
    case 'boolean':
      return fc.boolean().map((b) => valid(b));
    case 'blob':
      return fc
        .constantFrom([], [0], [0, 255], [1], [255])
        .map((a) => valid(Uint8Array.from(a), Uint8Array.from(a)));
    case 'json':
      return jsonArb.map((j) => valid(j));
    case 'timestamp':
      return fc.oneof(
        fc.constantFrom(-5n, 0n, 1_000n, 1_000_000n).map((t) => valid(t)),
        fc.constantFrom(0, 1, 2).map((ms) => valid(new Date(ms), BigInt(ms) * 1000n)),
      );
    case 'i256':
      return fc.constantFrom(-(1n << 255n), -1n, 0n, 5n, (1n << 255n) - 1n).map((n) => valid(n));
    case 'u256':
      return fc.oneof(
        fc.constantFrom(0n, 1n, 5n, (1n << 256n) - 2n, (1n << 256n) - 1n).map((n) => valid(n)),
        fc.integer({ min: 0, max: 9 }).map((n) => valid(n, BigInt(n))),
      );
    case 'u8':
      throw new Error(`no generator for ${type} (not in the column pool)`);
  }
}

/** Inputs the engine must reject for `type`. */
export function invalidValueArb(type: ColumnType): fc.Arbitrary<GenValue> {
  const byType: Record<string, unknown[]> = {
    integer: [1.5, 'x', 2 ** 60, Number.NaN],
    text: [5, true, new Uint8Array(1)],
    u64: [-1, 'x', 1n << 64n, 0.5],
    float: [Number.NaN, 'x', 1n],
    boolean: [1, 'true'],
    blob: ['x', [1, 2], new Uint16Array(1)],
    json: [{ bad: Number.NaN }, [1n], { x: () => 1 }],
    timestamp: ['x', new Date(Number.NaN), 1n << 64n],
    i256: [1n << 256n, 'x', 0.5],
    u256: [-1n, 1n << 256n, 'x', 0.5],
  };
  return fc.constantFrom(...(byType[type] ?? ['x'])).map((x) => invalid(x));
}

/** A value for `type`: valid, sometimes null (`nullable` decides whether that is valid), rarely invalid. */
export function valueArb(type: ColumnType): fc.Arbitrary<GenValue> {
  return fc.oneof(
    { arbitrary: validValueArb(type), weight: 30 },
    { arbitrary: fc.constant(valid(null)), weight: 4 },
    { arbitrary: invalidValueArb(type), weight: 1 },
  );
}

/** Canonical string of a stored value (equal values, equal strings; -0 and 0 alike). */
export function canon(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
}

/** The order of the engine's keys and `orderBy`: NULL first, text by UTF-8 bytes, blobs bytewise. */
export function compare(type: ColumnType, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  switch (type) {
    case 'text':
      return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
    case 'blob':
      return Buffer.compare(Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array));
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'json':
      throw new Error('json has no order');
    case 'integer':
    case 'u8':
    case 'u64':
    case 'u256':
    case 'i256':
    case 'float':
    case 'timestamp':
      return (a as number | bigint) < (b as number | bigint)
        ? -1
        : (a as number | bigint) > (b as number | bigint)
          ? 1
          : 0;
  }
}

/** A readable form of any input, for printed commands (bigints, bytes, dates, NaN). */
export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `${v.constructor.name}[${[...v].join(',')}]`;
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'NaN' : v.getTime()})`;
  if (typeof v === 'function') return 'fn';
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(', ')}}`;
  }
  return typeof v === 'symbol' ? v.toString() : typeof v;
}

/** A canonical string of a whole result (rows, entries), key order included. */
export function canonDeep(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Uint8Array)
    return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return `[${v.map(canonDeep).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${canonDeep(x)}`)
      .join(',')}}`;
  }
  return typeof v === 'symbol' ? v.toString() : typeof v;
}
