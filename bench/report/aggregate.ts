/** Medians, ranges, ratios aedb / best peer and target checks, from the raw measurements. */
import { engineRole } from '../adapters/registry';
import type { EngineId } from '../harness/protocol';
import type { MedianLookup, Scenario } from '../workloads/workload';
import type {
  AggregatedRow,
  Measurement,
  RatioResult,
  ScenarioResult,
  Spread,
  TargetResult,
} from './results-model';

/** Median (mean of the two middle values for an even count), min and max. */
export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

function aggregateRows(measurements: readonly Measurement[], engines: readonly EngineId[]) {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const k = `${m.engine}\u0000${m.variant}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [m]);
    else g.push(m);
  }
  const rows: AggregatedRow[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const keys = new Set(group.flatMap((m) => Object.keys(m.metrics)));
    const metrics: Record<string, Spread> = {};
    for (const key of keys) {
      const values = group.map((m) => m.metrics[key]).filter((v) => Number.isFinite(v));
      if (values.length > 0) metrics[key] = spread(values);
    }
    rows.push({
      engine: first.engine,
      variant: first.variant,
      role: engineRole(first.engine),
      metrics,
      notes: [...new Set(group.flatMap((m) => m.notes))],
      loadavg1Median: spread(group.map((m) => m.loadavg1)).median,
    });
  }
  const order = (e: EngineId): number => engines.indexOf(e);
  return rows.sort((a, b) => order(a.engine) - order(b.engine));
}

function ratiosOf(scenario: Scenario, rows: readonly AggregatedRow[]): RatioResult[] {
  const { metric, higherIsBetter } = scenario.compare;
  let best: AggregatedRow | undefined;
  for (const r of rows) {
    if (r.role !== 'peer' || r.metrics[metric] === undefined) continue;
    const v = r.metrics[metric].median;
    const b = best?.metrics[metric].median;
    if (b === undefined || (higherIsBetter ? v > b : v < b)) best = r;
  }
  if (best === undefined) return [];
  const bestValue = best.metrics[metric].median;
  const out: RatioResult[] = [];
  for (const r of rows) {
    if (r.role !== 'subject' || r.metrics[metric] === undefined) continue;
    const aedb = r.metrics[metric].median;
    out.push({
      variant: r.variant,
      metric,
      higherIsBetter,
      aedb,
      bestPeer: { engine: best.engine, variant: best.variant, value: bestValue },
      ratio: bestValue === 0 ? Number.NaN : aedb / bestValue,
    });
  }
  return out;
}

/** Aggregate one scenario's measurements into its table, ratios and target checks. */
export function aggregateScenario(
  workload: string,
  scenario: Scenario,
  measurements: readonly Measurement[],
): ScenarioResult {
  const rows = aggregateRows(measurements, scenario.engines);
  const ratios = ratiosOf(scenario, rows);
  const median: MedianLookup = (engine, variant, metric) =>
    rows.find((r) => r.engine === engine && r.variant === variant)?.metrics[metric]?.median;
  const targets: TargetResult[] = scenario.targets.map((t) => {
    const ratio = ratios.find((r) => r.variant === t.variant)?.ratio;
    const outcome = t.evaluate(median, ratio);
    return {
      variant: t.variant,
      description: t.description,
      value: outcome?.value,
      unit: outcome?.unit ?? 'x',
      met: outcome?.met,
    };
  });
  return {
    workload,
    id: scenario.id,
    title: scenario.title,
    columns: scenario.columns,
    compare: scenario.compare,
    unavailable: scenario.unavailable,
    aedbOnly: scenario.aedbOnly,
    notApplicable: scenario.notApplicable ?? {},
    rows,
    ratios,
    targets,
  };
}
