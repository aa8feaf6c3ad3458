import type { AedbConfigInput } from '../../src/index';

/** The engine configurations the crash matrix runs. */
export type CrashProfile = 'full-checkpoints' | 'full-chain-hmac-strict' | 'batch';

/** A fixed 32-byte key for the HMAC profile (tests only). */
export const TEST_HMAC_KEY = Buffer.alloc(32, 7);

/** Configuration per profile: tiny segments and frequent checkpoints to crash inside both. */
export function crashConfig(profile: CrashProfile): AedbConfigInput {
  switch (profile) {
    case 'full-checkpoints':
      return {
        durabilityMode: 'full',
        maxSegmentBytes: 32 * 1024,
        checkpointCommits: 1500,
        checkpointRetention: 2,
      };
    case 'full-chain-hmac-strict':
      // No checkpoints at all: many crashes accumulate between checkpoints, so the hash chain
      // must continue across restarts for strict recovery to accept the log.
      return {
        durabilityMode: 'full',
        recoveryMode: 'strict',
        hashChain: true,
        hmacKey: TEST_HMAC_KEY,
        maxSegmentBytes: 64 * 1024,
        checkpointCommits: 0,
        checkpointWalBytes: 0,
        checkpointIntervalMs: 0,
        checkpointOnClose: false,
      };
    case 'batch':
      return {
        durabilityMode: 'batch',
        batchIntervalMs: 5,
        maxSegmentBytes: 48 * 1024,
        checkpointCommits: 2000,
      };
  }
}

/** The engine configurations of the table crash matrix (`table-crash.spec.ts`). */
export type TableCrashProfile = 'table-full' | 'checkpoint-loop' | 'tiny-segments';

/**
 * Configuration per table profile:
 * - `table-full`: `full` durability, automatic checkpoints, 64 KiB segments;
 * - `checkpoint-loop`: `full`, hash chain + HMAC, strict recovery, 16 KiB segments; the worker
 *   runs `checkpointNow()` back to back, so kills land inside checkpoints and WAL pruning;
 * - `tiny-segments`: `batch` durability with the smallest segments allowed (256 bytes: a
 *   rotation after nearly every group-commit batch), hash chain across all of them.
 */
export function tableCrashConfig(profile: TableCrashProfile): AedbConfigInput {
  switch (profile) {
    case 'table-full':
      return { durabilityMode: 'full', maxSegmentBytes: 64 * 1024, checkpointCommits: 1500 };
    case 'checkpoint-loop':
      return {
        durabilityMode: 'full',
        recoveryMode: 'strict',
        hashChain: true,
        hmacKey: TEST_HMAC_KEY,
        maxSegmentBytes: 16 * 1024,
        checkpointCommits: 0,
        checkpointWalBytes: 0,
        checkpointIntervalMs: 0,
        checkpointRetention: 2,
      };
    case 'tiny-segments':
      return {
        durabilityMode: 'batch',
        batchIntervalMs: 2,
        hashChain: true,
        maxSegmentBytes: 256,
        checkpointCommits: 600,
      };
  }
}

/** The engine configurations of the money-transfer crash matrix (`transfer-crash.spec.ts`). */
export type TransferCrashProfile = 'transfers-full' | 'transfers-batch';

/**
 * Configuration per transfer profile:
 * - `transfers-full`: `full` durability, hash chain + HMAC + strict recovery, 32 KiB segments and
 *   a checkpoint every 600 commits (so the idempotency records and the ledger cross checkpoints
 *   and WAL pruning all the time);
 * - `transfers-batch`: `batch` durability (a third of the standard transfers acknowledged as
 *   merely visible; economic ones are fsynced first anyway), 48 KiB segments.
 */
export function transferCrashConfig(profile: TransferCrashProfile): AedbConfigInput {
  switch (profile) {
    case 'transfers-full':
      return {
        durabilityMode: 'full',
        recoveryMode: 'strict',
        hashChain: true,
        hmacKey: TEST_HMAC_KEY,
        maxSegmentBytes: 32 * 1024,
        checkpointCommits: 600,
      };
    case 'transfers-batch':
      return {
        durabilityMode: 'batch',
        batchIntervalMs: 5,
        maxSegmentBytes: 48 * 1024,
        checkpointCommits: 1500,
      };
  }
}
