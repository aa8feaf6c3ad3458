import { byteStringToBytes, keyToByteString } from '../byte-string';
import type { CommitFinality, CommitResult } from '../commit/commit-request';
import type { ReadSetPoint } from '../commit/read-set';
import type {
  CallerContext,
  TransactionEnvelope,
  WriteClass,
} from '../commit/transaction-envelope';
import {
  AedbError,
  AssertionFailedError,
  ConflictError,
  NotFoundError,
  ValidationError,
  describeError,
} from '../errors';
import type { KvKey, Mutation } from '../mutation';
import { validateName, validateUserProject } from '../names';
import type { Snapshot } from '../snapshot';
import type { StripeLocks } from './stripe-locks';
import { TypedValue } from './typed-value';
import { describeValue } from '../values/normalize-value';

/** Options of `db.transaction(projectId, scopeId, options)`. */
export interface KvTransactionOptions {
  /** Max wait for the key locks, ms (default 5,000); then `TIMEOUT`. */
  readonly lockTimeoutMs?: number;
  /** Re-run preflight and execute this many times on a `CONFLICT` (default 3). */
  readonly maxConflictRetries?: number;
  readonly finality?: CommitFinality;
  readonly writeClass?: WriteClass;
  readonly idempotencyKey?: string;
  readonly caller?: CallerContext;
}

/**
 * What `execute` sees: reads from the snapshot the transaction started at plus its own writes;
 * writes and logged events are buffered and committed atomically in one envelope.
 */
export interface TransactionContext {
  /** The value of `key`; `NOT_FOUND` when missing. */
  get(key: KvKey): TypedValue;
  /** The value of `key`, or `undefined`. */
  getOpt(key: KvKey): TypedValue | undefined;
  exists(key: KvKey): boolean;
  set(key: KvKey, value: TypedValue): void;
  delete(key: KvKey): void;
  /** Replace the value with `fn(old)`. */
  update(key: KvKey, fn: (old: TypedValue | undefined) => TypedValue): void;
  /** Emit an event with this type (topic) and JSON payload, atomically with the writes. */
  log(type: string, payload?: unknown): void;
}

/** The outcome of a transaction. */
export interface TransactionResult extends CommitResult {
  /** Events logged and committed. */
  readonly events: number;
}

/** What a transaction needs from the engine. @internal */
export interface TransactionHost {
  snapshot(): Snapshot;
  commitEnvelope(
    envelope: TransactionEnvelope,
    options: { finality?: CommitFinality },
  ): Promise<CommitResult>;
  waitForVisible(seq: number): Promise<number>;
  readonly stripeLocks: StripeLocks;
}

type Requirement = {
  readonly key: string;
  readonly describe: string;
  readonly check: (v: TypedValue | undefined) => boolean | void;
};

/**
 * An azoth-style transaction over one scope's KV space with typed values: declare
 * requirements, then `execute` a callback that reads and writes through a context. The keys
 * named in requirements are locked (per-key stripe locks, acquired in sorted order with a
 * timeout) for the whole preflight-execute-commit, so transactions on the same keys serialize
 * and on disjoint keys run concurrently. Every key read is also in the envelope's read set, so a
 * writer that bypasses the locks makes the commit conflict (then it is re-run, up to
 * `maxConflictRetries` times). The callback may run more than once: keep it free of side effects
 * other than through the context.
 *
 * @example
 * ```ts
 * await db.transaction('casino', 'app')
 *   .requireExists('u1/balance')
 *   .requireMin('u1/balance', 100)
 *   .execute((ctx) => {
 *     ctx.update('u1/balance', (b) => TypedValue.i64(b!.asI64() - 100n));
 *     ctx.log('withdraw', { user: 'u1', amount: 100 });
 *   });
 * ```
 */
export class KvTransaction {
  private readonly requirements: Requirement[] = [];

  /** @internal */
  constructor(
    private readonly host: TransactionHost,
    private readonly projectId: string,
    private readonly scopeId: string,
    private readonly options: KvTransactionOptions = {},
  ) {
    validateUserProject(projectId);
    validateName('scope', scopeId);
    const timeout = options.lockTimeoutMs ?? 5000;
    const retries = options.maxConflictRetries ?? 3;
    if (!Number.isInteger(timeout) || timeout < 0) {
      throw new ValidationError(
        `transaction: lockTimeoutMs must be a non-negative integer, got ${describeValue(timeout)}`,
      );
    }
    if (!Number.isInteger(retries) || retries < 0 || retries > 100) {
      throw new ValidationError(
        `transaction: maxConflictRetries must be an integer from 0 to 100, got ${describeValue(retries)}`,
      );
    }
  }

  /** Require `check(value)` not to throw and not to return `false` (value `undefined` = missing). */
  require(key: KvKey, check: (value: TypedValue | undefined) => boolean | void): this {
    if (typeof check !== 'function')
      throw new ValidationError('transaction.require: check must be a function');
    this.requirements.push({ key: keyToByteString(key), describe: 'custom check', check });
    return this;
  }

  /** Require the key to exist. */
  requireExists(key: KvKey): this {
    this.requirements.push({
      key: keyToByteString(key),
      describe: 'must exist',
      check: (v) => v !== undefined,
    });
    return this;
  }

