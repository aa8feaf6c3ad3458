import * as fs from 'node:fs';
import * as path from 'node:path';
import { Subject, type Observable } from 'rxjs';
import type {
  AlterTableOp,
  CreateIndexOp,
  CreateTableOp,
  DdlOperation,
  DropIndexOp,
  DropTableOp,
} from './catalog/ddl-operation';
import { CommitPipeline } from './commit/commit-pipeline';
import type { CommitFinality, CommitOptions, CommitResult } from './commit/commit-request';
import { resolveConfig, type AedbConfig, type AedbConfigInput } from './config';
import { DirLock } from './dir-lock';
import type { CheckpointEvent, CommitBatchEvent, DurableEvent } from './engine-events';
import { ClosedError, IoError, ValidationError, describeError, type AedbError } from './errors';
import { MetricsRecorder, type OperationalMetrics } from './operational-metrics';
import { MUTATION_TYPES, type KvKey, type KvValue, type Mutation } from './mutation';
import type { Query } from './query/query';
import type { QueryResult } from './query/query-executor';
import { Checkpointer } from './recovery/checkpointer';
import { dataPaths, recover, type Recovered } from './recovery/recover';
import type { RecoveryReport } from './recovery/recovery-report';
import { planMutations, preflightResult, readsToRanges } from './commit/preflight';
import type { PreflightPlan, PreflightResult } from './commit/preflight';
import type { ReadSet } from './commit/read-set';
import { tableLayout } from './commit/table-layout';
import {
  normalizeEnvelope,
  type NormalizedEnvelope,
  type TransactionEnvelope,
} from './commit/transaction-envelope';
import { counterRead } from './numerics/counter-read';
import { KvTransaction, type KvTransactionOptions } from './transactions/kv-transaction';
import { StripeLocks } from './transactions/stripe-locks';
import type { Expr } from './query/expr';
import type { EventQuery, EventQueryResult, EventStreamPage } from './events/event-stream';
import type { Row, TableSchema } from './schema';
import {
  Snapshot,
  type KvEntry,
  type KvRange,
  type KvScanOptions,
  type KvScanPage,
} from './snapshot';
import type { DbState } from './state/db-state';
import { SnapshotHistory } from './state/snapshot-history';
import { describeValue } from './values/normalize-value';
import type { WalWriter } from './wal/wal-writer';

/**
 * Which state a read sees.
 * - `'atLatest'` (default): the newest visible commit.
 * - `'atCheckpoint'`: the state of the last checkpoint.
 * - `{ atSeq: n }`: exactly the state after commit `n` (recent seqs only; older ones fail with
 *   `SNAPSHOT_TOO_OLD`).
 */
export type ConsistencyMode = 'atLatest' | 'atCheckpoint' | { readonly atSeq: number };

/** Read options. */
export interface ReadOptions {
  readonly consistency?: ConsistencyMode;
}

/** What `open` hands to the constructor. @internal */
export interface EngineCore {
  readonly dir: string;
  readonly config: AedbConfig;
  readonly lock: DirLock;
  readonly recovered: Recovered;
}

/** An envelope plus its finality, for `commitActionEnvelope`. */
export interface ActionEnvelopeRequest extends TransactionEnvelope {
  readonly finality?: CommitFinality;
}

/** What `commitActionEnvelope` returns. */
export interface ActionCommitResult {
  readonly commitSeq: number;
  readonly durableHeadSeq: number;
  /** `'duplicate'`: an idempotent retry; nothing applied and `commitSeq` is the original's. */
  readonly outcome: 'applied' | 'duplicate';
}

/** The visible and durable heads. */
export interface HeadState {
  readonly visibleHeadSeq: number;
  readonly durableHeadSeq: number;
}

/**
 * The storage engine: typed tables and a byte-keyed KV store under `project -> scope`, with
 * atomic commits on a write-ahead log, checkpoints, crash recovery and snapshot reads.
 *
 * Applications use {@link AedbInstance}, which extends it with the event-processing runtime;
 * everything documented here is available on it. The engine never depends on the layers built
 * on top of it (DESIGN.md §2).
 */
