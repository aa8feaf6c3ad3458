/** How big and how long each workload runs: a full run and a `--quick` run. */
export interface BenchSizes {
  /** Rows of the large data set (W4-W9). */
  readonly rows: number;
  /** Rows per transaction in bulk loads (W4 and the set-up of W5-W9). */
  readonly batchRows: number;
  /** Measured time of the commit workloads (W1-W3, W10), per engine and variant. */
  readonly commitMs: number;
  /** Warm-up before each measured loop (not recorded). */
  readonly warmupMs: number;
  /** Measured time of the read workloads (W5, W6), per read path. */
  readonly readMs: number;
  /** Distinct random keys cycled through by the read loops. */
  readonly readKeys: number;
  /** Commits in flight in W2. */
  readonly inFlight: number;
  /** Keys per range scan (W6). */
  readonly scanLength: number;
  /** W8: how long commits run without a checkpoint (the baseline). */
  readonly baselineMs: number;
  /** Rows of the W10 table before upserts start. */
  readonly tableRows: number;
  /** W10 envelope: accounts the transfers pick random pairs from. */
  readonly accounts: number;
  /** W10 processor catch-up: events emitted (1,000 per commit) before the processor starts. */
  readonly catchUpEvents: number;
}

/** The full run: 1,000,000 rows and a few seconds per measured loop. */
export const FULL_SIZES: BenchSizes = Object.freeze({
  rows: 1_000_000,
  batchRows: 1_000,
  commitMs: 4_000,
  warmupMs: 500,
  readMs: 3_000,
  readKeys: 1 << 17,
  inFlight: 64,
  scanLength: 100,
  baselineMs: 3_000,
  tableRows: 200_000,
  accounts: 10_000,
  catchUpEvents: 1_000_000,
});

/** The quick run (`--quick`): small data and short loops, well under 3 minutes in all. */
export const QUICK_SIZES: BenchSizes = Object.freeze({
  rows: 100_000,
  batchRows: 1_000,
  commitMs: 600,
  warmupMs: 150,
  readMs: 500,
  readKeys: 1 << 15,
  inFlight: 64,
  scanLength: 100,
  baselineMs: 600,
  tableRows: 20_000,
  accounts: 10_000,
  catchUpEvents: 100_000,
});
