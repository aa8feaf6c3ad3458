/** Which scenarios and engines a run covers, after the `--workload` and `--engine` filters. */
import type { Scenario, Workload } from '../workloads/workload';
import type { BenchOptions } from './cli-options';
import type { EngineId } from './protocol';

/** One scenario to run, with the engines that remain after filtering. */
export interface PlanItem {
  readonly workload: Workload;
  readonly scenario: Scenario;
  readonly engines: readonly EngineId[];
}

/**
 * Whether a `--workload` filter selects the scenario: `W10` (every scenario of W10),
 * `W10:envelope` (the scenario `envelope`, and those whose id starts with `envelope-`).
 */
function selected(options: BenchOptions, workload: Workload, scenario: Scenario): boolean {
  if (options.workloads.length === 0) return true;
  return options.workloads.some((f) => {
    const [w, s] = f.split(':');
    if (w !== workload.id.toUpperCase()) return false;
    if (s === undefined) return true;
    const id = scenario.id.toUpperCase();
    return s === id || id.startsWith(s + '-');
  });
}

/** The plan, in output order. */
export function buildPlan(workloads: readonly Workload[], options: BenchOptions): PlanItem[] {
  const items: PlanItem[] = [];
  for (const workload of workloads) {
    for (const scenario of workload.scenarios) {
      if (!selected(options, workload, scenario)) continue;
      const engines =
        options.engines.length === 0
          ? scenario.engines
          : scenario.engines.filter((e) => options.engines.includes(e));
      if (engines.length > 0) items.push({ workload, scenario, engines });
    }
  }
  return items;
}

/** `engines` rotated by `k`, so no engine always runs first (or last) in a repetition. */
export function rotate<T>(engines: readonly T[], k: number): T[] {
  if (engines.length === 0) return [];
  const s = k % engines.length;
  return [...engines.slice(s), ...engines.slice(0, s)];
}
