import fc from 'fast-check';
import { inspect } from 'node:util';

import { CorruptionError } from '../../../src/storage/errors';
import type { ColumnType, TableSchema, Value } from '../../../src/storage/schema';
import { normalizeRow } from '../../../src/storage/values/normalize-value';
import {
  decodeRow,
  decodeRowValues,
  encodeRow,
  ROW_FORMAT_VERSION,
} from '../../../src/storage/values/row-codec';
import { valuesEqual } from '../../../src/storage/values/value-order';
import { jsonArb, KEY_TYPES, nullableArb, tableOf } from './arbitraries';

const ALL_TYPES: ColumnType[] = [...KEY_TYPES, 'json'];

function valueArb(type: ColumnType): fc.Arbitrary<Value> {
  return type === 'json' ? fc.option(jsonArb, { nil: null, freq: 6 }) : nullableArb(type);
}

/** A table of 1..8 random column types with a row of values for it. */
const tableAndRowArb = fc
  .array(fc.constantFrom(...ALL_TYPES), { minLength: 1, maxLength: 8 })
  .chain((types) => fc.tuple(fc.constant(tableOf(types)), fc.tuple(...types.map(valueArb))));

function sameValues(
  table: TableSchema,
  expected: readonly Value[],
  actual: readonly Value[],
): void {
  expect(actual).toHaveLength(table.columns.length);
  table.columns.forEach((c, i) => {
    if (!valuesEqual(c.type, expected[i], actual[i])) {
      throw new Error(
        `column ${c.name} (${c.type}): ${inspect(expected[i])} != ${inspect(actual[i])}`,
      );
    }
  });
}

function isByteString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

