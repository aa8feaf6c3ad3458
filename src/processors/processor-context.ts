import { UnderflowError, ValidationError } from '../storage/errors';
import type { Mutation, PrimaryKeyInput } from '../storage/mutation';
import type { Row } from '../storage/schema';
import type { Snapshot } from '../storage/snapshot';
import type { ProcessorCommitResult } from './checkpoint-store';
import { attempt } from './processor-engine';
import type { ProcessorPullResult } from './processor-commit';
import type {
  KeyedState,
  KeyedStateIndexPage,
  KeyedStateIndexQuery,
  KeyedStateKey,
} from './keyed-state';
import { describeValue } from '../storage/values/normalize-value';

/** What a {@link ProcessorContext} works with. @internal */
export interface ProcessorContextDeps {
  readonly keyed: KeyedState;
  readonly snapshot: () => Snapshot;
  readonly pull: (eventName: string, processorId: string, max: number) => ProcessorPullResult;
  readonly commit: (
    processorId: string,
    checkpointSeq: number,
    mutations: readonly Mutation[],
  ) => Promise<ProcessorCommitResult>;
}

/** KV prefix of accumulators (in the context's scope). */
const ACCUMULATOR_PREFIX = '\u0000aedb:acc:';
/** KV prefix of exposures (accumulators that may not go below zero). */
const EXPOSURE_PREFIX = '\u0000aedb:exposure:';

/**
 * A unit of processor work in one scope (`db.processorContext(...)`): pull events after the
 * processor's checkpoint, read keyed state, buffer writes, accumulator changes and events, then
 * `commit()` them together with the checkpoint in one commit (exactly-once). Nothing is written
 * before `commit()`; reads see committed state (accumulator `value()` adds the pending deltas).
 *
 * Accumulators and exposures are `bigint` counters stored in the scope's KV space under
 * reserved keys; they are read and written at commit time, so give each one a single writer
 * (one processor) to avoid lost updates from concurrent writers.
 *
 * @example
 * ```ts
 * const ctx = db.processorContext('casino', 'app', 'points', 'hand_settled');
 * const { events } = await ctx.pull(100);
 * for (const e of events) {
 *   const { userId, points } = JSON.parse(e.payloadJson) as { userId: string; points: number };
 *   ctx.accumulate(`points:${userId}`, points).emit('points_applied', e.eventKey, e.payloadJson);
 * }
 * await ctx.commit(); // effects + checkpoint in one commit
 * ```
 */
export class ProcessorContext {
  private readonly buffer: Mutation[] = [];
  private readonly deltas = new Map<string, bigint>();
  private pulledSeq: number | undefined;

  /** @internal */
  constructor(
    private readonly deps: ProcessorContextDeps,
    readonly projectId: string,
    readonly scopeId: string,
    readonly processorId: string,
    readonly sourceEvent: string,
  ) {}

  /** Pull up to `maxCount` `sourceEvent` events after the checkpoint; `commit()` covers them. */
  pull(maxCount: number): Promise<ProcessorPullResult> {
    return attempt(() => {
      const result = this.deps.pull(this.sourceEvent, this.processorId, maxCount);
      this.pulledSeq = result.nextCheckpointSeq;
      return result;
    });
  }

  /** The committed row of `tableName` with single-column key `key`. */
  read(tableName: string, key: KeyedStateKey): Promise<Row | undefined> {
    return attempt(() => this.deps.keyed.read(this.projectId, this.scopeId, tableName, key));
  }

  /** Rows of `tableName` in the order of one of its indexes. */
  queryIndex(tableName: string, request: KeyedStateIndexQuery): Promise<KeyedStateIndexPage> {
    return attempt(() =>
      this.deps.keyed.queryIndex(this.projectId, this.scopeId, tableName, request),
    );
  }

  /** Buffer an upsert of `row`. */
  write(tableName: string, row: Row): this {
    this.buffer.push({
      type: 'upsert',
      projectId: this.projectId,
      scopeId: this.scopeId,
      tableName,
      row,
    });
    return this;
  }

  /** Buffer an update of some columns of an existing row. */
  update(tableName: string, key: PrimaryKeyInput, fields: Row): this {
    this.buffer.push({
      type: 'updateFields',
      projectId: this.projectId,
      scopeId: this.scopeId,
      tableName,
      primaryKey: key,
      fields,
    });
    return this;
  }

