import { performance } from 'node:perf_hooks';
import type { AedbConfig } from '../config';
import { ByteWriter } from '../effects/byte-writer';
import type { CommitBatchEvent } from '../engine-events';
import {
  AedbError,
  BackpressureError,
  ClosedError,
  IoError,
  UnavailableError,
  ValidationError,
  describeError,
} from '../errors';
import type { MetricsRecorder } from '../operational-metrics';
import type { Mutation } from '../mutation';
import type { DbState } from '../state/db-state';
import type { SnapshotHistory } from '../state/snapshot-history';
import type { WorkingState } from '../state/working-state';
import type { WalWriter } from '../wal/wal-writer';
import { evaluateAssertions } from '../assertions/evaluate-assertions';
import { applyMutation, type ApplyContext } from './apply-mutation';
import { lookupIdempotency, recordIdempotency } from './idempotency';
import { validateReadSet } from './read-set';
import type { NormalizedEnvelope } from './transaction-envelope';
import {
  estimateBytes,
  type CommitFinality,
  type CommitRequest,
  type CommitResult,
} from './commit-request';
import { describeTouched } from './touched-objects';

const NO_TOPICS: readonly string[] = Object.freeze([]);

/** WAL frame kind of a commit (its payload is a list of effects). */
export const FRAME_KIND_COMMIT = 1;
/** WAL frame kind of a volatile commit: no payload; it only keeps commit seqs contiguous. */
export const FRAME_KIND_VOLATILE = 2;

/** A group-commit batch between apply and acknowledgement. */
interface Batch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly commits: CommitRequest[];
  readonly state: DbState;
  readonly effects: Buffer;
  readonly offsets: number[];
  readonly touchedTrees: readonly string[];
  readonly topics: readonly string[];
}

interface DurableWaiter {
  readonly seq: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: unknown) => void;
}

/** What the pipeline is wired to. */
export interface CommitPipelineDeps {
  readonly config: AedbConfig;
  readonly working: WorkingState;
  readonly wal: WalWriter;
  readonly history: SnapshotHistory;
  readonly metrics: MetricsRecorder;
  /** The seq of the last recovered commit. */
  readonly recoveredSeq: number;
  readonly onVisible: (event: CommitBatchEvent) => void;
  readonly onDurable: (durableHeadSeq: number) => void;
}

/**
 * The commit actor: the single writer of the database (DESIGN.md §4.2).
 *
 * `submit()` enqueues a commit and returns a Promise. Batches form on `setImmediate`, so every
 * commit submitted in the same event-loop turn (and while the previous fsync runs) joins one
 * batch: each commit is applied in order under an undo log (a failure rolls back only that
 * commit), encoded as one WAL frame, and the whole batch is written with one `writeSync`.
 * One fsync at a time covers everything written before it started (group commit); while it
 * runs, later batches keep applying and writing (pipelining).
 *
 * Visibility follows the durability mode: in `full` mode a batch is published to readers only
 * after the fsync that covers it (durable before visible); in `batch` and `os` modes right after
 * the write. A `durable` acknowledgement never precedes the fsync that covers it (`os` mode
 * counts the OS write as durable, which is its documented meaning).
 *
 * A failed write or fsync is fail-stop: the failing batch and everything after it are rejected,
 * nothing of them is acknowledged, and the pipeline refuses writes until the database is
 * reopened and recovery rebuilds the state from what is really on disk.
 */
export class CommitPipeline {
  private readonly config: AedbConfig;
  private readonly working: WorkingState;
  private readonly wal: WalWriter;
  private readonly history: SnapshotHistory;
  private readonly metrics: MetricsRecorder;
  private readonly onVisible: CommitPipelineDeps['onVisible'];
  private readonly onDurable: CommitPipelineDeps['onDurable'];

