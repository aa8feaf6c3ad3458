/**
 * The profile a workload opens an engine with when it only needs data in it (W5, W6, W9):
 * non-durable, and for aedb with automatic checkpoints off, so that no checkpoint triggered by
 * the load still runs while reads or memory are measured.
 */
import type { OpenOptions } from '../adapters/adapter';
import type { EngineId } from '../harness/protocol';

/** Non-durable set-up options of `engine`. */
export function setupOptions(engine: EngineId): OpenOptions {
  return engine === 'aedb' ? { durable: false, profile: 'no-checkpoints' } : { durable: false };
}
