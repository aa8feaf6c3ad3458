/**
 * A benchmark child process: runs one phase of one workload scenario for one engine and writes
 * the result as JSON. The runner (`bench/main.ts`) spawns one per measurement, so every engine
 * starts with a fresh heap and its own RSS.
 *
 *   node --expose-gc <run's compiled copy>/bench/child.js <request.json>
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ChildRequest, ChildResult } from './harness/protocol';
import { findWorkload } from './workloads/registry';

async function main(): Promise<void> {
  const requestFile = process.argv[2];
  if (requestFile === undefined) throw new Error('usage: child.ts <request.json>');
  const req = JSON.parse(fs.readFileSync(requestFile, 'utf8')) as ChildRequest;
  const loadavgStart = os.loadavg();
  let result: ChildResult;
  try {
    const workload = findWorkload(req.workload);
    if (workload === undefined) throw new Error(`unknown workload ${req.workload}`);
    const out = await workload.run(req);
    result = {
      rows: out.rows,
      handoff: out.handoff ?? null,
      loadavgStart,
      loadavgEnd: os.loadavg(),
    };
  } catch (err) {
    result = {
      rows: [],
      handoff: null,
      loadavgStart,
      loadavgEnd: os.loadavg(),
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
  }
  fs.writeFileSync(req.resultFile, JSON.stringify(result));
}

main().then(
  // Native engines may keep handles open; the result is written, so leave now.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
