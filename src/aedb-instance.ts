import type { Observable } from 'rxjs';
import type {
  CheckpointAckResult,
  ProcessorCommitResult,
  ReactiveProcessorCheckpoint,
} from './processors/checkpoint-store';
import type { DeadLetterReplayReport } from './processors/dead-letter-replay';
import type {
  DeadLetterFilter,
  DeadLetterListOptions,
  DeadLetterPage,
} from './processors/dead-letter-store';
import {
  commitEffectBatch,
  type EffectBatch,
  type EffectBatchResult,
} from './processors/effect-batch';
import type { EventCompactionReport, EventRetentionPolicy } from './processors/event-retention';
import type {
  KeyedStateIndexPage,
  KeyedStateIndexQuery,
  KeyedStateKey,
  KeyedStateUpdateResult,
  KeyedStateUpdater,
} from './processors/keyed-state';
import type { ProcessorPullResult } from './processors/processor-commit';
import type { ProcessorContext } from './processors/processor-context';
import { attempt } from './processors/processor-engine';
import type { ProcessorHandler, ReactiveProcessorErrorEvent } from './processors/processor-handler';
import type {
  ReactiveProcessorHealth,
  ReactiveProcessorLag,
  ReactiveProcessorSloStatus,
} from './processors/processor-health';
import { ProcessorLayer } from './processors/processor-layer';
import type { ReactiveProcessorInfo } from './processors/processor-runtime';
import {
  validateProcessorName,
  type ReactiveProcessorOptions,
} from './processors/reactive-processor-options';
import type { ReactiveProcessorRuntimeStatus } from './processors/runner-stats';
import type { CommitResult } from './storage/commit/commit-request';
import { ClosedError } from './storage/errors';
import type { Mutation } from './storage/mutation';
import type { Row, Value } from './storage/schema';
import { StorageEngine, type ConsistencyMode } from './storage/storage-engine';

/**
 * An open aedb database: typed tables and a byte-keyed KV store under `project -> scope`,
 * with atomic commits on a write-ahead log, checkpoints, crash recovery and snapshot reads,
 * plus the event stream and reactive processors (see `docs/processors.md`).
 *
 * Open one instance per data directory and share it; every method is safe to call
 * concurrently. Writes go through one commit pipeline (group commit); reads never wait for
 * writes. See {@link StorageEngine} for the storage API it inherits.
 *
 * @example
 * ```ts
 * import { AedbInstance, Query, Expr } from 'aedb';
 *
 * const db = await AedbInstance.open('./data', { durabilityMode: 'full' });
 * await db.createProject('demo');
 * await db.createScope('demo', 'app');
 * await db.createTable({
 *   projectId: 'demo', scopeId: 'app', tableName: 'users',
 *   columns: [{ name: 'id', type: 'integer' }, { name: 'username', type: 'text' }],
 *   primaryKey: ['id'],
 * });
 * const { commitSeq } = await db.commit({
 *   type: 'insert', projectId: 'demo', scopeId: 'app', tableName: 'users',
 *   row: { id: 1, username: 'alice' },
 * });
 * const res = await db.query('demo', 'app', Query.select('*').from('users').where(Expr.eq('id', 1)));
 * await db.close();
 * ```
 */
export class AedbInstance extends StorageEngine {
  private readonly processors = new ProcessorLayer(this, {
    commitInternal: (mutations, finality) => this.commitInternal(mutations, finality),
    systemSnapshot: (consistency) => this.systemSnapshot(consistency),
    commits$: this.commits$,
  });

  /**
   * Every reactive processor error (handler failures with their attempt and whether the batch
   * will be retried or was dead-lettered; failed checkpoint and dead-letter writes). Errors
   * never stop a processor; subscribe here to log them. Completes when the database closes.
   */
  readonly processorErrors$: Observable<ReactiveProcessorErrorEvent> =
    this.processors.runtime.errors$;

  // ---------------------------------------------------------------- checkpoints

