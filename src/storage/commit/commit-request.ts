import type { Mutation } from '../mutation';
import { isNumericMutation } from '../numerics/numeric-mutation';
import type { NormalizedEnvelope } from './transaction-envelope';

/** When a commit's Promise resolves. */
export type CommitFinality = 'visible' | 'durable';

/** Options of `commit` / `commitMany`. */
export interface CommitOptions {
  /**
   * `'durable'` (default): resolve once the commit is durable per the durability mode.
   * `'visible'`: resolve once readers can see it (in `full` mode that is after the fsync anyway).
   */
  readonly finality?: CommitFinality;
}

/** What a successful commit returns. */
export interface CommitResult {
  /** The commit's sequence number: its position in the total order of commits. */
  readonly commitSeq: number;
  /** The durable head when the commit resolved (>= commitSeq for durable finality). */
  readonly durableHeadSeq: number;
  /**
   * Envelopes with an idempotency key: `'applied'` for the commit that applied the request,
   * `'duplicate'` for a retry (then `commitSeq` is the original commit's and nothing applied).
   */
  readonly idempotency?: 'applied' | 'duplicate';
}

/** A commit waiting in (or moving through) the pipeline. @internal */
export interface CommitRequest {
  readonly mutations: readonly Mutation[];
  readonly finality: CommitFinality;
  readonly allowSystem: boolean;
  /** Envelope checks and options (plain commits have none). */
  readonly envelope: NormalizedEnvelope | undefined;
  /** Set when the batch forms: acknowledge only after the fsync covering it. */
  ackOnSync: boolean;
  /** Estimated bytes, counted against `maxQueuedBytes` until the commit resolves. */
  readonly bytes: number;
  /** `performance.now()` at submit, for the latency metric. */
  readonly submittedAt: number;
  readonly resolve: (result: CommitResult) => void;
  readonly reject: (err: unknown) => void;
  /** Assigned when the commit applies. */
  seq: number;
}

/**
 * A cheap size estimate of a commit for admission control. It does not walk nested values:
 * it only has to bound memory roughly, and it runs on every commit.
 */
export function estimateBytes(mutations: readonly Mutation[]): number {
  let total = 64;
  for (const m of mutations) {
    if (m === null || typeof m !== 'object') continue;
    if (isNumericMutation(m)) {
      total += 96; // a key and a fixed-width amount
      continue;
    }
    switch (m.type) {
      case 'kvSet':
        total += 32 + sizeOf(m.key) + sizeOf(m.value);
        break;
      case 'kvDel':
        total += 32 + sizeOf(m.key);
        break;
      case 'insert':
      case 'upsert':
        total += rowSize(m.row);
        break;
      case 'updateFields':
        total += rowSize(m.fields);
        break;
      case 'delete':
        total += 64;
        break;
      case 'emitEvent':
        total += 96 + sizeOf(m.topic) + sizeOf(m.eventKey) + sizeOf(m.payloadJson);
        break;
      case 'updateWhere':
        total += 256 + rowSize(m.set);
        break;
      case 'ddl':
      case 'deleteWhere':
      case 'postflightCheck':
        total += 256;
        break;
    }
  }
  return total;
}

function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.byteLength;
  return 8;
}

function rowSize(row: unknown): number {
  if (row === null || typeof row !== 'object') return 64;
  let total = 64;
  for (const key in row) total += 16 + sizeOf((row as Record<string, unknown>)[key]);
  return total;
}
