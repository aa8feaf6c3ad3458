/** Write `bench/results/<name>.json`, `.md` and `.svg`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markdownReport } from './markdown-report';
import type { BenchResults } from './results-model';
import { svgChart } from './svg-chart';

/** The results directory. */
export const RESULTS_DIR = path.join(__dirname, '..', 'results');

/** Write the three files; returns their paths. */
export function writeResults(results: BenchResults, name: string): string[] {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = path.join(RESULTS_DIR, `${name}.json`);
  const md = path.join(RESULTS_DIR, `${name}.md`);
  const svg = path.join(RESULTS_DIR, `${name}.svg`);
  fs.writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(svg, svgChart(results));
  fs.writeFileSync(md, markdownReport(results, `${name}.svg`));
  return [json, md, svg];
}