export class StorageEngine {
  private readonly commitsSubject = new Subject<CommitBatchEvent>();
  private readonly durableSubject = new Subject<DurableEvent>();
  private readonly checkpointsSubject = new Subject<CheckpointEvent>();
  private readonly errorsSubject = new Subject<AedbError>();
  private closing: Promise<void> | null = null;
  /** Set once `beforeClose` is done: from then on every call fails with CLOSED. */
  private shuttingDown = false;
  private isClosed = false;

  /** One event per group-commit batch that became visible. */
  readonly commits$: Observable<CommitBatchEvent> = this.commitsSubject.asObservable();
  /** The durable head advanced. */
  readonly durable$: Observable<DurableEvent> = this.durableSubject.asObservable();
  /** A checkpoint was written. */
  readonly checkpoints$: Observable<CheckpointEvent> = this.checkpointsSubject.asObservable();
  /** Errors of background work (automatic checkpoints); they never reject a caller's Promise. */
  readonly errors$: Observable<AedbError> = this.errorsSubject.asObservable();

  private readonly pipeline: CommitPipeline;
  private readonly checkpointer: Checkpointer;
  /** Key locks of `transaction()`. @internal */
  readonly stripeLocks = new StripeLocks();
  /** The data directory (absolute). */
  readonly dir: string;
  /** The resolved, frozen configuration. */
  readonly config: AedbConfig;
  /** What recovery found and did at open. */
  readonly recoveryReport: RecoveryReport;
  private readonly lock: DirLock;
  private readonly wal: WalWriter;
  private readonly history: SnapshotHistory;
  private readonly metrics: MetricsRecorder;

  /**
   * Use {@link StorageEngine.open} (or `AedbInstance.open`); the constructor only wires parts
   * that `open` recovered.
   * @internal
   */
  constructor(core: EngineCore) {
    this.dir = core.dir;
    this.config = core.config;
    this.recoveryReport = core.recovered.report;
    this.lock = core.lock;
    this.wal = core.recovered.wal;
    this.metrics = new MetricsRecorder();
    const report = core.recovered.report;
    this.metrics.startupRecoveryMicros = Math.round(report.durationMs * 1000);
    this.metrics.startupRecoveredSeq = report.recoveredSeq;
    if (report.checkpoint !== undefined) this.metrics.lastCheckpointSeq = report.checkpoint.seq;
    this.history = new SnapshotHistory(
      core.recovered.state,
      core.config.snapshotRetention,
      core.recovered.checkpointState,
    );
    this.pipeline = new CommitPipeline({
      config: core.config,
      working: core.recovered.working,
      wal: this.wal,
      history: this.history,
      metrics: this.metrics,
      recoveredSeq: report.recoveredSeq,
      onVisible: (e) => this.onVisible(e),
      onDurable: (seq) => this.durableSubject.next({ durableHeadSeq: seq }),
    });
    const paths = dataPaths(this.dir);
    this.checkpointer = new Checkpointer({
      config: this.config,
      checkpointDir: paths.checkpoints,
      walDir: paths.wal,
      pipeline: this.pipeline,
      history: this.history,
      metrics: this.metrics,
      lastCheckpointSeq: report.checkpoint?.seq ?? 0,
      onCheckpoint: (e) => this.checkpointsSubject.next(e),
      onError: (e) => this.errorsSubject.next(e),
    });
  }

