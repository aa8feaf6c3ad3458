import type { Observable } from 'rxjs';
import type { AedbInstance } from '../aedb-instance';
import type {
  CheckpointAckResult,
  ProcessorCommitResult,
  ReactiveProcessorCheckpoint,
} from '../processors/checkpoint-store';
import type { DeadLetterReplayReport } from '../processors/dead-letter-replay';
import type {
  DeadLetterFilter,
  DeadLetterListOptions,
  DeadLetterPage,
} from '../processors/dead-letter-store';
import type { EffectBatch, EffectBatchResult } from '../processors/effect-batch';
import type { EventCompactionReport, EventRetentionPolicy } from '../processors/event-retention';
import type {
  KeyedStateIndexPage,
  KeyedStateIndexQuery,
  KeyedStateKey,
  KeyedStateUpdateResult,
  KeyedStateUpdater,
} from '../processors/keyed-state';
import type { ProcessorPullResult } from '../processors/processor-commit';
import type { ProcessorContext } from '../processors/processor-context';
import type {
  ProcessorHandler,
  ReactiveProcessorErrorEvent,
} from '../processors/processor-handler';
import type {
  ReactiveProcessorHealth,
  ReactiveProcessorLag,
  ReactiveProcessorSloStatus,
} from '../processors/processor-health';
import type { ReactiveProcessorInfo } from '../processors/processor-runtime';
import type { ReactiveProcessorOptions } from '../processors/reactive-processor-options';
import type { ReactiveProcessorRuntimeStatus } from '../processors/runner-stats';
import type {
  AlterTableOp,
  CreateIndexOp,
  CreateTableOp,
  DdlOperation,
  DropIndexOp,
  DropTableOp,
} from '../storage/catalog/ddl-operation';
import type { CommitOptions, CommitResult } from '../storage/commit/commit-request';
import type { PreflightPlan, PreflightResult } from '../storage/commit/preflight';
import type { ReadSet } from '../storage/commit/read-set';
import type { TransactionEnvelope } from '../storage/commit/transaction-envelope';
import type { AedbConfig } from '../storage/config';
import type { CheckpointEvent, CommitBatchEvent, DurableEvent } from '../storage/engine-events';
import type { AedbError } from '../storage/errors';
import type { EventQuery, EventQueryResult, EventStreamPage } from '../storage/events/event-stream';
import type { KvKey, KvValue, Mutation } from '../storage/mutation';
import type { OperationalMetrics } from '../storage/operational-metrics';
import type { Expr } from '../storage/query/expr';
import type { Query } from '../storage/query/query';
import type { QueryResult } from '../storage/query/query-executor';
import type { RecoveryReport } from '../storage/recovery/recovery-report';
import type { Row, TableSchema, Value } from '../storage/schema';
import type { KvEntry, KvRange, KvScanOptions, KvScanPage, Snapshot } from '../storage/snapshot';
import type {
  ActionCommitResult,
  ActionEnvelopeRequest,
  ConsistencyMode,
  HeadState,
  ReadOptions,
} from '../storage/storage-engine';
import type { KvTransaction, KvTransactionOptions } from '../storage/transactions/kv-transaction';

/**
 * The injectable facade over one open {@link AedbInstance}: every public engine call, typed,
 * delegating to the instance (`db`). Inject it by class for the default instance, or with
 * `@InjectAedb(name)` for a named one. The module owns the instance's lifecycle (it opens it
 * before the application starts and closes it at shutdown), so there is no `close()` here; use
 * `db` for anything the facade does not cover.
 *
 * Semantics are the engine's, documented in `docs/concepts.md` (data model, commits, reads),
 * `docs/transactions.md` (envelopes, numerics, idempotency), `docs/durability.md` and
 * `docs/processors.md` (reactive processors).
 *
 * @example
 * ```ts
 * @Injectable()
 * export class WalletService {
 *   constructor(private readonly aedb: AedbService) {}
 *
 *   async balance(user: string): Promise<bigint> {
 *     const entry = await this.aedb.kvGet('casino', 'app', `balance/${user}`);
 *     return entry === undefined ? 0n : decodeU64(entry.value);
 *   }
 * }
 * ```
 * @publicApi
 */
export class AedbService {
  /**
   * @param db the open instance (the module constructs the service; you never need to)
   * @param name the instance name (`'default'` unless `AedbModule.forRoot({ name })`)
   */
  constructor(
    readonly db: AedbInstance,
    readonly name: string,
  ) {}

