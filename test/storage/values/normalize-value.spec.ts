import { AedbError, ValidationError } from '../../../src/storage/errors';
import type { ColumnSchema, ColumnType, TableSchema } from '../../../src/storage/schema';
import {
  MAX_JSON_DEPTH,
  normalizeRow,
  normalizeValue,
  type TableLocation,
} from '../../../src/storage/values/normalize-value';

const loc: TableLocation = { projectId: 'demo', scopeId: 'app', tableName: 'users' };

function col(type: ColumnType, nullable = false, name = 'c'): ColumnSchema {
  return { id: 1, name, type, nullable };
}

/** `[1, <hole>, 3]` */
function holey(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 3;
  return a;
}

function norm(type: ColumnType, value: unknown, nullable = false): unknown {
  return normalizeValue(value, col(type, nullable), loc);
}

/** Assert a ValidationError naming table, column and type, and carrying the details. */
function expectInvalid(
  type: ColumnType,
  value: unknown,
  message?: RegExp,
  nullable = false,
): ValidationError {
  let caught: unknown;
  try {
    normalizeValue(value, col(type, nullable), loc);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  const err = caught as ValidationError;
  expect(err).toBeInstanceOf(AedbError);
  expect(err.code).toBe('VALIDATION');
  expect(err.message).toContain(`table demo.app.users column 'c' (${type}): expected `);
  if (message) expect(err.message).toMatch(message);
  expect(err.details).toEqual({
    projectId: 'demo',
    scopeId: 'app',
    tableName: 'users',
    column: 'c',
    type,
  });
  return err;
}

describe('normalizeValue', () => {
  describe('null and undefined', () => {
    it.each(['text', 'u64', 'json', 'blob'] as ColumnType[])(
      '%s: become null when nullable',
      (type) => {
        expect(norm(type, null, true)).toBeNull();
        expect(norm(type, undefined, true)).toBeNull();
      },
    );
    it.each(['text', 'u64', 'json', 'blob'] as ColumnType[])(
      '%s: are rejected when not nullable',
      (type) => {
        expectInvalid(type, null, /not nullable\), got null$/);
        expectInvalid(type, undefined, /got undefined$/);
      },
    );
  });

  describe('integer', () => {
    it('accepts safe integers and bigints in the safe range, as numbers', () => {
      expect(norm('integer', 0)).toBe(0);
      expect(norm('integer', -42)).toBe(-42);
      expect(norm('integer', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
      expect(norm('integer', -Number.MAX_SAFE_INTEGER)).toBe(-Number.MAX_SAFE_INTEGER);
      expect(norm('integer', 7n)).toBe(7);
      expect(norm('integer', -(2n ** 53n - 1n))).toBe(-Number.MAX_SAFE_INTEGER);
    });
    it('turns -0 into 0', () => {
      expect(Object.is(norm('integer', -0), 0)).toBe(true);
    });
    it.each([1.5, NaN, Infinity, 2 ** 53, -(2 ** 53), 2n ** 53n, '1', true, {}])(
      'rejects %p',
      (v) => {
        expectInvalid('integer', v, /expected a safe integer -\(2\^53-1\)\.\.2\^53-1/);
      },
    );
  });

  describe('u8', () => {
    it('accepts 0..255 as numbers, bigints too', () => {
      expect(norm('u8', 0)).toBe(0);
      expect(norm('u8', 255)).toBe(255);
      expect(norm('u8', 255n)).toBe(255);
      expect(Object.is(norm('u8', -0), 0)).toBe(true);
    });
    it('names the range and the value in the message', () => {
      const err = expectInvalid('u8', 300);
      expect(err.message).toBe(
        "table demo.app.users column 'c' (u8): expected an integer 0..255, got 300",
      );
    });
    it.each([-1, 256, 1.5, NaN, 256n, -1n, '1', null])('rejects %p', (v) => {
      expectInvalid('u8', v, /expected (an integer 0\.\.255|a value)/);
    });
  });

  describe.each([
    ['u64', 0n, 2n ** 64n - 1n, /expected an integer 0\.\.2\^64-1/],
    ['u256', 0n, 2n ** 256n - 1n, /expected an integer 0\.\.2\^256-1/],
    ['i256', -(2n ** 255n), 2n ** 255n - 1n, /expected an integer -2\^255\.\.2\^255-1/],
    ['timestamp', -(2n ** 63n), 2n ** 63n - 1n, /expected epoch microseconds/],
  ] as const)('%s', (type, min, max, expected) => {
    it('accepts the whole range as bigint', () => {
      expect(norm(type, min)).toBe(min);
      expect(norm(type, max)).toBe(max);
    });
    it('accepts safe-integer numbers in range, as bigint', () => {
      expect(norm(type, 0)).toBe(0n);
      expect(norm(type, Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    });
    it('rejects values just outside the range', () => {
      expectInvalid(type, min - 1n, expected);
      expectInvalid(type, max + 1n, expected);
    });
    it.each([1.5, 2 ** 60, NaN, '1', true])('rejects %p', (v) => {
      expectInvalid(type, v, expected);
    });
  });

  it('u64 and u256 reject negative numbers; i256 accepts them', () => {
    expectInvalid('u64', -1);
    expectInvalid('u256', -1);
    expect(norm('i256', -1)).toBe(-1n);
  });

  describe('timestamp', () => {
    it('converts a Date to epoch microseconds', () => {
      expect(norm('timestamp', new Date(0))).toBe(0n);
      expect(norm('timestamp', new Date(1_700_000_000_123))).toBe(1_700_000_000_123_000n);
      expect(norm('timestamp', new Date(-1))).toBe(-1000n);
    });
    it('rejects an invalid Date', () => {
      expectInvalid('timestamp', new Date(NaN), /expected a valid Date, got an invalid Date$/);
    });
    it('accepts safe-integer numbers as microseconds', () => {
      expect(norm('timestamp', -5)).toBe(-5n);
    });
  });

  describe('float', () => {
    it('accepts finite numbers and infinities', () => {
      expect(norm('float', 1.25)).toBe(1.25);
      expect(norm('float', Infinity)).toBe(Infinity);
      expect(norm('float', -Infinity)).toBe(-Infinity);
      expect(norm('float', Number.MIN_VALUE)).toBe(Number.MIN_VALUE);
    });
    it('turns -0 into 0', () => {
      expect(Object.is(norm('float', -0), 0)).toBe(true);
    });
    it.each([NaN, 1n, '1.5', null])('rejects %p', (v) => {
      expectInvalid('float', v, /expected (a number \(not NaN\)|a value)/);
    });
  });

  describe('boolean', () => {
    it('accepts booleans only', () => {
      expect(norm('boolean', true)).toBe(true);
      expect(norm('boolean', false)).toBe(false);
      expectInvalid('boolean', 0, /expected a boolean, got 0$/);
      expectInvalid('boolean', 'true', /expected a boolean, got "true"$/);
    });
  });

  describe('text', () => {
    it('accepts any well-formed string', () => {
      for (const s of ['', 'a', '\0', '\uffff', '😀', 'é日本', 'x'.repeat(10_000)])
        expect(norm('text', s)).toBe(s);
    });
    it.each(['\ud800', 'a\udc00b', '\ude00\ud83d'])('rejects lone surrogates in %j', (s) => {
      expectInvalid('text', s, /expected a string without lone surrogates/);
    });
    it('rejects non-strings, describing them briefly', () => {
      expectInvalid('text', 5, /got 5$/);
      expectInvalid('text', 5n, /got 5n$/);
      expectInvalid('text', Symbol('s'), /got Symbol\(s\)$/);
      expectInvalid('text', () => 1, /got a function$/);
      expectInvalid('text', [1, 2], /got an array of 2 items$/);
      expectInvalid('text', new Map(), /got an instance of Map$/);
      expectInvalid('integer', 'y'.repeat(100), /got "y{40}"\.\.\. \(100 chars\)$/);
    });
  });

  describe('blob', () => {
    it('stores a copy of a Uint8Array or Buffer', () => {
      const input = new Uint8Array([1, 2, 3]);
      const out = norm('blob', input) as Uint8Array;
      expect(out).toEqual(new Uint8Array([1, 2, 3]));
      expect(out).not.toBe(input);
      input[0] = 9;
      expect(out[0]).toBe(1);
      const buf = Buffer.from([4, 5]);
      const fromBuf = norm('blob', buf) as Uint8Array;
      expect(Array.from(fromBuf)).toEqual([4, 5]);
      expect(fromBuf.buffer).not.toBe(buf.buffer);
    });
    it.each([
      new Uint16Array(2),
      new Int8Array(2),
      new Uint8ClampedArray(2),
      new ArrayBuffer(2),
      [1, 2],
      'ab',
    ])('rejects %p', (v) => {
      expectInvalid('blob', v, /expected a Uint8Array or Buffer/);
    });
  });

  describe('json', () => {
    it('accepts JSON values and returns a structural copy', () => {
      const input = { a: [1, 'two', null, true, { b: 2.5 }], c: {} };
      const out = norm('json', input) as typeof input;
      expect(out).toEqual(input);
      expect(out).not.toBe(input);
      input.a.push(9);
      (input.a[4] as { b: number }).b = 0;
      expect(out.a).toHaveLength(5);
      expect((out.a[4] as { b: number }).b).toBe(2.5);
      for (const v of [0, -1.5, '', 'x', true, [], {}, [null]]) expect(norm('json', v)).toEqual(v);
      // A top-level null is the absence of a value, as in every column type.
      expect(norm('json', null, true)).toBeNull();
    });
    it('accepts null-prototype objects and shared (acyclic) references', () => {
      const o = Object.create(null) as Record<string, unknown>;
      o.k = 1;
      expect(norm('json', o)).toEqual({ k: 1 });
      const shared = { x: 1 };
      expect(norm('json', [shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
    });
    it('turns -0 into 0', () => {
      expect(Object.is((norm('json', [-0]) as number[])[0], 0)).toBe(true);
    });
    it.each([
      ['undefined', { a: undefined }, /expected a JSON value, got undefined at \$\.a$/],
      ['a function', [1, () => 1], /got a function at \$\[1\]$/],
      ['a bigint', { n: 1n }, /got 1n at \$\.n$/],
      ['a symbol', [Symbol('x')], /got Symbol\(x\) at \$\[0\]$/],
      ['NaN', { 'a b': NaN }, /numbers must be finite\), got NaN at \$\["a b"\]$/],
      ['Infinity', Infinity, /numbers must be finite\), got Infinity$/],
      ['a Date', { d: new Date(0) }, /plain objects and arrays only\), got a Date \(1970/],
      ['a class instance', new (class Point {})(), /got an instance of Point$/],
      ['a Map', new Map(), /got an instance of Map$/],
      ['a Buffer', Buffer.from('x'), /got a Buffer of 1 bytes$/],
      ['a hole', holey(), /got undefined at \$\[1\]$/],
      ['a lone surrogate', ['\ud800'], /without lone surrogates/],
      ['a lone surrogate in a key', { '\udc00': 1 }, /object key without lone surrogates/],
      [
        'a __proto__ key',
        JSON.parse('{"__proto__": 1}') as unknown,
        /object key other than '__proto__'/,
      ],
    ])('rejects %s', (_what, value, message) => {
      expectInvalid('json', value, message);
    });
    it('rejects cycles', () => {
      const a: Record<string, unknown> = { x: 1 };
      a.self = a;
      expectInvalid('json', a, /without cycles, got an object at \$\.self$/);
      const arr: unknown[] = [];
      arr.push([arr]);
      expectInvalid('json', arr, /without cycles/);
    });
    it(`accepts nesting up to ${MAX_JSON_DEPTH} deep and rejects deeper`, () => {
      const nest = (depth: number): unknown => {
        let v: unknown = 1;
        for (let i = 0; i < depth; i++) v = [v];
        return v;
      };
      expect(() => norm('json', nest(MAX_JSON_DEPTH))).not.toThrow();
      expectInvalid('json', nest(MAX_JSON_DEPTH + 1), /nested at most 64 deep/);
    });
  });
});

describe('normalizeRow', () => {
  const users: TableSchema = {
    projectId: 'demo',
    scopeId: 'app',
    tableName: 'users',
    tableId: 7,
    columns: [
      { id: 1, name: 'id', type: 'integer', nullable: false },
      { id: 2, name: 'username', type: 'text', nullable: false },
      { id: 4, name: 'age', type: 'u8', nullable: true },
      { id: 5, name: 'constructor', type: 'text', nullable: true },
    ],
    primaryKey: ['id'],
    indexes: [],
    nextColumnId: 6,
    nextIndexId: 1,
  };

  function expectRowError(
    row: unknown,
    mode: 'full' | 'partial',
    message: RegExp,
  ): ValidationError {
    let caught: unknown;
    try {
      normalizeRow(users, row, mode);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const err = caught as ValidationError;
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(/^table demo\.app\.users/);
    expect(err.message).toMatch(message);
    return err;
  }

  it('full: aligns values with the columns and fills missing nullable columns with null', () => {
    expect(normalizeRow(users, { username: 'alice', id: 1 }, 'full')).toEqual([
      1,
      'alice',
      null,
      null,
    ]);
    expect(
      normalizeRow(users, { id: 2n, username: 'bob', age: 30, constructor: 'x' }, 'full'),
    ).toEqual([2, 'bob', 30, 'x']);
    expect(normalizeRow(users, { id: 3, username: 'c', age: undefined }, 'full')).toEqual([
      3,
      'c',
      null,
      null,
    ]);
  });

  it('does not read inherited properties as column values', () => {
    // `constructor` is inherited from Object.prototype; it is not a value of the column.
    expect(normalizeRow(users, { id: 1, username: 'a' }, 'full')[3]).toBeNull();
  });

  it('accepts null-prototype rows', () => {
    const row = Object.assign(Object.create(null) as object, { id: 1, username: 'a' });
    expect(normalizeRow(users, row, 'full')).toEqual([1, 'a', null, null]);
  });

  it('full: a missing non-nullable column is an error naming it', () => {
    const err = expectRowError(
      { id: 1 },
      'full',
      /column 'username' \(text\): expected a value .*missing from the row$/,
    );
    expect(err.details).toMatchObject({ column: 'username', type: 'text', tableName: 'users' });
    expectRowError({ id: 1, username: undefined }, 'full', /column 'username'/);
    expectRowError({ id: 1, username: null }, 'full', /column 'username' \(text\).*got null$/);
  });

  it('partial: absent columns are undefined, primary-key columns are allowed', () => {
    expect(normalizeRow(users, { age: 31 }, 'partial')).toEqual([
      undefined,
      undefined,
      31,
      undefined,
    ]);
    expect(normalizeRow(users, { id: 1, age: null }, 'partial')).toEqual([
      1,
      undefined,
      null,
      undefined,
    ]);
    expect(normalizeRow(users, { age: undefined }, 'partial')).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(normalizeRow(users, {}, 'partial')).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('partial: present values are still validated', () => {
    expectRowError(
      { age: 300 },
      'partial',
      /column 'age' \(u8\): expected an integer 0\.\.255, got 300$/,
    );
    expectRowError({ username: null }, 'partial', /column 'username' \(text\).*not nullable/);
  });

  it('unknown columns are an error listing the valid ones', () => {
    for (const mode of ['full', 'partial'] as const) {
      const err = expectRowError(
        { id: 1, username: 'a', agee: 3 },
        mode,
        /unknown column 'agee' \(columns: id, username, age, constructor\)$/,
      );
      expect(err.details).toEqual({
        projectId: 'demo',
        scopeId: 'app',
        tableName: 'users',
        column: 'agee',
      });
    }
  });

  it.each([
    [null, /expected a row as a plain object, got null$/],
    [[1, 'a'], /got an array of 2 items$/],
    ['row', /got "row"$/],
    [new Map([['id', 1]]), /got an instance of Map$/],
    [new (class UserDto {})(), /got an instance of UserDto$/],
  ])('rejects a row that is not a plain object: %p', (row, message) => {
    const err = expectRowError(row, 'full', message);
    expect(err.details).toEqual({ projectId: 'demo', scopeId: 'app', tableName: 'users' });
  });
});
