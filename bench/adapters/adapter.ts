/**
 * The one interface every key-value engine is driven through: open (durable or not), single-key
 * commit, batch commit, point get, range scan, close. Each engine encodes values as it prefers
 * and says how in {@link KvAdapter.encoding}.
 */
import type { BenchValue } from '../harness/data';
import type { EngineId } from '../harness/protocol';

/** How to open a store. */
export interface OpenOptions {
  /** Durable: a commit survives power loss once its Promise resolves. */
  readonly durable: boolean;
  /**
   * A named engine-specific configuration (see {@link KvAdapter.profiles}); `default` when
   * omitted. Workloads also use a few set-up profiles, e.g. `no-auto-checkpoint`.
   */
  readonly profile?: string;
}

/** Synchronous reads (one consistent view where the engine has one). */
export interface SyncReader {
  /** The decoded value under `key`, or `undefined`. */
  get(key: string): BenchValue | undefined;
  /** Decode up to `limit` entries from `start` on in key order; returns how many. */
  scan(start: string, limit: number): number;
}

/** Asynchronous reads. */
export interface AsyncReader {
  get(key: string): Promise<BenchValue | undefined>;
  scan(start: string, limit: number): Promise<number>;
}

/** One way of reading an engine (e.g. aedb through `snapshot()` and through the async API). */
export type ReadPath =
  | {
      readonly variant: string;
      readonly sync: true;
      /** Whether `scan` is supported on this path. */
      readonly canScan: boolean;
      reader(): SyncReader;
    }
  | {
      readonly variant: string;
      readonly sync: false;
      readonly canScan: boolean;
      reader(): AsyncReader;
    };

/** An open store. */
export interface KvStore {
  /** Commit one key (durable or not per {@link OpenOptions.durable}). */
  put(key: string, value: BenchValue): Promise<void>;
  /** Commit all entries in one transaction. */
  putBatch(keys: readonly string[], values: readonly BenchValue[]): Promise<void>;
  /** The engine's read APIs, fastest first. */
  readPaths(): readonly ReadPath[];
  /**
   * The engine's closest analogue of a full checkpoint (W8), or undefined when it has none.
   * Returns a description of what ran.
   */
  readonly checkpoint?: () => Promise<string>;
  close(): Promise<void>;
}

/** An engine. */
export interface KvAdapter {
  readonly engine: EngineId;
  /** Package version (or `-` for the built-in ceilings). */
  readonly version: string;
  /** How values (and keys) are encoded. */
  readonly encoding: string;
  /** The configuration profiles the commit workloads measure, per durability. */
  profiles(durable: boolean): readonly string[];
  /** The settings of a profile, for the output. */
  describe(options: OpenOptions): string;
  open(dir: string, options: OpenOptions): Promise<KvStore>;
}