  // ------------------------------------------------------------------ instance state

  /** The data directory (absolute). */
  get dir(): string {
    return this.db.dir;
  }

  /** The resolved, frozen engine configuration. */
  get config(): AedbConfig {
    return this.db.config;
  }

  /** What crash recovery found and did when the instance opened. See `docs/durability.md`. */
  get recoveryReport(): RecoveryReport {
    return this.db.recoveryReport;
  }

  /** Whether the instance is closed (after application shutdown). */
  get closed(): boolean {
    return this.db.closed;
  }

  /** One event per group-commit batch that became visible. */
  get commits$(): Observable<CommitBatchEvent> {
    return this.db.commits$;
  }

  /** The durable head advanced. */
  get durable$(): Observable<DurableEvent> {
    return this.db.durable$;
  }

  /** A checkpoint was written. */
  get checkpoints$(): Observable<CheckpointEvent> {
    return this.db.checkpoints$;
  }

  /** Errors of background work (automatic checkpoints). */
  get errors$(): Observable<AedbError> {
    return this.db.errors$;
  }

  /** Every reactive processor error (the module logs them too). */
  get processorErrors$(): Observable<ReactiveProcessorErrorEvent> {
    return this.db.processorErrors$;
  }

  // ------------------------------------------------------------------ commits (docs/concepts.md#commits)

  /** Commit one mutation. {@link AedbInstance.commit} */
  commit(mutation: Mutation, options?: CommitOptions): Promise<CommitResult> {
    return this.db.commit(mutation, options);
  }

  /** Commit several mutations atomically: all or none. {@link AedbInstance.commitMany} */
  commitMany(mutations: readonly Mutation[], options?: CommitOptions): Promise<CommitResult> {
    return this.db.commitMany(mutations, options);
  }

  /** Set a KV entry. {@link AedbInstance.kvSet} */
  kvSet(
    projectId: string,
    scopeId: string,
    key: KvKey,
    value: KvValue,
    options?: CommitOptions,
  ): Promise<CommitResult> {
    return this.db.kvSet(projectId, scopeId, key, value, options);
  }

  /** Delete a KV entry (missing: no-op). {@link AedbInstance.kvDel} */
  kvDel(
    projectId: string,
    scopeId: string,
    key: KvKey,
    options?: CommitOptions,
  ): Promise<CommitResult> {
    return this.db.kvDel(projectId, scopeId, key, options);
  }

  /** Emit an event (alone; use an `emitEvent` mutation to emit atomically with other writes). */
  emitEvent(
    projectId: string,
    scopeId: string,
    topic: string,
    eventKey: string,
    payloadJson: string,
    options?: CommitOptions,
  ): Promise<CommitResult> {
    return this.db.emitEvent(projectId, scopeId, topic, eventKey, payloadJson, options);
  }

  /** Set columns on the rows matching `where`, atomically. {@link AedbInstance.updateWhere} */
  updateWhere(
    projectId: string,
    scopeId: string,
    tableName: string,
    where: Expr,
    set: Row,
    options?: CommitOptions & { readonly limit?: number },
  ): Promise<CommitResult> {
    return this.db.updateWhere(projectId, scopeId, tableName, where, set, options);
  }

  /** Delete the rows matching `where`, atomically. {@link AedbInstance.deleteWhere} */
  deleteWhere(
    projectId: string,
    scopeId: string,
    tableName: string,
    where: Expr,
    options?: CommitOptions & { readonly limit?: number },
  ): Promise<CommitResult> {
    return this.db.deleteWhere(projectId, scopeId, tableName, where, options);
  }

  // ------------------------------------------------------------------ schema (docs/concepts.md#namespaces)

  /** Commit a schema change. {@link AedbInstance.ddl} */
  ddl(op: DdlOperation, options?: CommitOptions): Promise<CommitResult> {
    return this.db.ddl(op, options);
  }

  /** Create a project. */
  createProject(projectId: string, options?: { ifNotExists?: boolean }): Promise<CommitResult> {
    return this.db.createProject(projectId, options);
  }

  /** Drop a project and everything in it. */
  dropProject(projectId: string, options?: { ifExists?: boolean }): Promise<CommitResult> {
    return this.db.dropProject(projectId, options);
  }

  /** Create a scope in a project. */
  createScope(
    projectId: string,
    scopeId: string,
    options?: { ifNotExists?: boolean },
  ): Promise<CommitResult> {
    return this.db.createScope(projectId, scopeId, options);
  }

