import type { LeafView, OrderedMapView } from './ordered-map';

/**
 * A persistent (copy-on-write) B+ tree from byte-string keys to string values, each entry
 * tagged with the commit seq that last wrote it. It holds all live data of the engine: one
 * tree per table, per secondary index and per KV space.
 *
 * Why a purpose-built tree:
 * - **O(1) snapshots.** {@link PersistentBTree.snapshot} returns a frozen handle that shares
 *   every node; the writer then copies only the nodes it touches afterwards ("transient"
 *   ownership by edit id, as in Clojure's transients). A group-commit batch therefore copies
 *   each touched path once per batch, not once per write.
 * - **No comparator callback.** Keys are latin1 strings whose code units are bytes, so `<` is
 *   byte order.
 * - **Compact.** Leaves are three parallel arrays (keys, values, seqs), not one object per entry,
 *   so a million entries are a few tens of thousands of small objects for the garbage collector.
 * - **Deletions are tracked.** Every node remembers the last seq that modified its subtree, so
 *   optimistic range read sets can detect a delete as well as a put.
 *
 * @example
 * ```ts
 * const tree = PersistentBTree.empty();
 * tree.set('a', 'value-a', 1);
 * const snap = tree.snapshot(); // O(1), frozen
 * tree.set('a', 'changed', 2);
 * snap.get('a'); // 'value-a'
 * tree.get('a'); // 'changed'
 * ```
 */
export class PersistentBTree implements OrderedMapView {
  private root: Node;
  private count: number;
  /** The edit id this handle owns; nodes with another id are shared and copied before writing. */
  private edit: number;

  private constructor(root: Node, count: number, edit: number) {
    this.root = root;
    this.count = count;
    this.edit = edit;
  }

  /** A new, empty, writable tree. */
  static empty(): PersistentBTree {
    const edit = nextEdit++;
    return new PersistentBTree(new Leaf([], [], [], edit, 0), 0, edit);
  }

