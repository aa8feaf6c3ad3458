import { createHash } from 'node:crypto';
import type { ReadAssertion } from '../assertions/read-assertion';
import { ValidationError } from '../errors';
import { MUTATION_TYPES, type Mutation } from '../mutation';
import { NUMERIC_MUTATION_TYPES } from '../numerics/numeric-mutation';
import { checkReadSetShape, type ReadSet } from './read-set';
import { describeValue } from '../values/normalize-value';

/**
 * How a commit is persisted.
 * - `standard`: per the durability mode.
 * - `economic`: for money movements. Always fsynced before it is acknowledged, even in `batch`
 *   and `os` durability, and committed alone in its group-commit batch.
 * - `volatile`: applied in memory and visible at once; its effects are **not** written to the
 *   WAL (only a small marker keeps commit seqs contiguous), so a crash loses it unless a
 *   checkpoint taken after it captured the state. For caches and presence data. Limited to KV
 *   writes (`kvSet`, `kvDel`, the KV numerics) and `postflightCheck`, without an idempotency
 *   key: see {@link VOLATILE_MUTATION_TYPES}.
 */
export type WriteClass = 'standard' | 'economic' | 'volatile';

/** Who is committing. Idempotency keys are scoped per caller. */
export interface CallerContext {
  readonly callerId: string;
}

/**
 * A transaction as data: its writes, the checks that must hold when it applies, and the reads
 * it depends on. Everything is checked inside the commit pipeline on the exact state the
 * commit applies to, so the checks hold under any concurrency; any failure rejects the whole
 * envelope and nothing applies.
 *
 * @example
 * ```ts
 * const baseSeq = await db.snapshotProbe();
 * const balance = db.snapshot({ atSeq: baseSeq }).kvGet('casino', 'app', 'u1/balance');
 * await db.commitEnvelope({
 *   idempotencyKey: 'transfer-7f3a',
 *   writeClass: 'economic',
 *   readSet: { points: [{ type: 'kv', projectId: 'casino', scopeId: 'app', key: 'u1/balance', version: balance?.version ?? 0 }] },
 *   assertions: [{ type: 'keyExists', projectId: 'casino', scopeId: 'app', key: 'u2/balance' }],
 *   writeIntent: { mutations: [
 *     { type: 'kvSubU64Ex', projectId: 'casino', scopeId: 'app', key: 'u1/balance', amount: 500n },
 *     { type: 'kvAddU64Ex', projectId: 'casino', scopeId: 'app', key: 'u2/balance', amount: 500n },
 *   ] },
 *   baseSeq,
 * });
 * ```
 */
export interface TransactionEnvelope {
  readonly caller?: CallerContext;
  /**
   * A retry with the same key (per caller) and the same request within the idempotency window
   * returns the original commit seq with `idempotency: 'duplicate'` and applies nothing; the
   * same key with a different request fails with `VALIDATION`.
   */
  readonly idempotencyKey?: string | Uint8Array;
  readonly writeClass?: WriteClass;
  /** Checked before the mutations, on the state the commit applies to. */
  readonly assertions?: readonly ReadAssertion[];
  /** Optimistic reads, checked against `baseSeq` (stale: `CONFLICT`). */
  readonly readSet?: ReadSet;
  readonly writeIntent: { readonly mutations: readonly Mutation[] };
  /** The seq the reads were made at (`snapshotProbe`); required with a read set. */
  readonly baseSeq?: number;
}

/** What the pipeline needs of an envelope, validated at submit time. @internal */
export interface NormalizedEnvelope {
  readonly writeClass: WriteClass;
  readonly assertions: readonly ReadAssertion[];
  readonly readSet: ReadSet | undefined;
  readonly baseSeq: number;
  /** Caller-scoped idempotency key (a byte string) and request fingerprint, if any. */
  readonly idempotency: { readonly scopedKey: string; readonly fingerprint: string } | undefined;
}

const MAX_IDEMPOTENCY_KEY = 256;

/**
 * The mutations a `volatile` envelope may hold. Each writes a KV entry with its final value and
 * nothing else, so when a crash drops the volatile commit, the durable commits logged after it
 * still replay to a consistent state. Table writes are excluded because their logged index
 * maintenance (removing the index entry of the row they replace) would not match the row left
 * after the crash; DDL, `emitEvent` and idempotency records because they can create tables
 * (the catalog change would be lost while later durable rows in those tables replay).
 */
export const VOLATILE_MUTATION_TYPES: readonly Mutation['type'][] = Object.freeze([
  'kvSet',
  'kvDel',
  'postflightCheck',
  ...NUMERIC_MUTATION_TYPES.filter((t) => t !== 'tableIncU256' && t !== 'tableDecU256'),
]);

const VOLATILE_TYPE_SET: ReadonlySet<string> = new Set(VOLATILE_MUTATION_TYPES);
const MUTATION_TYPE_SET: ReadonlySet<string> = new Set(MUTATION_TYPES);