  /**
   * Persist the checkpoint of processor `name` at `seq` (every event of the commits up to
   * `seq` is handled). Never moves it backwards: a lower `seq` is a no-op.
   *
   * @example
   * ```ts
   * const { checkpointSeq } = await db.reactiveProcessorLag('points');
   * const page = await db.readEventStream('hand_settled', checkpointSeq, 100);
   * for (const e of page.events) handle(e);
   * if (page.nextCommitSeq !== undefined) {
   *   await db.ackReactiveProcessorCheckpoint('points', page.nextCommitSeq);
   * }
   * ```
   */
  ackReactiveProcessorCheckpoint(name: string, seq: number): Promise<CheckpointAckResult> {
    return this.guard(() => this.processors.checkpoints.ack(name, seq));
  }

  /**
   * Like {@link AedbInstance.ackReactiveProcessorCheckpoint}, but writes only once `seq` is at
   * least `watermarkCommits` commits past the persisted checkpoint (fewer writes; a crash
   * redelivers at most that many commits). The cached position changes only after the write
   * succeeded.
   */
  ackReactiveProcessorCheckpointBatched(
    name: string,
    seq: number,
    watermarkCommits: number,
  ): Promise<CheckpointAckResult> {
    return this.guard(() => this.processors.checkpoints.ackBatched(name, seq, watermarkCommits));
  }

  /** Set the checkpoint of a stopped processor to `seq`, backwards too (events after it are delivered again). */
  resetReactiveProcessorCheckpoint(
    name: string,
    seq: number,
  ): Promise<ReactiveProcessorCheckpoint> {
    return this.guard(() => this.processors.runtime.resetCheckpoint(name, seq));
  }