  private queue: (CommitRequest | undefined)[] = [];
  private head = 0;
  private scheduled = false;
  private nextSeq: number;
  /** Last seq handed to the OS. */
  private writtenSeq: number;
  /** Last seq covered by a completed fsync. */
  private syncedSeq: number;
  /** Last seq acknowledged as durable (per the durability mode). */
  private durableSeq: number;
  /** Batches written but not yet fully acknowledged (full: not yet visible either). */
  private readonly unsynced: Batch[] = [];
  private syncing: Promise<void> | null = null;
  /** WAL chain value at `syncedSeq` (zeros when the chain is off); checkpoints record it. */
  private syncedChain: Buffer;
  /** Bytes handed to the OS since the last fsync started (`batch` mode triggers on it). */
  private unsyncedBytes = 0;
  /** Segment rotation in progress: no batch forms until it completes. */
  private rotating: Promise<void> | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private durableWaiters: DurableWaiter[] = [];
  private visibleWaiters: DurableWaiter[] = [];
  private pendingCount = 0;
  private pendingBytes = 0;
  /**
   * Initial size of the next batch's effects buffer: the last batch's size. Small batches stay
   * below 4 KiB so `Buffer.allocUnsafe` serves them from Node's shared pool (an unpooled
   * allocation per batch measured 17% of a one-commit batch).
   */
  private effectsSizeHint = 512;
  private readonly idempotencyWindow: { readonly commits: number; readonly seconds: number };
  private failure: AedbError | null = null;
  private closed = false;

  constructor(deps: CommitPipelineDeps) {
    this.config = deps.config;
    this.working = deps.working;
    this.wal = deps.wal;
    this.history = deps.history;
    this.metrics = deps.metrics;
    this.onVisible = deps.onVisible;
    this.onDurable = deps.onDurable;
    this.nextSeq = deps.recoveredSeq + 1;
    this.writtenSeq = deps.recoveredSeq;
    this.syncedSeq = deps.recoveredSeq;
    this.durableSeq = deps.recoveredSeq;
    this.syncedChain = deps.wal.chainHead;
    this.idempotencyWindow = {
      commits: deps.config.idempotencyWindowCommits,
      seconds: deps.config.idempotencyWindowSeconds,
    };
  }

  /** The state readers see. */
  get visibleState(): DbState {
    return this.history.latest;
  }

  get visibleHeadSeq(): number {
    return this.history.latest.seq;
  }

  get durableHeadSeq(): number {
    return this.durableSeq;
  }

  /** Last seq covered by a real fsync (differs from `durableHeadSeq` only in `os` mode). */
  get syncedHeadSeq(): number {
    return this.syncedSeq;
  }

  /** WAL chain value at `syncedHeadSeq`. */
  get syncedChainHead(): Buffer {
    return this.syncedChain;
  }

  get queueDepth(): number {
    return this.pendingCount;
  }

  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** The error that stopped the pipeline, if any. */
  get failedWith(): AedbError | null {
    return this.failure;
  }

  /** Enqueue a commit of `mutations` (applied all-or-nothing). */
  submit(
    mutations: readonly Mutation[],
    finality: CommitFinality,
    allowSystem: boolean,
    envelope?: NormalizedEnvelope,
  ): Promise<CommitResult> {
    const refusal = this.refusal();
    if (refusal !== null) {
      this.metrics.commitErrors++;
      return Promise.reject(refusal);
    }
    const bytes = estimateBytes(mutations);
    if (
      this.pendingCount >= this.config.maxQueuedCommits ||
      (this.pendingCount > 0 && this.pendingBytes + bytes > this.config.maxQueuedBytes)
    ) {
      this.metrics.commitErrors++;
      this.metrics.backpressureRejections++;
      return Promise.reject(
        new BackpressureError(
          `commit queue is full (${this.pendingCount} commits, ${this.pendingBytes} bytes pending; ` +
            `limits maxQueuedCommits=${this.config.maxQueuedCommits}, maxQueuedBytes=${this.config.maxQueuedBytes}); retry later`,
          { queueDepth: this.pendingCount, queuedBytes: this.pendingBytes },
        ),
      );
    }
    return new Promise<CommitResult>((resolve, reject) => {
      this.queue.push({
        mutations,
        finality,
        allowSystem,
        envelope,
        ackOnSync: false,
        bytes,
        submittedAt: performance.now(),
        resolve,
        reject,
        seq: 0,
      });
      this.pendingCount++;
      this.pendingBytes += bytes;
      this.schedule();
    });
  }

