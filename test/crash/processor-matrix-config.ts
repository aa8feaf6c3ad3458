/**
 * Shared by the processor profiles of the crash matrix (`processor-matrix.spec.ts`) and their
 * worker: the engine configuration and the acknowledgement format.
 */
import type { AedbConfigInput } from '../../src/index';

/**
 * `full` durability (processors see only durable commits), frequent checkpoints and small
 * segments, so kills land inside processor batches, checkpoint commits and engine checkpoints.
 */
export const PROCESSOR_CRASH_CONFIG: AedbConfigInput = Object.freeze({
  durabilityMode: 'full',
  maxSegmentBytes: 32 * 1024,
  checkpointCommits: 400,
});

/** One report of the worker: an acknowledged emit, or a batch the handler saw. */
export interface ProcessorAck {
  readonly emitted?: string;
  readonly seq?: number;
  readonly handled?: readonly string[];
}