  /**
   * Build a writable tree bottom-up from entries already sorted by key (strictly ascending).
   * O(n) with no rebalancing, which is what makes loading a checkpoint fast. The arrays are
   * not kept; the tree copies what it needs.
   */
  static fromSorted(
    keys: readonly string[],
    values: readonly string[],
    seqs: readonly number[],
  ): PersistentBTree {
    const n = keys.length;
    if (values.length !== n || seqs.length !== n) {
      throw new RangeError('fromSorted: keys, values and seqs must have the same length');
    }
    if (n === 0) return PersistentBTree.empty();
    const edit = nextEdit++;
    for (let i = 1; i < n; i++) {
      if (!(keys[i - 1] < keys[i])) {
        throw new RangeError(`fromSorted: keys are not strictly ascending at index ${i}`);
      }
    }
    let level: Node[] = [];
    const leafCount = Math.ceil(n / BULK_FILL);
    const per = Math.ceil(n / leafCount);
    for (let start = 0; start < n; start += per) {
      const end = Math.min(n, start + per);
      const ks = keys.slice(start, end);
      const ss = seqs.slice(start, end);
      let mod = 0;
      for (let i = 0; i < ss.length; i++) if (ss[i] > mod) mod = ss[i];
      level.push(new Leaf(ks, values.slice(start, end), ss, edit, mod));
    }
    while (level.length > 1) {
      const parents: Node[] = [];
      const groups = Math.ceil(level.length / BULK_FILL);
      const size = Math.ceil(level.length / groups);
      for (let start = 0; start < level.length; start += size) {
        const children = level.slice(start, start + size);
        const seps = children.map(firstKey);
        let mod = 0;
        let total = 0;
        for (const c of children) {
          if (c.modSeq > mod) mod = c.modSeq;
          total += c.total;
        }
        parents.push(new Branch(seps, children, edit, mod, total));
      }
      level = parents;
    }
    return new PersistentBTree(level[0], n, edit);
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** Whether this handle is a frozen snapshot (writes throw). */
  get frozen(): boolean {
    return this.edit === FROZEN;
  }

  /** The seq of the last put or delete in the tree (0 when never written). */
  get lastModifiedSeq(): number {
    return this.root.modSeq;
  }

  /**
   * An O(1) frozen view of the current contents. This handle stays writable; its next writes
   * copy the nodes they touch instead of changing the ones the snapshot shares.
   */
  snapshot(): PersistentBTree {
    if (this.edit === FROZEN) return this;
    this.edit = nextEdit++;
    return new PersistentBTree(this.root, this.count, FROZEN);
  }

  /** An O(1) writable copy. Writes to either handle never show in the other. */
  fork(): PersistentBTree {
    if (this.edit !== FROZEN) this.edit = nextEdit++;
    return new PersistentBTree(this.root, this.count, nextEdit++);
  }

  /** The value stored under `key`, or `undefined`. */
  get(key: string): string | undefined {
    const leaf = this.findLeaf(key);
    const i = indexOf(leaf.keys, key);
    if (i < 0) return undefined;
    foundSeq = leaf.seqs[i];
    return leaf.values[i];
  }

  /**
   * The seq of the entry returned by the last successful `get` (on any tree; read it right
   * after the call). Saves a second descent when a reader needs value and version.
   */
  static get foundSeq(): number {
    return foundSeq;
  }

  /** The seq that last wrote `key`, or `undefined` when absent. */
  getSeq(key: string): number | undefined {
    const leaf = this.findLeaf(key);
    const i = indexOf(leaf.keys, key);
    return i >= 0 ? leaf.seqs[i] : undefined;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return indexOf(this.findLeaf(key).keys, key) >= 0;
  }

  /**
   * The seq of the entry replaced or removed by the last `set` / `delete` that returned a value
   * (on any tree; read it right after the call). Lets callers keep an undo record without a
   * second descent.
   */
  static get previousSeq(): number {
    return replacedSeq;
  }

  /**
   * Put `value` under `key`, recording `seq` as the entry's version.
   * @returns the value it replaced, or `undefined` when the key was new (its seq is then
   *   available as {@link PersistentBTree.previousSeq}).
   */
  set(key: string, value: string, seq: number): string | undefined {
    this.assertWritable();
    replacedValue = undefined;
    const root = this.own(this.root);
    this.root = root;
    const result = insert(this, root, key, value, seq);
    if (result !== NO_SPLIT) {
      // The root split: grow the tree by one level.
      const sibling = result;
      this.root = new Branch(
        [firstKey(root), firstKey(sibling)],
        [root, sibling],
        this.edit,
        seq > root.modSeq ? seq : root.modSeq,
        root.total + sibling.total,
      );
    }
    if (inserted) this.count++;
    return replacedValue;
  }

  /**
   * Remove `key`. `seq` is the commit that deletes it (recorded on the path for range read sets).
   * @returns the removed value (its seq is then {@link PersistentBTree.previousSeq}), or
   *   `undefined` when the key was absent.
   */
  delete(key: string, seq: number): string | undefined {
    this.assertWritable();
    const leaf = this.findLeaf(key);
    const i = indexOf(leaf.keys, key);
    if (i < 0) return undefined;
    const removed = leaf.values[i];
    replacedSeq = leaf.seqs[i];
    const root = this.own(this.root);
    this.root = root;
    remove(this, root, key, seq);
    if (root instanceof Branch && root.children.length === 1) this.root = root.children[0];
    this.count--;
    return removed;
  }

  /** Visit `lo <= key < hi` in order (descending when `reverse`) until `fn` returns `false`. */
  range(
    lo: string | undefined,
    hi: string | undefined,
    reverse: boolean,
    fn: (key: string, value: string, seq: number) => boolean | void,
  ): void {
    if (lo !== undefined && hi !== undefined && !(lo < hi)) return;
    if (reverse) visitReverse(this.root, lo, hi, fn);
    else visitForward(this.root, lo, hi, fn);
  }

  /**
   * Whether any key in `lo <= key < hi` may have been put or deleted after `seq`. Exact for
   * puts; a delete after `seq` makes its whole leaf (up to 64 neighbouring keys) count as changed.
   */
  rangeModifiedAfter(lo: string | undefined, hi: string | undefined, seq: number): boolean {
    if (this.root.modSeq <= seq) return false;
    return modifiedAfter(this.root, lo, hi, seq);
  }

  /** Visit the leaves in key order (parallel arrays owned by the tree: do not modify or keep). */
  *leaves(): Generator<LeafView> {
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (node instanceof Leaf) {
        if (node.keys.length > 0) yield node;
      } else {
        for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
      }
    }
  }

  /** The smallest key, or `undefined` when empty. */
  firstKey(): string | undefined {
    let node = this.root;
    while (node instanceof Branch) node = node.children[0];
    return node.keys[0];
  }

  /** The largest key, or `undefined` when empty. */
  lastKey(): string | undefined {
    let node = this.root;
    while (node instanceof Branch) node = node.children[node.children.length - 1];
    return node.keys[node.keys.length - 1];
  }

