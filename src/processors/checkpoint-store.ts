import type { CommitResult } from '../storage/commit/commit-request';
import { ValidationError } from '../storage/errors';
import type { Mutation } from '../storage/mutation';
import type { ConsistencyMode } from '../storage/storage-engine';
import {
  KeyedSerializer,
  checkSeq,
  nowMicros,
  systemDelete,
  systemRow,
  systemUpsert,
  type ProcessorEngine,
} from './processor-engine';
import { validateProcessorName } from './reactive-processor-options';
import { describeValue } from '../storage/values/normalize-value';

const TABLE = 'reactive_processor_checkpoints';

/** A processor's durable position in the event log. */
export interface ReactiveProcessorCheckpoint {
  readonly processorName: string;
  /** Every event of the commits up to this seq has been handled. 0 when never acknowledged. */
  readonly checkpointSeq: number;
  /** When it was last written (epoch microseconds); 0 when never. */
  readonly updatedAtMicros: number;
}

/** The outcome of an acknowledgement. */
export interface CheckpointAckResult {
  readonly processorName: string;
  /** Whether this call wrote the checkpoint (an ack never moves it backwards). */
  readonly persisted: boolean;
  /** The persisted checkpoint after the call. */
  readonly checkpointSeq: number;
}

/** The outcome of a commit of effects together with a checkpoint. */
export interface ProcessorCommitResult {
  /** `'duplicate'` when the checkpoint was already at or past the seq: nothing was written. */
  readonly outcome: 'applied' | 'duplicate';
  /** The commit's seq (`undefined` for a duplicate). */
  readonly commitSeq: number | undefined;
  /** The persisted checkpoint after the call. */
  readonly checkpointSeq: number;
}

/**
 * Durable processor checkpoints in `_system.app.reactive_processor_checkpoints`.
 *
 * Every write for one processor goes through one queue, and the cached position is updated
 * only after its commit succeeded; the database directory lock makes this process the only
 * writer, so the cache is authoritative once loaded. Acks never move a checkpoint backwards
 * (use {@link CheckpointStore.reset} for that).
 */
export class CheckpointStore {
  /** Persisted checkpoint per processor; `null` = known to have none. */
  private readonly cache = new Map<string, ReactiveProcessorCheckpoint | null>();
  private readonly serial = new KeyedSerializer();

  constructor(private readonly engine: ProcessorEngine) {}

  /** The persisted checkpoint at `consistency` (`undefined` when the processor has none). */
  get(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): ReactiveProcessorCheckpoint | undefined {
    if (consistency === 'atLatest') {
      const cached = this.cache.get(name);
      if (cached !== undefined) return cached ?? undefined;
    }
    const row = systemRow(this.engine.systemSnapshot(consistency), TABLE, 'processor_name', name);
    const record =
      row === undefined
        ? undefined
        : {
            processorName: name,
            checkpointSeq: row.checkpoint_seq as number,
            updatedAtMicros: row.updated_at_micros as number,
          };
    if (consistency === 'atLatest') this.cache.set(name, record ?? null);
    return record;
  }

  /** The persisted checkpoint seq (0 when none). */
  seq(name: string): number {
    return this.get(name)?.checkpointSeq ?? 0;
  }

  /** Persist `seq` unless the checkpoint is already there or beyond. */
  ack(name: string, seq: number): Promise<CheckpointAckResult> {
    return this.ackBatched(name, seq, 1);
  }

  /** Persist `seq` only when it is at least `watermarkCommits` past the persisted checkpoint. */
  ackBatched(name: string, seq: number, watermarkCommits: number): Promise<CheckpointAckResult> {
    validateProcessorName(name);
    checkSeq(`checkpoint of '${name}'`, seq);
    if (!Number.isSafeInteger(watermarkCommits) || watermarkCommits < 1) {
      throw new ValidationError(
        `checkpoint of '${name}' watermarkCommits: expected a positive integer, got ${describeValue(watermarkCommits)}`,
        { processorName: name },
      );
    }
    return this.serial.run(name, async () => {
      const current = this.seq(name);
      if (seq - current < watermarkCommits) {
        return { processorName: name, persisted: false, checkpointSeq: current };
      }
      this.checkHead(name, seq);
      await this.writeWith(name, seq, []);
      return { processorName: name, persisted: true, checkpointSeq: seq };
    });
  }

