import fc from 'fast-check';
import { PersistentBTree } from '../../../src/storage/btree/persistent-btree';

/** Reference model: a plain Map plus sorting. */
function sortedEntries(model: Map<string, [string, number]>): [string, string, number][] {
  return [...model.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, [v, s]]) => [k, v, s]);
}

function collect(tree: PersistentBTree, lo?: string, hi?: string, reverse = false) {
  const out: [string, string, number][] = [];
  tree.range(lo, hi, reverse, (k, v, s) => {
    out.push([k, v, s]);
  });
  return out;
}

function key(i: number): string {
  return 'k' + String(i).padStart(6, '0');
}

describe('PersistentBTree', () => {
  it('stores, replaces and deletes entries with their seqs', () => {
    const t = PersistentBTree.empty();
    expect(t.set('b', 'B', 1)).toBeUndefined();
    expect(t.set('a', 'A', 2)).toBeUndefined();
    expect(t.set('b', 'B2', 3)).toBe('B');
    expect(PersistentBTree.previousSeq).toBe(1);
    expect(t.size).toBe(2);
    expect(t.get('b')).toBe('B2');
    expect(t.getSeq('b')).toBe(3);
    expect(t.get('zz')).toBeUndefined();
    expect(t.delete('a', 4)).toBe('A');
    expect(PersistentBTree.previousSeq).toBe(2);
    expect(t.delete('a', 5)).toBeUndefined();
    expect(t.size).toBe(1);
    expect(t.lastModifiedSeq).toBe(4);
    expect(t.checkInvariants()).toEqual([]);
  });

  it('keeps snapshots unchanged while the writer continues (copy on write)', () => {
    const t = PersistentBTree.empty();
    for (let i = 0; i < 5000; i++) t.set(key(i), 'v' + i, i + 1);
    const snap = t.snapshot();
    for (let i = 0; i < 5000; i += 2) t.delete(key(i), 10000 + i);
    for (let i = 0; i < 5000; i += 3) t.set(key(i), 'w' + i, 20000 + i);
    expect(snap.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(snap.get(key(i))).toBe('v' + i);
    expect(snap.frozen).toBe(true);
    expect(() => snap.set('x', 'y', 1)).toThrow(TypeError);
    expect(snap.checkInvariants()).toEqual([]);
    expect(t.checkInvariants()).toEqual([]);
  });

  it('forks are independent writable copies', () => {
    const t = PersistentBTree.empty();
    for (let i = 0; i < 300; i++) t.set(key(i), 'v', 1);
    const f = t.fork();
    f.set(key(1), 'fork', 2);
    t.set(key(2), 'orig', 3);
    expect(t.get(key(1))).toBe('v');
    expect(f.get(key(2))).toBe('v');
    expect(f.get(key(1))).toBe('fork');
    expect(t.get(key(2))).toBe('orig');
  });

  it('builds bottom-up from sorted arrays and rejects unsorted input', () => {
    const n = 100_000;
    const keys = Array.from({ length: n }, (_, i) => key(i));
    const vals = keys.map((k) => 'v' + k);
    const seqs = keys.map((_, i) => i + 1);
    const t = PersistentBTree.fromSorted(keys, vals, seqs);
    expect(t.size).toBe(n);
    expect(t.checkInvariants()).toEqual([]);
    expect(t.get(key(77_777))).toBe('v' + key(77_777));
    expect(t.lastModifiedSeq).toBe(n);
    t.set(key(5).concat('x'), 'new', n + 1);
    expect(t.size).toBe(n + 1);
    expect(PersistentBTree.fromSorted([], [], []).size).toBe(0);
    expect(() => PersistentBTree.fromSorted(['b', 'a'], ['', ''], [1, 1])).toThrow(RangeError);
    expect(() => PersistentBTree.fromSorted(['a'], [], [])).toThrow(RangeError);
  });

  it('iterates ranges forward and backward with half-open bounds', () => {
    const t = PersistentBTree.empty();
    for (let i = 0; i < 1000; i++) t.set(key(i), String(i), i);
    expect(collect(t, key(10), key(13)).map((e) => e[1])).toEqual(['10', '11', '12']);
    expect(collect(t, key(10), key(13), true).map((e) => e[1])).toEqual(['12', '11', '10']);
    expect(collect(t, undefined, key(2)).map((e) => e[1])).toEqual(['0', '1']);
    expect(collect(t, key(998), undefined, true).map((e) => e[1])).toEqual(['999', '998']);
    expect(collect(t, key(5), key(5))).toEqual([]);
    const firstThree: string[] = [];
    t.range(undefined, undefined, false, (k) => {
      firstThree.push(k);
      return firstThree.length < 3;
    });
    expect(firstThree).toEqual([key(0), key(1), key(2)]);
    expect(t.firstKey()).toBe(key(0));
    expect(t.lastKey()).toBe(key(999));
    let leafEntries = 0;
    for (const leaf of t.leaves()) leafEntries += leaf.keys.length;
    expect(leafEntries).toBe(1000);
  });

  it('tracks modifications per range, including deletes', () => {
    const t = PersistentBTree.empty();
    for (let i = 0; i < 2000; i++) t.set(key(i), 'v', 1);
    const base = 1;
    expect(t.rangeModifiedAfter(key(0), key(2000), base)).toBe(false);
    t.delete(key(1500), 2);
    expect(t.rangeModifiedAfter(key(1400), key(1600), base)).toBe(true);
    expect(t.rangeModifiedAfter(key(0), key(100), base)).toBe(false);
    expect(t.rangeModifiedAfter(undefined, undefined, 2)).toBe(false);
  });

  it('matches a Map model under random operations, snapshots and forks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('set', 'set', 'set', 'del', 'snap', 'range'),
            fc.integer({ min: 0, max: 400 }),
            fc.integer({ min: 0, max: 400 }),
          ),
          { maxLength: 600 },
        ),
        (ops) => {
          const tree = PersistentBTree.empty();
          const model = new Map<string, [string, number]>();
          const snaps: [PersistentBTree, [string, string, number][]][] = [];
          let seq = 0;
          for (const [op, a, b] of ops) {
            seq++;
            const k = key(a);
            if (op === 'set') {
              const before = model.get(k);
              expect(tree.set(k, 'v' + b, seq)).toBe(before?.[0]);
              if (before !== undefined) expect(PersistentBTree.previousSeq).toBe(before[1]);
              model.set(k, ['v' + b, seq]);
            } else if (op === 'del') {
              const before = model.get(k);
              expect(tree.delete(k, seq)).toBe(before?.[0]);
              if (before !== undefined) expect(PersistentBTree.previousSeq).toBe(before[1]);
              model.delete(k);
            } else if (op === 'snap') {
              snaps.push([tree.snapshot(), sortedEntries(model)]);
            } else {
              const lo = key(Math.min(a, b));
              const hi = key(Math.max(a, b));
              const expected = sortedEntries(model).filter(([kk]) => kk >= lo && kk < hi);
              expect(collect(tree, lo, hi)).toEqual(expected);
              expect(collect(tree, lo, hi, true)).toEqual(expected.slice().reverse());
            }
          }
          expect(tree.size).toBe(model.size);
          expect(collect(tree)).toEqual(sortedEntries(model));
          expect(tree.checkInvariants()).toEqual([]);
          for (const [snap, entries] of snaps) {
            expect(collect(snap)).toEqual(entries);
            expect(snap.checkInvariants()).toEqual([]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rangeModifiedAfter never misses a change, and is exact when only puts happened', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 80 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })), {
          minLength: 1,
          maxLength: 20,
        }),
        (changes, ranges) => {
          const t = PersistentBTree.empty();
          for (let i = 0; i < 300; i += 2) t.set(key(i), 'v', 1);
          const base = 1;
          const changed = new Set<number>();
          let deletes = false;
          let seq = base;
          for (const [isDelete, k] of changes) {
            seq++;
            if (isDelete) {
              if (t.delete(key(k), seq) !== undefined) {
                changed.add(k);
                deletes = true;
              }
            } else {
              t.set(key(k), 'w', seq);
              changed.add(k);
            }
          }
          for (const [a, b] of ranges) {
            const lo = Math.min(a, b);
            const hi = Math.max(a, b);
            const truth = [...changed].some((k) => k >= lo && k < hi);
            const answer = t.rangeModifiedAfter(key(lo), key(hi), base);
            if (truth) expect(answer).toBe(true);
            if (!deletes) expect(answer).toBe(truth);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches the model with adversarial byte-string keys (shared prefixes, 0x00/0xff, varying lengths)', () => {
    const byteKey = fc
      .array(fc.constantFrom('\x00', '\x01', 'a', 'b', '\xfe', '\xff'), { maxLength: 10 })
      .map((chars) => 'P\x00' + chars.join(''));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'set', 'del', 'snap', 'get'), byteKey), {
          maxLength: 500,
        }),
        (ops) => {
          const tree = PersistentBTree.empty();
          const model = new Map<string, [string, number]>();
          const snaps: [PersistentBTree, [string, string, number][]][] = [];
          let seq = 0;
          for (const [op, k] of ops) {
            seq++;
            if (op === 'set') {
              tree.set(k, 'v' + seq, seq);
              model.set(k, ['v' + seq, seq]);
            } else if (op === 'del') {
              expect(tree.delete(k, seq)).toBe(model.get(k)?.[0]);
              model.delete(k);
            } else if (op === 'snap') {
              snaps.push([tree.snapshot(), sortedEntries(model)]);
            } else {
              expect(tree.get(k)).toBe(model.get(k)?.[0]);
            }
          }
          expect(collect(tree)).toEqual(sortedEntries(model));
          expect(tree.checkInvariants()).toEqual([]);
          for (const [k] of model) expect(tree.has(k)).toBe(true);
          for (const [snap, entries] of snaps) expect(collect(snap)).toEqual(entries);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays balanced through heavy deletes', () => {
    const t = PersistentBTree.empty();
    for (let i = 0; i < 20_000; i++) t.set(key(i), 'v', i);
    const snap = t.snapshot();
    for (let i = 0; i < 20_000; i++) if (i % 10 !== 0) t.delete(key(i), 30_000 + i);
    expect(t.size).toBe(2000);
    expect(t.checkInvariants()).toEqual([]);
    for (let i = 0; i < 20_000; i += 10) t.delete(key(i), 60_000 + i);
    expect(t.size).toBe(0);
    expect(collect(t)).toEqual([]);
    expect(t.checkInvariants()).toEqual([]);
    expect(snap.size).toBe(20_000);
    expect(snap.checkInvariants()).toEqual([]);
  });
});