  /** Buffer a delete. */
  delete(tableName: string, key: PrimaryKeyInput): this {
    this.buffer.push({
      type: 'delete',
      projectId: this.projectId,
      scopeId: this.scopeId,
      tableName,
      primaryKey: key,
    });
    return this;
  }

  /** Add `delta` (may be negative) to accumulator `name`. */
  accumulate(name: string, delta: bigint | number): this {
    return this.addDelta(ACCUMULATOR_PREFIX, name, delta);
  }

  /** The accumulator's committed value plus this context's pending delta. */
  value(name: string): Promise<bigint> {
    return attempt(() => this.current(ACCUMULATOR_PREFIX + checkName(name)));
  }

  /** Raise exposure `name` by `amount`. */
  expose(name: string, amount: bigint | number): this {
    return this.addDelta(EXPOSURE_PREFIX, name, toBigInt('expose amount', amount, true));
  }

  /** Lower exposure `name` by `amount`; below zero fails the commit with `UnderflowError`. */
  releaseExposure(name: string, amount: bigint | number): this {
    return this.addDelta(EXPOSURE_PREFIX, name, -toBigInt('releaseExposure amount', amount, true));
  }

  /** The exposure's committed value plus this context's pending change. */
  exposure(name: string): Promise<bigint> {
    return attempt(() => this.current(EXPOSURE_PREFIX + checkName(name)));
  }

  /** Buffer an event of this scope. */
  emit(topic: string, eventKey: string, payloadJson: string): this {
    this.buffer.push({
      type: 'emitEvent',
      projectId: this.projectId,
      scopeId: this.scopeId,
      topic,
      eventKey,
      payloadJson,
    });
    return this;
  }

  /** Buffered mutations and accumulator changes. */
  get pending(): number {
    return this.buffer.length + this.deltas.size;
  }

  /**
   * Commit everything buffered with the checkpoint (`checkpointSeq`, default: what the last
   * `pull()` covered) in one commit, then clear the buffer. A redelivered batch (checkpoint
   * already there) commits nothing and reports `'duplicate'`.
   */
  commit(checkpointSeq?: number): Promise<ProcessorCommitResult> {
    return attempt(async () => {
      const seq = checkpointSeq ?? this.pulledSeq;
      if (seq === undefined) {
        throw new ValidationError(
          `processor context '${this.processorId}': commit() needs a checkpoint seq; call pull() first or pass one`,
          { processorName: this.processorId },
        );
      }
      const mutations = [...this.buffer];
      for (const [key, delta] of this.deltas) {
        const next = this.committed(key) + delta;
        if (next < 0n && key.startsWith(EXPOSURE_PREFIX)) {
          throw new UnderflowError(
            `processor context '${this.processorId}': exposure '${key.slice(EXPOSURE_PREFIX.length)}' would go below zero (${next})`,
            { processorName: this.processorId },
          );
        }
        mutations.push({
          type: 'kvSet',
          projectId: this.projectId,
          scopeId: this.scopeId,
          key,
          value: next.toString(),
        });
      }
      const result = await this.deps.commit(this.processorId, seq, mutations);
      this.buffer.length = 0;
      this.deltas.clear();
      return result;
    });
  }

  private addDelta(prefix: string, name: string, delta: bigint | number): this {
    const key = prefix + checkName(name);
    this.deltas.set(key, (this.deltas.get(key) ?? 0n) + toBigInt('accumulate delta', delta, false));
    return this;
  }

  private current(key: string): bigint {
    return this.committed(key) + (this.deltas.get(key) ?? 0n);
  }

  private committed(key: string): bigint {
    const entry = this.deps.snapshot().kvGet(this.projectId, this.scopeId, key);
    return entry === undefined ? 0n : BigInt(Buffer.from(entry.value).toString('latin1'));
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) {
    throw new ValidationError(
      `processor context: accumulator name must be 1-512 characters, got ${typeof name === 'string' ? JSON.stringify(name) : typeof name}`,
    );
  }
  return name;
}

function toBigInt(what: string, v: unknown, nonNegative: boolean): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else
    throw new ValidationError(
      `processor context ${what}: expected a bigint or safe integer, got ${describeValue(v)}`,
    );
  if (nonNegative && b < 0n) {
    throw new ValidationError(
      `processor context ${what}: expected a non-negative amount, got ${b}`,
    );
  }
  return b;
}