  /** Drop a scope and everything in it. */
  dropScope(
    projectId: string,
    scopeId: string,
    options?: { ifExists?: boolean },
  ): Promise<CommitResult> {
    return this.db.dropScope(projectId, scopeId, options);
  }

  /** Create a table (`docs/concepts.md#types`). */
  createTable(op: Omit<CreateTableOp, 'type'>): Promise<CommitResult> {
    return this.db.createTable(op);
  }

  /** Rename, add or drop columns (never rewrites rows). */
  alterTable(op: Omit<AlterTableOp, 'type'>): Promise<CommitResult> {
    return this.db.alterTable(op);
  }

  /** Drop a table. */
  dropTable(op: Omit<DropTableOp, 'type'>): Promise<CommitResult> {
    return this.db.dropTable(op);
  }

  /** Create a secondary index (built inside its commit). */
  createIndex(op: Omit<CreateIndexOp, 'type'>): Promise<CommitResult> {
    return this.db.createIndex(op);
  }

  /** Drop a secondary index. */
  dropIndex(op: Omit<DropIndexOp, 'type'>): Promise<CommitResult> {
    return this.db.dropIndex(op);
  }

  // ------------------------------------------------------------------ transactions (docs/transactions.md)

  /** Commit a transaction envelope (read set, assertions, mutations). {@link AedbInstance.commitEnvelope} */
  commitEnvelope(envelope: TransactionEnvelope, options?: CommitOptions): Promise<CommitResult> {
    return this.db.commitEnvelope(envelope, options);
  }

  /** Commit an envelope; says whether it applied or was an idempotent duplicate. */
  commitActionEnvelope(request: ActionEnvelopeRequest): Promise<ActionCommitResult> {
    return this.db.commitActionEnvelope(request);
  }

  /** Run a query and return the read set that protects it. {@link AedbInstance.queryCapturingReadSet} */
  queryCapturingReadSet(
    projectId: string,
    scopeId: string,
    query: Query,
    options?: ReadOptions,
  ): Promise<{ result: QueryResult; readSet: ReadSet; baseSeq: number }> {
    return this.db.queryCapturingReadSet(projectId, scopeId, query, options);
  }

  /** Whether `mutation` would apply now (advisory). {@link AedbInstance.preflight} */
  preflight(mutation: Mutation): Promise<PreflightResult> {
    return this.db.preflight(mutation);
  }

  /** The full advisory plan of `mutations`. {@link AedbInstance.preflightPlan} */
  preflightPlan(mutations: Mutation | readonly Mutation[]): Promise<PreflightPlan> {
    return this.db.preflightPlan(mutations);
  }

  /** Commit with the read set of its preflight (stale: `CONFLICT`). */
  commitWithPreflight(mutation: Mutation, options?: CommitOptions): Promise<CommitResult> {
    return this.db.commitWithPreflight(mutation, options);
  }

  /** Upsert `row` only at `expectedVersion` (0: must not exist). {@link AedbInstance.compareAndSwap} */
  compareAndSwap(
    projectId: string,
    scopeId: string,
    tableName: string,
    row: Row,
    expectedVersion: number,
    options?: CommitOptions,
  ): Promise<CommitResult> {
    return this.db.compareAndSwap(projectId, scopeId, tableName, row, expectedVersion, options);
  }

  /** Set a KV entry only at `expectedVersion` (0: must not exist). */
  kvCompareAndSwap(
    projectId: string,
    scopeId: string,
    key: KvKey,
    value: KvValue,
    expectedVersion: number,
    options?: CommitOptions,
  ): Promise<CommitResult> {
    return this.db.kvCompareAndSwap(projectId, scopeId, key, value, expectedVersion, options);
  }

  /** An azoth-style KV transaction with typed values and key locks. {@link AedbInstance.transaction} */
  transaction(projectId: string, scopeId: string, options?: KvTransactionOptions): KvTransaction {
    return this.db.transaction(projectId, scopeId, options);
  }

  /** The total of a sharded counter (`counterAdd`). */
  counterRead(
    projectId: string,
    scopeId: string,
    key: KvKey,
    shardCount: number,
    options?: ReadOptions,
  ): Promise<bigint> {
    return this.db.counterRead(projectId, scopeId, key, shardCount, options);
  }

  // ------------------------------------------------------------------ reads (docs/concepts.md#consistency)

