import { ConfigError } from './errors';

/**
 * How commits reach the disk.
 * - `full`: every group-commit batch is fsynced before it becomes visible or acknowledged.
 * - `batch`: batches become visible after the OS write; an fsync runs every `batchIntervalMs`
 *   or once `batchMaxBytes` are unsynced. `durable` commits wait for that fsync.
 * - `os`: the engine never fsyncs on its own; a commit is "durable" once the OS has it
 *   (survives a process crash, not a power loss). For tests and development.
 */
export type DurabilityMode = 'full' | 'batch' | 'os';

/** What recovery does with a damaged WAL frame in the middle of the log (see docs/durability.md). */
export type RecoveryMode = 'strict' | 'permissive';

/** The engine configuration. Every field has a documented default; see {@link resolveConfig}. */
export interface AedbConfig {
  /** Durability mode. Default `'full'`. */
  durabilityMode: DurabilityMode;
  /** `batch` mode: fsync interval. Default 10 ms. */
  batchIntervalMs: number;
  /** `batch` mode: fsync as soon as this many bytes are unsynced. Default 1 MiB. */
  batchMaxBytes: number;
  /** Recovery mode. Default `'strict'`. */
  recoveryMode: RecoveryMode;
  /** Keep a SHA-256 hash chain over WAL frames. Default `false` (`true` in `production`). */
  hashChain: boolean;
  /** HMAC-SHA256 key (at least 32 bytes) for WAL frames and checkpoints. Default none. */
  hmacKey: Uint8Array | undefined;
  /** Rotate the WAL segment once it reaches this size. Default 64 MiB. */
  maxSegmentBytes: number;
  /** Max commits waiting for apply or sync before `Backpressure`. Default 65,536. */
  maxQueuedCommits: number;
  /** Max estimated bytes waiting for apply or sync before `Backpressure`. Default 64 MiB. */
  maxQueuedBytes: number;
  /** Max commits applied in one group-commit batch (bounds event-loop time). Default 4,096. */
  maxBatchCommits: number;
  /** Max WAL bytes in one group-commit batch. Default 4 MiB. */
  maxBatchBytes: number;
  /** Max encoded size of one commit's WAL frame. Default 16 MiB. */
  maxTransactionBytes: number;
  /** Max mutations in one commit. Default 16,384. */
  maxMutationsPerCommit: number;
  /** Max KV key size in bytes. Default 1 KiB. */
  maxKvKeyBytes: number;
  /** Max KV value size in bytes. Default 1 MiB. */
  maxKvValueBytes: number;
  /** Max encoded row size in bytes. Default 1 MiB. */
  maxRowBytes: number;
  /** Max size of an event's JSON payload in bytes (UTF-8). Default 64 KiB. */
  maxEventPayloadBytes: number;
  /** Idempotency records stay valid for this many commits. Default 100,000. */
  idempotencyWindowCommits: number;
  /** ...and for this many seconds (a record must be inside both windows). Default 300. */
  idempotencyWindowSeconds: number;
  /** Recent group-commit batches kept for `atSeq` reads. Default 128. */
  snapshotRetention: number;
  /** Checkpoint after this many WAL bytes since the last one. Default 64 MiB; 0 disables. */
  checkpointWalBytes: number;
  /** Checkpoint after this many commits since the last one. Default 1,000,000; 0 disables. */
  checkpointCommits: number;
  /** Checkpoint at least this often while there are new commits. Default 300,000 ms; 0 disables. */
  checkpointIntervalMs: number;
  /** Checkpoints kept on disk (older ones are deleted with the WAL they no longer need). Default 2. */
  checkpointRetention: number;
  /** Max time a checkpoint may hold the event loop per slice. Default 4 ms. */
  checkpointSliceMs: number;
  /** Write a checkpoint on `close()` (makes the next open fast). Default `true`. */
  checkpointOnClose: boolean;
}

/** Options accepted by `AedbInstance.open`: any subset of {@link AedbConfig}. */
export type AedbConfigInput = Partial<AedbConfig>;

const MiB = 1024 * 1024;

/** The defaults, frozen. */
export const DEFAULT_CONFIG: Readonly<AedbConfig> = Object.freeze({
  durabilityMode: 'full',
  batchIntervalMs: 10,
  batchMaxBytes: MiB,
  recoveryMode: 'strict',
  hashChain: false,
  hmacKey: undefined,
  maxSegmentBytes: 64 * MiB,
  maxQueuedCommits: 65_536,
  maxQueuedBytes: 64 * MiB,
  maxBatchCommits: 4_096,
  maxBatchBytes: 4 * MiB,
  maxTransactionBytes: 16 * MiB,
  maxMutationsPerCommit: 16_384,
  maxKvKeyBytes: 1024,
  maxKvValueBytes: MiB,
  maxRowBytes: MiB,
  maxEventPayloadBytes: 64 * 1024,
  idempotencyWindowCommits: 100_000,
  idempotencyWindowSeconds: 300,
  snapshotRetention: 128,
  checkpointWalBytes: 64 * MiB,
  checkpointCommits: 1_000_000,
  checkpointIntervalMs: 300_000,
  checkpointRetention: 2,
  checkpointSliceMs: 4,
  checkpointOnClose: true,
} satisfies AedbConfig);

