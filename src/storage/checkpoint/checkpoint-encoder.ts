import type { LeafView, OrderedMapView } from '../btree/ordered-map';
import { ValidationError } from '../errors';
import type { Latin1Buffer } from '../latin1-buffer';
import { MAX_VARINT_BYTES, writeVarint } from './varint';

/** What the checkpoint writer needs of a tree: its size and its leaves, in key order. */
export type CheckpointSource = Pick<OrderedMapView, 'size' | 'leaves'>;

/** One tree of a checkpoint image. */
export interface CheckpointTree {
  /** The engine's name for the tree (table, index or KV space); unique within the image. */
  readonly id: string;
  /** A frozen snapshot: it is read across many event-loop turns while commits continue. */
  readonly map: CheckpointSource;
}

/** Why {@link CheckpointEncoder.fill} returned. */
export type EncoderStop = 'full' | 'budget' | 'done';

/**
 * Strings shorter than this are copied with a JS loop: for short keys that beats the call into
 * C++ behind `latin1Write`, which wins for longer values (measured on Node 20).
 */
const SHORT_STRING = 32;

/** Look at the clock after about this many encoded bytes (tens of microseconds of work). */
const CLOCK_CHECK_BYTES = 16 * 1024;

/**
 * The synchronous half of the checkpoint writer: encodes the trees' header fields and entries
 * (see `checkpoint-format.ts`) into a caller-owned buffer until the buffer is full or the
 * slice deadline has passed, then stops where it is so the next call resumes mid-leaf.
 *
 * It also checks, for free while it copies, the invariants the reader relies on: keys strictly
 * ascending, entry seqs at most the checkpoint seq, leaf arrays of equal length, and each tree
 * yielding exactly `size` entries. A violation is an engine bug and fails the checkpoint with
 * a `ValidationError` instead of writing a file that would not load.
 */
export class CheckpointEncoder {
  /** Entries encoded so far, over all trees. */
  entries = 0;
  /** Why the last {@link fill} returned. */
  stop: EncoderStop = 'full';
  /** When {@link stop} is `'full'`: the free bytes the next item needs. */
  needed = 0;

  private treeIndex = 0;
  private iterator: Iterator<LeafView> | undefined;
  private leaf: LeafView | undefined;
  private leafIndex = 0;
  private treeEntries = 0;
  private lastKey = '';

  /**
   * @param trees the trees, in file order.
   * @param idBytes each tree's id as UTF-8.
   * @param sizes each tree's entry count as written in the file (its `size` when the
   *   checkpoint started).
   * @param maxSeq the checkpoint seq: no entry may carry a larger one.
   */
  constructor(
    private readonly trees: readonly CheckpointTree[],
    private readonly idBytes: readonly Buffer[],
    private readonly sizes: readonly number[],
    private readonly maxSeq: number,
  ) {}

  /**
   * Encode from `pos` into `buf` and return the new position; {@link stop} says why it
   * returned. `deadline` is a `performance.now()` value.
   */
  fill(buf: Latin1Buffer, pos: number, deadline: number): number {
    const cap = buf.length;
    let clockAt = pos + CLOCK_CHECK_BYTES;
    while (this.treeIndex < this.trees.length) {
      if (this.iterator === undefined) {
        const id = this.idBytes[this.treeIndex];
        const need = id.length + 2 * MAX_VARINT_BYTES;
        if (cap - pos < need) return this.full(pos, need);
        pos = writeVarint(buf, pos, id.length);
        pos += id.copy(buf, pos);
        pos = writeVarint(buf, pos, this.sizes[this.treeIndex]);
        this.iterator = this.trees[this.treeIndex].map.leaves()[Symbol.iterator]();
        this.treeEntries = 0;
        continue;
      }
      if (this.leaf === undefined) {
        const next = this.iterator.next();
        if (next.done === true) {
          this.endTree();
          continue;
        }
        this.startLeaf(next.value);
        continue;
      }
      const { keys, values, seqs } = this.leaf;
      const n = keys.length;
      const maxSeq = this.maxSeq;
      let lastKey = this.lastKey;
      let i = this.leafIndex;
      while (i < n) {
        const key = keys[i];
        const value = values[i];
        const seq = seqs[i];
        const kl = key.length;
        const vl = value.length;
        if (cap - pos < kl + vl + 3 * MAX_VARINT_BYTES) {
          this.leafIndex = i;
          this.lastKey = lastKey;
          return this.full(pos, kl + vl + 3 * MAX_VARINT_BYTES);
        }
        if (key <= lastKey && this.treeEntries !== 0) this.fail(`keys are not strictly ascending`);
        if (!(seq >= 0 && seq <= maxSeq && Math.floor(seq) === seq)) {
          this.fail(`entry seq ${seq} is not an integer in 0..${maxSeq} (the checkpoint seq)`);
        }
        if (kl < 0x80) buf[pos++] = kl;
        else pos = writeVarint(buf, pos, kl);
        if (kl < SHORT_STRING) {
          for (let j = 0; j < kl; j++) buf[pos + j] = key.charCodeAt(j);
        } else {
          buf.latin1Write(key, pos);
        }
        pos += kl;
        if (seq < 0x80) buf[pos++] = seq;
        else pos = writeVarint(buf, pos, seq);
        if (vl < 0x80) buf[pos++] = vl;
        else pos = writeVarint(buf, pos, vl);
        if (vl < SHORT_STRING) {
          for (let j = 0; j < vl; j++) buf[pos + j] = value.charCodeAt(j);
        } else {
          buf.latin1Write(value, pos);
        }
        pos += vl;
        lastKey = key;
        this.treeEntries++;
        i++;
        if (pos >= clockAt) {
          clockAt = pos + CLOCK_CHECK_BYTES;
          if (performance.now() >= deadline) {
            this.leafIndex = i;
            this.lastKey = lastKey;
            this.stop = 'budget';
            return pos;
          }
        }
      }
      this.lastKey = lastKey;
      this.leaf = undefined;
    }
    this.stop = 'done';
    return pos;
  }

  private full(pos: number, need: number): number {
    this.stop = 'full';
    this.needed = need;
    return pos;
  }

  private startLeaf(leaf: LeafView): void {
    const n = leaf.keys.length;
    if (leaf.values.length !== n || leaf.seqs.length !== n) {
      this.fail(`a leaf has ${n} keys, ${leaf.values.length} values and ${leaf.seqs.length} seqs`);
    }
    this.entries += n;
    this.leaf = leaf;
    this.leafIndex = 0;
  }

  private endTree(): void {
    const expected = this.sizes[this.treeIndex];
    if (this.treeEntries !== expected) {
      this.fail(`the tree yielded ${this.treeEntries} entries but its size was ${expected}`);
    }
    this.iterator = undefined;
    this.treeIndex++;
  }

  private fail(what: string): never {
    const id = this.trees[this.treeIndex].id;
    throw new ValidationError(
      `checkpoint tree '${id}', entry ${this.treeEntries}: ${what}; is the map a frozen snapshot?`,
      { tree: id, entry: this.treeEntries },
    );
  }
}
