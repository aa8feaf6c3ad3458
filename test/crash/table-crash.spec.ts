/**
 * SIGKILL crash matrix, table workload: 64 sequential writers (64 commits in flight) run
 * deterministic op chains of inserts, upserts, deletes, `updateFields`, two-row commits and
 * commits that must fail, on a table with a unique and a plain secondary index (see
 * `table-workload.ts`). After every kill:
 *
 * 1. `verifyDatabase` runs on the directory exactly as the kill left it (WAL, every checkpoint,
 *    replay, index and row invariants) and must pass (a torn tail or temp file is a note);
 * 2. the directory is reopened: each writer's rows must equal the state after some op at or
 *    after its last acknowledged one (every acknowledged commit's effect is there exactly, and
 *    nothing partial or foreign is), and the recovered seq covers every acknowledged seq;
 * 3. the next worker checks that its own recovery reproduces exactly that state.
 *
 * Profiles (`crash-config.ts`): `table-full`, `checkpoint-loop` (the worker runs
 * `checkpointNow()` back to back, so kills land inside checkpoints), `tiny-segments` (a WAL
 * rotation after nearly every batch). Cycles per profile: `AEDB_CRASH_CYCLES` (default 12).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance, Query } from '../../src/index';
import { compiledPath } from '../support/compiled-workers';
import { recordReliability } from '../support/reliability-stats';
import { tableCrashConfig, type TableCrashProfile } from './crash-config';
import {
  crashCycles,
  crashTimeout,
  expectVerified,
  randomRunMs,
  runAndKill,
} from './crash-harness';
import {
  OpChain,
  PKS_PER_WORKER,
  TABLE,
  WORKERS,
  matchChain,
  writerPks,
  type ItemRow,
} from './table-workload';

const CYCLES = crashCycles(12);
/** Ops a writer may have finished after its last acknowledgement reached the harness. */
const HORIZON = 10_000;

interface Done {
  w: number;
  k: number;
  seq?: number;
}

interface CycleOutcome {
  rows: Map<number, ItemRow | null>;
  problems: string[];
  commits: number;
}

/** Reopen after a kill and match every writer's rows against its op chain. */
async function checkCycle(
  dir: string,
  profile: TableCrashProfile,
  cycle: number,
  before: ReadonlyMap<number, ItemRow | null>,
  acks: readonly Done[],
): Promise<CycleOutcome> {
  const acked = new Array<number>(WORKERS).fill(0);
  let maxSeq = 0;
  let commits = 0;
  for (const a of acks) {
    if (a.w < 0) continue;
    if (a.k > acked[a.w]) acked[a.w] = a.k;
    if (a.seq !== undefined) {
      commits++;
      maxSeq = Math.max(maxSeq, a.seq);
    }
  }
  const db = await AedbInstance.open(dir, tableCrashConfig(profile));
  const problems: string[] = [];
  const rows = new Map<number, ItemRow | null>();
  try {
    if (db.recoveryReport.recoveredSeq < maxSeq) {
      problems.push(`recovered seq ${db.recoveryReport.recoveredSeq} < acknowledged seq ${maxSeq}`);
    }
    if (await db.tableExists(TABLE.projectId, TABLE.scopeId, TABLE.tableName)) {
      const q = Query.select('*').from(TABLE.tableName);
      for (const row of (await db.query(TABLE.projectId, TABLE.scopeId, q)).rows) {
        const r = row as unknown as ItemRow;
        if (!(r.id >= 0 && r.id < WORKERS * PKS_PER_WORKER)) problems.push(`foreign row ${r.id}`);
        rows.set(r.id, r);
      }
    }
    for (let w = 0; w < WORKERS; w++) {
      const start = new Map<number, ItemRow | null>();
      const actual = new Map<number, ItemRow | null>();
      for (const pk of writerPks(w)) {
        start.set(pk, before.get(pk) ?? null);
        actual.set(pk, rows.get(pk) ?? null);
      }
      const matched = matchChain(new OpChain(cycle, w, start), acked[w], actual, HORIZON);
      if (typeof matched === 'string') problems.push(`cycle ${cycle}: ${matched}`);
    }
  } finally {
    await db.close();
  }
  return { rows, problems, commits };
}

describe('SIGKILL crash matrix (table workload, two secondary indexes)', () => {
  const profiles: TableCrashProfile[] = ['table-full', 'checkpoint-loop', 'tiny-segments'];
  let workerJs: string;
  beforeAll(() => {
    workerJs = compiledPath('test/crash/table-crash-worker.ts');
  });

  for (const profile of profiles) {
    it(
      `${profile}: every acknowledged commit's effect survives ${CYCLES} SIGKILLs exactly, verify passes`,
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-crash-table-'));
        const stateFile = `${dir}.state.json`;
        const config = tableCrashConfig(profile);
        let state = new Map<number, ItemRow | null>();
        let commits = 0;
        let lost = 0;
        let checkpoints = 0;
        let midCheckpoint = 0;
        let tempFiles = 0;
        let tornTails = 0;
        const segments = new Set<string>();
        try {
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            fs.writeFileSync(stateFile, JSON.stringify([...state]));
            // checkpoint-loop: every other worker kills itself inside a checkpoint.
            const selfKill = profile === 'checkpoint-loop' && cycle % 2 === 1;
            const { acks, selfKilled } = await runAndKill<Done>(
              workerJs,
              [
                dir,
                String(cycle),
                profile,
                stateFile,
                String(selfKill ? Math.floor(Math.random() * 40) : -1),
              ],
              selfKill ? 5_000 : randomRunMs(cycle),
              selfKill,
            );
            if (selfKill) expect(selfKilled).toBe(true);
            if (selfKilled) midCheckpoint++;
            checkpoints += acks.filter((a) => a.w < 0).length;
            for (const f of fs.readdirSync(path.join(dir, 'wal'))) segments.add(f);
            const report = await expectVerified(dir, config);
            if (report.notes.some((n) => n.includes('.ckpt.tmp'))) tempFiles++;
            if (report.notes.some((n) => n.includes('torn tail'))) tornTails++;
            const outcome = await checkCycle(dir, profile, cycle, state, acks);
            commits += outcome.commits;
            lost += outcome.problems.length;
            expect(outcome.problems.slice(0, 10)).toEqual([]);
            state = outcome.rows;
          }
          await expectVerified(dir, config);
          recordReliability(`crash: table ${profile}`, {
            cycles: CYCLES,
            commitsAcknowledged: commits,
            commitsVerified: commits - lost,
            lost,
            verifications: CYCLES + 1,
          });
          expect(commits).toBeGreaterThan(CYCLES * 20);
          if (profile === 'checkpoint-loop') {
            expect(checkpoints).toBeGreaterThan(0);
            expect(midCheckpoint).toBe(Math.floor(CYCLES / 2));
          }
          if (profile === 'tiny-segments') expect(segments.size).toBeGreaterThan(CYCLES / 2);
          // Evidence for the log: how often the kill cut a write or a checkpoint short.
          process.stdout.write(
            `${profile}: ${CYCLES} kills, ${commits} acknowledged commits, ${checkpoints} checkpoints, ` +
              `${midCheckpoint} kills mid-checkpoint (${tempFiles} left a temp file), ${tornTails} torn tails, ` +
              `${segments.size} segments\n`,
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
          fs.rmSync(stateFile, { force: true });
        }
      },
      crashTimeout(CYCLES),
    );
  }
});