  /**
   * Check the structural invariants (ordering, fill, separators, counts). For tests and the
   * offline verifier; O(n).
   * @returns a list of problems, empty when the tree is sound.
   */
  checkInvariants(): string[] {
    const problems: string[] = [];
    const total = checkNode(this.root, undefined, undefined, true, problems);
    if (total !== this.count) problems.push(`count ${this.count} != entries ${total}`);
    return problems;
  }

  private findLeaf(key: string): Leaf {
    let node = this.root;
    while (node instanceof Branch) node = node.children[childIndex(node.keys, key)];
    return node;
  }

  private assertWritable(): void {
    if (this.edit === FROZEN) throw new TypeError('PersistentBTree: this snapshot is read-only');
  }

  /** Return `node` if this handle owns it, else a copy it owns. @internal */
  own<N extends Node>(node: N): N {
    if (node.edit === this.edit) return node;
    return node.copy(this.edit) as N;
  }
}

/** Max entries per leaf and children per branch. 64 keeps copies cheap and the tree shallow. */
const MAX = 64;
/** Below this a node is merged with or refilled from a sibling. */
const MIN = 16;
/** Fill of bulk-built nodes: leaves room for inserts before the first split. */
const BULK_FILL = 56;
const FROZEN = -1;
let nextEdit = 1;
/** Sentinel return of `insert` meaning "no split". */
const NO_SPLIT = null;
/** Set by `insert` (avoids allocating a result object per call on the hot path). */
let inserted = false;
/** The value and seq an `insert` replaced (`undefined` when it inserted). */
let replacedValue: string | undefined;
let replacedSeq = 0;
/** The seq of the entry the last successful `get` found. */
let foundSeq = 0;

class Leaf implements LeafView {
  constructor(
    public keys: string[],
    public values: string[],
    public seqs: number[],
    public edit: number,
    public modSeq: number,
    /**
     * The last seq that deleted an entry of this leaf (or moved entries in or out of it while
     * rebalancing after a delete). Puts are visible through the entries' own seqs; deletions
     * leave nothing behind, so they are tracked here (see `rangeModifiedAfter`).
     */
    public delSeq = 0,
  ) {}

  get total(): number {
    return this.keys.length;
  }

  copy(edit: number): Leaf {
    return new Leaf(
      this.keys.slice(),
      this.values.slice(),
      this.seqs.slice(),
      edit,
      this.modSeq,
      this.delSeq,
    );
  }
}

class Branch {
  constructor(
    /** keys[i] is a lower bound of child i (keys[0] is never used for routing). */
    public keys: string[],
    public children: Node[],
    public edit: number,
    public modSeq: number,
    /** Entries in the subtree. */
    public total: number,
  ) {}

  copy(edit: number): Branch {
    return new Branch(this.keys.slice(), this.children.slice(), edit, this.modSeq, this.total);
  }
}

type Node = Leaf | Branch;

function firstKey(node: Node): string {
  return node.keys[0];
}

/** Index of `key` in sorted `keys`, or -1. */
function indexOf(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid];
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** First index whose key is >= `key` (keys.length when none). */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of a branch whose range holds `key`: the last i >= 1 with keys[i] <= key, else 0. */
function childIndex(keys: readonly string[], key: string): number {
  let lo = 1;
  let hi = keys.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= key) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function insert(
  tree: PersistentBTree,
  node: Node,
  key: string,
  value: string,
  seq: number,
): Node | null {
  if (seq > node.modSeq) node.modSeq = seq;
  if (node instanceof Leaf) {
    const keys = node.keys;
    const i = lowerBound(keys, key);
    if (i < keys.length && keys[i] === key) {
      replacedValue = node.values[i];
      replacedSeq = node.seqs[i];
      node.values[i] = value;
      node.seqs[i] = seq;
      inserted = false;
      return NO_SPLIT;
    }
    inserted = true;
    if (i === keys.length) {
      keys.push(key);
      node.values.push(value);
      node.seqs.push(seq);
    } else {
      keys.splice(i, 0, key);
      node.values.splice(i, 0, value);
      node.seqs.splice(i, 0, seq);
    }
    if (keys.length <= MAX) return NO_SPLIT;
    // Split evenly, except when appending at the end (sequential inserts): then keep the left
    // leaf full so ascending loads produce full leaves instead of half-empty ones.
    const at = i === keys.length - 1 ? MAX - 8 : keys.length >>> 1;
    const right = new Leaf(
      keys.splice(at),
      node.values.splice(at),
      node.seqs.splice(at),
      node.edit,
      node.modSeq,
      node.delSeq,
    );
    return right;
  }
  const ci = childIndex(node.keys, key);
  const child = tree.own(node.children[ci]);
  node.children[ci] = child;
  const split = insert(tree, child, key, value, seq);
  if (inserted) node.total++;
  if (split === NO_SPLIT) return NO_SPLIT;
  node.children.splice(ci + 1, 0, split);
  node.keys.splice(ci + 1, 0, firstKey(split));
  if (node.children.length <= MAX) return NO_SPLIT;
  const at = node.children.length >>> 1;
  const rightChildren = node.children.splice(at);
  const rightKeys = node.keys.splice(at);
  let rightTotal = 0;
  for (const c of rightChildren) rightTotal += c.total;
  node.total -= rightTotal;
  return new Branch(rightKeys, rightChildren, node.edit, node.modSeq, rightTotal);
}

