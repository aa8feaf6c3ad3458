/**
 * Counters of the reliability suites for the long profile's summary table
 * (`npm run test:reliability`). Each suite appends one JSON line per test to the file named by
 * `AEDB_RELIABILITY_STATS`; without it (plain `npm test`) nothing is written.
 */
import * as fs from 'node:fs';

/** What one test contributes to the summary (every field optional, summed per suite). */
export interface ReliabilityCounts {
  /** SIGKILL cycles (kill, verify, reopen). */
  readonly cycles?: number;
  /** Commits acknowledged to the test (durable or visible, as the test counts them). */
  readonly commitsAcknowledged?: number;
  /** Acknowledged commits found present and exact after recovery. */
  readonly commitsVerified?: number;
  /** Acknowledged commits missing or wrong after recovery (must be 0). */
  readonly lost?: number;
  /** Fail points tripped. */
  readonly faultsInjected?: number;
  /** Damaged directories opened (truncations, bit flips, deleted or swapped files, keys). */
  readonly corruptionsTried?: number;
  /** Property runs (command sequences or fuzzed inputs). */
  readonly propertyRuns?: number;
  /** `verifyDatabase` runs that passed. */
  readonly verifications?: number;
  /** Snapshots (latest, `atSeq`) whose invariants were checked under concurrent writes. */
  readonly snapshotsChecked?: number;
}

/** The environment variable naming the stats file. */
export const STATS_ENV = 'AEDB_RELIABILITY_STATS';

/** Append `counts` for `suite` to the stats file, when one is configured. */
export function recordReliability(suite: string, counts: ReliabilityCounts): void {
  const file = process.env[STATS_ENV];
  if (file === undefined || file === '') return;
  fs.appendFileSync(file, JSON.stringify({ suite, ...counts }) + '\n');
}