  /** How far processor `name` is behind (any name; one without a checkpoint is at 0). */
  reactiveProcessorLag(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorLag> {
    return this.guard(() => this.processors.health.lag(name, consistency));
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Register processor `name` durably (options, enabled) and run `handler` on its events: one
   * batch at a time, in commit order, woken by matching commits (no polling). The checkpoint is
   * acknowledged after the handler resolves (at-least-once); use `ctx.commit(mutations)` for
   * exactly-once effects. Rejects with `ALREADY_EXISTS` when it already runs here and with
   * `VALIDATION` for a bad name, option or handler.
   *
   * @example
   * ```ts
   * await db.startReactiveProcessor(
   *   'points',
   *   { topicFilter: 'hand_settled', maxRetries: 5, maxAllowedLagCommits: 2000 },
   *   async (events, ctx) => {
   *     const mutations = events.map((e) => ({
   *       type: 'upsert' as const, projectId: 'casino', scopeId: 'app', tableName: 'points',
   *       row: { hand: e.eventKey, points: 10 },
   *     }));
   *     await ctx.commit(mutations); // state + checkpoint in one commit: exactly-once
   *   },
   * );
   * db.processorErrors$.subscribe((e) => console.error(e.processorName, e.phase, e.error));
   * ```
   */
  startReactiveProcessor(
    name: string,
    options: ReactiveProcessorOptions,
    handler: ProcessorHandler,
  ): Promise<void> {
    return this.guard(() => this.processors.runtime.start(name, options, handler));
  }

  /**
   * Stop processor `name` in this process, gracefully: the batch in flight finishes and the
   * latest position is persisted. Its registration stays enabled (a restart resumes it).
   * `NOT_FOUND` for an unknown name.
   */
  stopReactiveProcessor(name: string): Promise<void> {
    return this.guard(() => this.processors.runtime.stop(name));
  }

  /** Disable processor `name` durably and stop it (a restart does not resume it). */
  pauseReactiveProcessor(name: string): Promise<void> {
    return this.guard(() => this.processors.runtime.pause(name));
  }

  /**
   * Enable processor `name` again and start it with the handler attached in this process.
   * Resolves whether it runs now (`false`: no handler here yet; `registerReactiveProcessorHandler`
   * will start it).
   */
  resumeReactiveProcessor(name: string): Promise<boolean> {
    return this.guard(() => this.processors.runtime.resume(name));
  }

  /**
   * After a restart, attach `handler` to the registered processor `name` and start it when
   * its registration is enabled, with the stored options, from its checkpoint. Resolves `true`
   * when it started, `false` when it is paused. `NOT_FOUND` when `name` was never started.
   *
   * @example
   * ```ts
   * const db = await AedbInstance.open('./data');
   * const resumed = await db.registerReactiveProcessorHandler('points', handler); // true
   * ```
   */
  registerReactiveProcessorHandler(name: string, handler: ProcessorHandler): Promise<boolean> {
    return this.guard(() => this.processors.runtime.registerHandler(name, handler));
  }

  /** Stop processor `name` and delete its registration and checkpoint (dead letters stay). */
  deleteReactiveProcessor(name: string): Promise<void> {
    return this.guard(() => this.processors.runtime.remove(name));
  }

  /** Every registered processor: options, enabled, checkpoint, and whether it runs here. */
  listReactiveProcessors(
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorInfo[]> {
    return this.guard(() => this.processors.runtime.list(consistency));
  }

  /** In-memory counters and timestamps of processor `name`, or `undefined` when it does not run here. */
  reactiveProcessorRuntimeStatus(name: string): ReactiveProcessorRuntimeStatus | undefined {
    if (this.closed) throw new ClosedError('the database is closed');
    return this.processors.runtime.runtimeStatus(name);
  }

  // ---------------------------------------------------------------- health and SLOs

  /** Lag, stall time, state (running / paused / failing / stalled / stopped), last error, counters. */
  reactiveProcessorHealth(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorHealth> {
    return this.guard(() => this.processors.health.health(name, consistency));
  }

  /** The SLO checks (`maxAllowedLagCommits`, `maxAllowedStallMs`) of processor `name`. */
  reactiveProcessorSloStatus(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorSloStatus> {
    return this.guard(() => this.processors.health.slo(name, consistency));
  }

  /** The SLO checks of every registered processor. */
  listReactiveProcessorSloStatuses(
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorSloStatus[]> {
    return this.guard(() => this.processors.health.listSlo(consistency));
  }

  /**
   * Resolve with every SLO status, or reject with `UnavailableError` (code `UNAVAILABLE`)
   * naming each enabled processor in breach and why (for readiness probes).
   */
  enforceReactiveProcessorSlos(
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<ReactiveProcessorSloStatus[]> {
    return this.guard(() => this.processors.health.enforce(consistency));
  }

  // ---------------------------------------------------------------- dead letters

  /** Dead letters of processor `name`, in (commitSeq, eventKey) order (default 100 per page). */
  listReactiveProcessorDeadLetters(
    name: string,
    options: DeadLetterListOptions = {},
  ): Promise<DeadLetterPage> {
    return this.guard(() => {
      validateProcessorName(name);
      return this.processors.deadLetters.list(name, options, 100, options.consistency);
    });
  }

  /**
   * Call the handler attached here with matching dead letters (default up to 1,000), never
   * during a delivery of the processor. Accepted ones are removed (with `ctx.commit`, in the
   * same commit as the handler's effects); failing ones stay with `attempts` + 1.
   */
  replayReactiveProcessorDeadLetters(
    name: string,
    filter: DeadLetterFilter = {},
  ): Promise<DeadLetterReplayReport> {
    return this.guard(() => this.processors.replayer.replay(name, filter));
  }

  /** Delete matching dead letters of processor `name` (default up to 10,000); resolves how many. */
  purgeReactiveProcessorDeadLetters(name: string, filter: DeadLetterFilter = {}): Promise<number> {
    return this.guard(() => this.processors.replayer.purge(name, filter));
  }

  // ---------------------------------------------------------------- exactly-once primitives

  /**
   * Commit `mutations` and the checkpoint `checkpointSeq` of `processorId` in one commit
   * (exactly-once effects). When the checkpoint is already there or beyond, the effects were
   * committed before: nothing is written and the outcome is `'duplicate'`.
   *
   * @example
   * ```ts
   * const pulled = await db.processorPull('hand_settled', 'points', 100);
   * const mutations = pulled.events.map((e) => ({ type: 'kvSet' as const, projectId: 'casino', scopeId: 'app', key: e.eventKey, value: 'seen' }));
   * await db.processorCommit('points', pulled.nextCheckpointSeq, mutations);
   * ```
   */
  processorCommit(
    processorId: string,
    checkpointSeq: number,
    mutations: readonly Mutation[],
  ): Promise<ProcessorCommitResult> {
    return this.guard(() =>
      this.processors.committer.commit(processorId, checkpointSeq, mutations),
    );
  }

  /** Up to `maxCount` events of topic `eventName` after the persisted checkpoint of `processorId`. */
  processorPull(
    eventName: string,
    processorId: string,
    maxCount: number,
  ): Promise<ProcessorPullResult> {
    return this.guard(() => this.processors.committer.pull(eventName, processorId, maxCount));
  }

  /** A {@link ProcessorContext}: pull, read, buffer writes/accumulators/events, commit with the checkpoint. */
  processorContext(
    projectId: string,
    scopeId: string,
    processorId: string,
    sourceEvent: string,
  ): ProcessorContext {
    validateProcessorName(processorId);
    return this.processors.context(projectId, scopeId, processorId, sourceEvent);
  }

  /** Commit keyed-state effects and events of one scope atomically; data errors resolve as `'rejected'`. */
  commitEffectBatch(
    projectId: string,
    scopeId: string,
    batch: EffectBatch,
  ): Promise<EffectBatchResult> {
    return this.guard(() =>
      commitEffectBatch((m) => this.commitMany(m), projectId, scopeId, batch),
    );
  }

  // ---------------------------------------------------------------- keyed state

  /** The row of a single-column-key table with key `key`. */
  keyedStateRead(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<Row | undefined> {
    return this.guard(() =>
      this.processors.keyed.read(projectId, scopeId, tableName, key, consistency),
    );
  }

  /** One column of that row (`undefined` when the row is missing). */
  keyedStateReadField(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    field: string,
  ): Promise<Value | undefined> {
    return this.guard(() =>
      this.processors.keyed.readField(projectId, scopeId, tableName, key, field),
    );
  }

  /** Upsert a row of a single-column-key table. */
  keyedStateWrite(
    projectId: string,
    scopeId: string,
    tableName: string,
    row: Row,
  ): Promise<CommitResult> {
    return this.guard(() => this.processors.keyed.write(projectId, scopeId, tableName, row));
  }

  /** Read-modify-write one row (`updater` returns the next row, or `undefined` to delete it). */
  keyedStateUpdate(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    updater: KeyedStateUpdater,
  ): Promise<KeyedStateUpdateResult> {
    return this.guard(() =>
      this.processors.keyed.update(projectId, scopeId, tableName, key, updater),
    );
  }

  /** Delete a row by key. */
  keyedStateDelete(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
  ): Promise<CommitResult> {
    return this.guard(() => this.processors.keyed.delete(projectId, scopeId, tableName, key));
  }

  /** Rows in the order of an index, optionally those equal to a prefix of its columns. */
  keyedStateQueryIndex(
    projectId: string,
    scopeId: string,
    tableName: string,
    request: KeyedStateIndexQuery,
  ): Promise<KeyedStateIndexPage> {
    return this.guard(() =>
      this.processors.keyed.queryIndex(projectId, scopeId, tableName, request),
    );
  }

  /** The 0-based rank of the row with `key` in index order, or `undefined` when missing. */
  keyedStateIndexRank(
    projectId: string,
    scopeId: string,
    tableName: string,
    indexName: string,
    key: KeyedStateKey,
    order: 'asc' | 'desc' = 'asc',
  ): Promise<number | undefined> {
    return this.guard(() =>
      this.processors.keyed.indexRank(projectId, scopeId, tableName, indexName, key, order),
    );
  }

  // ---------------------------------------------------------------- retention

  /**
   * Remove old events from the outbox per `policy` (max age and/or keep-last; by default
   * never past the lowest processor checkpoint).
   *
   * @example
   * ```ts
   * await db.compactEvents({ maxAgeMs: 7 * 24 * 3600_000, keepLast: 100_000 });
   * ```
   */
  compactEvents(policy: EventRetentionPolicy): Promise<EventCompactionReport> {
    return this.guard(() => this.processors.retention.compact(policy));
  }

  // ---------------------------------------------------------------- engine hooks

  /** Run a processor call as a Promise: CLOSED once closed, a synchronous throw rejects. */
  private guard<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError('the database is closed'));
    return attempt(fn);
  }

  /** Stop every processor gracefully (batches in flight finish, checkpoints are persisted). */
  protected override async beforeClose(): Promise<void> {
    await this.processors.runtime.shutdown();
  }

  /** While `close()` waits for processor handlers in flight, they (and others) may still call in. */
  protected override admitsCallWhileClosing(): boolean {
    return this.processors.runtime.draining;
  }
}