  /**
   * Open (or create) the database in `dir`: take the directory lock, recover from the newest
   * valid checkpoint plus the WAL, and start the commit pipeline and checkpoint actor.
   * Rejects with `ConfigError` for a bad option, `LockedError` when another instance holds the
   * directory, `CorruptionError` when strict recovery finds damage.
   */
  static async open<T extends StorageEngine>(
    this: new (core: EngineCore) => T,
    dir: string,
    config: AedbConfigInput = {},
  ): Promise<T> {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new ValidationError(`open: expected a data directory path, got ${typeof dir}`);
    }
    const resolved = resolveConfig(config);
    const absolute = path.resolve(dir);
    try {
      fs.mkdirSync(absolute, { recursive: true });
    } catch (err) {
      throw new IoError(`cannot create data directory ${absolute}: ${describeError(err)}`, {
        dir: absolute,
      });
    }
    const { lock } = DirLock.acquire(absolute);
    try {
      const recovered = await recover(absolute, resolved);
      return new this({ dir: absolute, config: resolved, lock, recovered });
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  // ---------------------------------------------------------------- writes

  /** Commit one mutation. Resolves per `finality` (default `'durable'`). */
  commit(mutation: Mutation, options: CommitOptions = {}): Promise<CommitResult> {
    return this.submit([mutation], options);
  }

  /** Commit several mutations atomically: all of them apply, or none. */
  commitMany(mutations: readonly Mutation[], options: CommitOptions = {}): Promise<CommitResult> {
    if (!Array.isArray(mutations) || mutations.length === 0) {
      return Promise.reject(
        new ValidationError('commitMany: expected a non-empty array of mutations'),
      );
    }
    return this.submit(mutations, options);
  }

  /** Commit a schema change. */
  ddl(op: DdlOperation, options: CommitOptions = {}): Promise<CommitResult> {
    return this.submit([{ type: 'ddl', op }], options);
  }

  createProject(projectId: string, options: { ifNotExists?: boolean } = {}): Promise<CommitResult> {
    return this.ddl({ type: 'createProject', projectId, ifNotExists: options.ifNotExists });
  }

  dropProject(projectId: string, options: { ifExists?: boolean } = {}): Promise<CommitResult> {
    return this.ddl({ type: 'dropProject', projectId, ifExists: options.ifExists });
  }

  createScope(
    projectId: string,
    scopeId: string,
    options: { ifNotExists?: boolean } = {},
  ): Promise<CommitResult> {
    return this.ddl({ type: 'createScope', projectId, scopeId, ifNotExists: options.ifNotExists });
  }

  dropScope(
    projectId: string,
    scopeId: string,
    options: { ifExists?: boolean } = {},
  ): Promise<CommitResult> {
    return this.ddl({ type: 'dropScope', projectId, scopeId, ifExists: options.ifExists });
  }

  createTable(op: Omit<CreateTableOp, 'type'>): Promise<CommitResult> {
    return this.ddl({ ...op, type: 'createTable' });
  }

  alterTable(op: Omit<AlterTableOp, 'type'>): Promise<CommitResult> {
    return this.ddl({ ...op, type: 'alterTable' });
  }

  dropTable(op: Omit<DropTableOp, 'type'>): Promise<CommitResult> {
    return this.ddl({ ...op, type: 'dropTable' });
  }

  createIndex(op: Omit<CreateIndexOp, 'type'>): Promise<CommitResult> {
    return this.ddl({ ...op, type: 'createIndex' });
  }

  dropIndex(op: Omit<DropIndexOp, 'type'>): Promise<CommitResult> {
    return this.ddl({ ...op, type: 'dropIndex' });
  }

  /** Set a KV entry (a `kvSet` commit). */
  kvSet(
    projectId: string,
    scopeId: string,
    key: KvKey,
    value: KvValue,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    return this.submit([{ type: 'kvSet', projectId, scopeId, key, value }], options);
  }

  /** Delete a KV entry (a `kvDel` commit; a missing key is not an error). */
  kvDel(
    projectId: string,
    scopeId: string,
    key: KvKey,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    return this.submit([{ type: 'kvDel', projectId, scopeId, key }], options);
  }

  /**
   * Emit an event (an `emitEvent` commit). To emit it atomically with other writes, put an
   * `emitEvent` mutation in their `commitMany`.
   */
  emitEvent(
    projectId: string,
    scopeId: string,
    topic: string,
    eventKey: string,
    payloadJson: string,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    return this.submit(
      [{ type: 'emitEvent', projectId, scopeId, topic, eventKey, payloadJson }],
      options,
    );
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Commit a transaction envelope: its read set is validated against `baseSeq`, its assertions
   * are checked, then its mutations apply — all on the exact state the commit applies to, or
   * nothing applies (`CONFLICT`, `ASSERTION_FAILED`, or the mutation's error).
   */
  commitEnvelope(
    envelope: TransactionEnvelope,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    const closed = this.ensureOpen();
    if (closed !== undefined) return closed;
    let normalized: ReturnType<typeof normalizeEnvelope>;
    try {
      normalized = normalizeEnvelope(envelope);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.submit(normalized.mutations, options, normalized.envelope);
  }

  /**
   * Commit an envelope and say whether it applied or was an idempotent duplicate (then
   * `commitSeq` is the original commit's and nothing applied).
   */
  async commitActionEnvelope(request: ActionEnvelopeRequest): Promise<ActionCommitResult> {
    // A malformed request is rejected by commitEnvelope; only read `finality` off an object.
    const finality = request !== null && typeof request === 'object' ? request.finality : undefined;
    const result = await this.commitEnvelope(request, { finality });
    return {
      commitSeq: result.commitSeq,
      durableHeadSeq: result.durableHeadSeq,
      outcome: result.idempotency ?? 'applied',
    };
  }

  /**
   * Run a query and return, with its result, the read set that protects it: commit an envelope
   * with this read set and `baseSeq`, and the commit fails with `CONFLICT` if anything the query
   * read (including rows it would now find) changed meanwhile.
   */
  queryCapturingReadSet(
    projectId: string,
    scopeId: string,
    query: Query,
    options: ReadOptions = {},
  ): Promise<{ result: QueryResult; readSet: ReadSet; baseSeq: number }> {
    return this.read(() => {
      const snap = this.snapshot(readConsistency(options));
      const { result, reads, table } = snap.queryCapturing(projectId, scopeId, query);
      return {
        result,
        readSet: { ranges: readsToRanges(tableLayout(table), reads) },
        baseSeq: snap.seq,
      };
    });
  }

  /** Whether `mutation` would apply now (advisory: the state may change before a commit). */
  preflight(mutation: Mutation): Promise<PreflightResult> {
    return this.read(() => {
      const { plan, error } = planMutations(this.stateFor('atLatest'), [mutation], this.config);
      return preflightResult(plan, error);
    });
  }

  /** The full advisory plan of `mutations`: validity, read set, base seq, affected rows, errors. */
  preflightPlan(mutations: Mutation | readonly Mutation[]): Promise<PreflightPlan> {
    return this.read(
      () =>
        planMutations(
          this.stateFor('atLatest'),
          Array.isArray(mutations) ? mutations : [mutations as Mutation],
          this.config,
        ).plan,
    );
  }

  /**
   * Commit `mutation` with the read set of its preflight: if what it read changed before it
   * applies, it fails with `CONFLICT` instead of overwriting.
   */
  commitWithPreflight(mutation: Mutation, options: CommitOptions = {}): Promise<CommitResult> {
    const closed = this.ensureOpen();
    if (closed !== undefined) return closed;
    const { plan, error } = planMutations(this.stateFor('atLatest'), [mutation], this.config);
    if (!plan.valid)
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    return this.commitEnvelope(
      { readSet: plan.readSet, baseSeq: plan.baseSeq, writeIntent: plan.writeIntent },
      options,
    );
  }

  /** Set columns on the rows matching `where` (at most `limit`), atomically. */
  updateWhere(
    projectId: string,
    scopeId: string,
    tableName: string,
    where: Expr,
    set: Row,
    options: CommitOptions & { readonly limit?: number } = {},
  ): Promise<CommitResult> {
    return this.submit(
      [{ type: 'updateWhere', projectId, scopeId, tableName, where, set, limit: options.limit }],
      options,
    );
  }

  /** Delete the rows matching `where` (at most `limit`), atomically. */
  deleteWhere(
    projectId: string,
    scopeId: string,
    tableName: string,
    where: Expr,
    options: CommitOptions & { readonly limit?: number } = {},
  ): Promise<CommitResult> {
    return this.submit(
      [{ type: 'deleteWhere', projectId, scopeId, tableName, where, limit: options.limit }],
      options,
    );
  }

  /**
   * Upsert `row` only if the row with its primary key is still at `expectedVersion` (0: it must
   * not exist); otherwise `CONFLICT` and nothing changes.
   */
  compareAndSwap(
    projectId: string,
    scopeId: string,
    tableName: string,
    row: Row,
    expectedVersion: number,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    const closed = this.ensureOpen();
    if (closed !== undefined) return closed;
    let primaryKey: Record<string, unknown>;
    try {
      const table = this.stateFor('atLatest').catalog.requireTable(projectId, scopeId, tableName);
      primaryKey = Object.fromEntries(table.primaryKey.map((c) => [c, (row as Row | null)?.[c]]));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.commitEnvelope(
      {
        readSet: {
          points: [
            { type: 'row', projectId, scopeId, tableName, primaryKey, version: expectedVersion },
          ],
        },
        writeIntent: { mutations: [{ type: 'upsert', projectId, scopeId, tableName, row }] },
      },
      options,
    );
  }

  /**
   * Set a KV entry only if it is still at `expectedVersion` (0: it must not exist); otherwise
   * `CONFLICT` and nothing changes.
   */
  kvCompareAndSwap(
    projectId: string,
    scopeId: string,
    key: KvKey,
    value: KvValue,
    expectedVersion: number,
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    return this.commitEnvelope(
      {
        readSet: { points: [{ type: 'kv', projectId, scopeId, key, version: expectedVersion }] },
        writeIntent: { mutations: [{ type: 'kvSet', projectId, scopeId, key, value }] },
      },
      options,
    );
  }

  /**
   * An azoth-style transaction over one scope's KV space with typed values: requirements are
   * checked and `execute` runs under per-key stripe locks, and the writes and logged events
   * commit atomically in one envelope (see {@link KvTransaction}).
   */
  transaction(
    projectId: string,
    scopeId: string,
    options: KvTransactionOptions = {},
  ): KvTransaction {
    this.assertOpen();
    return new KvTransaction(this, projectId, scopeId, options);
  }

  /** The total of a sharded counter written with `counterAdd` (missing shards count as 0). */
  counterRead(
    projectId: string,
    scopeId: string,
    key: KvKey,
    shardCount: number,
    options: ReadOptions = {},
  ): Promise<bigint> {
    return this.read(() =>
      counterRead(this.stateFor(readConsistency(options)), projectId, scopeId, key, shardCount),
    );
  }

  // ---------------------------------------------------------------- reads

  /**
   * A synchronous read view at the given consistency (default: latest visible). O(1).
   * Hot read paths use it to avoid a Promise per read.
   */
  snapshot(consistency: ConsistencyMode = 'atLatest'): Snapshot {
    return new Snapshot(this.stateFor(consistency), false, this.config.maxKvKeyBytes);
  }

  /** The seq a read at `consistency` would see. */
  snapshotProbe(consistency: ConsistencyMode = 'atLatest'): Promise<number> {
    return this.read(() => this.stateFor(consistency).seq);
  }

  kvGet(
    projectId: string,
    scopeId: string,
    key: KvKey,
    options: ReadOptions = {},
  ): Promise<KvEntry | undefined> {
    return this.read(() => this.snapshot(readConsistency(options)).kvGet(projectId, scopeId, key));
  }

  kvScanPrefix(
    projectId: string,
    scopeId: string,
    prefix: KvKey,
    options: KvScanOptions & ReadOptions = {},
  ): Promise<KvScanPage> {
    return this.read(() =>
      this.snapshot(readConsistency(options)).kvScanPrefix(projectId, scopeId, prefix, options),
    );
  }

  kvScanRange(
    projectId: string,
    scopeId: string,
    range: KvRange,
    options: KvScanOptions & ReadOptions = {},
  ): Promise<KvScanPage> {
    return this.read(() =>
      this.snapshot(readConsistency(options)).kvScanRange(projectId, scopeId, range, options),
    );
  }

  /** Run a query at the latest visible state. */
  query(projectId: string, scopeId: string, query: Query): Promise<QueryResult> {
    return this.read(() => this.snapshot().query(projectId, scopeId, query));
  }

  /** Run a query at the chosen consistency. */
  queryWithOptions(
    projectId: string,
    scopeId: string,
    query: Query,
    options: ReadOptions = {},
  ): Promise<QueryResult> {
    return this.read(() =>
      this.snapshot(readConsistency(options)).query(projectId, scopeId, query),
    );
  }

  /**
   * Events after `fromSeqExclusive` (of one topic when `topicFilter` is given; the topic index
   * is used then), at most `limit` except that a page never splits a commit.
   */
  readEventStream(
    topicFilter: string | undefined,
    fromSeqExclusive: number,
    limit: number,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<EventStreamPage> {
    return this.read(() =>
      this.snapshot(consistency).readEventStream(topicFilter, fromSeqExclusive, limit),
    );
  }

  /** Events filtered by topic, scope, seq and time range and top-level payload fields. */
  queryEvents(
    query: EventQuery,
    consistency: ConsistencyMode = 'atLatest',
  ): Promise<EventQueryResult> {
    return this.read(() => this.snapshot(consistency).queryEvents(query));
  }

  listProjects(options: ReadOptions = {}): Promise<string[]> {
    return this.read(() => this.snapshot(readConsistency(options)).listProjects());
  }

  listScopes(projectId: string, options: ReadOptions = {}): Promise<string[]> {
    return this.read(() => this.snapshot(readConsistency(options)).listScopes(projectId));
  }

  listTables(projectId: string, scopeId: string, options: ReadOptions = {}): Promise<string[]> {
    return this.read(() => this.snapshot(readConsistency(options)).listTables(projectId, scopeId));
  }

  describeTable(
    projectId: string,
    scopeId: string,
    tableName: string,
    options: ReadOptions = {},
  ): Promise<TableSchema> {
    return this.read(() =>
      this.snapshot(readConsistency(options)).describeTable(projectId, scopeId, tableName),
    );
  }

  projectExists(projectId: string, options: ReadOptions = {}): Promise<boolean> {
    return this.read(() => this.snapshot(readConsistency(options)).projectExists(projectId));
  }

  scopeExists(projectId: string, scopeId: string, options: ReadOptions = {}): Promise<boolean> {
    return this.read(() => this.snapshot(readConsistency(options)).scopeExists(projectId, scopeId));
  }

  tableExists(
    projectId: string,
    scopeId: string,
    tableName: string,
    options: ReadOptions = {},
  ): Promise<boolean> {
    return this.read(() =>
      this.snapshot(readConsistency(options)).tableExists(projectId, scopeId, tableName),
    );
  }

  // ---------------------------------------------------------------- durability & operations

  /** Resolves once `seq` is durable (per the durability mode). */
  waitForDurable(seq: number): Promise<number> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(
        new ValidationError(
          `waitForDurable: expected a non-negative integer seq, got ${describeValue(seq)}`,
        ),
      );
    }
    return this.ensureOpen() ?? this.pipeline.waitForDurable(seq);
  }

  /**
   * Resolves once `seq` is visible to readers. After a `CONFLICT` in `full` mode, the commit
   * that won may not be visible yet (it becomes visible after its fsync): wait for the
   * conflict's `details.actualVersion` before re-reading, or the retry reads the old value.
   */
  waitForVisible(seq: number): Promise<number> {
    return this.ensureOpen() ?? this.pipeline.waitForVisible(seq);
  }

  /** Fsync the WAL now, in any durability mode. Resolves with the synced head seq. */
  forceFsync(): Promise<number> {
    return this.ensureOpen() ?? this.pipeline.forceFsync();
  }

  /** The visible and durable heads. */
  headState(): HeadState {
    this.assertOpen();
    return {
      visibleHeadSeq: this.pipeline.visibleHeadSeq,
      durableHeadSeq: this.pipeline.durableHeadSeq,
    };
  }

  /**
   * Write a checkpoint now (does not block commits or reads). Resolves with the checkpoint, or
   * `undefined` when nothing was committed since the last one.
   */
  checkpointNow(): Promise<CheckpointEvent | undefined> {
    return this.ensureOpen() ?? this.checkpointer.checkpointNow();
  }

  /** Counters and gauges of the engine. */
  operationalMetrics(): OperationalMetrics {
    this.assertOpen();
    const m = this.metrics;
    const p = this.pipeline;
    return {
      commitsTotal: m.commitsTotal,
      commitErrors: m.commitErrors,
      backpressureRejections: m.backpressureRejections,
      queueDepth: p.queueDepth,
      queuedBytes: p.queuedBytes,
      batchesTotal: m.batchesTotal,
      avgBatchCommits: m.batchesTotal === 0 ? 0 : m.commitsTotal / m.batchesTotal,
      visibleHeadSeq: p.visibleHeadSeq,
      durableHeadSeq: p.durableHeadSeq,
      durableHeadLag: Math.max(0, p.visibleHeadSeq - p.durableHeadSeq),
      avgCommitLatencyMicros:
        m.commitLatencySamples === 0 ? 0 : m.commitLatencyMicrosTotal / m.commitLatencySamples,
      walAppendBytes: m.walAppendBytes,
      walAppendOps: m.walAppendOps,
      walSyncOps: m.walSyncOps,
      avgWalSyncMicros: m.walSyncOps === 0 ? 0 : m.walSyncMicrosTotal / m.walSyncOps,
      checkpointsWritten: m.checkpointsWritten,
      lastCheckpointSeq: m.lastCheckpointSeq,
      lastCheckpointDurationMs: m.lastCheckpointDurationMs,
      lastCheckpointLongestSliceMs: m.lastCheckpointLongestSliceMs,
      startupRecoveryMicros: m.startupRecoveryMicros,
      startupRecoveredSeq: m.startupRecoveredSeq,
      estimatedMemoryBytes: this.history.latest.dataBytes,
    };
  }

  /** Whether `close()` has completed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Drain queued commits, fsync, write a final checkpoint (unless `checkpointOnClose` is off or
   * the instance failed), stop the actors and release the directory lock. Idempotent; every
   * call afterwards fails with `CLOSED`.
   */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.doClose();
    return this.closing;
  }

  /**
   * Called first by `close()`, while the engine still accepts commits: subclasses stop what
   * they run on top of the engine (the processor runtime drains its batches here).
   */
  protected async beforeClose(): Promise<void> {
    // Nothing runs on top of the bare storage engine.
  }

  private async doClose(): Promise<void> {
    try {
      try {
        await this.beforeClose();
      } finally {
        this.shuttingDown = true;
      }
      await this.checkpointer.stop(false);
      await this.pipeline.close();
      if (this.config.checkpointOnClose && this.pipeline.failedWith === null) {
        try {
          await this.checkpointer.checkpointNow();
        } catch (err) {
          // The WAL holds everything; a failed final checkpoint only makes the next open slower.
          this.errorsSubject.next(
            err instanceof IoError
              ? err
              : new IoError(`final checkpoint failed: ${describeError(err)}`),
          );
        }
      }
      await this.wal.close().catch(() => undefined);
    } finally {
      this.lock.release();
      this.isClosed = true;
      this.commitsSubject.complete();
      this.durableSubject.complete();
      this.checkpointsSubject.complete();
      this.errorsSubject.complete();
    }
  }

  private submit(
    mutations: readonly Mutation[],
    options: CommitOptions,
    envelope?: NormalizedEnvelope,
  ): Promise<CommitResult> {
    const closed = this.ensureOpen();
    if (closed !== undefined) return closed;
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      return Promise.reject(
        new ValidationError(
          `commit options: expected an object { finality? }, got ${describeValue(options)}`,
        ),
      );
    }
    const finality = options?.finality === undefined ? 'durable' : options.finality;
    if (finality !== 'durable' && finality !== 'visible') {
      return Promise.reject(
        new ValidationError(
          `commit options.finality: expected 'durable' or 'visible', got ${describeValue(finality)}`,
        ),
      );
    }
    for (const m of mutations) {
      if (m === null || typeof m !== 'object' || !MUTATION_TYPES.includes(m.type)) {
        return Promise.reject(
          new ValidationError(
            `mutation: expected an object whose type is one of ${MUTATION_TYPES.join(', ')}, got ${
              m === null || typeof m !== 'object'
                ? describeValue(m)
                : describeValue((m as { type?: unknown }).type)
            }`,
          ),
        );
      }
    }
    return this.pipeline.submit(mutations, finality, false, envelope);
  }

  /**
   * A read view that may also read the reserved `_system` project (processor checkpoints,
   * registry, dead letters) for layers built on the engine.
   * @internal
   */
  protected systemSnapshot(consistency: ConsistencyMode = 'atLatest'): Snapshot {
    if (this.isClosed || this.shuttingDown) throw new ClosedError('the database is closed');
    return new Snapshot(this.stateFor(consistency, true), true, this.config.maxKvKeyBytes);
  }

  /**
   * Commit on behalf of a layer built on the engine (the processor runtime): may write the
   * reserved `_system` project, and keeps working while `beforeClose` drains that layer, after
   * user calls are already refused.
   * @internal
   */
  protected commitInternal(
    mutations: readonly Mutation[],
    finality: CommitFinality = 'durable',
  ): Promise<CommitResult> {
    if (this.isClosed || this.shuttingDown) {
      return Promise.reject(new ClosedError('the database is closed'));
    }
    return this.pipeline.submit(mutations, finality, true);
  }

  private onVisible(event: CommitBatchEvent): void {
    this.checkpointer?.noteBatch(event.commits, event.bytes);
    this.commitsSubject.next(event);
  }

  private stateFor(consistency: ConsistencyMode, internal = false): DbState {
    if (!internal) this.assertOpen();
    if (consistency === 'atLatest') return this.history.latest;
    if (consistency === 'atCheckpoint') return this.history.checkpointState;
    if (consistency !== null && typeof consistency === 'object' && 'atSeq' in consistency) {
      const seq: unknown = consistency.atSeq;
      if (!Number.isSafeInteger(seq) || (seq as number) < 0) {
        throw new ValidationError(
          `atSeq: expected a non-negative integer seq, got ${describeValue(seq)}`,
        );
      }
      return this.history.at(seq as number);
    }
    throw new ValidationError(
      `consistency: expected 'atLatest', 'atCheckpoint' or { atSeq: n }, got ${describeValue(consistency)}`,
    );
  }

  private assertOpen(): void {
    if (this.refusesCalls()) throw new ClosedError('the database is closed');
  }

  /** Closed, or closing and the caller is not one that `beforeClose` is draining. */
  private refusesCalls(): boolean {
    return (
      this.isClosed ||
      (this.closing !== null && (this.shuttingDown || !this.admitsCallWhileClosing()))
    );
  }

  /**
   * Whether a call made now may still run while `close()` is in `beforeClose` (otherwise calls
   * are refused with CLOSED as soon as `close()` starts). `AedbInstance` admits calls while
   * processor handlers it lets finish there are still running, so that they can complete.
   */
  protected admitsCallWhileClosing(): boolean {
    return false;
  }

  /** Run a synchronous read as a Promise: a thrown error becomes a rejection. */
  private read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private ensureOpen(): Promise<never> | undefined {
    if (this.refusesCalls()) {
      return Promise.reject(new ClosedError('the database is closed'));
    }
    return undefined;
  }
}

function readConsistency(options: ReadOptions | undefined): ConsistencyMode {
  if (options === null || (options !== undefined && typeof options !== 'object')) {
    throw new ValidationError('read options: expected an object { consistency? }');
  }
  // Only an absent consistency means the default: `null` is a malformed option, not "latest".
  return options?.consistency === undefined ? 'atLatest' : options.consistency;
}
