/**
 * A point-in-time view of the engine's counters (`db.operationalMetrics()`).
 * Counters are cumulative since open; averages are over all samples since open.
 */
export interface OperationalMetrics {
  /** Commits that applied (got a seq). */
  readonly commitsTotal: number;
  /** Commits rejected (validation, conflict, backpressure, I/O...). */
  readonly commitErrors: number;
  /** Commits rejected by `Backpressure`. */
  readonly backpressureRejections: number;
  /** Commits submitted and not yet resolved. */
  readonly queueDepth: number;
  /** Estimated bytes of those commits. */
  readonly queuedBytes: number;
  /** Group-commit batches applied. */
  readonly batchesTotal: number;
  /** Average commits per batch. */
  readonly avgBatchCommits: number;
  readonly visibleHeadSeq: number;
  readonly durableHeadSeq: number;
  /** `visibleHeadSeq - durableHeadSeq`. */
  readonly durableHeadLag: number;
  /** Average submit-to-resolve latency. */
  readonly avgCommitLatencyMicros: number;
  readonly walAppendBytes: number;
  readonly walAppendOps: number;
  readonly walSyncOps: number;
  readonly avgWalSyncMicros: number;
  readonly checkpointsWritten: number;
  readonly lastCheckpointSeq: number;
  readonly lastCheckpointDurationMs: number;
  readonly lastCheckpointLongestSliceMs: number;
  readonly startupRecoveryMicros: number;
  readonly startupRecoveredSeq: number;
  /** Rough heap bytes held by the data (keys, values, tree nodes). */
  readonly estimatedMemoryBytes: number;
}

/** The mutable counters behind {@link OperationalMetrics}. @internal */
export class MetricsRecorder {
  commitsTotal = 0;
  commitErrors = 0;
  backpressureRejections = 0;
  batchesTotal = 0;
  commitLatencyMicrosTotal = 0;
  commitLatencySamples = 0;
  walAppendBytes = 0;
  walAppendOps = 0;
  walSyncOps = 0;
  walSyncMicrosTotal = 0;
  checkpointsWritten = 0;
  lastCheckpointSeq = 0;
  lastCheckpointDurationMs = 0;
  lastCheckpointLongestSliceMs = 0;
  startupRecoveryMicros = 0;
  startupRecoveredSeq = 0;
}
