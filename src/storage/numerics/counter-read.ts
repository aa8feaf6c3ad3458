/**
 * Sharded u64 counters: the shard key layout and the read that sums the shards.
 *
 * A counter named by the KV key `K` with `shardCount` shards stores shard `i` (0-based) under
 *
 * ```
 * K ++ 0x00 0x23 ++ u16be(i)        // K, NUL, '#', the shard index as 2 big-endian bytes
 * ```
 *
 * each holding a u64 (8 bytes big-endian). The shards of one counter are contiguous in key
 * order (a prefix scan of `K ++ 0x00 0x23` lists them), and a missing shard counts as 0. The
 * suffix is reserved: do not write keys of that shape yourself.
 *
 * @module
 */
import { byteStringToBytes, keyToByteString } from '../byte-string';
import { kvTreeId } from '../catalog/catalog';
import { ValidationError } from '../errors';
import type { KvKey } from '../mutation';
import { validateName, validateUserProject } from '../names';
import type { StateView } from '../state/state-view';
import { describeKvAt } from './kv-describe';
import { U64_BYTES, byteStringToU64 } from './numeric-codec';
import { describeValue } from '../values/normalize-value';

/** Most shards of one sharded counter. */
export const MAX_COUNTER_SHARDS = 4096;

/** The bytes between a counter's key and its shard index: NUL, `#`. */
export const COUNTER_SHARD_SEPARATOR = '\x00#';

/** Bytes a shard key adds to the counter's key. @internal */
export const COUNTER_SHARD_SUFFIX_BYTES = 4;

/** Shard suffixes by index, built on first use (they are appended on every counter write). */
const suffixes: string[] = [];

/**
 * The byte-string suffix of shard `shard` (0..4095): separator plus u16 big-endian index.
 * @internal
 */
export function counterShardSuffix(shard: number): string {
  let s = suffixes[shard];
  if (s === undefined) {
    s = COUNTER_SHARD_SEPARATOR + String.fromCharCode(shard >>> 8, shard & 0xff);
    suffixes[shard] = s;
  }
  return s;
}

/**
 * Validate a shard count (an integer 1..4096) for the operation `what`.
 * @internal
 */
export function checkShardCount(shardCount: unknown, what: string): asserts shardCount is number {
  if (
    typeof shardCount !== 'number' ||
    !Number.isInteger(shardCount) ||
    shardCount < 1 ||
    shardCount > MAX_COUNTER_SHARDS
  ) {
    throw new ValidationError(
      `${what}: shardCount must be an integer 1..${MAX_COUNTER_SHARDS}, got ${describeValue(shardCount)}`,
      { shardCount: typeof shardCount === 'number' ? shardCount : String(shardCount) },
    );
  }
}

/**
 * The KV key that holds shard `shard` of the sharded counter `key` (see the module docs for the
 * layout). Useful to scan or inspect the shards; `counterAdd` and `counterRead` compute it.
 *
 * @example
 * ```ts
 * counterShardKey('visits', 3); // bytes of 'visits' followed by 00 23 00 03
 * ```
 */
export function counterShardKey(key: KvKey, shard: number): Uint8Array {
  if (!Number.isInteger(shard) || shard < 0 || shard >= MAX_COUNTER_SHARDS) {
    throw new ValidationError(
      `counterShardKey: shard must be an integer 0..${MAX_COUNTER_SHARDS - 1}, got ${describeValue(shard)}`,
      { shard: String(shard) },
    );
  }
  return new Uint8Array(byteStringToBytes(keyToByteString(key) + counterShardSuffix(shard)));
}

/**
 * The total of a sharded counter: the sum of its `shardCount` shards (missing shards count
 * as 0), read from `view`. Pass the same `shardCount` the writers use. The sum is exact (a
 * bigint; it may exceed 2^64-1 even though each shard is a u64).
 *
 * Throws `ValidationError` for a bad name, key or shard count, or a shard that does not hold
 * 8 bytes; `NotFoundError` when the project or scope does not exist.
 *
 * @example
 * ```ts
 * await db.commit({ type: 'counterAdd', projectId: 'p', scopeId: 's', key: 'visits', delta: 1, shardCount: 16 });
 * counterRead(state, 'p', 's', 'visits', 16); // 1n
 * ```
 */
export function counterRead(
  view: StateView,
  projectId: string,
  scopeId: string,
  key: KvKey,
  shardCount: number,
): bigint {
  validateUserProject(projectId);
  validateName('scope', scopeId);
  checkShardCount(shardCount, 'counterRead');
  const base = keyToByteString(key);
  const tree = view.readTree(kvTreeId(view.catalog.requireScope(projectId, scopeId).scopeNum));
  let total = 0n;
  for (let i = 0; i < shardCount; i++) {
    const shardKey = base + counterShardSuffix(i);
    const value = tree.get(shardKey);
    if (value === undefined) continue;
    if (value.length !== U64_BYTES) {
      throw new ValidationError(
        `counterRead: ${describeKvAt(projectId, scopeId, shardKey)} (shard ${i}) holds ${value.length} bytes, not a u64 (8 bytes big-endian)`,
        { projectId, scopeId, shard: i, bytes: value.length, expectedBytes: U64_BYTES },
      );
    }
    total += byteStringToU64(value);
  }
  return total;
}
