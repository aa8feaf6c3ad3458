/**
 * Checkpoints: full images of the engine state at a seq, written without blocking the event
 * loop and loaded as sorted arrays for bottom-up tree builds. See `checkpoint-format.ts` for
 * the byte format.
 */
export * from './checkpoint-catalog';
export * from './checkpoint-format';
export * from './checkpoint-reader';
export * from './checkpoint-writer';
