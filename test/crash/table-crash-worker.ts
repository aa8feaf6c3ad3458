/**
 * Crash-test worker of the table workload (see `table-workload.ts`): opens the directory, checks
 * that recovery produced exactly the state the harness verified after the previous kill, then
 * runs the 64 writers' op chains, reporting each finished op over IPC, until it is killed.
 *
 * argv: dataDir cycle profile stateFile selfKillMs
 * `stateFile` holds the rows the harness expects (JSON `[id, row | null][]`).
 * With the `checkpoint-loop` profile it also runs `checkpointNow()` back to back meanwhile, and
 * when `selfKillMs >= 0` it SIGKILLs itself that many ms into its second checkpoint (or, if
 * that one is done by then, at the next moment a checkpoint is running): a kill guaranteed to
 * land mid-checkpoint.
 */
import * as fs from 'node:fs';
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../src/aedb-instance';
import { isAedbError } from '../../src/storage/errors';
import { Query } from '../../src/storage/query/query';
import { tableCrashConfig, type TableCrashProfile } from './crash-config';
import {
  OpChain,
  TABLE,
  WORKERS,
  sameRow,
  tableDdl,
  writerPks,
  type ItemRow,
} from './table-workload';
import { ackReporter } from './ack-reporter';

const [dir, cycleArg, profileArg, stateFile, selfKillArg] = process.argv.slice(2);
const selfKillMs = Number(selfKillArg ?? -1);
const cycle = Number(cycleArg);
const profile = profileArg as TableCrashProfile;

/** One finished op: `k` of writer `w`; `seq` when it committed. */
interface Done {
  w: number;
  k: number;
  seq?: number;
}

const report = ackReporter<Done>();

function fail(message: string): never {
  process.send?.({ type: 'error', message });
  process.exit(1);
}

async function main(): Promise<void> {
  const db = await AedbInstance.open(dir, tableCrashConfig(profile));
  await db.commitMany(tableDdl());
  const expected = new Map<number, ItemRow | null>(
    JSON.parse(fs.readFileSync(stateFile, 'utf8')) as [number, ItemRow | null][],
  );
  const actual = new Map<number, ItemRow>();
  for (const row of (
    await db.query(TABLE.projectId, TABLE.scopeId, Query.select('*').from(TABLE.tableName))
  ).rows) {
    actual.set(row.id as number, row as unknown as ItemRow);
  }
  for (const [id, row] of expected) {
    if (!sameRow(row, actual.get(id))) fail(`recovered row ${id} differs from the verified state`);
  }
  if (actual.size !== [...expected.values()].filter((r) => r !== null).length) {
    fail(`recovered ${actual.size} rows, the verified state has a different count`);
  }
  process.send?.({ type: 'ready' });
  if (profile === 'checkpoint-loop') {
    let inCheckpoint = false;
    const killMidCheckpoint = (): void => {
      if (inCheckpoint) process.kill(process.pid, 'SIGKILL');
      else setTimeout(killMidCheckpoint, 1);
    };
    void (async () => {
      for (let n = 0; ; n++) {
        if (n === 1 && selfKillMs >= 0) setTimeout(killMidCheckpoint, selfKillMs);
        inCheckpoint = true;
        const written = await db.checkpointNow();
        inCheckpoint = false;
        if (written !== undefined) report({ w: -1, k: 0 });
        // Yield: a checkpoint with nothing new resolves without I/O and would starve the loop.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
  }
  for (let w = 0; w < WORKERS; w++) {
    const start = new Map<number, ItemRow | null>();
    for (const pk of writerPks(w)) start.set(pk, expected.get(pk) ?? null);
    void runWriter(db, new OpChain(cycle, w, start));
  }
}

async function runWriter(db: AedbInstance, chain: OpChain): Promise<void> {
  for (;;) {
    const op = chain.next();
    let outcome: string;
    let seq: number | undefined;
    try {
      seq = (await db.commitMany(op.mutations)).commitSeq;
      outcome = 'ok';
    } catch (err) {
      if (!isAedbError(err)) fail(`${op.label}: ${String(err)}`);
      outcome = err.code;
    }
    if (outcome !== op.expect) fail(`${op.label}: expected ${op.expect}, got ${outcome}`);
    report(seq === undefined ? { w: chain.w, k: op.k } : { w: chain.w, k: op.k, seq });
  }
}

main().catch((err: unknown) =>
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