  /** A synchronous, O(1) read view. {@link AedbInstance.snapshot} */
  snapshot(consistency?: ConsistencyMode): Snapshot {
    return this.db.snapshot(consistency);
  }

  /** The seq a read at `consistency` would see. */
  snapshotProbe(consistency?: ConsistencyMode): Promise<number> {
    return this.db.snapshotProbe(consistency);
  }

  /** Read one KV entry (`{ key, value, version }`), or `undefined`. */
  kvGet(
    projectId: string,
    scopeId: string,
    key: KvKey,
    options?: ReadOptions,
  ): Promise<KvEntry | undefined> {
    return this.db.kvGet(projectId, scopeId, key, options);
  }

  /** A page of KV entries whose key starts with `prefix`. */
  kvScanPrefix(
    projectId: string,
    scopeId: string,
    prefix: KvKey,
    options?: KvScanOptions & ReadOptions,
  ): Promise<KvScanPage> {
    return this.db.kvScanPrefix(projectId, scopeId, prefix, options);
  }

  /** A page of KV entries in `range`. */
  kvScanRange(
    projectId: string,
    scopeId: string,
    range: KvRange,
    options?: KvScanOptions & ReadOptions,
  ): Promise<KvScanPage> {
    return this.db.kvScanRange(projectId, scopeId, range, options);
  }

  /** Run a query at the latest visible state (`docs/concepts.md#queries`). */
  query(projectId: string, scopeId: string, query: Query): Promise<QueryResult> {
    return this.db.query(projectId, scopeId, query);
  }

  /** Run a query at the chosen consistency. */
  queryWithOptions(
    projectId: string,
    scopeId: string,
    query: Query,
    options?: ReadOptions,
  ): Promise<QueryResult> {
    return this.db.queryWithOptions(projectId, scopeId, query, options);
  }

  /** Events after `fromSeqExclusive`, optionally of one topic. {@link AedbInstance.readEventStream} */
  readEventStream(
    topicFilter: string | undefined,
    fromSeqExclusive: number,
    limit: number,
    consistency?: ConsistencyMode,
  ): Promise<EventStreamPage> {
    return this.db.readEventStream(topicFilter, fromSeqExclusive, limit, consistency);
  }

  /** Events filtered by topic, scope, seq/time range and payload fields. */
  queryEvents(query: EventQuery, consistency?: ConsistencyMode): Promise<EventQueryResult> {
    return this.db.queryEvents(query, consistency);
  }

  /** Every project. */
  listProjects(options?: ReadOptions): Promise<string[]> {
    return this.db.listProjects(options);
  }

  /** The scopes of a project. */
  listScopes(projectId: string, options?: ReadOptions): Promise<string[]> {
    return this.db.listScopes(projectId, options);
  }

  /** The tables of a scope. */
  listTables(projectId: string, scopeId: string, options?: ReadOptions): Promise<string[]> {
    return this.db.listTables(projectId, scopeId, options);
  }

  /** A table's schema. */
  describeTable(
    projectId: string,
    scopeId: string,
    tableName: string,
    options?: ReadOptions,
  ): Promise<TableSchema> {
    return this.db.describeTable(projectId, scopeId, tableName, options);
  }

  /** Whether a project exists. */
  projectExists(projectId: string, options?: ReadOptions): Promise<boolean> {
    return this.db.projectExists(projectId, options);
  }

  /** Whether a scope exists. */
  scopeExists(projectId: string, scopeId: string, options?: ReadOptions): Promise<boolean> {
    return this.db.scopeExists(projectId, scopeId, options);
  }

  /** Whether a table exists. */
  tableExists(
    projectId: string,
    scopeId: string,
    tableName: string,
    options?: ReadOptions,
  ): Promise<boolean> {
    return this.db.tableExists(projectId, scopeId, tableName, options);
  }

  // ------------------------------------------------------------------ durability and operations (docs/durability.md)

  /** Resolves once `seq` is durable. */
  waitForDurable(seq: number): Promise<number> {
    return this.db.waitForDurable(seq);
  }

  /** Resolves once `seq` is visible to readers (see `AedbInstance.waitForVisible`). */
  waitForVisible(seq: number): Promise<number> {
    return this.db.waitForVisible(seq);
  }

  /** Fsync the WAL now, in any durability mode. */
  forceFsync(): Promise<number> {
    return this.db.forceFsync();
  }

  /** The visible and durable heads. */
  headState(): HeadState {
    return this.db.headState();
  }

