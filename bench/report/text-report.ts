/** What the runner prints at the end: each scenario's table, then the summary. */
import type { BenchResults } from './results-model';
import { scenarioTable } from './scenario-table';
import { summaryLines } from './summary-rows';
import { textTable } from './tables';

/** Render the terminal report. */
export function textReport(r: BenchResults): string {
  const out: string[] = [];
  for (const s of r.scenarios) {
    if (s.unavailable !== undefined) {
      out.push(`${s.title}: ${s.unavailable}`);
      continue;
    }
    const { headers, rows } = scenarioTable(s);
    const only = s.aedbOnly === undefined ? '' : ` (aedb only: ${s.aedbOnly})`;
    out.push(`${s.title}${only}\n${textTable(headers, rows)}`);
  }
  const lines = summaryLines(r).map((l) => [
    l.scenario.replace(/^(W\d+) .*$/, '$1') + ' ' + l.row,
    l.metric,
    l.aedb,
    l.bestPeer,
    l.ratio,
    l.better,
    l.target,
    l.met,
  ]);
  out.push(
    'SUMMARY (aedb / best peer)\n' +
      textTable(['row', 'metric', 'aedb', 'best peer', 'ratio', 'better', 'target', 'met'], lines),
  );
  return out.join('\n\n');
}
