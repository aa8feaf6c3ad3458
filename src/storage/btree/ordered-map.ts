/**
 * The read-only view of a sorted map from byte-ordered string keys to string values, as the
 * engine's persistent B+ tree exposes it to queries, checkpoints and snapshots.
 *
 * Keys and values are "byte strings": every code unit is 0..255 (latin1), so plain JavaScript
 * string comparison (`<`) is byte order and no comparator callback runs on the hot path.
 * Each entry also carries the commit sequence number (`seq`) that last wrote it.
 */
export interface OrderedMapView {
  /** Number of entries. */
  readonly size: number;

  /** The value stored under `key`, or `undefined`. */
  get(key: string): string | undefined;

  /** The seq that last wrote `key`, or `undefined` when the key is absent. */
  getSeq(key: string): number | undefined;

  /**
   * The seq of the last put or delete anywhere in the map (0 when never written). Each node
   * remembers the last seq that modified its subtree, which is how deletions are tracked too.
   */
  readonly lastModifiedSeq: number;

  /**
   * Whether any key in `lo <= key < hi` may have been put or deleted after `seq`. Exact for
   * puts; conservative for deletes (a delete after `seq` in a leaf marks its neighbours too):
   * `false` is always exact, `true` may be a neighbour's deletion.
   * Optimistic range read sets use it.
   */
  rangeModifiedAfter(lo: string | undefined, hi: string | undefined, seq: number): boolean;

  /**
   * Visit the entries with `lo <= key < hi` in ascending order (or descending when `reverse`),
   * calling `fn(key, value, seq)` until it returns `false`. An `undefined` bound is open.
   *
   * Half-open bounds cover every case: the successor of a key `k` is `k + '\x00'`, so an
   * exclusive lower bound is `lo = k + '\x00'` and an inclusive upper bound is `hi = k + '\x00'`.
   */
  range(
    lo: string | undefined,
    hi: string | undefined,
    reverse: boolean,
    fn: (key: string, value: string, seq: number) => boolean | void,
  ): void;

  /**
   * Visit the leaves in key order. Each leaf exposes parallel arrays of equal length; the
   * arrays are owned by the tree and must not be modified or kept. Used for bulk work such as
   * checkpoints, where one call per leaf instead of one per entry matters.
   */
  leaves(): Iterable<LeafView>;
}

/** One leaf of the tree: parallel arrays, sorted by key. Read-only. */
export interface LeafView {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly seqs: readonly number[];
}
