/**
 * Write `docs/performance.md` from a full run's `bench/results/latest.json`: the machine, the
 * summary with targets, the chart, every workload's table, and how to rerun. The text between
 * `<!-- notes:start -->` and `<!-- notes:end -->` in the existing file (hand-written reading of
 * the results) is kept.
 *
 *   node -r @swc-node/register bench/tools/performance-doc.ts [results.json] [out.md]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enginesSection, scenarioSections, summarySection } from '../report/markdown-report';
import type { BenchResults } from '../report/results-model';

const REPO = path.join(__dirname, '..', '..');
const NOTES = /<!-- notes:start -->[\s\S]*?<!-- notes:end -->/;

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trimEnd();
  } catch {
    return '(unavailable)';
  }
}

/** The raw machine commands: from the run, or (older results files) captured now. */
function machineCommands(r: BenchResults): { text: string; live: boolean } {
  const recorded = r.meta.machine.commands as Readonly<Record<string, string>> | undefined;
  const tmp = r.meta.machine.tmpDir;
  const cmds = recorded ?? {
    nproc: sh('nproc', []),
    'free -g': sh('free', ['-g']),
    [`df -h ${tmp}`]: sh('df', ['-h', tmp]),
  };
  const text = Object.entries(cmds)
    .map(([cmd, out]) => `$ ${cmd}\n${out}`)
    .join('\n');
  return { text, live: recorded === undefined };
}

function machineBlock(r: BenchResults): string {
  const m = r.meta.machine;
  const cmds = machineCommands(r);
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
  return [
    `- date: ${r.meta.startedAt} (the run took ${Math.round(r.meta.durationSec / 60)} min)`,
    `- CPU: ${m.nproc} × ${m.cpuModel}; RAM ${m.totalMemGiB.toFixed(1)} GiB; ${m.os}`,
    `- Node ${m.node}; aedb at commit \`${m.gitCommit}\`${m.gitDirty ? ' with uncommitted changes in src/' : ''}`,
    `- data directories in \`${m.tmpDir}\`: ${m.tmpDisk}`,
    `- load average (1/5/15 min) ${load(r.meta.loadavgStart)} at start, ${load(r.meta.loadavgEnd)} at end: ` +
      'a shared machine with other jobs running',
    `- ${r.meta.reps} repetitions per engine; ${r.meta.sizes.rows.toLocaleString('en-US')} rows in the large data set`,
    '',
    cmds.live
      ? '(captured on the same machine when this page was generated)'
      : '(at the start of the run)',
    '',
    '```',
    cmds.text,
    '```',
  ].join('\n');
}

function main(): void {
  const [jsonArg, outArg] = process.argv.slice(2);
  const json = jsonArg ?? path.join(REPO, 'bench', 'results', 'latest.json');
  const out = outArg ?? path.join(REPO, 'docs', 'performance.md');
  const r = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchResults;
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  const notes =
    NOTES.exec(previous)?.[0] ?? '<!-- notes:start -->\n_No notes yet._\n<!-- notes:end -->';
  const doc = [
    '# Performance',
    'Every performance number of this project comes from `npm run bench` ' +
      '([bench/README.md](../bench/README.md)): the same workloads against aedb and the engines ' +
      'users would pick instead (better-sqlite3, lmdb, classic-level), in one run on one machine, ' +
      'each engine in a fresh child process, several repetitions, median (min–max). The machine is ' +
      'shared and noisy: absolute numbers drift from run to run, **ratios within one run hold**. ' +
      'The ratio is always aedb / best peer; the tables say whether higher or lower is better.',
    '## Latest full run',
    machineBlock(r),
    '## Summary: aedb / best peer, and the targets',
    '![aedb / best peer](../bench/results/latest.svg)',
    summarySection(r),
    '## Reading the results',
    notes,
    '## Every workload',
    scenarioSections(r, '###'),
    '## Engines and settings',
    enginesSection(r),
    '## How to rerun',
    [
      '```bash',
      'npm run bench                   # the full run (this table); writes bench/results/latest.*',
      'npm run bench -- --quick        # < 3 minutes, 100,000 rows, 1 repetition',
      'npm run bench -- --workload W5 --engine aedb,lmdb   # filters',
      'node -r @swc-node/register bench/tools/performance-doc.ts   # regenerate this page',
      '```',
    ].join('\n'),
  ];
  fs.writeFileSync(out, doc.join('\n\n') + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}

main();
