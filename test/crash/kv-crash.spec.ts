/**
 * SIGKILL crash matrix for the storage core: a child process commits pairs of KV entries with
 * 64 commits in flight; the harness kills it with SIGKILL at a random moment, reopens the
 * directory and checks that every acknowledged durable commit is there with its exact value
 * and version, and that no commit is partial. Checkpoints and WAL segment rotation run all the
 * time in the worker (tiny segments, frequent checkpoints), so kills land inside both. Before
 * each reopen, `verifyDatabase` checks the directory exactly as the kill left it.
 *
 * Cycles per profile: AEDB_CRASH_CYCLES (default 20; three profiles, so 60 kills in `npm test`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AedbInstance } from '../../src/index';
import { compiledPath } from '../support/compiled-workers';
import { recordReliability } from '../support/reliability-stats';
import { crashConfig, type CrashProfile } from './crash-config';
import { crashTimeout, expectVerified } from './crash-harness';

const CYCLES = Number(process.env.AEDB_CRASH_CYCLES ?? 20);
const INFLIGHT = 64;
/**
 * `full-chain-hmac-strict` never checkpoints, so every reopen (and every `verifyDatabase`)
 * replays the whole WAL of all earlier cycles: its time grows with the square of the cycles
 * (the long profile's 200 cycles took over 20 minutes on two busy cores).
 */
const timeoutFor = (profile: CrashProfile): number =>
  profile === 'full-chain-hmac-strict' ? crashTimeout(CYCLES, 30_000) : crashTimeout(CYCLES);

interface Ack {
  i: number;
  v: string;
  seq: number;
  durable: boolean;
}

interface WorkerMessage {
  type: 'ready' | 'acks' | 'error';
  acks?: Ack[];
  message?: string;
}

/** Run one worker until it is ready, let it work for `runMs`, SIGKILL it, collect its acks. */
async function runAndKill(workerJs: string, args: string[], runMs: number): Promise<Ack[]> {
  const acks: Ack[] = [];
  const child: ChildProcess = fork(workerJs, args, {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready in 20 s: ${stderr}`)),
      20_000,
    );
    child.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve();
      } else if (msg.type === 'acks' && msg.acks !== undefined) {
        acks.push(...msg.acks);
      } else if (msg.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`worker failed: ${msg.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited early (${code}): ${stderr}`));
    });
  });
  await new Promise((r) => setTimeout(r, runMs));
  child.kill('SIGKILL');
  await exited;
  return acks;
}

/**
 * Reopen and check every acknowledged commit and the absence of partial commits.
 * Problems are collected and asserted once (an `expect` per entry would dominate the run time).
 */
async function verify(
  dir: string,
  profile: CrashProfile,
  ackedByCycle: Map<number, Ack[]>,
): Promise<void> {
  const db = await AedbInstance.open(dir, crashConfig(profile));
  const problems: string[] = [];
  try {
    const snap = db.snapshot();
    for (const [cycle, acks] of ackedByCycle) {
      for (const ack of acks) {
        const a = snap.kvGet('crash', 'kv', `c${cycle}/${ack.i}/a`);
        const b = snap.kvGet('crash', 'kv', `c${cycle}/${ack.i}/b`);
        if (!ack.durable && a === undefined && b === undefined) continue; // visible-only: may be lost
        for (const [half, e] of [
          ['a', a],
          ['b', b],
        ] as const) {
          if (e === undefined)
            problems.push(`c${cycle}/${ack.i}/${half}: acknowledged at seq ${ack.seq}, missing`);
          else if (e.version !== ack.seq || Buffer.from(e.value).toString() !== ack.v) {
            problems.push(
              `c${cycle}/${ack.i}/${half}: expected seq ${ack.seq}, got ${e.version} / other value`,
            );
          }
        }
      }
      // No partial commit: every `a` has its `b` with the same value and version.
      const halves = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const page = snap.kvScanPrefix('crash', 'kv', `c${cycle}/`, { limit: 10_000, cursor });
        for (const e of page.entries) {
          const key = Buffer.from(e.key).toString();
          const id = key.slice(0, key.lastIndexOf('/'));
          const tag = `${Buffer.from(e.value).toString()}@${e.version}`;
          const other = halves.get(id);
          if (other === undefined) halves.set(id, tag);
          else {
            if (tag !== other) problems.push(`${id}: halves differ (${tag} vs ${other})`);
            halves.delete(id);
          }
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      for (const id of halves.keys()) problems.push(`${id}: partial commit (one half only)`);
    }
    let maxDurable = 0;
    for (const acks of ackedByCycle.values()) {
      for (const a of acks) if (a.durable && a.seq > maxDurable) maxDurable = a.seq;
    }
    if (db.recoveryReport.recoveredSeq < maxDurable) {
      problems.push(
        `recovered seq ${db.recoveryReport.recoveredSeq} < acknowledged seq ${maxDurable}`,
      );
    }
  } finally {
    await db.close();
  }
  expect(problems.slice(0, 20)).toEqual([]);
}

describe('SIGKILL crash matrix (storage core)', () => {
  const profiles: CrashProfile[] = ['full-checkpoints', 'full-chain-hmac-strict', 'batch'];
  let workerJs: string;
  beforeAll(() => {
    workerJs = compiledPath('test/crash/kv-crash-worker.ts');
  });

  for (const profile of profiles) {
    it(
      `${profile}: every acknowledged durable commit survives ${CYCLES} SIGKILLs, none partial`,
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aedb-crash-'));
        try {
          const acked = new Map<number, Ack[]>();
          let totalAcks = 0;
          let checkpointsSeen = 0;
          let segmentsSeen = 0;
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            // Mostly mid-run kills; every fifth cycle dies almost at once (during early writes).
            const runMs =
              cycle % 5 === 0
                ? Math.floor(Math.random() * 10)
                : 30 + Math.floor(Math.random() * 250);
            const acks = await runAndKill(
              workerJs,
              [dir, String(cycle), profile, String(INFLIGHT)],
              runMs,
            );
            acked.set(cycle, acks);
            totalAcks += acks.length;
            await expectVerified(dir, crashConfig(profile));
            segmentsSeen = Math.max(segmentsSeen, fs.readdirSync(path.join(dir, 'wal')).length);
            checkpointsSeen += fs.readdirSync(path.join(dir, 'checkpoints')).length > 0 ? 1 : 0;
            await verify(dir, profile, acked);
          }
          recordReliability(`crash: kv ${profile}`, {
            cycles: CYCLES,
            commitsAcknowledged: totalAcks,
            commitsVerified: totalAcks,
            lost: 0,
            verifications: CYCLES,
          });
          expect(totalAcks).toBeGreaterThan(CYCLES * 10);
          if (profile !== 'full-chain-hmac-strict') expect(checkpointsSeen).toBeGreaterThan(0);
          expect(segmentsSeen).toBeGreaterThan(1);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      timeoutFor(profile),
    );
  }
});
