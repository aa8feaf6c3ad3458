import fc from 'fast-check';

import { CorruptionError, ValidationError } from '../../../src/storage/errors';
import type { ColumnType, Value } from '../../../src/storage/schema';
import {
  decodeKey,
  encodeKey,
  KEY_UPPER_BOUND_SUFFIX,
} from '../../../src/storage/values/key-codec';
import { compareValues, valuesEqual } from '../../../src/storage/values/value-order';
import { KEY_TYPES, nullableArb } from './arbitraries';

type KeyType = (typeof KEY_TYPES)[number];

const NUM_RUNS = 300;

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTuples(
  types: readonly ColumnType[],
  a: readonly Value[],
  b: readonly Value[],
): number {
  for (let i = 0; i < types.length; i++) {
    const c = compareValues(types[i], a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** Equal as stored: valuesEqual, and for floats also the same zero (-0 is stored as 0). */
function sameStored(type: ColumnType, expected: Value, actual: Value): boolean {
  if (type === 'float' && expected === 0) return Object.is(actual, 0);
  return valuesEqual(type, expected, actual);
}

function isByteString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** 2-3 key types with two tuples of values that often share a prefix. */
const compositeArb = fc
  .array(fc.constantFrom(...KEY_TYPES), { minLength: 2, maxLength: 3 })
  .chain((types) => {
    const tuple = fc.tuple(...types.map((t) => nullableArb(t)));
    return fc.tuple(fc.constant(types), tuple, tuple, fc.integer({ min: 0, max: types.length }));
  })
  .map(([types, a, b, shared]) => [types, a, [...a.slice(0, shared), ...b.slice(shared)]] as const);

describe('key codec', () => {
  describe.each(KEY_TYPES)('%s', (type: KeyType) => {
    const arb = nullableArb(type);

    it('orders keys exactly as compareValues orders values', () => {
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          const ka = encodeKey([type], [a]);
          const kb = encodeKey([type], [b]);
          expect(sign(compareStrings(ka, kb))).toBe(sign(compareValues(type, a, b)));
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('round-trips through decodeKey and produces byte strings', () => {
      fc.assert(
        fc.property(arb, (v) => {
          const key = encodeKey([type], [v]);
          expect(isByteString(key)).toBe(true);
          const [back] = decodeKey([type], key);
          expect(sameStored(type, v, back)).toBe(true);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });

  it('orders composite keys lexicographically and round-trips them', () => {
    fc.assert(
      fc.property(compositeArb, ([types, a, b]) => {
        const ka = encodeKey(types, a);
        const kb = encodeKey(types, b);
        expect(sign(compareStrings(ka, kb))).toBe(sign(compareTuples(types, a, b)));
        const back = decodeKey(types, ka);
        types.forEach((t, i) => expect(sameStored(t, a[i], back[i])).toBe(true));
      }),
      { numRuns: 1000 },
    );
  });

  it('bounds every extension of a prefix by [p, p + KEY_UPPER_BOUND_SUFFIX)', () => {
    fc.assert(
      fc.property(compositeArb, fc.nat(), ([types, a, b], n) => {
        const k = n % (types.length + 1);
        const p = encodeKey(types, a.slice(0, k));
        const key = encodeKey(types, b);
        const inRange = p <= key && key < p + KEY_UPPER_BOUND_SUFFIX;
        expect(inRange).toBe(compareTuples(types.slice(0, k), a, b) === 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('sorts nulls first', () => {
    for (const type of KEY_TYPES) {
      const key = encodeKey([type], [null]);
      expect(key).toBe('\x01');
      expect(decodeKey([type], key)).toEqual([null]);
    }
    expect(encodeKey(['text'], [null]) < encodeKey(['text'], [''])).toBe(true);
    expect(
      encodeKey(['integer'], [null]) < encodeKey(['integer'], [-Number.MAX_SAFE_INTEGER]),
    ).toBe(true);
  });

  it('orders text by code point, not by UTF-16 code unit', () => {
    const bmpHigh = encodeKey(['text'], ['\uffff']);
    const astral = encodeKey(['text'], ['\u{10000}']);
    expect('\uffff' < '\u{10000}').toBe(false); // what JS says
    expect(bmpHigh < astral).toBe(true); // what UTF-8 (and we) say
  });

  it('keeps a text that is a prefix before its extensions, also with NUL', () => {
    const keys = ['', '\0', '\0\0', '\0a', 'a', 'a\0', 'a\0\0', 'a\x01', 'ab'].map(
      (s) => [s, encodeKey(['text', 'integer'], [s, 5])] as const,
    );
    for (let i = 1; i < keys.length; i++) expect(keys[i - 1][1] < keys[i][1]).toBe(true);
  });

  it('encodes the documented layouts', () => {
    expect(encodeKey(['integer'], [0])).toBe('\x12\x80\0\0\0\0\0\0\0');
    expect(encodeKey(['integer'], [-1])).toBe('\x12\x7f\xff\xff\xff\xff\xff\xff\xff');
    expect(encodeKey(['u8'], [7])).toBe('\x11\x07');
    expect(encodeKey(['boolean'], [true])).toBe('\x10\x01');
    expect(encodeKey(['text'], ['a\0b'])).toBe('\x18a\0\xffb\0');
    expect(encodeKey(['blob'], [new Uint8Array([0xff, 0])])).toBe('\x19\xff\0\xff\0');
    expect(encodeKey(['float'], [-0])).toBe(encodeKey(['float'], [0]));
    expect(encodeKey(['u64'], [1n])).toBe('\x13\0\0\0\0\0\0\0\x01');
    expect(encodeKey(['timestamp'], [-1n])).toBe('\x14\x7f\xff\xff\xff\xff\xff\xff\xff');
    expect(encodeKey(['u256'], [1n]).length).toBe(33);
    expect(encodeKey(['i256'], [0n])).toBe('\x16\x80' + '\0'.repeat(31));
    expect(encodeKey(['text'], ['é'])).toBe('\x18\xc3\xa9\0');
  });

  it('encodes long and non-ASCII text through the general path', () => {
    for (const s of [
      'x'.repeat(100),
      'é'.repeat(50),
      '\0'.repeat(70),
      `a\0é\0${'z'.repeat(80)}`,
      '😀\0😀',
    ]) {
      const key = encodeKey(['text'], [s]);
      expect(isByteString(key)).toBe(true);
      expect(decodeKey(['text'], key)).toEqual([s]);
    }
  });

  it('handles keys larger than the scratch buffer', () => {
    const big = new Uint8Array(3 << 20).fill(0);
    const key = encodeKey(['blob', 'integer'], [big, 1]);
    expect(key.length).toBe(1 + 2 * big.length + 1 + 9);
    const [blob, n] = decodeKey(['blob', 'integer'], key);
    expect((blob as Uint8Array).length).toBe(big.length);
    expect(n).toBe(1);
    expect(encodeKey(['integer', 'text'], [1, 'ok'])).toBe('\x12\x80\0\0\0\0\0\0\x01\x18ok\0');
  });

  it('decodes blobs as fresh copies', () => {
    const key = encodeKey(['blob'], [new Uint8Array([1, 2])]);
    const a = decodeKey(['blob'], key)[0] as Uint8Array;
    const b = decodeKey(['blob'], key)[0] as Uint8Array;
    a[0] = 9;
    expect(b[0]).toBe(1);
  });

  it('encodes a prefix when given fewer values than types', () => {
    const types: ColumnType[] = ['text', 'integer'];
    expect(encodeKey(types, [])).toBe('');
    expect(encodeKey(types, ['a'])).toBe('\x18a\0');
    expect(() => encodeKey(['text'], ['a', 'b'])).toThrow(ValidationError);
  });

  it('rejects json as a key component', () => {
    expect(() => encodeKey(['json'], [{ a: 1 }])).toThrow(ValidationError);
    expect(() => decodeKey(['json'], '\x20')).toThrow(CorruptionError);
  });

  it.each([
    ['a wrong tag', ['integer'], '\x13\0\0\0\0\0\0\0\0'],
    ['a truncated integer', ['integer'], '\x12\x80\0'],
    ['an unterminated text', ['text'], '\x18abc'],
    ['trailing bytes', ['u8'], '\x11\x01\x01'],
    ['a missing component', ['u8', 'u8'], '\x11\x01'],
  ] as const)('reports %s as corruption', (_what, types, key) => {
    let caught: unknown;
    try {
      decodeKey(types, key);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CorruptionError);
    expect((caught as CorruptionError).code).toBe('CORRUPTION');
  });
});