/** Remove `key` (known to be present) below `node`, rebalancing underfull children. */
function remove(tree: PersistentBTree, node: Node, key: string, seq: number): void {
  if (seq > node.modSeq) node.modSeq = seq;
  if (node instanceof Leaf) {
    if (seq > node.delSeq) node.delSeq = seq;
    const i = indexOf(node.keys, key);
    node.keys.splice(i, 1);
    node.values.splice(i, 1);
    node.seqs.splice(i, 1);
    return;
  }
  node.total--;
  const ci = childIndex(node.keys, key);
  const child = tree.own(node.children[ci]);
  node.children[ci] = child;
  remove(tree, child, key, seq);
  if (child.keys.length >= MIN || node.children.length === 1) return;
  rebalance(tree, node, ci, seq);
}

/** Merge the underfull child `ci` with a neighbour, or even the two out. */
function rebalance(tree: PersistentBTree, parent: Branch, ci: number, seq: number): void {
  const li = ci > 0 ? ci - 1 : ci;
  const left = tree.own(parent.children[li]);
  const right = tree.own(parent.children[li + 1]);
  parent.children[li] = left;
  parent.children[li + 1] = right;
  if (seq > left.modSeq) left.modSeq = seq;
  if (seq > right.modSeq) right.modSeq = seq;
  const combined = left.keys.length + right.keys.length;
  if (left instanceof Leaf && right instanceof Leaf) {
    // Entries move between the two leaves: either may now cover the deleted key's position.
    const delSeq = Math.max(left.delSeq, right.delSeq, seq);
    left.delSeq = delSeq;
    right.delSeq = delSeq;
    if (combined <= MAX) {
      left.keys.push(...right.keys);
      left.values.push(...right.values);
      left.seqs.push(...right.seqs);
      parent.children.splice(li + 1, 1);
      parent.keys.splice(li + 1, 1);
      return;
    }
    const keys = left.keys.concat(right.keys);
    const values = left.values.concat(right.values);
    const seqs = left.seqs.concat(right.seqs);
    const at = combined >>> 1;
    left.keys = keys.slice(0, at);
    left.values = values.slice(0, at);
    left.seqs = seqs.slice(0, at);
    right.keys = keys.slice(at);
    right.values = values.slice(at);
    right.seqs = seqs.slice(at);
    parent.keys[li + 1] = right.keys[0];
    return;
  }
  const lb = left as Branch;
  const rb = right as Branch;
  // A branch's keys[0] is the lower bound of its subtree; keep it equal to the parent's
  // separator so that moving children keeps every separator valid.
  rb.keys[0] = parent.keys[li + 1];
  if (combined <= MAX) {
    lb.keys.push(...rb.keys);
    lb.children.push(...rb.children);
    lb.total += rb.total;
    parent.children.splice(li + 1, 1);
    parent.keys.splice(li + 1, 1);
    return;
  }
  const keys = lb.keys.concat(rb.keys);
  const children = lb.children.concat(rb.children);
  const at = combined >>> 1;
  lb.keys = keys.slice(0, at);
  lb.children = children.slice(0, at);
  rb.keys = keys.slice(at);
  rb.children = children.slice(at);
  const all = lb.total + rb.total;
  let leftTotal = 0;
  for (const c of lb.children) leftTotal += c.total;
  lb.total = leftTotal;
  rb.total = all - leftTotal;
  parent.keys[li + 1] = rb.keys[0];
}

