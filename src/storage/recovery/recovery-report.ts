import type { WalDropped, WalTornTail } from '../wal/wal-reader';

/** What recovery found and did when the instance opened (`db.recoveryReport`). */
export interface RecoveryReport {
  /** The checkpoint recovery started from, or `undefined` for a replay from the first seq. */
  readonly checkpoint?: {
    readonly file: string;
    readonly seq: number;
    readonly entries: number;
    readonly bytes: number;
    readonly loadMs: number;
  };
  /** Newer checkpoints that failed verification and were passed over, newest first. */
  readonly skippedCheckpoints: readonly { readonly file: string; readonly reason: string }[];
  /** WAL frames replayed on top of the checkpoint. */
  readonly framesReplayed: number;
  /** WAL frames read and verified (including those the checkpoint already held). */
  readonly framesScanned: number;
  /** The seq of the last commit recovered. */
  readonly recoveredSeq: number;
  /** An incomplete last frame that was cut off (never an acknowledged commit). */
  readonly tornTail?: WalTornTail;
  /** Permissive mode only: the damaged part of the log that was dropped. */
  readonly dropped?: WalDropped;
  /** Files moved to `quarantine/` (kept for forensics, never deleted by the engine). */
  readonly quarantined: readonly string[];
  readonly durationMs: number;
}