  /** Require an `i64` or `u256` value of at least `min`. */
  requireMin(key: KvKey, min: bigint | number): this {
    if (typeof min !== 'bigint' && !Number.isSafeInteger(min)) {
      throw new ValidationError('transaction.requireMin: min must be a bigint or a safe integer');
    }
    const floor = BigInt(min);
    this.requirements.push({
      key: keyToByteString(key),
      describe: `must be at least ${floor}`,
      check: (v) => v !== undefined && (v.type === 'u256' ? v.asU256() : v.asI64()) >= floor,
    });
    return this;
  }

  /** Lock, preflight, run `fn`, and commit its writes and events atomically. */
  async execute(fn: (ctx: TransactionContext) => void | Promise<void>): Promise<TransactionResult> {
    if (typeof fn !== 'function')
      throw new ValidationError('transaction.execute: expected a callback');
    const locks = this.host.stripeLocks;
    const release = await locks.acquire(
      locks.stripesOf(this.requirements.map((r) => r.key)),
      this.options.lockTimeoutMs ?? 5000,
    );
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.attempt(fn);
        } catch (err) {
          if (!(err instanceof ConflictError) || attempt >= (this.options.maxConflictRetries ?? 3))
            throw err;
          // The winner may not be visible yet (in full mode it is after its fsync): re-reading
          // before it is would conflict again.
          const actual = err.details.actualVersion;
          if (typeof actual === 'number') await this.host.waitForVisible(actual);
        }
      }
    } finally {
      release();
    }
  }

  private async attempt(
    fn: (ctx: TransactionContext) => void | Promise<void>,
  ): Promise<TransactionResult> {
    const snap = this.host.snapshot();
    const { projectId, scopeId } = this;
    const versions = new Map<string, number>();
    const writes = new Map<string, TypedValue | null>();
    const events: { type: string; payloadJson: string }[] = [];
    const read = (k: string): TypedValue | undefined => {
      if (writes.has(k)) return writes.get(k) ?? undefined;
      const entry = snap.kvGet(projectId, scopeId, byteStringToBytes(k));
      if (!versions.has(k)) versions.set(k, entry?.version ?? 0);
      return entry === undefined ? undefined : TypedValue.decode(entry.value);
    };
    for (const r of this.requirements) {
      let ok: boolean | void;
      try {
        ok = r.check(read(r.key));
      } catch (err) {
        if (err instanceof AedbError && !(err instanceof ValidationError)) throw err;
        throw new AssertionFailedError(
          `transaction preflight failed for key ${printable(r.key)}: ${describeError(err)}`,
          {
            key: printable(r.key),
          },
        );
      }
      if (ok === false) {
        throw new AssertionFailedError(
          `transaction preflight failed: key ${printable(r.key)} ${r.describe}`,
          {
            key: printable(r.key),
          },
        );
      }
    }
    const ctx: TransactionContext = {
      get: (key) => {
        const v = read(keyToByteString(key));
        if (v === undefined) {
          throw new NotFoundError(
            `transaction: key ${printable(keyToByteString(key))} does not exist in ${projectId}.${scopeId}`,
          );
        }
        return v;
      },
      getOpt: (key) => read(keyToByteString(key)),
      exists: (key) => read(keyToByteString(key)) !== undefined,
      set: (key, value) => {
        if (!(value instanceof TypedValue))
          throw new ValidationError('transaction.set: value must be a TypedValue');
        writes.set(keyToByteString(key), value);
      },
      delete: (key) => {
        writes.set(keyToByteString(key), null);
      },
      update: (key, update) => {
        const k = keyToByteString(key);
        const next = update(read(k));
        if (!(next instanceof TypedValue))
          throw new ValidationError('transaction.update: the function must return a TypedValue');
        writes.set(k, next);
      },
      log: (type, payload) => {
        let payloadJson: string | undefined;
        try {
          payloadJson = JSON.stringify(payload ?? null);
        } catch (err) {
          throw new ValidationError(
            `transaction.log('${type}'): payload is not JSON-serializable (${describeError(err)})`,
          );
        }
        events.push({ type, payloadJson: payloadJson ?? 'null' });
      },
    };
    await fn(ctx);
    const mutations: Mutation[] = [];
    for (const [k, v] of writes) {
      const key = byteStringToBytes(k);
      mutations.push(
        v === null
          ? { type: 'kvDel', projectId, scopeId, key }
          : { type: 'kvSet', projectId, scopeId, key, value: v.encode() },
      );
    }
    events.forEach((e, i) =>
      mutations.push({
        type: 'emitEvent',
        projectId,
        scopeId,
        topic: e.type,
        eventKey: `log:${i}`,
        payloadJson: e.payloadJson,
      }),
    );
    const points: ReadSetPoint[] = [...versions].map(([k, version]) => ({
      type: 'kv',
      projectId,
      scopeId,
      key: byteStringToBytes(k),
      version,
    }));
    if (mutations.length === 0) {
      return { commitSeq: snap.seq, durableHeadSeq: snap.seq, events: 0 };
    }
    const result = await this.host.commitEnvelope(
      {
        caller: this.options.caller,
        idempotencyKey: this.options.idempotencyKey,
        writeClass: this.options.writeClass,
        readSet: { points },
        baseSeq: snap.seq,
        writeIntent: { mutations },
      },
      { finality: this.options.finality },
    );
    return { ...result, events: events.length };
  }
}

function printable(key: string): string {
  return /^[\x20-\x7e]*$/.test(key)
    ? JSON.stringify(key)
    : `0x${Buffer.from(key, 'latin1').toString('hex')}`;
}
