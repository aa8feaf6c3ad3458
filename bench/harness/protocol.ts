/**
 * What the runner and a child process exchange: the child gets one {@link ChildRequest} (as a
 * JSON file named on its command line) and writes one {@link ChildResult} to `resultFile`.
 */
import type { BenchSizes } from './bench-sizes';

/** A JSON value (what crosses the process boundary). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every engine the suite knows. */
export const ENGINE_IDS = [
  'aedb',
  'better-sqlite3',
  'lmdb',
  'classic-level',
  'map',
  'raw-disk',
] as const;

/** One engine of {@link ENGINE_IDS}. */
export type EngineId = (typeof ENGINE_IDS)[number];

/** What one child process is asked to do: one phase of one scenario for one engine. */
export interface ChildRequest {
  readonly workload: string;
  readonly scenario: string;
  readonly engine: EngineId;
  readonly phase: string;
  readonly rep: number;
  /** A data directory owned by the runner (created before, removed after all phases). */
  readonly dir: string;
  readonly sizes: BenchSizes;
  /** What the previous phase handed over (e.g. which directories it prepared). */
  readonly handoff: Json;
  /** Where the child writes its {@link ChildResult}. */
  readonly resultFile: string;
}

/** One measured row: an engine (in one variant, e.g. `snapshot` or `async`) and its metrics. */
export interface RowResult {
  /** `default`, or what distinguishes this row from the engine's other rows. */
  readonly variant: string;
  /** Metric name to value (units are in the name: `opsPerSec`, `p50Us`, `ms`, `bytes`...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Free-form remarks (settings, encoding, anomalies). */
  readonly notes?: readonly string[];
}

/** What a child writes back. */
export interface ChildResult {
  readonly rows: readonly RowResult[];
  /** Passed to the next phase as {@link ChildRequest.handoff}. */
  readonly handoff: Json;
  /** `os.loadavg()` when the child started and when it finished. */
  readonly loadavgStart: readonly number[];
  readonly loadavgEnd: readonly number[];
  /** Set when the phase failed; `rows` is then empty. */
  readonly error?: string;
}
