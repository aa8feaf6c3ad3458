/**
 * `npm run test:reliability`: the long profile of the reliability suites (`test/crash`,
 * `test/reliability`, `test/verify`) with large defaults — 200 kill cycles per crash profile
 * (2,000 in all), 10,000 runs per property and 60 s of concurrency stress per durability mode (override with
 * `AEDB_CRASH_CYCLES` / `AEDB_PROPERTY_RUNS` / `AEDB_STRESS_MS`) — followed by a summary table
 * of what was exercised, collected from the counts each suite appends to a stats file (see
 * `test/support/reliability-stats.ts`). Extra arguments go to Jest.
 *
 * Exit code: Jest's, or 1 when any suite reports an acknowledged commit lost.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STATS_ENV, type ReliabilityCounts } from '../support/reliability-stats';

const COLUMNS: readonly [keyof ReliabilityCounts, string][] = [
  ['cycles', 'kill cycles'],
  ['commitsAcknowledged', 'commits acked'],
  ['commitsVerified', 'commits verified'],
  ['lost', 'lost'],
  ['faultsInjected', 'faults injected'],
  ['corruptionsTried', 'corruptions tried'],
  ['propertyRuns', 'property runs'],
  ['verifications', 'verify passes'],
  ['snapshotsChecked', 'snapshots checked'],
];

function main(): number {
  const statsFile = path.join(os.tmpdir(), `aedb-reliability-${process.pid}-${Date.now()}.jsonl`);
  const env = {
    ...process.env,
    AEDB_CRASH_CYCLES: process.env.AEDB_CRASH_CYCLES ?? '200',
    AEDB_PROPERTY_RUNS: process.env.AEDB_PROPERTY_RUNS ?? '10000',
    AEDB_STRESS_MS: process.env.AEDB_STRESS_MS ?? '60000',
    [STATS_ENV]: statsFile,
  };
  const started = Date.now();
  process.stdout.write(
    `reliability profile: AEDB_CRASH_CYCLES=${env.AEDB_CRASH_CYCLES} AEDB_PROPERTY_RUNS=${env.AEDB_PROPERTY_RUNS} AEDB_STRESS_MS=${env.AEDB_STRESS_MS}\n`,
  );
  const jest = spawnSync(
    process.execPath,
    [
      require.resolve('jest/bin/jest'),
      'test/crash',
      'test/reliability',
      'test/verify',
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env, cwd: path.resolve(__dirname, '../..') },
  );
  const totals = new Map<string, Record<string, number>>();
  const lines = fs.existsSync(statsFile) ? fs.readFileSync(statsFile, 'utf8').split('\n') : [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const { suite, ...counts } = JSON.parse(line) as { suite: string } & Record<string, number>;
    const row = totals.get(suite) ?? {};
    for (const [k, v] of Object.entries(counts)) row[k] = (row[k] ?? 0) + v;
    totals.set(suite, row);
  }
  fs.rmSync(statsFile, { force: true });
  const sum: Record<string, number> = {};
  for (const row of totals.values())
    for (const [k, v] of Object.entries(row)) sum[k] = (sum[k] ?? 0) + v;
  const rows = [...[...totals].sort((a, b) => (a[0] < b[0] ? -1 : 1)), ['total', sum] as const];
  const header = ['suite', ...COLUMNS.map(([, label]) => label)];
  const table = rows.map(([suite, row]) => [
    suite,
    ...COLUMNS.map(([key]) => (row[key] === undefined ? '' : row[key].toLocaleString('en-US'))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const fmt = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const out = [
    '',
    `reliability summary (${((Date.now() - started) / 60_000).toFixed(1)} min, jest exit ${jest.status ?? jest.signal})`,
    fmt(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...table.map(fmt),
    '',
  ];
  process.stdout.write(out.join('\n'));
  if ((sum.lost ?? 0) > 0) return 1;
  return jest.status ?? 1;
}

process.exitCode = main();