function visitForward(
  node: Node,
  lo: string | undefined,
  hi: string | undefined,
  fn: (key: string, value: string, seq: number) => boolean | void,
): boolean {
  if (node instanceof Leaf) {
    const keys = node.keys;
    const values = node.values;
    const seqs = node.seqs;
    const n = keys.length;
    for (let i = lo === undefined ? 0 : lowerBound(keys, lo); i < n; i++) {
      const k = keys[i];
      if (hi !== undefined && k >= hi) return false;
      if (fn(k, values[i], seqs[i]) === false) return false;
    }
    return true;
  }
  const children = node.children;
  const start = lo === undefined ? 0 : childIndex(node.keys, lo);
  const end = hi === undefined ? children.length - 1 : childIndex(node.keys, hi);
  for (let c = start; c <= end; c++) {
    if (!visitForward(children[c], c === start ? lo : undefined, hi, fn)) return false;
  }
  return true;
}

function visitReverse(
  node: Node,
  lo: string | undefined,
  hi: string | undefined,
  fn: (key: string, value: string, seq: number) => boolean | void,
): boolean {
  if (node instanceof Leaf) {
    const keys = node.keys;
    const values = node.values;
    const seqs = node.seqs;
    for (let i = (hi === undefined ? keys.length : lowerBound(keys, hi)) - 1; i >= 0; i--) {
      const k = keys[i];
      if (lo !== undefined && k < lo) return false;
      if (fn(k, values[i], seqs[i]) === false) return false;
    }
    return true;
  }
  const children = node.children;
  const start = lo === undefined ? 0 : childIndex(node.keys, lo);
  const end = hi === undefined ? children.length - 1 : childIndex(node.keys, hi);
  for (let c = end; c >= start; c--) {
    if (!visitReverse(children[c], lo, c === end ? hi : undefined, fn)) return false;
  }
  return true;
}

function modifiedAfter(
  node: Node,
  lo: string | undefined,
  hi: string | undefined,
  seq: number,
): boolean {
  if (node.modSeq <= seq) return false;
  if (node instanceof Leaf) {
    // A delete somewhere in the leaf after `seq` cannot be placed: be conservative. Otherwise
    // only puts happened, and each put left its seq on its entry: check the range exactly.
    if (node.delSeq > seq) return true;
    const keys = node.keys;
    for (let i = lo === undefined ? 0 : lowerBound(keys, lo); i < keys.length; i++) {
      if (hi !== undefined && keys[i] >= hi) return false;
      if (node.seqs[i] > seq) return true;
    }
    return false;
  }
  const start = lo === undefined ? 0 : childIndex(node.keys, lo);
  const end = hi === undefined ? node.children.length - 1 : childIndex(node.keys, hi);
  for (let c = start; c <= end; c++) {
    if (modifiedAfter(node.children[c], lo, hi, seq)) return true;
  }
  return false;
}

function checkNode(
  node: Node,
  lo: string | undefined,
  hi: string | undefined,
  isRoot: boolean,
  problems: string[],
): number {
  const keys = node.keys;
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1] < keys[i])) problems.push(`keys out of order at ${JSON.stringify(keys[i])}`);
  }
  if (node instanceof Leaf) {
    if (node.values.length !== keys.length || node.seqs.length !== keys.length) {
      problems.push('leaf arrays differ in length');
    }
    if (!isRoot && keys.length < 1) problems.push('empty non-root leaf');
    if (keys.length > MAX) problems.push(`leaf overfull (${keys.length})`);
    for (let i = 0; i < keys.length; i++) {
      if (lo !== undefined && keys[i] < lo) problems.push(`key ${JSON.stringify(keys[i])} < bound`);
      if (hi !== undefined && keys[i] >= hi)
        problems.push(`key ${JSON.stringify(keys[i])} >= bound`);
      if (node.seqs[i] > node.modSeq) problems.push('entry seq above node modSeq');
    }
    return keys.length;
  }
  if (node.children.length !== keys.length) problems.push('branch keys/children differ');
  if (node.children.length < (isRoot ? 2 : 1)) problems.push('branch with too few children');
  if (node.children.length > MAX) problems.push(`branch overfull (${node.children.length})`);
  let total = 0;
  for (let i = 0; i < node.children.length; i++) {
    const child = node.children[i];
    if (child.modSeq > node.modSeq) problems.push('child modSeq above parent');
    const clo = i === 0 ? lo : keys[i];
    const chi = i + 1 < keys.length ? keys[i + 1] : hi;
    total += checkNode(child, clo, chi, false, problems);
  }
  if (total !== node.total) problems.push(`branch total ${node.total} != ${total}`);
  return total;
}
