import type { CommitResult } from '../storage/commit/commit-request';
import { AedbError, ValidationError, type AedbErrorCode } from '../storage/errors';
import type { Mutation, PrimaryKeyInput } from '../storage/mutation';
import type { Row } from '../storage/schema';
import { describeValue } from '../storage/values/normalize-value';

/** One keyed-state effect of an {@link EffectBatch}. */
export type KeyedStateEffect =
  | { readonly type: 'write'; readonly tableName: string; readonly row: Row }
  | { readonly type: 'delete'; readonly tableName: string; readonly key: PrimaryKeyInput };

/** An event emitted by an {@link EffectBatch}. */
export interface EffectEvent {
  readonly topic: string;
  readonly eventKey: string;
  readonly payloadJson: string;
}

/**
 * State effects and events of one scope, committed atomically by `commitEffectBatch`.
 * (aedb's `preconditions` list cannot express any precondition yet; use commit assertions.)
 */
export interface EffectBatch {
  readonly effects?: readonly KeyedStateEffect[];
  readonly events?: readonly EffectEvent[];
}

/** The outcome of `commitEffectBatch`. */
export type EffectBatchResult =
  | { readonly outcome: 'applied'; readonly commitSeq: number }
  /** The commit failed on the data (validation, missing or duplicate row...) and changed nothing. */
  | { readonly outcome: 'rejected'; readonly error: AedbError };

/** Codes that reject a batch instead of failing the call (the data was wrong, not the engine). */
const REJECTION_CODES: ReadonlySet<AedbErrorCode> = new Set<AedbErrorCode>([
  'VALIDATION',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'ASSERTION_FAILED',
  'CONFLICT',
  'UNDERFLOW',
  'OVERFLOW',
]);

/** Translate an effect batch of `projectId.scopeId` into mutations (shape errors throw). */
export function effectBatchMutations(
  projectId: string,
  scopeId: string,
  batch: EffectBatch,
): Mutation[] {
  if (batch === null || typeof batch !== 'object') {
    throw new ValidationError('commitEffectBatch: expected a batch { effects?, events? }');
  }
  const mutations: Mutation[] = [];
  const effects = batch.effects ?? [];
  const events = batch.events ?? [];
  if (!Array.isArray(effects) || !Array.isArray(events)) {
    throw new ValidationError('commitEffectBatch: effects and events must be arrays');
  }
  effects.forEach((e: KeyedStateEffect, i) => {
    if (e?.type === 'write') {
      mutations.push({ type: 'upsert', projectId, scopeId, tableName: e.tableName, row: e.row });
    } else if (e?.type === 'delete') {
      mutations.push({
        type: 'delete',
        projectId,
        scopeId,
        tableName: e.tableName,
        primaryKey: e.key,
      });
    } else {
      throw new ValidationError(
        `commitEffectBatch effects[${i}]: expected type 'write' or 'delete', got ${describeValue((e as { type?: unknown } | null)?.type)}`,
      );
    }
  });
  for (const e of events as EffectEvent[]) {
    mutations.push({
      type: 'emitEvent',
      projectId,
      scopeId,
      topic: e?.topic,
      eventKey: e?.eventKey,
      payloadJson: e?.payloadJson,
    });
  }
  if (mutations.length === 0) {
    throw new ValidationError('commitEffectBatch: the batch has no effects and no events');
  }
  return mutations;
}

/** Commit an effect batch; data errors become a `'rejected'` outcome. */
export async function commitEffectBatch(
  commitMany: (mutations: readonly Mutation[]) => Promise<CommitResult>,
  projectId: string,
  scopeId: string,
  batch: EffectBatch,
): Promise<EffectBatchResult> {
  const mutations = effectBatchMutations(projectId, scopeId, batch);
  try {
    const { commitSeq } = await commitMany(mutations);
    return { outcome: 'applied', commitSeq };
  } catch (err) {
    if (err instanceof AedbError && REJECTION_CODES.has(err.code)) {
      return { outcome: 'rejected', error: err };
    }
    throw err;
  }
}
