/**
 * What a workload is: its scenarios (what the table shows, how aedb is compared, which targets
 * apply) and the code a child process runs for one phase of one scenario on one engine.
 */
import type { ChildRequest, EngineId, Json, RowResult } from '../harness/protocol';

/** How a metric is shown. */
export type MetricUnit = 'ops/s' | 'us' | 'ms' | 'bytes' | 'x' | 'count' | '%';

/** A column of a scenario's table. */
export interface MetricColumn {
  readonly key: string;
  readonly label: string;
  readonly unit: MetricUnit;
}

/** The metric of the ratio aedb / best peer, and which direction is better. */
export interface Comparison {
  readonly metric: string;
  readonly higherIsBetter: boolean;
}

/** The median of a metric of one engine row across repetitions (undefined: not measured). */
export type MedianLookup = (
  engine: EngineId,
  variant: string,
  metric: string,
) => number | undefined;

/** The outcome of a target check. */
export interface TargetOutcome {
  /** The measured quantity the target is about (a ratio, ms, ...). */
  readonly value: number;
  readonly unit: MetricUnit;
  readonly met: boolean;
}

/** A target of the issue, checked on the medians of one run. */
export interface TargetSpec {
  /** The aedb row (variant) the target applies to. */
  readonly variant: string;
  /** As the issue states it, e.g. `p50 <= 1.3x one raw fdatasync`. */
  readonly description: string;
  /**
   * Check the target. `ratio` is aedb / best peer of the scenario's comparison metric for
   * this variant (undefined when no peer was measured).
   */
  evaluate(median: MedianLookup, ratio: number | undefined): TargetOutcome | undefined;
}

/** One table of results: e.g. W4 in random order. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly engines: readonly EngineId[];
  readonly columns: readonly MetricColumn[];
  readonly compare: Comparison;
  readonly targets: readonly TargetSpec[];
  /** Set when the scenario cannot run yet: why (it is listed as "not yet available"). */
  readonly unavailable?: string;
  /** Engines that do not take part, and why (listed under the table). */
  readonly notApplicable?: Readonly<Partial<Record<EngineId, string>>>;
  /**
   * Set when only aedb runs the scenario because no peer has the feature: why (shown instead of
   * the ratio; there is no "best peer").
   */
  readonly aedbOnly?: string;
}

/** What one phase returns. */
export interface PhaseOutput {
  readonly rows: readonly RowResult[];
  readonly handoff?: Json;
}

/**
 * Some scenarios of a workload with the code that runs them (W10 is made of several groups,
 * one file each).
 */
export interface ScenarioGroup {
  readonly scenarios: readonly Scenario[];
  /** Run one phase of one of {@link ScenarioGroup.scenarios}. */
  run(request: ChildRequest): Promise<PhaseOutput>;
}

/** A workload: W1 ... W10. */
export interface Workload {
  /** `W1` ... `W10`. */
  readonly id: string;
  /** Short name, as in its file name. */
  readonly name: string;
  /** What it measures (one or two sentences, for the output and the README). */
  readonly summary: string;
  readonly scenarios: readonly Scenario[];
  /** The phases, each in a fresh child process (default: one phase, `run`). */
  phases?(engine: EngineId, scenario: string): readonly string[];
  /** Run one phase in the child process. */
  run(request: ChildRequest): Promise<PhaseOutput>;
}

/** A target "aedb / best peer >= min" (higher is better). */
export function atLeastTimesBestPeer(variant: string, min: number): TargetSpec {
  return {
    variant,
    description: `>= ${min}x the best peer`,
    evaluate: (_median, ratio) =>
      ratio === undefined ? undefined : { value: ratio, unit: 'x', met: ratio >= min },
  };
}

/** Columns shared by the commit workloads. */
export const COMMIT_COLUMNS: readonly MetricColumn[] = [
  { key: 'opsPerSec', label: 'commits/s', unit: 'ops/s' },
  { key: 'p50Us', label: 'p50', unit: 'us' },
  { key: 'p99Us', label: 'p99', unit: 'us' },
  { key: 'p999Us', label: 'p99.9', unit: 'us' },
];
