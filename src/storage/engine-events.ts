/** What a committed group-commit batch touched: a table or a scope's KV space. */
export interface TouchedObject {
  readonly projectId: string;
  readonly scopeId: string;
  /** The table name, or `undefined` for the scope's KV space. */
  readonly tableName?: string;
}

/** One event per group-commit batch that became visible (`db.commits$`). */
export interface CommitBatchEvent {
  /** First and last commit seq of the batch (contiguous). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Number of commits in the batch. */
  readonly commits: number;
  /** WAL payload bytes of the batch. */
  readonly bytes: number;
  /** Tables and KV spaces written by the batch (catalog-only commits touch nothing). */
  readonly touched: readonly TouchedObject[];
  /** Event topics emitted by the batch (may include a topic of a commit that rolled back). */
  readonly topics: readonly string[];
}

/** The durable head advanced (`db.durable$`). */
export interface DurableEvent {
  readonly durableHeadSeq: number;
}

/** A checkpoint was written (`db.checkpoints$`). */
export interface CheckpointEvent {
  readonly seq: number;
  readonly file: string;
  readonly bytes: number;
  readonly entries: number;
  readonly durationMs: number;
  /** Longest synchronous slice the writer held the event loop for. */
  readonly longestSliceMs: number;
}
