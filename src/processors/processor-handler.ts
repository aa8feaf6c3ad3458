import type { AedbInstance } from '../aedb-instance';
import type { OutboxEvent } from '../storage/events/event-stream';
import type { Mutation } from '../storage/mutation';
import type { ProcessorCommitResult } from './checkpoint-store';

/**
 * What a reactive processor handler receives next to its events.
 *
 * This shape is a stable contract (the NestJS `@ReactiveProcessor` layer calls handlers with
 * `(events, ctx)` too); fields may be added, never removed or changed.
 */
export interface ProcessorHandlerContext {
  /** The database the processor runs on. */
  readonly db: AedbInstance;
  /** The processor's name. */
  readonly processorName: string;
  /** 1 for the first delivery of this batch, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** Aborted when the processor is stopped or paused, or the database closes. */
  readonly signal: AbortSignal;
  /**
   * The checkpoint this batch advances the processor to once the handler returns (the commit
   * seq of its last event, or the snapshot seq when the batch reaches the end of the log).
   */
  readonly checkpointSeq: number;
  /**
   * Exactly-once effects: commit `mutations` together with the checkpoint
   * {@link ProcessorHandlerContext.checkpointSeq} in one commit
   * (`db.processorCommit(processorName, checkpointSeq, mutations)`). When the batch is
   * delivered again (after a crash or a retry) the call is a no-op that reports `'duplicate'`.
   */
  commit(mutations: readonly Mutation[]): Promise<ProcessorCommitResult>;
}

/**
 * A reactive processor handler: called with one batch of events at a time, in commit order
 * (whole commits, never split). Resolving acknowledges the batch; throwing retries it with
 * backoff, and a {@link NonRetryableProcessorError} dead-letters it at once.
 * On an interval run (`runOnInterval`) `events` may be empty.
 *
 * @example
 * ```ts
 * const handler: ProcessorHandler = async (events, ctx) => {
 *   for (const e of events) console.log(ctx.processorName, e.commitSeq, e.topic, e.payloadJson);
 * };
 * ```
 */
export type ProcessorHandler = (
  events: readonly OutboxEvent[],
  ctx: ProcessorHandlerContext,
) => Promise<void> | void;

/** Where a processor error happened. */
export type ProcessorErrorPhase =
  /** The handler threw. */
  | 'handler'
  /** Reading the event stream failed. */
  | 'read'
  /** Persisting the checkpoint failed (retried on the next run). */
  | 'checkpoint'
  /** Writing the dead letters failed (retried after `idleBackoffMs`). */
  | 'deadLetter'
  /** A handler call outlived `stopTimeoutMs` after stop: abandoned, its batch is redelivered. */
  | 'stop';

/** One error of a processor, as emitted on `db.processorErrors$`. Never kills the processor. */
export interface ReactiveProcessorErrorEvent {
  readonly processorName: string;
  readonly phase: ProcessorErrorPhase;
  readonly error: Error;
  /** The attempt that failed (handler errors), else 0. */
  readonly attempt: number;
  /** Whether the batch will be delivered again after a backoff. */
  readonly willRetry: boolean;
  /** Whether the batch was moved to the dead letters because of this error. */
  readonly deadLettered: boolean;
  /** Events in the failed batch, and its first and last commit seq (0 when empty). */
  readonly events: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** When it happened (epoch ms). */
  readonly atMs: number;
}
