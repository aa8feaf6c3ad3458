import fc from 'fast-check';

import { ValidationError } from '../../../src/storage/errors';
import { compareValues, valuesEqual } from '../../../src/storage/values/value-order';
import { blobArb, jsonArb, KEY_TYPES, nullableArb, textArb } from './arbitraries';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('compareValues', () => {
  it('orders text like Buffer.compare of the UTF-8 bytes (code point order)', () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        expect(sign(compareValues('text', a, b))).toBe(
          sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      }),
      { numRuns: 1000 },
    );
    expect(compareValues('text', '\uffff', '\u{1F600}')).toBeLessThan(0);
    expect(compareValues('text', '\ue000', '\ud7ff')).toBeGreaterThan(0);
    expect(compareValues('text', 'ab', 'abc')).toBeLessThan(0);
  });

  it('orders blobs bytewise with a prefix first', () => {
    fc.assert(
      fc.property(blobArb, blobArb, (a, b) => {
        expect(sign(compareValues('blob', a, b))).toBe(sign(Buffer.compare(a, b)));
      }),
    );
    const long = new Uint8Array(100).fill(7);
    const longer = new Uint8Array(101).fill(7);
    expect(compareValues('blob', long, longer)).toBeLessThan(0);
    expect(compareValues('blob', longer, long)).toBeGreaterThan(0);
    expect(compareValues('blob', long, new Uint8Array(100).fill(7))).toBe(0);
  });

  it('orders numbers numerically, with -0 equal to 0 and infinities at the ends', () => {
    const floats = [
      -Infinity,
      -Number.MAX_VALUE,
      -1,
      -Number.MIN_VALUE,
      0,
      Number.MIN_VALUE,
      1,
      Infinity,
    ];
    for (let i = 1; i < floats.length; i++)
      expect(compareValues('float', floats[i - 1], floats[i])).toBeLessThan(0);
    expect(compareValues('float', -0, 0)).toBe(0);
    expect(compareValues('i256', -(2n ** 255n), 2n ** 255n - 1n)).toBeLessThan(0);
    expect(compareValues('u64', 5n, 5n)).toBe(0);
    expect(compareValues('integer', 3, -3)).toBeGreaterThan(0);
  });

  it('orders false before true', () => {
    expect(compareValues('boolean', false, true)).toBeLessThan(0);
    expect(compareValues('boolean', true, true)).toBe(0);
  });

  it('sorts null before every value, for every type', () => {
    for (const type of KEY_TYPES) {
      fc.assert(
        fc.property(nullableArb(type), (v) => {
          expect(compareValues(type, null, v)).toBe(v === null ? 0 : -1);
          expect(compareValues(type, v, null)).toBe(v === null ? 0 : 1);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('is antisymmetric and consistent with valuesEqual for every keyable type', () => {
    for (const type of KEY_TYPES) {
      const arb = nullableArb(type);
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          const ab = compareValues(type, a, b);
          expect(sign(compareValues(type, b, a)) + sign(ab)).toBe(0);
          expect(ab === 0).toBe(valuesEqual(type, a, b));
        }),
        { numRuns: 100 },
      );
    }
  });

  it('refuses to order json', () => {
    let caught: unknown;
    try {
      compareValues('json', { a: 1 }, { a: 2 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('VALIDATION');
    expect((caught as ValidationError).message).toMatch(/json values have no order/);
  });
});

describe('valuesEqual', () => {
  it('compares json structurally, ignoring key order', () => {
    expect(
      valuesEqual('json', { a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] }),
    ).toBe(true);
    expect(valuesEqual('json', { a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(valuesEqual('json', { a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(valuesEqual('json', [1, 2], [1, 2, 3])).toBe(false);
    expect(valuesEqual('json', [1], { 0: 1 })).toBe(false);
    expect(valuesEqual('json', { 0: 1 }, [1])).toBe(false);
    expect(valuesEqual('json', 'a', 'a')).toBe(true);
    expect(valuesEqual('json', null, {})).toBe(false);
    expect(valuesEqual('json', 1, '1')).toBe(false);
  });

  it('finds every json value equal to its deep copy', () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        expect(valuesEqual('json', v, structuredClone(v))).toBe(true);
      }),
    );
  });

  it('compares blobs bytewise, whatever their class', () => {
    expect(valuesEqual('blob', new Uint8Array([1, 2]), Buffer.from([1, 2]))).toBe(true);
    expect(valuesEqual('blob', new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  });

  it('compares primitives by value', () => {
    expect(valuesEqual('u256', 2n ** 200n, 2n ** 200n)).toBe(true);
    expect(valuesEqual('float', -0, 0)).toBe(true);
    expect(valuesEqual('text', 'a', 'b')).toBe(false);
    expect(valuesEqual('text', null, null)).toBe(true);
    expect(valuesEqual('text', null, '')).toBe(false);
  });
});
