import type { KvKey, PrimaryKeyInput } from '../mutation';
import type { Expr } from '../query/expr';

/** A comparison operator of assertions. */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

/** Where a KV assertion reads. */
interface KvAt {
  readonly projectId: string;
  readonly scopeId: string;
  readonly key: KvKey;
}

/** Where a row assertion reads. */
interface RowAt {
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  readonly primaryKey: PrimaryKeyInput;
}

/** Where a table aggregate assertion reads. */
interface TableAt {
  readonly projectId: string;
  readonly scopeId: string;
  readonly tableName: string;
  /** Only rows matching this filter count (all rows when absent). */
  readonly filter?: Expr;
}

/**
 * A check evaluated at commit time, inside the commit pipeline, on the exact state the commit
 * applies to — so it holds under any concurrency. In an envelope's `assertions` it runs before
 * the mutations; in a `postflightCheck` mutation it runs on the transaction-local state after
 * the mutations before it. A failing assertion fails the whole commit with `ASSERTION_FAILED`
 * (details: the assertion's index, the assertion, and the actual value) and nothing applies.
 *
 * @example
 * ```ts
 * // Balance must stay at or above the 10,000 reserve after a debit.
 * { type: 'keyCompare', projectId: 'casino', scopeId: 'app', key: 'house/balance',
 *   op: 'gte', threshold: encodeU64(10_000n) }
 * ```
 */
export type ReadAssertion =
  /** The KV value equals `value` bytewise (a missing key never equals). */
  | (KvAt & { readonly type: 'keyEquals'; readonly value: Uint8Array | string })
  /**
   * The KV value compares to `threshold`: bytewise (lexicographic) for a `Uint8Array`
   * threshold, numerically (the value read as an unsigned big-endian integer) for a
   * `bigint`/`number` threshold. A missing key fails.
   */
  | (KvAt & {
      readonly type: 'keyCompare';
      readonly op: CompareOp;
      readonly threshold: Uint8Array | bigint | number;
    })
  /** The key exists (`expected: true`, default) or not. */
  | (KvAt & { readonly type: 'keyExists'; readonly expected?: boolean })
  /** The key's version (seq of its last write; 0 when missing) equals `expectedSeq`. */
  | (KvAt & { readonly type: 'keyVersion'; readonly expectedSeq: number })
  /** The row's version (0 when missing) equals `expectedSeq`. */
  | (RowAt & { readonly type: 'rowVersion'; readonly expectedSeq: number })
  /** The row exists (`expected: true`, default) or not. */
  | (RowAt & { readonly type: 'rowExists'; readonly expected?: boolean })
  /** A column of the row compares to `value` (SQL semantics: NULL or a missing row fails). */
  | (RowAt & {
      readonly type: 'rowColumnCompare';
      readonly column: string;
      readonly op: CompareOp;
      readonly value: unknown;
    })
  /** The number of (matching) rows compares to `value`. */
  | (TableAt & { readonly type: 'countCompare'; readonly op: CompareOp; readonly value: number })
  /** The sum of a numeric column over (matching) rows compares to `value` (NULLs skipped). */
  | (TableAt & {
      readonly type: 'sumCompare';
      readonly column: string;
      readonly op: CompareOp;
      readonly value: number | bigint;
    })
  /** Every inner assertion holds. */
  | { readonly type: 'all'; readonly assertions: readonly ReadAssertion[] }
  /** At least one inner assertion holds (evaluation stops at the first that does). */
  | { readonly type: 'any'; readonly assertions: readonly ReadAssertion[] }
  /** The inner assertion does not hold. */
  | { readonly type: 'not'; readonly assertion: ReadAssertion };
