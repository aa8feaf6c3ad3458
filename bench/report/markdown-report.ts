/** `bench/results/<name>.md`: the summary, the engines, and one table per scenario. */
import { formatValue, rowName } from './format';
import type { BenchResults } from './results-model';
import { scenarioTable } from './scenario-table';
import { summaryLines } from './summary-rows';
import { markdownTable } from './tables';

function metaSection(r: BenchResults): string {
  const m = r.meta;
  const mc = m.machine;
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
  return [
    `- date: ${m.startedAt} (took ${Math.round(m.durationSec)} s)`,
    `- command: \`${m.command}\`${m.quick ? ' (quick run: small data, short loops)' : ''}`,
    `- machine: ${mc.nproc} CPUs (${mc.cpuModel}), ${mc.totalMemGiB.toFixed(1)} GiB RAM ` +
      `(${mc.freeMemGiB.toFixed(1)} GiB free at start), ${mc.os}`,
    `- disk of the data directories (${mc.tmpDir}): ${mc.tmpDisk}`,
    `- Node ${mc.node}; aedb at commit ${mc.gitCommit}${mc.gitDirty ? ' with uncommitted changes in src/' : ''} ` +
      '(the code is copied once at start, so every child runs the same aedb)',
    `- load average (1/5/15 min): ${load(m.loadavgStart)} at start, ${load(m.loadavgEnd)} at end ` +
      '(a shared machine: other jobs ran meanwhile; compare ratios within this run, not absolute numbers across runs)',
    `- ${m.reps} repetition(s) per engine, each engine in a fresh child process; ` +
      `values are "median (min–max)"; rows: ${m.sizes.rows.toLocaleString('en-US')}`,
  ].join('\n');
}

/** The engines table (version, encoding, settings per profile). */
export function enginesSection(r: BenchResults): string {
  const rows = r.meta.engines.map((e) => [
    e.engine,
    e.version,
    e.encoding,
    Object.entries(e.profiles)
      .map(([p, s]) => `**${p}**: ${s}`)
      .join('<br>'),
  ]);
  return markdownTable(['engine', 'version', 'encoding', 'profiles (settings)'], rows);
}

/** The summary table: aedb / best peer and targets per aedb row. */
export function summarySection(r: BenchResults): string {
  const rows = summaryLines(r).map((l) => [
    l.scenario,
    l.row,
    l.metric,
    l.aedb,
    l.bestPeer,
    l.ratio,
    l.better,
    l.target,
    l.met,
  ]);
  return markdownTable(
    [
      'workload',
      'aedb row',
      'metric',
      'aedb',
      'best peer',
      'aedb / best peer',
      'better',
      'target',
      'met',
    ],
    rows,
  );
}

/** One section per scenario: its table, notes and targets. */
export function scenarioSections(r: BenchResults, level = '###'): string {
  const out: string[] = [];
  for (const s of r.scenarios) {
    out.push(`${level} ${s.title}`);
    if (s.unavailable !== undefined) {
      out.push(`_${s.unavailable}._`);
      continue;
    }
    const { headers, rows } = scenarioTable(s);
    out.push(
      s.aedbOnly !== undefined
        ? `aedb only: ${s.aedbOnly}.`
        : `Ratio: aedb / best peer of **${s.columns.find((c) => c.key === s.compare.metric)?.label ?? s.compare.metric}** ` +
            `(${s.compare.higherIsBetter ? 'higher' : 'lower'} is better).`,
    );
    out.push(rows.length > 0 ? markdownTable(headers, rows) : '_no results_');
    const na = Object.entries(s.notApplicable);
    if (na.length > 0) out.push(na.map(([e, why]) => `- ${e}: not applicable (${why})`).join('\n'));
    const notes = s.rows.map(
      (row) => `- ${rowName(row.engine, row.variant)}: ${row.notes.join('; ')}`,
    );
    if (notes.length > 0)
      out.push(
        `<details><summary>settings and notes</summary>\n\n${notes.join('\n')}\n\n</details>`,
      );
    for (const t of s.targets) {
      out.push(
        `Target (${rowName('aedb', t.variant)}): ${t.description} — ` +
          (t.met === undefined
            ? 'not measured'
            : `**${t.met ? 'met' : 'not met'}** (${formatValue(t.value ?? Number.NaN, t.unit)})`),
      );
    }
  }
  return out.join('\n\n');
}

/** Render the Markdown report. */
export function markdownReport(r: BenchResults, svgFile: string): string {
  const parts = [
    '# aedb benchmark results',
    metaSection(r),
    '## Summary: aedb / best peer',
    `![aedb / best peer](${svgFile})`,
    summarySection(r),
    '## Engines',
    enginesSection(r),
    '## Workloads',
    scenarioSections(r),
  ];
  if (r.failures.length > 0) {
    parts.push('## Failures');
    parts.push(
      r.failures
        .map(
          (f) =>
            `- ${f.workload}/${f.scenario} ${f.engine} [${f.phase}] rep ${f.rep}: \`${f.error.split('\n')[0]}\``,
        )
        .join('\n'),
    );
  }
  return parts.join('\n\n') + '\n';
}