  /** Write a checkpoint now (never blocks commits or reads). */
  checkpointNow(): Promise<CheckpointEvent | undefined> {
    return this.db.checkpointNow();
  }

  /** Counters and gauges of the engine. */
  operationalMetrics(): OperationalMetrics {
    return this.db.operationalMetrics();
  }

  // ------------------------------------------------------------------ reactive processors (docs/processors.md)
  // Prefer `@ReactiveProcessor()` classes; these calls manage processors by hand.

  /** Register processor `name` durably and run `handler` on its events. {@link AedbInstance.startReactiveProcessor} */
  startReactiveProcessor(
    name: string,
    options: ReactiveProcessorOptions,
    handler: ProcessorHandler,
  ): Promise<void> {
    return this.db.startReactiveProcessor(name, options, handler);
  }

  /** Attach `handler` to a registered processor and resume it from its checkpoint. */
  registerReactiveProcessorHandler(name: string, handler: ProcessorHandler): Promise<boolean> {
    return this.db.registerReactiveProcessorHandler(name, handler);
  }

  /** Stop processor `name` here, gracefully (its registration stays enabled). */
  stopReactiveProcessor(name: string): Promise<void> {
    return this.db.stopReactiveProcessor(name);
  }

  /** Disable processor `name` durably and stop it. */
  pauseReactiveProcessor(name: string): Promise<void> {
    return this.db.pauseReactiveProcessor(name);
  }

  /** Enable processor `name` again; resolves whether it runs now. */
  resumeReactiveProcessor(name: string): Promise<boolean> {
    return this.db.resumeReactiveProcessor(name);
  }

  /** Stop processor `name` and delete its registration and checkpoint. */
  deleteReactiveProcessor(name: string): Promise<void> {
    return this.db.deleteReactiveProcessor(name);
  }

  /** Every registered processor: options, enabled, checkpoint, whether it runs here. */
  listReactiveProcessors(consistency?: ConsistencyMode): Promise<ReactiveProcessorInfo[]> {
    return this.db.listReactiveProcessors(consistency);
  }

  /** In-memory counters of processor `name` (`undefined` when it does not run here). */
  reactiveProcessorRuntimeStatus(name: string): ReactiveProcessorRuntimeStatus | undefined {
    return this.db.reactiveProcessorRuntimeStatus(name);
  }

  /** Persist the checkpoint of processor `name` at `seq` (never backwards). */
  ackReactiveProcessorCheckpoint(name: string, seq: number): Promise<CheckpointAckResult> {
    return this.db.ackReactiveProcessorCheckpoint(name, seq);
  }

  /** Like `ackReactiveProcessorCheckpoint`, writing only every `watermarkCommits` commits. */
  ackReactiveProcessorCheckpointBatched(
    name: string,
    seq: number,
    watermarkCommits: number,
  ): Promise<CheckpointAckResult> {
    return this.db.ackReactiveProcessorCheckpointBatched(name, seq, watermarkCommits);
  }

  /** Set the checkpoint of a stopped processor (backwards too: events are delivered again). */
  resetReactiveProcessorCheckpoint(
    name: string,
    seq: number,
  ): Promise<ReactiveProcessorCheckpoint> {
    return this.db.resetReactiveProcessorCheckpoint(name, seq);
  }

  /** How far processor `name` is behind. */
  reactiveProcessorLag(name: string, consistency?: ConsistencyMode): Promise<ReactiveProcessorLag> {
    return this.db.reactiveProcessorLag(name, consistency);
  }

  /** Lag, stall, state, last error and counters of processor `name`. */
  reactiveProcessorHealth(
    name: string,
    consistency?: ConsistencyMode,
  ): Promise<ReactiveProcessorHealth> {
    return this.db.reactiveProcessorHealth(name, consistency);
  }

  /** The SLO checks of processor `name`. */
  reactiveProcessorSloStatus(
    name: string,
    consistency?: ConsistencyMode,
  ): Promise<ReactiveProcessorSloStatus> {
    return this.db.reactiveProcessorSloStatus(name, consistency);
  }

  /** The SLO checks of every registered processor. */
  listReactiveProcessorSloStatuses(
    consistency?: ConsistencyMode,
  ): Promise<ReactiveProcessorSloStatus[]> {
    return this.db.listReactiveProcessorSloStatuses(consistency);
  }