describe('row codec', () => {
  it('round-trips every type, null included', () => {
    fc.assert(
      fc.property(tableAndRowArb, ([table, values]) => {
        const encoded = encodeRow(table, values);
        expect(isByteString(encoded)).toBe(true);
        expect(encoded.charCodeAt(0)).toBe(ROW_FORMAT_VERSION);
        sameValues(table, values, decodeRowValues(table, encoded));
        const row = decodeRow(table, encoded);
        expect(Object.keys(row)).toEqual(table.columns.map((c) => c.name));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the exact types: numbers stay numbers, bigints bigints, json objects plain', () => {
    const table = tableOf(['integer', 'u8', 'float', 'u64', 'timestamp', 'i256', 'json', 'blob']);
    const values: Value[] = [
      -(2 ** 40),
      200,
      -0.1,
      2n ** 64n - 1n,
      -(2n ** 63n),
      -(2n ** 255n),
      { n: [1, 2 ** 40, -(2 ** 40), 0.5, 1e300], s: 'é😀', o: {}, z: null, t: true },
      new Uint8Array([0, 255]),
    ];
    const back = decodeRowValues(table, encodeRow(table, values));
    expect(back.slice(0, 6)).toEqual(values.slice(0, 6));
    const json = back[6] as { n: unknown[]; o: object };
    expect(json).toEqual(values[6]);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(json.o)).toBe(Object.prototype);
    expect(json.n.every((x) => typeof x === 'number')).toBe(true);
    expect(back[7]).toBeInstanceOf(Uint8Array);
    expect(Array.from(back[7] as Uint8Array)).toEqual([0, 255]);
  });

  it('writes no entry for null columns', () => {
    const table = tableOf(['text', 'u64', 'json']);
    expect(encodeRow(table, [null, null, null])).toBe('\x01');
    expect(decodeRow(table, '\x01')).toEqual({ c1: null, c2: null, c3: null });
    // version, id 1, length 2, "hi"
    expect(encodeRow(table, ['hi', null, null])).toBe('\x01\x01\x02hi');
  });

  it('encodes long text and large blobs with multi-byte varints', () => {
    const table = tableOf(['text', 'blob', 'text']);
    const long = 'é'.repeat(5000) + 'x'.repeat(100);
    const blob = new Uint8Array(3 << 20).fill(0xab);
    const back = decodeRowValues(table, encodeRow(table, [long, blob, 'x'.repeat(42)]));
    expect(back[0]).toBe(long);
    expect((back[1] as Uint8Array).length).toBe(blob.length);
    expect((back[1] as Uint8Array)[blob.length - 1]).toBe(0xab);
    expect(back[2]).toBe('x'.repeat(42));
  });

  it('decodes blobs as fresh copies', () => {
    const table = tableOf(['blob']);
    const encoded = encodeRow(table, [new Uint8Array([1, 2, 3])]);
    const a = decodeRowValues(table, encoded)[0] as Uint8Array;
    a[0] = 9;
    expect((decodeRowValues(table, encoded)[0] as Uint8Array)[0]).toBe(1);
  });

  it('decodeRow defines a column named __proto__ as an own property', () => {
    const table: TableSchema = {
      ...tableOf(['text']),
      columns: [{ id: 1, name: '__proto__', type: 'text', nullable: true }],
    };
    const row = decodeRow(table, encodeRow(table, ['x']));
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x');
  });

  it('works on rows produced by normalizeRow', () => {
    const table: TableSchema = {
      ...tableOf([]),
      columns: [
        { id: 1, name: 'id', type: 'integer', nullable: false },
        { id: 2, name: 'username', type: 'text', nullable: false },
        { id: 3, name: 'joined', type: 'timestamp', nullable: true },
        { id: 4, name: 'meta', type: 'json', nullable: true },
      ],
    };
    const values = normalizeRow(
      table,
      { id: 1, username: 'alice', joined: new Date(1000), meta: { tags: ['a'] } },
      'full',
    );
    expect(decodeRow(table, encodeRow(table, values as Value[]))).toEqual({
      id: 1,
      username: 'alice',
      joined: 1_000_000n,
      meta: { tags: ['a'] },
    });
  });

  describe('schema evolution (columns are referenced by id)', () => {
    const v1: TableSchema = {
      ...tableOf([]),
      columns: [
        { id: 1, name: 'id', type: 'integer', nullable: false },
        { id: 2, name: 'name', type: 'text', nullable: false },
        { id: 3, name: 'legacy', type: 'json', nullable: true },
        { id: 4, name: 'score', type: 'float', nullable: true },
      ],
      nextColumnId: 5,
    };
    const stored = encodeRow(v1, [7, 'alice', { old: true }, 1.5]);

    it('a renamed column keeps its value under the new name', () => {
      const renamed: TableSchema = {
        ...v1,
        columns: v1.columns.map((c) => (c.id === 2 ? { ...c, name: 'fullName' } : c)),
      };
      expect(decodeRow(renamed, stored)).toEqual({
        id: 7,
        fullName: 'alice',
        legacy: { old: true },
        score: 1.5,
      });
    });

    it('a dropped column is skipped, an added column reads as null', () => {
      const evolved: TableSchema = {
        ...v1,
        columns: [
          ...v1.columns.filter((c) => c.id !== 3),
          { id: 5, name: 'email', type: 'text', nullable: true },
          { id: 6, name: 'balance', type: 'u256', nullable: true },
        ],
        nextColumnId: 7,
      };
      expect(decodeRow(evolved, stored)).toEqual({
        id: 7,
        name: 'alice',
        score: 1.5,
        email: null,
        balance: null,
      });
      expect(decodeRowValues(evolved, stored)).toEqual([7, 'alice', 1.5, null, null]);
      // A row written under the new schema decodes under it too, and under the old one the
      // new columns are skipped while the dropped one reads as null.
      const newer = encodeRow(evolved, [8, 'bob', null, 'b@x', 2n ** 255n]);
      expect(decodeRow(evolved, newer)).toEqual({
        id: 8,
        name: 'bob',
        score: null,
        email: 'b@x',
        balance: 2n ** 255n,
      });
      expect(decodeRow(v1, newer)).toEqual({ id: 8, name: 'bob', legacy: null, score: null });
    });

    it('decodes regardless of column order in the schema', () => {
      const reordered: TableSchema = { ...v1, columns: [...v1.columns].reverse() };
      expect(decodeRowValues(reordered, stored)).toEqual([1.5, { old: true }, 'alice', 7]);
    });

    it('holds for random rows and random drops/renames/additions', () => {
      fc.assert(
        fc.property(
          tableAndRowArb,
          fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          ([table, values], keep) => {
            const stored = encodeRow(table, values);
            const kept = table.columns
              .filter((_, i) => keep[i])
              .map((c) => ({ ...c, name: `renamed_${c.name}` }));
            const added = {
              id: table.nextColumnId,
              name: 'added',
              type: 'text' as const,
              nullable: true,
            };
            const evolved: TableSchema = {
              ...table,
              columns: [added, ...kept],
              nextColumnId: table.nextColumnId + 1,
            };
            const expected = [null, ...values.filter((_, i) => keep[i])];
            sameValues(evolved, expected, decodeRowValues(evolved, stored));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('corruption', () => {
    const table = tableOf(['integer', 'text', 'json']);
    const good = encodeRow(table, [1, 'abc', { a: 1 }]);

    it.each([
      ['an unknown version', '\x02' + good.slice(1), /unknown row format version 2/],
      ['an empty string', '', /unknown row format version NaN/],
      ['a value running past the end', good.slice(0, -1), /runs past the row end/],
      [
        'a wrong fixed size',
        '\x01\x01\x04\0\0\0\x01',
        /column 'c1' \(integer\) has 4 bytes, expected 8/,
      ],
      ['a truncated varint', '\x01\x81', /malformed varint/],
      ['a varint that never ends', '\x01' + '\xff'.repeat(12), /malformed varint/],
      // A map header announcing one entry, and nothing after it.
      ['undecodable json', '\x01\x03\x01\x81', /undecodable json in column 'c3'/],
    ])('reports %s as CorruptionError naming the table', (_what, encoded, message) => {
      let caught: unknown;
      try {
        decodeRowValues(table, encoded);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(CorruptionError);
      const err = caught as CorruptionError;
      expect(err.code).toBe('CORRUPTION');
      expect(err.message).toMatch(/^table demo\.app\.t: corrupt row at byte \d+: /);
      expect(err.message).toMatch(message);
      expect(err.details).toMatchObject({ projectId: 'demo', scopeId: 'app', tableName: 't' });
    });
  });
});
