/**
 * The summary table: per aedb row of every scenario, aedb's value, the best peer's, the ratio,
 * which direction is better, and the targets on that row.
 */
import type { MetricUnit } from '../workloads/workload';
import { formatRatio, formatValue, rowName } from './format';
import type { BenchResults } from './results-model';

/** One line of the summary. */
export interface SummaryLine {
  readonly scenario: string;
  readonly row: string;
  readonly metric: string;
  readonly aedb: string;
  readonly bestPeer: string;
  readonly ratio: string;
  readonly better: string;
  readonly target: string;
  readonly met: string;
}

/** The summary lines of a run. */
export function summaryLines(results: BenchResults): SummaryLine[] {
  const lines: SummaryLine[] = [];
  for (const s of results.scenarios) {
    if (s.unavailable !== undefined) {
      lines.push({
        scenario: s.title,
        row: 'aedb',
        metric: '–',
        aedb: s.unavailable,
        bestPeer: '–',
        ratio: '–',
        better: '–',
        target: '–',
        met: '–',
      });
      continue;
    }
    const column = s.columns.find((c) => c.key === s.compare.metric);
    const unit: MetricUnit = column?.unit ?? 'count';
    const variants = new Set([
      ...s.rows.filter((r) => r.role === 'subject').map((r) => r.variant),
      ...s.targets.map((t) => t.variant),
    ]);
    for (const variant of variants) {
      const ratio = s.ratios.find((r) => r.variant === variant);
      const aedbRow = s.rows.find((r) => r.role === 'subject' && r.variant === variant);
      const aedbValue = aedbRow?.metrics[s.compare.metric]?.median;
      const targets = s.targets.filter((t) => t.variant === variant);
      const targetText = targets.map((t) => t.description).join('; ') || '–';
      const metText =
        targets
          .map((t) =>
            t.met === undefined
              ? 'not measured'
              : `${t.met ? 'yes' : 'NO'} (${formatValue(t.value ?? Number.NaN, t.unit)})`,
          )
          .join('; ') || '–';
      lines.push({
        scenario: s.title,
        row: rowName('aedb', variant),
        metric: column?.label ?? s.compare.metric,
        aedb: aedbValue === undefined ? 'not measured' : formatValue(aedbValue, unit),
        bestPeer:
          ratio === undefined
            ? s.aedbOnly === undefined
              ? '–'
              : 'none (aedb only)'
            : `${formatValue(ratio.bestPeer.value, unit)} ${rowName(ratio.bestPeer.engine, ratio.bestPeer.variant)}`,
        ratio: ratio === undefined ? '–' : formatRatio(ratio.ratio),
        better: s.compare.higherIsBetter ? 'higher' : 'lower',
        target: targetText,
        met: metText,
      });
    }
  }
  return lines;
}
