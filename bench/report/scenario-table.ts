/** The cells of one scenario's table: an engine row per line, its columns and its ratio. */
import { formatRatio, formatSpread, rowName } from './format';
import type { ScenarioResult } from './results-model';

/** Headers and rows of a scenario's table. */
export function scenarioTable(s: ScenarioResult): { headers: string[]; rows: string[][] } {
  const headers = ['engine', ...s.columns.map((c) => c.label), 'aedb / best peer'];
  const rows = s.rows.map((r) => {
    const ratio = s.ratios.find((x) => r.role === 'subject' && x.variant === r.variant);
    const tag = r.role === 'ceiling' ? ' [ceiling]' : '';
    return [
      rowName(r.engine, r.variant) + tag,
      ...s.columns.map((c) => formatSpread(r.metrics[c.key], c.unit)),
      ratio === undefined ? '' : formatRatio(ratio.ratio),
    ];
  });
  return { headers, rows };
}
