/**
 * The write-ahead log: segment files of CRC-checked frames with an optional SHA-256 hash chain
 * and HMAC. See `wal-format.ts` for the byte format and `wal-reader.ts` for the recovery
 * contract (torn tail, corruption, authentication failure).
 */
export type { FrameSink } from './wal-batch-buffer';
export * from './wal-files';
export * from './wal-format';
export * from './wal-reader';
export * from './wal-repair';
export * from './wal-writer';
