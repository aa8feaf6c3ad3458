import type { KvKey, PrimaryKeyInput } from '../mutation';

/** What to do when the key (or cell) holds no value yet. */
export type MissingPolicy = 'treatAsZero' | 'reject';
/** What to do when a subtraction would go below zero (or below `min`). */
export type UnderflowPolicy = 'reject' | 'noOp';
/** What to do when an addition would exceed the type's maximum (or `max`). */
export type OverflowPolicy = 'reject' | 'saturate';

/** An unsigned amount: a bigint, a safe-integer number, or its fixed-width big-endian bytes. */
export type UnsignedAmount = bigint | number | Uint8Array;

interface KvNumericAt {
  readonly projectId: string;
  readonly scopeId: string;
  readonly key: KvKey;
}

/**
 * Atomic numeric updates of KV values, applied inside the commit pipeline without a
 * caller-side read-modify-write and logged as their resulting values. Encodings are fixed
 * big-endian: u64 = 8 bytes, u256 = 32 bytes, i64 = 8 bytes two's complement (see
 * `encodeU64` / `encodeU256` / `encodeI64`). A value of another length is a `VALIDATION` error.
 *
 * Defaults: `onMissing: 'treatAsZero'`, `onUnderflow: 'reject'`, `onOverflow: 'reject'`.
 */
export type NumericMutation =
  | (KvNumericAt & {
      readonly type: 'kvAddU64Ex';
      readonly amount: UnsignedAmount;
      readonly onMissing?: MissingPolicy;
      readonly onOverflow?: OverflowPolicy;
    })
  | (KvNumericAt & {
      readonly type: 'kvSubU64Ex';
      readonly amount: UnsignedAmount;
      readonly onMissing?: MissingPolicy;
      readonly onUnderflow?: UnderflowPolicy;
    })
  /** Store max(current, value) (a missing key takes `value`). */
  | (KvNumericAt & { readonly type: 'kvMaxU64'; readonly value: UnsignedAmount })
  /** Store min(current, value) (a missing key takes `value`). */
  | (KvNumericAt & { readonly type: 'kvMinU64'; readonly value: UnsignedAmount })
  /** Add a signed delta to an i64, rejecting a result outside [min, max] (defaults: the i64 range). */
  | (KvNumericAt & {
      readonly type: 'kvAddI64Bounded';
      readonly delta: bigint | number;
      readonly min?: bigint | number;
      readonly max?: bigint | number;
      readonly onMissing?: MissingPolicy;
    })
  | (KvNumericAt & {
      readonly type: 'kvAddU256Ex';
      readonly amount: UnsignedAmount;
      readonly onMissing?: MissingPolicy;
      readonly onOverflow?: OverflowPolicy;
    })
  | (KvNumericAt & {
      readonly type: 'kvSubU256Ex';
      readonly amount: UnsignedAmount;
      readonly onMissing?: MissingPolicy;
      readonly onUnderflow?: UnderflowPolicy;
    })
  | (KvNumericAt & { readonly type: 'kvMaxU256'; readonly value: UnsignedAmount })
  | (KvNumericAt & { readonly type: 'kvMinU256'; readonly value: UnsignedAmount })
  /**
   * Set, add or subtract, optionally only if the key's version equals `expectedSeq` (0 = the key
   * must be missing); a version mismatch fails with `CONFLICT`. Add/sub reject on overflow and
   * underflow; a missing key counts as zero.
   */
  | (KvNumericAt & {
      readonly type: 'kvMutateU64' | 'kvMutateU256';
      readonly op: 'set' | 'add' | 'sub';
      readonly operand: UnsignedAmount;
      readonly expectedSeq?: number;
    })
  /**
   * Add to a sharded u64 counter: the delta goes to one of `shardCount` (1-4096) shard keys
   * (`shardHint % shardCount`, or a rotating shard), so concurrent adds to one counter do not
   * all write the same key. Read the total with `counterRead`.
   */
  | (KvNumericAt & {
      readonly type: 'counterAdd';
      readonly delta: UnsignedAmount;
      readonly shardCount: number;
      readonly shardHint?: number;
    })
  /** Add to / subtract from a `u256` cell of a row (the row must exist; NULL counts as zero). */
  | {
      readonly type: 'tableIncU256' | 'tableDecU256';
      readonly projectId: string;
      readonly scopeId: string;
      readonly tableName: string;
      readonly primaryKey: PrimaryKeyInput;
      readonly column: string;
      readonly amount: UnsignedAmount;
      readonly onOverflow?: OverflowPolicy;
      readonly onUnderflow?: UnderflowPolicy;
    };

/** Every numeric mutation `type`. */
export const NUMERIC_MUTATION_TYPES: readonly NumericMutation['type'][] = Object.freeze([
  'kvAddU64Ex',
  'kvSubU64Ex',
  'kvMaxU64',
  'kvMinU64',
  'kvAddI64Bounded',
  'kvAddU256Ex',
  'kvSubU256Ex',
  'kvMaxU256',
  'kvMinU256',
  'kvMutateU64',
  'kvMutateU256',
  'counterAdd',
  'tableIncU256',
  'tableDecU256',
]);

const NUMERIC_TYPE_SET: ReadonlySet<string> = new Set(NUMERIC_MUTATION_TYPES);

/** Whether `m` is one of the atomic numeric mutations. */
export function isNumericMutation(m: { readonly type: string }): m is NumericMutation {
  return NUMERIC_TYPE_SET.has(m.type);
}
