import { ValidationError } from '../storage/errors';
import type { OutboxEvent } from '../storage/events/event-stream';
import type { Mutation } from '../storage/mutation';
import type { CheckpointStore, ProcessorCommitResult } from './checkpoint-store';
import { checkSeq, checkUserMutations, type ProcessorEngine } from './processor-engine';
import { validateProcessorName } from './reactive-processor-options';

/** What `processorPull` returns: the events after the processor's checkpoint. */
export interface ProcessorPullResult {
  readonly processorId: string;
  readonly eventName: string;
  /** Events after the checkpoint, in commit order (whole commits). */
  readonly events: OutboxEvent[];
  /** The persisted checkpoint the pull started from. */
  readonly checkpointSeq: number;
  /**
   * The checkpoint that covers these events: pass it to `processorCommit` (the last event's
   * commit seq, or the snapshot seq when the pull reached the end of the log).
   */
  readonly nextCheckpointSeq: number;
  /** Whether more events follow. */
  readonly hasMore: boolean;
  readonly snapshotSeq: number;
}

/**
 * The pull-based, exactly-once processor primitives: `processorPull` reads after the durable
 * checkpoint, `processorCommit` commits effects and the checkpoint in one commit.
 */
export class ProcessorCommitter {
  constructor(
    private readonly engine: ProcessorEngine,
    private readonly checkpoints: CheckpointStore,
  ) {}

  /**
   * Commit `mutations` and the checkpoint `checkpointSeq` of `processorId` in one commit. When
   * the checkpoint is already at or past `checkpointSeq` the effects were committed before (a
   * redelivery): nothing is written and the outcome is `'duplicate'`. Mutations may not target
   * `_system`.
   */
  commit(
    processorId: string,
    checkpointSeq: number,
    mutations: readonly Mutation[],
  ): Promise<ProcessorCommitResult> {
    validateProcessorName(processorId);
    checkSeq(`processorCommit '${processorId}' checkpointSeq`, checkpointSeq);
    checkUserMutations(`processorCommit '${processorId}'`, mutations);
    return this.checkpoints.commitEffects(processorId, checkpointSeq, mutations);
  }

  /** Up to `maxCount` events of topic `eventName` after the checkpoint of `processorId`. */
  pull(eventName: string, processorId: string, maxCount: number): ProcessorPullResult {
    validateProcessorName(processorId);
    if (typeof eventName !== 'string') {
      throw new ValidationError(
        `processorPull eventName: expected a topic string, got ${typeof eventName}`,
      );
    }
    const checkpointSeq = this.checkpoints.seq(processorId);
    const snap = this.engine.systemSnapshot();
    const page = snap.readEventStream(eventName, checkpointSeq, maxCount);
    const last = page.events[page.events.length - 1];
    return {
      processorId,
      eventName,
      events: page.events,
      checkpointSeq,
      nextCheckpointSeq: page.hasMore && last !== undefined ? last.commitSeq : snap.seq,
      hasMore: page.hasMore,
      snapshotSeq: snap.seq,
    };
  }
}