/**
 * Ready-made configurations.
 *
 * @example
 * ```ts
 * const db = await AedbInstance.open('./data', AedbConfigProfiles.production(key));
 * ```
 */
export const AedbConfigProfiles = {
  /** Fast local development: `os` durability, permissive recovery, no chain, no HMAC. */
  development(): AedbConfigInput {
    return { durabilityMode: 'os', recoveryMode: 'permissive', hashChain: false };
  },
  /** Production: `full` durability, strict recovery, hash chain and HMAC over WAL and checkpoints. */
  production(hmacKey: Uint8Array): AedbConfigInput {
    return { durabilityMode: 'full', recoveryMode: 'strict', hashChain: true, hmacKey };
  },
  /**
   * Low latency: `batch` durability with a 2 ms window (visible commits return before the fsync;
   * use `finality: 'durable'` where a commit must survive power loss), strict recovery, chain, HMAC.
   */
  lowLatency(hmacKey: Uint8Array): AedbConfigInput {
    return {
      durabilityMode: 'batch',
      batchIntervalMs: 2,
      batchMaxBytes: 512 * 1024,
      recoveryMode: 'strict',
      hashChain: true,
      hmacKey,
    };
  },
};

type NumericKey = {
  [K in keyof AedbConfig]: AedbConfig[K] extends number ? K : never;
}[keyof AedbConfig];

/** Integer bounds per numeric option: [min, max]. */
const NUMERIC_BOUNDS: Record<NumericKey, [number, number]> = {
  batchIntervalMs: [1, 60_000],
  batchMaxBytes: [4096, 1024 * MiB],
  maxSegmentBytes: [256, 4096 * MiB],
  maxQueuedCommits: [1, 10_000_000],
  maxQueuedBytes: [4096, 64 * 1024 * MiB],
  maxBatchCommits: [1, 1_000_000],
  maxBatchBytes: [4096, 1024 * MiB],
  maxTransactionBytes: [1024, 64 * MiB],
  maxMutationsPerCommit: [1, 1_000_000],
  maxKvKeyBytes: [1, 64 * 1024],
  maxKvValueBytes: [1, 64 * MiB],
  maxRowBytes: [64, 64 * MiB],
  maxEventPayloadBytes: [64, 16 * MiB],
  idempotencyWindowCommits: [1, Number.MAX_SAFE_INTEGER],
  idempotencyWindowSeconds: [1, 365 * 24 * 3600],
  snapshotRetention: [1, 1_000_000],
  checkpointWalBytes: [0, Number.MAX_SAFE_INTEGER],
  checkpointCommits: [0, Number.MAX_SAFE_INTEGER],
  checkpointIntervalMs: [0, 365 * 24 * 3600 * 1000],
  checkpointRetention: [1, 1000],
  checkpointSliceMs: [1, 1000],
};

/**
 * Merge `input` over the defaults and validate every option. A bad option throws a
 * `ConfigError` that names the option and the expected value.
 */
export function resolveConfig(input: unknown = {}): AedbConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(`config: expected an object of options, got ${describe(input)}`);
  }
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_CONFIG, key)) {
      throw new ConfigError(
        `config.${key}: unknown option (valid options: ${Object.keys(DEFAULT_CONFIG).join(', ')})`,
        { option: key },
      );
    }
  }
  const config: AedbConfig = { ...DEFAULT_CONFIG };
  const out = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) out[key] = value;
  }

  oneOf('durabilityMode', config.durabilityMode, ['full', 'batch', 'os']);
  oneOf('recoveryMode', config.recoveryMode, ['strict', 'permissive']);
  for (const key of ['hashChain', 'checkpointOnClose'] as const) {
    if (typeof config[key] !== 'boolean') {
      throw new ConfigError(`config.${key}: expected a boolean, got ${describe(config[key])}`, {
        option: key,
      });
    }
  }
  for (const [key, [min, max]] of Object.entries(NUMERIC_BOUNDS) as [
    NumericKey,
    [number, number],
  ][]) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(
        `config.${key}: expected an integer from ${min} to ${max}, got ${describe(value)}`,
        { option: key, min, max },
      );
    }
  }
  if (config.hmacKey !== undefined) {
    if (!(config.hmacKey instanceof Uint8Array) || config.hmacKey.length < 32) {
      throw new ConfigError(
        `config.hmacKey: expected a Uint8Array of at least 32 bytes, got ${describe(config.hmacKey)}`,
        { option: 'hmacKey' },
      );
    }
    // Keep a private copy: the caller may reuse or wipe its buffer.
    config.hmacKey = Uint8Array.from(config.hmacKey);
  }
  return Object.freeze(config);
}

function oneOf(key: keyof AedbConfig, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ConfigError(
      `config.${key}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
      { option: key, allowed },
    );
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