  /** Every SLO status, or `UNAVAILABLE` naming each processor in breach (readiness probes). */
  enforceReactiveProcessorSlos(
    consistency?: ConsistencyMode,
  ): Promise<ReactiveProcessorSloStatus[]> {
    return this.db.enforceReactiveProcessorSlos(consistency);
  }

  /** Dead letters of processor `name`, paged. */
  listReactiveProcessorDeadLetters(
    name: string,
    options?: DeadLetterListOptions,
  ): Promise<DeadLetterPage> {
    return this.db.listReactiveProcessorDeadLetters(name, options);
  }

  /** Hand matching dead letters to the attached handler again. */
  replayReactiveProcessorDeadLetters(
    name: string,
    filter?: DeadLetterFilter,
  ): Promise<DeadLetterReplayReport> {
    return this.db.replayReactiveProcessorDeadLetters(name, filter);
  }

  /** Delete matching dead letters; resolves how many. */
  purgeReactiveProcessorDeadLetters(name: string, filter?: DeadLetterFilter): Promise<number> {
    return this.db.purgeReactiveProcessorDeadLetters(name, filter);
  }

  /** Commit `mutations` with the checkpoint of `processorId` in one commit (exactly-once). */
  processorCommit(
    processorId: string,
    checkpointSeq: number,
    mutations: readonly Mutation[],
  ): Promise<ProcessorCommitResult> {
    return this.db.processorCommit(processorId, checkpointSeq, mutations);
  }

  /** Up to `maxCount` events of `eventName` after the checkpoint of `processorId`. */
  processorPull(
    eventName: string,
    processorId: string,
    maxCount: number,
  ): Promise<ProcessorPullResult> {
    return this.db.processorPull(eventName, processorId, maxCount);
  }

  /** A pull / buffer / commit-with-checkpoint context for hand-written processors. */
  processorContext(
    projectId: string,
    scopeId: string,
    processorId: string,
    sourceEvent: string,
  ): ProcessorContext {
    return this.db.processorContext(projectId, scopeId, processorId, sourceEvent);
  }

  /** Commit keyed-state effects and events of one scope atomically. */
  commitEffectBatch(
    projectId: string,
    scopeId: string,
    batch: EffectBatch,
  ): Promise<EffectBatchResult> {
    return this.db.commitEffectBatch(projectId, scopeId, batch);
  }

  /** Remove old events from the outbox per `policy`. */
  compactEvents(policy: EventRetentionPolicy): Promise<EventCompactionReport> {
    return this.db.compactEvents(policy);
  }

  // ------------------------------------------------------------------ keyed state (docs/processors.md)

  /** The row with `key` of a single-column-key table. */
  keyedStateRead(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    consistency?: ConsistencyMode,
  ): Promise<Row | undefined> {
    return this.db.keyedStateRead(projectId, scopeId, tableName, key, consistency);
  }

  /** One column of that row. */
  keyedStateReadField(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    field: string,
  ): Promise<Value | undefined> {
    return this.db.keyedStateReadField(projectId, scopeId, tableName, key, field);
  }

  /** Upsert a row of a single-column-key table. */
  keyedStateWrite(
    projectId: string,
    scopeId: string,
    tableName: string,
    row: Row,
  ): Promise<CommitResult> {
    return this.db.keyedStateWrite(projectId, scopeId, tableName, row);
  }

  /** Read-modify-write one row. */
  keyedStateUpdate(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
    updater: KeyedStateUpdater,
  ): Promise<KeyedStateUpdateResult> {
    return this.db.keyedStateUpdate(projectId, scopeId, tableName, key, updater);
  }

  /** Delete a row by key. */
  keyedStateDelete(
    projectId: string,
    scopeId: string,
    tableName: string,
    key: KeyedStateKey,
  ): Promise<CommitResult> {
    return this.db.keyedStateDelete(projectId, scopeId, tableName, key);
  }

  /** Rows in the order of an index. */
  keyedStateQueryIndex(
    projectId: string,
    scopeId: string,
    tableName: string,
    request: KeyedStateIndexQuery,
  ): Promise<KeyedStateIndexPage> {
    return this.db.keyedStateQueryIndex(projectId, scopeId, tableName, request);
  }

  /** The 0-based rank of the row with `key` in index order. */
  keyedStateIndexRank(
    projectId: string,
    scopeId: string,
    tableName: string,
    indexName: string,
    key: KeyedStateKey,
    order?: 'asc' | 'desc',
  ): Promise<number | undefined> {
    return this.db.keyedStateIndexRank(projectId, scopeId, tableName, indexName, key, order);
  }
}
