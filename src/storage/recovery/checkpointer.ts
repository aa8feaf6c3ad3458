import { listCheckpoints, pruneCheckpoints, writeCheckpoint } from '../checkpoint';
import type { CommitPipeline } from '../commit/commit-pipeline';
import type { AedbConfig } from '../config';
import type { CheckpointEvent } from '../engine-events';
import { AedbError, IoError, describeError } from '../errors';
import type { MetricsRecorder } from '../operational-metrics';
import type { SnapshotHistory } from '../state/snapshot-history';
import { removeSegmentsBefore } from '../wal/wal-files';
import { encodeCheckpointMeta } from './checkpoint-meta';

/** Where the checkpoint actor writes and what it reads from. */
export interface CheckpointerDeps {
  readonly config: AedbConfig;
  readonly checkpointDir: string;
  readonly walDir: string;
  readonly pipeline: CommitPipeline;
  readonly history: SnapshotHistory;
  readonly metrics: MetricsRecorder;
  /** The seq of the checkpoint recovery started from (0 for none). */
  readonly lastCheckpointSeq: number;
  readonly onCheckpoint: (event: CheckpointEvent) => void;
  /** Called with the error of a failed automatic checkpoint (it is retried on the next trigger). */
  readonly onError: (err: AedbError) => void;
}

/**
 * The checkpoint actor (DESIGN.md §4.4). A checkpoint is a full image of the state at the
 * durable head, written from an O(1) snapshot in slices that yield to the event loop, so
 * commits and reads keep flowing while it runs. Triggers: WAL bytes, commit count and time
 * since the last checkpoint, and `checkpointNow()`. After a good checkpoint, checkpoints beyond
 * the retention and the WAL segments no retained checkpoint needs are deleted.
 */
export class Checkpointer {
  private running: Promise<CheckpointEvent | undefined> | null = null;
  private lastSeq: number;
  private walBytesSince = 0;
  private commitsSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly abort = { aborted: false };

  constructor(private readonly deps: CheckpointerDeps) {
    this.lastSeq = deps.lastCheckpointSeq;
    if (deps.config.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => this.maybeTrigger(true), deps.config.checkpointIntervalMs);
      // The interval alone must not keep the process alive.
      this.timer.unref();
    }
  }

  /** The seq of the newest checkpoint on disk. */
  get lastCheckpointSeq(): number {
    return this.lastSeq;
  }

  /** Account a visible batch; starts a checkpoint in the background when a threshold is crossed. */
  noteBatch(commits: number, bytes: number): void {
    this.commitsSince += commits;
    this.walBytesSince += bytes;
    this.maybeTrigger(false);
  }

  /**
   * Write a checkpoint of everything committed so far (waits for a running one first).
   * Resolves with the checkpoint written, or `undefined` when nothing changed since the last.
   */
  async checkpointNow(): Promise<CheckpointEvent | undefined> {
    while (this.running !== null) {
      try {
        await this.running;
      } catch {
        // A failed background checkpoint does not stop an explicit one.
      }
    }
    return this.start();
  }

  /** Stop triggering; let a running checkpoint finish (or abort it when `abort` is true). */
  async stop(abort = false): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (abort) this.abort.aborted = true;
    if (this.running !== null) {
      try {
        await this.running;
      } catch {
        // Reported to the caller of that checkpoint already.
      }
    }
  }

  private maybeTrigger(byTime: boolean): void {
    if (this.stopped || this.running !== null) return;
    const { config } = this.deps;
    const due =
      (config.checkpointWalBytes > 0 && this.walBytesSince >= config.checkpointWalBytes) ||
      (config.checkpointCommits > 0 && this.commitsSince >= config.checkpointCommits) ||
      (byTime && this.commitsSince > 0);
    if (!due) return;
    this.start().catch((err: unknown) => {
      this.deps.onError(
        err instanceof AedbError ? err : new IoError(`checkpoint failed: ${describeError(err)}`),
      );
    });
  }

  private start(): Promise<CheckpointEvent | undefined> {
    const run = this.run().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async run(): Promise<CheckpointEvent | undefined> {
    const { config, pipeline, history, metrics } = this.deps;
    await pipeline.forceFsync();
    // Read seq and chain together, synchronously after the sync: they belong to one fsync.
    const seq = Math.min(pipeline.syncedHeadSeq, pipeline.visibleHeadSeq);
    const chainHead = pipeline.syncedChainHead;
    if (seq === this.lastSeq) {
      this.commitsSince = 0;
      this.walBytesSince = 0;
      return undefined;
    }
    const state = history.at(seq);
    const commitsAtStart = this.commitsSince;
    const bytesAtStart = this.walBytesSince;
    const trees = [...state.trees].map(([id, map]) => ({ id, map }));
    const result = await writeCheckpoint(
      this.deps.checkpointDir,
      {
        seq,
        createdAtMicros: Date.now() * 1000,
        chainHead,
        meta: encodeCheckpointMeta({ format: 1, catalog: state.catalog.toPlain() }),
        trees,
      },
      { hmacKey: config.hmacKey, sliceBudgetMs: config.checkpointSliceMs, signal: this.abort },
    );
    this.lastSeq = seq;
    this.commitsSince = Math.max(0, this.commitsSince - commitsAtStart);
    this.walBytesSince = Math.max(0, this.walBytesSince - bytesAtStart);
    history.setCheckpoint(state);
    await pruneCheckpoints(this.deps.checkpointDir, config.checkpointRetention);
    const retained = await listCheckpoints(this.deps.checkpointDir);
    const oldest = retained.length > 0 ? retained[retained.length - 1].seq : seq;
    // Fallback to the oldest retained checkpoint needs every frame after its seq.
    removeSegmentsBefore(this.deps.walDir, oldest);
    metrics.checkpointsWritten++;
    metrics.lastCheckpointSeq = seq;
    metrics.lastCheckpointDurationMs = result.durationMs;
    metrics.lastCheckpointLongestSliceMs = result.longestSliceMs;
    const event: CheckpointEvent = {
      seq,
      file: result.file,
      bytes: result.bytes,
      entries: result.entries,
      durationMs: result.durationMs,
      longestSliceMs: result.longestSliceMs,
    };
    this.deps.onCheckpoint(event);
    return event;
  }
}
