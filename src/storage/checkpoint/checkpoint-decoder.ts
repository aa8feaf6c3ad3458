import { corrupt } from './checkpoint-format';
import type { Latin1Buffer } from '../latin1-buffer';
import { VARINT_INVALID, readVarint, type VarintCursor } from './varint';

/** One tree as loaded from a checkpoint: parallel arrays, keys strictly ascending. */
export interface LoadedTree {
  /** The tree id the writer gave. */
  readonly id: string;
  /** Keys (byte strings), strictly ascending. */
  readonly keys: string[];
  /** Values (byte strings), `values[i]` belongs to `keys[i]`. */
  readonly values: string[];
  /** The seq that last wrote each entry. */
  readonly seqs: number[];
}

/** Smallest encoding of one entry: three one-byte varints, empty key and value. */
export const MIN_ENTRY_BYTES = 3;

/**
 * Decodes the entries of one tree from a checkpoint buffer into parallel arrays, in slices when
 * the caller wants to yield between them.
 *
 * Every read is bounds-checked against `end` (the trailer start) even though the caller has
 * already verified the trailer: the checks are what make a writer bug or a hash collision a
 * `CorruptionError` with an offset instead of a `RangeError` or silently wrong data. They cost
 * a few comparisons per entry next to the two string allocations.
 */
export class EntryDecoder {
  /** Position after the last decoded entry. */
  pos: number;
  private index = 0;
  private readonly keys: string[];
  private readonly values: string[];
  private readonly seqs: number[];
  private readonly cursor: VarintCursor = { pos: 0 };

  /**
   * @param count the entry count from the file; the caller has checked that
   *   `count * MIN_ENTRY_BYTES <= end - pos`, which also bounds the array allocation.
   */
  constructor(
    private readonly file: string,
    private readonly buf: Latin1Buffer,
    pos: number,
    private readonly end: number,
    private readonly count: number,
    private readonly maxSeq: number,
  ) {
    this.pos = pos;
    this.keys = new Array<string>(count);
    this.values = new Array<string>(count);
    this.seqs = new Array<number>(count);
  }

  /** The decoded tree; valid once {@link decode} has returned `true`. */
  tree(id: string): LoadedTree {
    return { id, keys: this.keys, values: this.values, seqs: this.seqs };
  }

  /**
   * Decode entries until all are done (returns `true`) or `performance.now()` passes
   * `deadline` (returns `false`; call again to continue).
   * @throws CorruptionError naming the file and the offset of the bad field.
   */
  decode(deadline: number): boolean {
    const { buf, end, count, maxSeq, keys, values, seqs } = this;
    let p = this.pos;
    let i = this.index;
    let lastKey = i > 0 ? keys[i - 1] : '';
    while (i < count) {
      const entryStart = p;
      if (p >= end) throw this.bad(p, `entry ${i} of ${count} is missing`);
      let kl = buf[p];
      if (kl < 0x80) p++;
      else {
        kl = this.varint(p, 'key length');
        p = this.cursor.pos;
      }
      if (kl > end - p) throw this.bad(entryStart, `key length ${kl} runs past the trees`);
      const key = buf.latin1Slice(p, p + kl);
      p += kl;
      if (key <= lastKey && i > 0) throw this.bad(entryStart, `keys are not strictly ascending`);
      if (p >= end) throw this.bad(p, `entry seq is missing`);
      let seq = buf[p];
      if (seq < 0x80) p++;
      else {
        seq = this.varint(p, 'entry seq');
        p = this.cursor.pos;
      }
      if (seq > maxSeq) throw this.bad(p, `entry seq ${seq} is above the checkpoint seq`);
      if (p >= end) throw this.bad(p, `value length is missing`);
      let vl = buf[p];
      if (vl < 0x80) p++;
      else {
        vl = this.varint(p, 'value length');
        p = this.cursor.pos;
      }
      if (vl > end - p) throw this.bad(p, `value length ${vl} runs past the trees`);
      keys[i] = key;
      values[i] = buf.latin1Slice(p, p + vl);
      seqs[i] = seq;
      p += vl;
      lastKey = key;
      i++;
      if ((i & 4095) === 0 && performance.now() >= deadline) break;
    }
    this.pos = p;
    this.index = i;
    return i === count;
  }

  private varint(at: number, what: string): number {
    this.cursor.pos = at;
    const value = readVarint(this.buf, this.end, this.cursor);
    if (value === VARINT_INVALID) throw this.bad(at, `malformed ${what}`);
    return value;
  }

  private bad(offset: number, what: string): Error {
    return corrupt(this.file, offset, what);
  }
}
