/**
 * The benchmark runner: `npm run bench [-- --quick] [--engine ...] [--workload ...]`.
 *
 * For every scenario of every workload, for every repetition, for every engine (in an order
 * rotated per repetition) it runs each phase in a fresh child process (`bench/child.ts`) with
 * its own data directory under `os.tmpdir()`, collects the rows, then aggregates medians and
 * ranges, computes aedb / best peer, checks the issue's targets, and writes
 * `bench/results/<name>.{json,md,svg}`. See bench/README.md.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { describeEngines } from './harness/engine-info';
import { FULL_SIZES, QUICK_SIZES } from './harness/bench-sizes';
import { parseOptions, USAGE, type BenchOptions } from './harness/cli-options';
import { snapshotCode } from './harness/code-snapshot';
import { machineInfo } from './harness/machine';
import { buildPlan, rotate, type PlanItem } from './harness/plan';
import type { EngineId, Json } from './harness/protocol';
import { runChild, type SpawnSettings } from './harness/spawn-child';
import { makeTempDir, removeDir } from './harness/temp-dir';
import { aggregateScenario } from './report/aggregate';
import { formatValue, rowName } from './report/format';
import type { BenchResults, Failure, Measurement } from './report/results-model';
import { textReport } from './report/text-report';
import { RESULTS_DIR, writeResults } from './report/write-results';
import { WORKLOADS } from './workloads/registry';

const liveDirs = new Set<string>();

function log(line: string): void {
  process.stdout.write(line + '\n');
}

interface RunState {
  readonly measurements: Measurement[];
  readonly failures: Failure[];
  childCount: number;
}

async function runEngine(
  item: PlanItem,
  engine: EngineId,
  rep: number,
  options: BenchOptions,
  runDir: string,
  settings: SpawnSettings,
  state: RunState,
): Promise<void> {
  const { workload, scenario } = item;
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  const dir = makeTempDir(`${workload.id}-${engine}`);
  liveDirs.add(dir);
  try {
    let handoff: Json = null;
    for (const phase of workload.phases?.(engine, scenario.id) ?? ['run']) {
      const started = Date.now();
      const result = await runChild(
        {
          workload: workload.id,
          scenario: scenario.id,
          engine,
          phase,
          rep,
          dir,
          sizes,
          handoff,
          resultFile: path.join(runDir, `${++state.childCount}.result.json`),
        },
        settings,
      );
      const head = `  ${workload.id} ${scenario.id} rep ${rep}/${options.reps} ${engine}${phase === 'run' ? '' : ` [${phase}]`}`;
      const secs = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (result.error !== undefined) {
        state.failures.push({
          workload: workload.id,
          scenario: scenario.id,
          engine,
          phase,
          rep,
          error: result.error,
        });
        log(`${head}: FAILED (${secs})\n${result.error.split('\n').slice(0, 6).join('\n')}`);
        return;
      }
      if (result.handoff !== null) handoff = result.handoff;
      const column = scenario.columns.find((c) => c.key === scenario.compare.metric);
      const parts: string[] = [];
      for (const row of result.rows) {
        state.measurements.push({
          workload: workload.id,
          scenario: scenario.id,
          engine,
          variant: row.variant,
          rep,
          metrics: row.metrics,
          notes: row.notes ?? [],
          loadavg1: result.loadavgStart[0] ?? Number.NaN,
        });
        const v = row.metrics[scenario.compare.metric];
        if (column !== undefined && v !== undefined) {
          parts.push(
            `${rowName(engine, row.variant)} ${column.label} ${formatValue(v, column.unit)}`,
          );
        }
      }
      log(`${head}: ${parts.length > 0 ? parts.join(', ') : 'done'} (${secs})`);
    }
  } finally {
    removeDir(dir);
    liveDirs.delete(dir);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    log(USAGE);
    return;
  }
  const startedAt = new Date();
  const loadavgStart = os.loadavg();
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  const plan = buildPlan(WORKLOADS, options);
  const machine = machineInfo();
  const engines = [...new Set(plan.flatMap((p) => (p.scenario.unavailable ? [] : p.engines)))];
  const engineInfo = describeEngines(engines);
  const runDir = makeTempDir('run');
  liveDirs.add(runDir);
  const code = snapshotCode();
  liveDirs.add(code.root);
  const settings: SpawnSettings = {
    cpuProfDir: options.cpuProf ? path.join(RESULTS_DIR, 'profiles') : undefined,
    timeoutSec: options.timeoutSec,
    childScript: code.childScript,
  };
  log(
    `aedb bench: ${options.quick ? 'quick' : 'full'} run, ${options.reps} rep(s), ` +
      `${sizes.rows.toLocaleString('en-US')} rows; ${machine.nproc} CPUs, Node ${machine.node}; ` +
      `load average ${loadavgStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const state: RunState = { measurements: [], failures: [], childCount: 0 };
  try {
    for (const item of plan) {
      log(`${item.scenario.title}`);
      if (item.scenario.unavailable !== undefined) {
        log(`  ${item.scenario.unavailable}`);
        continue;
      }
      for (let rep = 1; rep <= options.reps; rep++) {
        for (const engine of rotate(item.engines, rep - 1)) {
          await runEngine(item, engine, rep, options, runDir, settings, state);
        }
      }
    }
  } finally {
    for (const dir of [runDir, code.root]) {
      removeDir(dir);
      liveDirs.delete(dir);
    }
  }
  const results: BenchResults = {
    meta: {
      startedAt: startedAt.toISOString(),
      durationSec: (Date.now() - startedAt.getTime()) / 1000,
      command: [
        'npm run bench',
        ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
      ].join(' '),
      quick: options.quick,
      reps: options.reps,
      sizes,
      machine,
      loadavgStart,
      loadavgEnd: os.loadavg(),
      engines: engineInfo,
    },
    workloads: WORKLOADS.map((w) => ({ id: w.id, name: w.name, summary: w.summary })),
    scenarios: plan.map((p) =>
      aggregateScenario(
        p.workload.id,
        p.scenario,
        state.measurements.filter(
          (m) => m.workload === p.workload.id && m.scenario === p.scenario.id,
        ),
      ),
    ),
    failures: state.failures,
    measurements: state.measurements,
  };
  log('\n' + textReport(results));
  const files = writeResults(results, options.out);
  log(`\nwrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  if (state.failures.length > 0) {
    log(`${state.failures.length} child process(es) failed; see the Failures section`);
    process.exitCode = 1;
  }
}

process.on('SIGINT', () => {
  for (const dir of liveDirs) removeDir(dir);
  process.exit(130);
});

main().catch((err: unknown) => {
  for (const dir of liveDirs) removeDir(dir);
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
