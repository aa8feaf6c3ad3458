/** The cells of one scenario's table: an engine row per line, its columns and its ratio. */
import { formatRatio, formatSpread, rowName } from './format';
import type { ScenarioResult } from './results-model';

/**
 * Headers and rows of a scenario's table. A scenario only aedb runs (no peer has the feature)
 * has no ratio column.
 */
export function scenarioTable(s: ScenarioResult): { headers: string[]; rows: string[][] } {
  const withRatio = s.aedbOnly === undefined;
  const headers = ['engine', ...s.columns.map((c) => c.label)];
  if (withRatio) headers.push('aedb / best peer');
  const rows = s.rows.map((r) => {
    const tag = r.role === 'ceiling' ? ' [ceiling]' : '';
    const cells = [
      rowName(r.engine, r.variant) + tag,
      ...s.columns.map((c) => formatSpread(r.metrics[c.key], c.unit)),
    ];
    if (withRatio) {
      const ratio = s.ratios.find((x) => r.role === 'subject' && x.variant === r.variant);
      cells.push(ratio === undefined ? '' : formatRatio(ratio.ratio));
    }
    return cells;
  });
  return { headers, rows };
}
