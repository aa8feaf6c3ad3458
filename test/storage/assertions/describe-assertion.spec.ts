/**
 * `describeAssertion` (the one-line form used in failure messages) for every kind, robust to
 * malformed input, and the argument checks of `evaluateAssertions` that run before any read.
 */
import { Expr, ValidationError, encodeU64, type ReadAssertion } from '../../../src/index';
import {
  MAX_ASSERTION_DEPTH,
  describeAssertion,
  evaluateAssertions,
} from '../../../src/storage/assertions/evaluate-assertions';
import type { StateView } from '../../../src/storage/state/state-view';
import { expectThrows } from '../engine/engine-fixture';

const KV = { projectId: 'p', scopeId: 's' } as const;
const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

describe('describeAssertion', () => {
  it.each<[ReadAssertion, string]>([
    [{ type: 'keyEquals', ...KV, key: 'k', value: 'v' }, 'keyEquals(kv key "k" in p.s = "v")'],
    [
      { type: 'keyEquals', ...KV, key: new Uint8Array([0, 1]), value: new Uint8Array([255]) },
      'keyEquals(kv key 0x0001 in p.s = 0xff)',
    ],
    [
      { type: 'keyCompare', ...KV, key: 'house/balance', op: 'gte', threshold: 10_000n },
      'keyCompare(kv key "house/balance" in p.s gte 10000)',
    ],
    [
      { type: 'keyCompare', ...KV, key: 'k', op: 'lt', threshold: encodeU64(1) },
      'keyCompare(kv key "k" in p.s lt 0x0000000000000001)',
    ],
    [{ type: 'keyExists', ...KV, key: 'k' }, 'keyExists(kv key "k" in p.s, expected true)'],
    [
      { type: 'keyExists', ...KV, key: 'k', expected: false },
      'keyExists(kv key "k" in p.s, expected false)',
    ],
    [{ type: 'keyVersion', ...KV, key: 'k', expectedSeq: 4 }, 'keyVersion(kv key "k" in p.s = 4)'],
    [
      { type: 'rowVersion', ...T, primaryKey: [1, 'a'], expectedSeq: 0 },
      'rowVersion(row [1,"a"] of p.s.t = 0)',
    ],
    [
      { type: 'rowExists', ...T, primaryKey: { id: 7n } },
      'rowExists(row {"id":"7"} of p.s.t, expected true)',
    ],
    [
      { type: 'rowColumnCompare', ...T, primaryKey: 1, column: 'c', op: 'ne', value: 'x' },
      'rowColumnCompare(row 1 of p.s.t column \'c\' ne "x")',
    ],
    [{ type: 'countCompare', ...T, op: 'eq', value: 3 }, 'countCompare(rows of p.s.t eq 3)'],
    [
      { type: 'countCompare', ...T, filter: Expr.eq('a', 1), op: 'gt', value: 0 },
      'countCompare(rows of p.s.t matching the filter gt 0)',
    ],
    [
      { type: 'sumCompare', ...T, column: 'c', op: 'lte', value: 5n },
      "sumCompare(sum of 'c' over p.s.t lte 5)",
    ],
    [{ type: 'all', assertions: [] }, 'all(0 assertions)'],
    [
      { type: 'not', assertion: { type: 'keyExists', ...KV, key: 'k' } },
      'not(keyExists(kv key "k" in p.s, expected true))',
    ],
  ])('%#: describes the assertion', (a, expected) => {
    expect(describeAssertion(a)).toBe(expected);
  });

  it('truncates long keys and never throws on malformed input', () => {
    const long = describeAssertion({ type: 'keyExists', ...KV, key: 'x'.repeat(100) });
    expect(long).toContain(`"${'x'.repeat(64)}..."`);
    expect(describeAssertion(null as unknown as ReadAssertion)).toBe('assertion null');
    expect(describeAssertion({ type: 'weird' } as unknown as ReadAssertion)).toBe('weird(...)');
    expect(describeAssertion({} as unknown as ReadAssertion)).toBe('assertion without a type');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const withCycle: ReadAssertion = { type: 'rowExists', ...T, primaryKey: cyclic };
    expect(describeAssertion(withCycle)).toContain('rowExists(row [object] of p.s.t');
  });
});

describe('evaluateAssertions arguments', () => {
  // Validation happens before any read: a view that must not be touched.
  const untouchable = new Proxy({} as StateView, {
    get() {
      throw new Error('the view must not be read');
    },
  });

  it('rejects a non-array', () => {
    expectThrows(
      () =>
        evaluateAssertions(untouchable, 'nope' as unknown as ReadAssertion[], { snapshotSeq: 0 }),
      ValidationError,
      'VALIDATION',
      'expected an array of read assertions',
    );
  });

  it('an empty list reads nothing and passes', () => {
    evaluateAssertions(untouchable, [], { snapshotSeq: 0 });
  });

  it('allowSystem lets engine-internal callers name the _system project', () => {
    const a: ReadAssertion = { type: 'keyExists', projectId: '_system', scopeId: 'app', key: 'k' };
    expectThrows(
      () => evaluateAssertions(untouchable, [a], { snapshotSeq: 0 }),
      ValidationError,
      'VALIDATION',
      'reserved',
    );
    // With allowSystem the structure is valid, so evaluation goes on to read the view.
    expect(() =>
      evaluateAssertions(untouchable, [a], { snapshotSeq: 0, allowSystem: true }),
    ).toThrow('the view must not be read');
  });

  it('the depth limit is 32', () => {
    expect(MAX_ASSERTION_DEPTH).toBe(32);
  });
});