/** Validate an envelope's shape and derive what the pipeline needs from it. */
export function normalizeEnvelope(envelope: unknown): {
  mutations: readonly Mutation[];
  envelope: NormalizedEnvelope;
} {
  if (envelope === null || typeof envelope !== 'object') {
    throw new ValidationError(
      'commitEnvelope: expected an envelope object { writeIntent: { mutations } }',
    );
  }
  const env = envelope as TransactionEnvelope;
  const mutations = env.writeIntent?.mutations;
  if (!Array.isArray(mutations)) {
    throw new ValidationError(
      'commitEnvelope: writeIntent.mutations must be an array of mutations',
    );
  }
  const writeClass = env.writeClass ?? 'standard';
  if (writeClass !== 'standard' && writeClass !== 'economic' && writeClass !== 'volatile') {
    throw new ValidationError(
      `commitEnvelope: writeClass must be 'standard', 'economic' or 'volatile', got ${describeValue(writeClass)}`,
    );
  }
  if (writeClass === 'volatile') checkVolatile(mutations, env.idempotencyKey);
  const assertions = env.assertions ?? [];
  if (!Array.isArray(assertions))
    throw new ValidationError('commitEnvelope: assertions must be an array');
  if (mutations.length === 0 && assertions.length === 0) {
    throw new ValidationError(
      'commitEnvelope: an envelope needs at least one mutation or assertion',
    );
  }
  const readSet = env.readSet === undefined ? undefined : checkReadSetShape(env.readSet);
  const hasRanges = (readSet?.ranges?.length ?? 0) > 0;
  const baseSeq = env.baseSeq ?? 0;
  if (!Number.isSafeInteger(baseSeq) || baseSeq < 0) {
    throw new ValidationError(
      `commitEnvelope: baseSeq must be a non-negative integer, got ${describeValue(env.baseSeq)}`,
    );
  }
  if (hasRanges && env.baseSeq === undefined) {
    throw new ValidationError(
      'commitEnvelope: a read set with ranges needs baseSeq (from snapshotProbe)',
    );
  }
  let callerId = '';
  if (env.caller !== undefined) {
    if (
      env.caller === null ||
      typeof env.caller.callerId !== 'string' ||
      env.caller.callerId.length === 0
    ) {
      throw new ValidationError('commitEnvelope: caller must be { callerId: non-empty string }');
    }
    callerId = env.caller.callerId;
  }
  let idempotency: NormalizedEnvelope['idempotency'];
  if (env.idempotencyKey !== undefined) {
    const key = env.idempotencyKey;
    const bytes =
      typeof key === 'string'
        ? Buffer.from(key, 'utf8')
        : key instanceof Uint8Array
          ? Buffer.from(key)
          : undefined;
    if (bytes === undefined || bytes.length === 0 || bytes.length > MAX_IDEMPOTENCY_KEY) {
      throw new ValidationError(
        `commitEnvelope: idempotencyKey must be a string or bytes of 1-${MAX_IDEMPOTENCY_KEY} bytes`,
      );
    }
    idempotency = {
      scopedKey: createHash('sha256')
        .update('aedb:idempotency:v1\0')
        .update(callerId)
        .update('\0')
        .update(bytes)
        .digest('binary'),
      fingerprint: fingerprint(writeClass, assertions, mutations),
    };
  }
  return { mutations, envelope: { writeClass, assertions, readSet, baseSeq, idempotency } };
}

/** Reject what a `volatile` envelope cannot hold (see {@link VOLATILE_MUTATION_TYPES}). */
function checkVolatile(mutations: readonly unknown[], idempotencyKey: unknown): void {
  if (idempotencyKey !== undefined) {
    throw new ValidationError(
      'commitEnvelope: a volatile envelope cannot carry an idempotencyKey (its record would be lost on a crash); use writeClass standard',
    );
  }
  for (let i = 0; i < mutations.length; i++) {
    const type = (mutations[i] as { type?: unknown } | null)?.type;
    // Malformed mutations are left to the mutation validator, which names what is wrong.
    if (typeof type !== 'string' || !MUTATION_TYPE_SET.has(type) || VOLATILE_TYPE_SET.has(type)) {
      continue;
    }
    throw new ValidationError(
      `commitEnvelope: mutations[${i}] is '${type}', which a volatile envelope cannot hold; expected one of ${VOLATILE_MUTATION_TYPES.join(', ')} (table, event, DDL and idempotency writes must be logged to stay consistent after a crash)`,
      { index: i },
    );
  }
}

/**
 * A digest of what an envelope asks for (write class, assertions, mutations) — not of its read
 * set or base seq, which are concurrency control: a retry that re-read before rebuilding the
 * same request is still the same request.
 */
function fingerprint(
  writeClass: string,
  assertions: readonly unknown[],
  mutations: readonly unknown[],
): string {
  const hash = createHash('sha256');
  hash.update(writeClass);
  canonical(hash, assertions, 0);
  canonical(hash, mutations, 0);
  return hash.digest('binary');
}

/** Feed a deterministic, type-tagged serialization of `value` to `hash` (sorted object keys). */
function canonical(hash: ReturnType<typeof createHash>, value: unknown, depth: number): void {
  if (depth > 64)
    throw new ValidationError('commitEnvelope: request nested too deeply to fingerprint');
  if (value === null || value === undefined) hash.update(value === null ? 'n' : 'u');
  else if (typeof value === 'string') hash.update(`s${value.length}:`).update(value);
  else if (typeof value === 'number') hash.update(`d${value};`);
  else if (typeof value === 'bigint') hash.update(`b${value.toString(16)};`);
  else if (typeof value === 'boolean') hash.update(value ? 't' : 'f');
  else if (value instanceof Uint8Array) hash.update(`y${value.length}:`).update(value);
  else if (value instanceof Date) hash.update(`D${value.getTime()};`);
  else if (Array.isArray(value)) {
    hash.update(`a${value.length}[`);
    for (const v of value) canonical(hash, v, depth + 1);
    hash.update(']');
  } else if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    hash.update(`o${keys.length}{`);
    for (const k of keys) {
      hash.update(`${k.length}:`).update(k);
      canonical(hash, (value as Record<string, unknown>)[k], depth + 1);
    }
    hash.update('}');
  } else {
    throw new ValidationError(`commitEnvelope: cannot fingerprint a ${typeof value}`);
  }
}
