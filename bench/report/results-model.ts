/** The shape of `bench/results/latest.json` (and what the reports are rendered from). */
import type { BenchSizes } from '../harness/bench-sizes';
import type { MachineInfo } from '../harness/machine';
import type { EngineId } from '../harness/protocol';
import type { Comparison, MetricColumn, MetricUnit } from '../workloads/workload';

/** One child's row, one repetition. */
export interface Measurement {
  readonly workload: string;
  readonly scenario: string;
  readonly engine: EngineId;
  readonly variant: string;
  readonly rep: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
  /** 1-minute load average when the child started. */
  readonly loadavg1: number;
}

/** A child that failed. */
export interface Failure {
  readonly workload: string;
  readonly scenario: string;
  readonly engine: EngineId;
  readonly phase: string;
  readonly rep: number;
  readonly error: string;
}

/** Median and range of a metric over the repetitions. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** One engine row of a scenario, aggregated. */
export interface AggregatedRow {
  readonly engine: EngineId;
  readonly variant: string;
  readonly role: 'subject' | 'peer' | 'ceiling';
  readonly metrics: Readonly<Record<string, Spread>>;
  readonly notes: readonly string[];
  readonly loadavg1Median: number;
}

/** aedb / best peer for one aedb row. */
export interface RatioResult {
  readonly variant: string;
  readonly metric: string;
  readonly higherIsBetter: boolean;
  readonly aedb: number;
  readonly bestPeer: {
    readonly engine: EngineId;
    readonly variant: string;
    readonly value: number;
  };
  /** aedb / best peer. */
  readonly ratio: number;
}

/** A checked target. */
export interface TargetResult {
  readonly variant: string;
  readonly description: string;
  /** Undefined when the data to check it is missing. */
  readonly value: number | undefined;
  readonly unit: MetricUnit;
  readonly met: boolean | undefined;
}

/** One scenario's results. */
export interface ScenarioResult {
  readonly workload: string;
  readonly id: string;
  readonly title: string;
  readonly columns: readonly MetricColumn[];
  readonly compare: Comparison;
  readonly unavailable: string | undefined;
  /** Why only aedb runs it (no peer has the feature); absent in older results files. */
  readonly aedbOnly?: string;
  readonly notApplicable: Readonly<Partial<Record<EngineId, string>>>;
  readonly rows: readonly AggregatedRow[];
  readonly ratios: readonly RatioResult[];
  readonly targets: readonly TargetResult[];
}

/** An engine as the run used it. */
export interface EngineInfo {
  readonly engine: EngineId;
  readonly version: string;
  readonly encoding: string;
  /** Profile name to settings. */
  readonly profiles: Readonly<Record<string, string>>;
}

/** Everything about the run. */
export interface RunMeta {
  readonly startedAt: string;
  readonly durationSec: number;
  readonly command: string;
  readonly quick: boolean;
  readonly reps: number;
  readonly sizes: BenchSizes;
  readonly machine: MachineInfo;
  readonly loadavgStart: readonly number[];
  readonly loadavgEnd: readonly number[];
  readonly engines: readonly EngineInfo[];
}

/** The whole results file. */
export interface BenchResults {
  readonly meta: RunMeta;
  readonly workloads: readonly {
    readonly id: string;
    readonly name: string;
    readonly summary: string;
  }[];
  readonly scenarios: readonly ScenarioResult[];
  readonly failures: readonly Failure[];
  readonly measurements: readonly Measurement[];
}