  /** Set the checkpoint to `seq`, also backwards (the events after it are delivered again). */
  reset(name: string, seq: number): Promise<ReactiveProcessorCheckpoint> {
    validateProcessorName(name);
    checkSeq(`checkpoint of '${name}'`, seq);
    return this.serial.run(name, async () => {
      this.checkHead(name, seq);
      return (await this.writeWith(name, seq, [])).record;
    });
  }

  /**
   * Exactly-once effects: commit `mutations` and the checkpoint `seq` in one commit, unless the
   * checkpoint is already at or past `seq` (the effects were committed before).
   */
  commitEffects(
    name: string,
    seq: number,
    mutations: readonly Mutation[],
  ): Promise<ProcessorCommitResult> {
    return this.serial.run(name, async () => {
      const current = this.seq(name);
      if (current >= seq)
        return { outcome: 'duplicate', commitSeq: undefined, checkpointSeq: current };
      this.checkHead(name, seq);
      const { result } = await this.writeWith(name, seq, mutations);
      return { outcome: 'applied', commitSeq: result.commitSeq, checkpointSeq: seq };
    });
  }

  /** Commit `mutations` and advance the checkpoint to `seq` (never backwards) in one commit. */
  commitAdvance(
    name: string,
    seq: number,
    mutations: readonly Mutation[],
  ): Promise<ProcessorCommitResult> {
    return this.serial.run(name, async () => {
      const target = Math.max(this.seq(name), seq);
      const { result } = await this.writeWith(name, target, mutations);
      return { outcome: 'applied', commitSeq: result.commitSeq, checkpointSeq: target };
    });
  }

  /**
   * Commit `mutations` (a registration) and, when the processor has no checkpoint yet, its
   * initial checkpoint `initialSeq()` in the same commit. Resolves with the checkpoint.
   */
  commitInitial(
    name: string,
    initialSeq: () => number,
    mutations: readonly Mutation[],
  ): Promise<number> {
    return this.serial.run(name, async () => {
      const existing = this.get(name);
      if (existing !== undefined) {
        if (mutations.length > 0) await this.engine.commitInternal(mutations);
        return existing.checkpointSeq;
      }
      const seq = initialSeq();
      this.checkHead(name, seq);
      await this.writeWith(name, seq, mutations);
      return seq;
    });
  }

  /** Delete the checkpoint, together with `mutations`. */
  remove(name: string, mutations: readonly Mutation[]): Promise<void> {
    return this.serial.run(name, async () => {
      await this.engine.commitInternal([
        ...mutations,
        systemDelete(TABLE, { processor_name: name }),
      ]);
      this.cache.set(name, null);
    });
  }

  private async writeWith(
    name: string,
    seq: number,
    mutations: readonly Mutation[],
  ): Promise<{ result: CommitResult; record: ReactiveProcessorCheckpoint }> {
    const record = { processorName: name, checkpointSeq: seq, updatedAtMicros: nowMicros() };
    const result = await this.engine.commitInternal([
      ...mutations,
      systemUpsert(TABLE, {
        processor_name: name,
        checkpoint_seq: seq,
        updated_at_micros: record.updatedAtMicros,
      }),
    ]);
    this.cache.set(name, record);
    return { result, record };
  }

  private checkHead(name: string, seq: number): void {
    const head = this.engine.systemSnapshot().seq;
    if (seq > head) {
      throw new ValidationError(
        `checkpoint of '${name}': seq ${seq} is beyond the visible head ${head}`,
        { processorName: name, seq, head },
      );
    }
  }
}