  /** Resolves with the durable head once `seq` is durable. */
  waitForDurable(seq: number): Promise<number> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(
        new ValidationError(
          `waitForDurable: expected a non-negative integer seq, got ${String(seq)}`,
        ),
      );
    }
    if (seq <= this.durableSeq) return Promise.resolve(this.durableSeq);
    const refusal = this.failure ?? (this.closed ? this.closedError() : null);
    if (refusal !== null) return Promise.reject(refusal);
    return new Promise<number>((resolve, reject) => {
      this.durableWaiters.push({ seq, resolve, reject });
      this.durableWaiters.sort((a, b) => a.seq - b.seq);
      this.armBatchTimer();
    });
  }

  /** Resolves with the visible head once `seq` is visible to readers. */
  waitForVisible(seq: number): Promise<number> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(
        new ValidationError(
          `waitForVisible: expected a non-negative integer seq, got ${String(seq)}`,
        ),
      );
    }
    const visible = this.history.latest.seq;
    if (seq <= visible) return Promise.resolve(visible);
    const refusal = this.failure ?? (this.closed ? this.closedError() : null);
    if (refusal !== null) return Promise.reject(refusal);
    return new Promise<number>((resolve, reject) => {
      this.visibleWaiters.push({ seq, resolve, reject });
      this.visibleWaiters.sort((a, b) => a.seq - b.seq);
    });
  }

  /**
   * Fsync everything written when the call is made, in any durability mode. Resolves with the
   * synced head (which may be further along). Commits written meanwhile do not delay it: the
   * target is fixed at the call, so a continuous stream of writes cannot starve it.
   */
  async forceFsync(): Promise<number> {
    const target = this.writtenSeq;
    for (;;) {
      if (this.failure !== null) throw this.failure;
      if (this.syncedSeq >= target) return this.syncedSeq;
      if (this.rotating !== null) {
        await this.rotating;
        continue;
      }
      if (this.syncing !== null) {
        await this.syncing;
        continue;
      }
      this.startSync();
    }
  }

  /**
   * Stop accepting commits, apply everything queued, fsync it, and settle every Promise.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Apply what is queued now; `closed` only refuses new submissions.
    for (;;) {
      if (this.rotating !== null) await this.rotating;
      if (this.head >= this.queue.length || this.failure !== null) break;
      try {
        this.runBatch();
      } catch (err) {
        this.failStop(err, []);
      }
    }
    if (this.failure === null) {
      try {
        await this.forceFsync();
      } catch {
        // The failure already rejected every pending commit.
      }
    }
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const err = this.failure ?? this.closedError();
    for (const w of this.durableWaiters) w.reject(err);
    this.durableWaiters = [];
    for (const w of this.visibleWaiters) w.reject(err);
    this.visibleWaiters = [];
  }

  private refusal(): AedbError | null {
    if (this.closed) return this.closedError();
    if (this.failure !== null) {
      return new UnavailableError(
        `the database stopped accepting writes after an I/O failure (${this.failure.message}); reopen it to recover`,
        { cause: this.failure.code },
        { cause: this.failure },
      );
    }
    return null;
  }

  private closedError(): ClosedError {
    return new ClosedError('the database is closed');
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.onTurn);
  }

  private readonly onTurn = (): void => {
    this.scheduled = false;
    if (this.head >= this.queue.length || this.rotating !== null) return;
    try {
      this.runBatch();
    } catch (err) {
      // An exception escaping a batch is an engine bug; the working state can no longer be
      // trusted, so stop writing rather than crash the host process from a setImmediate.
      this.failStop(err, []);
    }
    if (this.head < this.queue.length) this.schedule();
  };

  /** Apply one batch from the queue, write it, and hand it to the durability stage. */
  private runBatch(): void {
    if (this.failure !== null) {
      this.rejectQueued(this.refusal() as AedbError);
      return;
    }
    const { config, working, wal } = this;
    const out = new ByteWriter(this.effectsSizeHint);
    const offsets = [0];
    const commits: CommitRequest[] = [];
    const duplicates: { req: CommitRequest; seq: number }[] = [];
    const firstSeq = this.nextSeq;
    const timestampMicros = Date.now() * 1000;
    const ctx: ApplyContext = {
      state: working,
      seq: firstSeq,
      timestampMicros,
      topics: null,
      out,
      config,
      allowSystem: false,
    };
    let economic = false;
    while (
      this.head < this.queue.length &&
      commits.length < config.maxBatchCommits &&
      out.length < config.maxBatchBytes
    ) {
      const req = this.queue[this.head] as CommitRequest;
      const writeClass = req.envelope?.writeClass ?? 'standard';
      // An economic commit is alone in its batch: it ends a batch it cannot start.
      if (writeClass === 'economic' && commits.length > 0) break;
      this.queue[this.head++] = undefined;
      const start = out.length;
      const seq = this.nextSeq;
      ctx.seq = seq;
      ctx.allowSystem = req.allowSystem;
      working.begin();
      let duplicateOf = 0;
      try {
        duplicateOf = this.applyRequest(req, ctx);
      } catch (err) {
        try {
          working.rollback();
        } catch (rollbackErr) {
          this.settleRejected(req, err);
          this.failStop(rollbackErr, commits);
          return;
        }
        out.length = start;
        this.settleRejected(req, err);
        continue;
      }
      if (duplicateOf > 0) {
        working.commitTx(); // a duplicate applied nothing
        duplicates.push({ req, seq: duplicateOf });
        continue;
      }
      working.commitTx();
      req.seq = seq;
      this.nextSeq = seq + 1;
      commits.push(req);
      offsets.push(out.length);
      try {
        if (writeClass === 'volatile') {
          // Effects stay in memory (and in `out` for atSeq reads); the marker keeps seqs contiguous.
          wal.beginFrame(seq, timestampMicros, FRAME_KIND_VOLATILE);
        } else {
          const sink = wal.beginFrame(seq, timestampMicros, FRAME_KIND_COMMIT);
          const at = sink.reserve(out.length - start);
          out.buf.copy(sink.buffer, at, start, out.length);
        }
        wal.endFrame();
      } catch (err) {
        this.failStop(err, commits);
        return;
      }
      if (writeClass === 'economic') {
        economic = true;
        break;
      }
    }
    this.compactQueue();
    if (commits.length > 0) this.finishBatch(commits, firstSeq, out, offsets, ctx, economic);
    // After the batch: a duplicate in it may refer to a commit of this very batch.
    for (const d of duplicates) this.settleDuplicate(d.req, d.seq);
  }

  /**
   * Checks and mutations of one request against the transaction-local state.
   * @returns the original commit seq when the request is an idempotent duplicate, else 0.
   */
  private applyRequest(req: CommitRequest, ctx: ApplyContext): number {
    const { config, working } = this;
    const mutations = req.mutations;
    if (mutations.length > config.maxMutationsPerCommit) {
      throw new ValidationError(
        `commit has ${mutations.length} mutations, above maxMutationsPerCommit (${config.maxMutationsPerCommit})`,
      );
    }
    const env = req.envelope;
    if (env !== undefined) {
      if (env.idempotency !== undefined) {
        const record = lookupIdempotency(
          working,
          env.idempotency.scopedKey,
          ctx.seq - 1,
          ctx.timestampMicros,
          this.idempotencyWindow,
        );
        if (record !== undefined) {
          if (record.fingerprint !== env.idempotency.fingerprint) {
            throw new ValidationError(
              `idempotency key was already used for a different request (applied at seq ${record.commitSeq}); use a new key for a new request`,
              { commitSeq: record.commitSeq },
            );
          }
          return record.commitSeq;
        }
      }
      if (env.readSet !== undefined) {
        validateReadSet(working, env.readSet, env.baseSeq, req.allowSystem);
      }
      if (env.assertions.length > 0) {
        evaluateAssertions(working, env.assertions, {
          snapshotSeq: ctx.seq - 1,
          allowSystem: req.allowSystem,
        });
      }
    }
    const start = ctx.out.length;
    for (let i = 0; i < mutations.length; i++) applyMutation(ctx, mutations[i]);
    if (env?.idempotency !== undefined) {
      recordIdempotency(
        ctx,
        env.idempotency.scopedKey,
        env.idempotency.fingerprint,
        this.idempotencyWindow,
      );
    }
    if (ctx.out.length - start > config.maxTransactionBytes) {
      throw new ValidationError(
        `commit encodes to ${ctx.out.length - start} bytes, above maxTransactionBytes (${config.maxTransactionBytes})`,
      );
    }
    return 0;
  }

  /** Write the batch's frames and hand the batch to the durability stage of its mode. */
  private finishBatch(
    commits: CommitRequest[],
    firstSeq: number,
    out: ByteWriter,
    offsets: number[],
    ctx: ApplyContext,
    economic: boolean,
  ): void {
    const { config, working, wal } = this;
    const lastSeq = this.nextSeq - 1;
    const bytes = wal.pendingBytes;
    try {
      wal.flush();
    } catch (err) {
      this.failStop(err, commits);
      return;
    }
    this.metrics.batchesTotal++;
    this.metrics.commitsTotal += commits.length;
    this.metrics.walAppendOps++;
    this.metrics.walAppendBytes += bytes;
    this.writtenSeq = lastSeq;
    this.unsyncedBytes += bytes;
    if (wal.needsRotation()) this.rotate();
    this.effectsSizeHint = Math.max(256, Math.min(out.length + 64, 1 << 20));
    const mode = config.durabilityMode;
    for (const req of commits) {
      req.ackOnSync =
        mode === 'full' ||
        req.envelope?.writeClass === 'economic' ||
        (mode === 'batch' && req.finality === 'durable');
    }
    const batch: Batch = {
      firstSeq,
      lastSeq,
      commits,
      state: working.publish(lastSeq),
      effects: out.buf.subarray(0, out.length),
      offsets,
      touchedTrees: working.lastPublishedTrees,
      topics: ctx.topics === null ? NO_TOPICS : [...ctx.topics],
    };
    if (mode === 'full') {
      this.unsynced.push(batch);
      this.startSync();
      return;
    }
    this.makeVisible(batch);
    if (mode === 'os') this.durableSeq = lastSeq;
    const now = performance.now();
    let waiting = false;
    for (const req of commits) {
      if (req.ackOnSync) waiting = true;
      else this.settleResolved(req, this.durableSeq, now);
    }
    if (mode === 'os') {
      this.resolveDurableWaiters();
      this.onDurable(lastSeq);
    }
    if (waiting) this.unsynced.push(batch);
    if (economic) this.startSync();
    else if (mode === 'batch') {
      if (this.unsyncedBytes >= config.batchMaxBytes) this.startSync();
      else this.armBatchTimer();
    }
  }

  /** Acknowledge an idempotent retry once its original commit is as final as asked. */
  private settleDuplicate(req: CommitRequest, originalSeq: number): void {
    const settle = (): void => {
      this.pendingCount--;
      this.pendingBytes -= req.bytes;
      req.resolve({
        commitSeq: originalSeq,
        durableHeadSeq: this.durableSeq,
        idempotency: 'duplicate',
      });
    };
    if (req.finality === 'visible' && this.config.durabilityMode !== 'full') {
      settle();
      return;
    }
    this.waitForDurable(originalSeq).then(settle, (err: unknown) => this.settleRejected(req, err));
  }

  /** Start one fsync covering everything written so far (at most one runs at a time). */
  private startSync(): void {
    if (this.syncing !== null || this.failure !== null) return;
    const upto = this.writtenSeq;
    if (upto <= this.syncedSeq) return;
    // Batches are flushed in the same synchronous turn they are encoded in, so no frame is
    // pending here and the writer's chain head is the chain value at `upto`.
    const chain = this.wal.chainHead;
    this.unsyncedBytes = 0;
    const started = performance.now();
    this.syncing = this.wal.sync().then(
      () => {
        this.syncing = null;
        this.metrics.walSyncOps++;
        this.metrics.walSyncMicrosTotal += (performance.now() - started) * 1000;
        this.syncedChain = chain;
        this.onSynced(upto);
        if (this.writtenSeq > this.syncedSeq && this.config.durabilityMode === 'full') {
          this.startSync();
        }
      },
      (err: unknown) => {
        this.syncing = null;
        this.failStop(err, []);
      },
    );
  }

  /** Start a new WAL segment; batches wait until it exists. */
  private rotate(): void {
    this.rotating = this.wal.rotate().then(
      () => {
        this.rotating = null;
        if (this.head < this.queue.length) this.schedule();
      },
      (err: unknown) => {
        this.rotating = null;
        this.failStop(err, []);
      },
    );
  }

  private onSynced(upto: number): void {
    this.syncedSeq = upto;
    const full = this.config.durabilityMode === 'full';
    const now = performance.now();
    while (this.unsynced.length > 0 && this.unsynced[0].lastSeq <= upto) {
      const batch = this.unsynced.shift() as Batch;
      if (full) this.makeVisible(batch);
      for (const req of batch.commits) if (req.ackOnSync) this.settleResolved(req, upto, now);
    }
    if (upto > this.durableSeq) {
      this.durableSeq = upto;
      this.resolveDurableWaiters();
      this.onDurable(upto);
    }
  }

  private makeVisible(batch: Batch): void {
    this.history.push({
      state: batch.state,
      firstSeq: batch.firstSeq,
      effects: batch.effects,
      offsets: batch.offsets,
    });
    if (this.visibleWaiters.length > 0) {
      const waiters = this.visibleWaiters;
      let i = 0;
      while (i < waiters.length && waiters[i].seq <= batch.lastSeq)
        waiters[i++].resolve(batch.lastSeq);
      if (i > 0) this.visibleWaiters = waiters.slice(i);
    }
    this.onVisible({
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      commits: batch.commits.length,
      bytes: batch.offsets[batch.offsets.length - 1],
      touched: describeTouched(batch.state.catalog, batch.touchedTrees),
      topics: batch.topics,
    });
  }

  /** `batch` mode: make sure an fsync happens within `batchIntervalMs` of unsynced data. */
  private armBatchTimer(): void {
    if (this.batchTimer !== null || this.config.durabilityMode !== 'batch') return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.startSync();
      if (this.writtenSeq > this.syncedSeq || this.durableWaiters.length > 0) {
        // Data written after this sync started still needs its own, within the interval.
        void this.syncing?.then(() => {
          if (this.writtenSeq > this.syncedSeq) this.armBatchTimer();
        });
      }
    }, this.config.batchIntervalMs);
  }

  private resolveDurableWaiters(): void {
    let i = 0;
    const waiters = this.durableWaiters;
    while (i < waiters.length && waiters[i].seq <= this.durableSeq) {
      waiters[i].resolve(this.durableSeq);
      i++;
    }
    if (i > 0) this.durableWaiters = waiters.slice(i);
  }

  /** Resolve a commit; `now` is read once per settled batch (the clock is not free). */
  private settleResolved(req: CommitRequest, durableHead: number, now: number): void {
    this.pendingCount--;
    this.pendingBytes -= req.bytes;
    this.metrics.commitLatencyMicrosTotal += (now - req.submittedAt) * 1000;
    this.metrics.commitLatencySamples++;
    req.resolve(
      req.envelope?.idempotency === undefined
        ? { commitSeq: req.seq, durableHeadSeq: durableHead }
        : { commitSeq: req.seq, durableHeadSeq: durableHead, idempotency: 'applied' },
    );
  }

  private settleRejected(req: CommitRequest, err: unknown): void {
    this.pendingCount--;
    this.pendingBytes -= req.bytes;
    this.metrics.commitErrors++;
    req.reject(err);
  }

  private compactQueue(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private rejectQueued(err: AedbError): void {
    while (this.head < this.queue.length) {
      const req = this.queue[this.head] as CommitRequest;
      this.queue[this.head++] = undefined;
      this.settleRejected(req, err);
    }
    this.compactQueue();
  }

  /**
   * Fail-stop after a failed WAL write or fsync: reject everything not yet acknowledged and
   * refuse further writes. Readers keep the last visible state.
   */
  private failStop(err: unknown, current: readonly CommitRequest[]): void {
    if (this.failure !== null) return;
    const failure =
      err instanceof AedbError
        ? err
        : new IoError(`WAL write failed: ${describeError(err)}`, {}, { cause: err });
    this.failure = failure;
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    for (const req of current) this.settleRejected(req, failure);
    for (const batch of this.unsynced) {
      // Commits acknowledged at publish (visible finality outside full mode) are settled already.
      for (const req of batch.commits) if (req.ackOnSync) this.settleRejected(req, failure);
    }
    this.unsynced.length = 0;
    for (const w of this.durableWaiters) w.reject(failure);
    this.durableWaiters = [];
    for (const w of this.visibleWaiters) w.reject(failure);
    this.visibleWaiters = [];
    this.rejectQueued(this.refusal() as AedbError);
  }
}
