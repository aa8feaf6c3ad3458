/**
 * Concurrency stress: 64 concurrent writers move money between {@link ACCOUNTS} u64 accounts
 * while readers take snapshots — `snapshot()` at the latest state, `snapshot({ atSeq })` a few
 * commits back, and `kvScanPrefix` with `consistency: { atSeq }` — and check that the total is
 * the same in every one. Half of the writers use atomic numerics (`kvSubU64Ex` with
 * `onUnderflow: 'reject'` + `kvAddU64Ex`); the other half read both balances at a snapshot and
 * write the new values with `kvSet` under a read set of both points (optimistic concurrency:
 * a stale read must fail with `CONFLICT` and is retried — were a stale write ever accepted,
 * money would appear or vanish). Every transfer emits a ledger event in its commit.
 *
 * Afterwards every sampled snapshot is compared balance by balance with the replay of the
 * committed transfers up to its seq, the final state with the replay of all of them, and the
 * ledger with the committed transfers.
 *
 * Duration per durability mode: `AEDB_STRESS_MS` (default 2,500 ms; the long profile runs
 * longer).
 */
import * as path from 'node:path';
import {
  AedbError,
  AedbInstance,
  decodeU64,
  encodeU64,
  type AedbConfigInput,
  type Mutation,
  type Snapshot,
} from '../../src/index';
import { recordReliability } from '../support/reliability-stats';
import { makeTempDir, removeTempDir } from '../support/temp-dir';
import { makeFastTempDir } from './fast-temp';

const DURATION_MS = Number(process.env.AEDB_STRESS_MS ?? 2_500);
const WRITERS = 64;
const READERS = 4;
const ACCOUNTS = 32;
const INITIAL = 10_000n;
const TOTAL = INITIAL * BigInt(ACCOUNTS);
const P = 'bank';
const S = 'acct';
/** Snapshots kept (a uniform sample) for the final exact comparison; every one's total is checked. */
const MAX_SAMPLES = 2_000;

jest.setTimeout(Math.max(60_000, DURATION_MS * 6));

function key(i: number): string {
  return `acct/${String(i).padStart(2, '0')}`;
}

interface Transfer {
  readonly seq: number;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

interface Sample {
  readonly seq: number;
  readonly balances: readonly bigint[];
}

/** Random integers from a seeded generator (reproducible runs per seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function balancesAt(snap: Snapshot): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const e = snap.kvGet(P, S, key(i));
    if (e === undefined) throw new Error(`snapshot ${snap.seq}: ${key(i)} is missing`);
    out.push(decodeU64(e.value));
  }
  return out;
}

function sum(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

function ledgerEvent(t: { from: number; to: number; amount: bigint }, id: string): Mutation {
  return {
    type: 'emitEvent',
    projectId: P,
    scopeId: S,
    topic: 'transfer',
    eventKey: id,
    payloadJson: JSON.stringify({ from: t.from, to: t.to, amount: Number(t.amount) }),
  };
}

async function stress(config: AedbConfigInput, dir: string): Promise<void> {
  const db = await AedbInstance.open(path.join(dir, 'db'), config);
  const transfers: Transfer[] = [];
  const samples: Sample[] = [];
  const problems: string[] = [];
  let snapshotsChecked = 0;
  let sampled = 0;
  let tooOld = 0;
  const keep = (sample: Sample): void => {
    // Reservoir sampling: the kept snapshots are spread over the whole run.
    sampled++;
    if (samples.length < MAX_SAMPLES) samples.push(sample);
    else {
      const i = Math.floor(Math.random() * sampled);
      if (i < MAX_SAMPLES) samples[i] = sample;
    }
  };
  let conflicts = 0;
  let underflows = 0;
  try {
    await db.createProject(P);
    await db.createScope(P, S);
    const funded = await db.commitMany(
      Array.from({ length: ACCOUNTS }, (_, i) => ({
        type: 'kvSet' as const,
        projectId: P,
        scopeId: S,
        key: key(i),
        value: encodeU64(INITIAL),
      })),
    );
    const deadline = Date.now() + DURATION_MS;

    const numericWriter = async (w: number): Promise<void> => {
      const next = rng(w + 1);
      for (let n = 0; Date.now() < deadline; n++) {
        const from = Math.floor(next() * ACCOUNTS);
        const to = (from + 1 + Math.floor(next() * (ACCOUNTS - 1))) % ACCOUNTS;
        const amount = BigInt(1 + Math.floor(next() * 3_000));
        try {
          const r = await db.commitMany([
            { type: 'kvSubU64Ex', projectId: P, scopeId: S, key: key(from), amount },
            { type: 'kvAddU64Ex', projectId: P, scopeId: S, key: key(to), amount },
            ledgerEvent({ from, to, amount }, `w${w}-${n}`),
          ]);
          transfers.push({ seq: r.commitSeq, from, to, amount });
        } catch (err) {
          if (!(err instanceof AedbError) || err.code !== 'UNDERFLOW') throw err;
          underflows++;
        }
      }
    };

    const optimisticWriter = async (w: number): Promise<void> => {
      const next = rng(w + 1);
      for (let n = 0; Date.now() < deadline; n++) {
        const from = Math.floor(next() * ACCOUNTS);
        const to = (from + 1 + Math.floor(next() * (ACCOUNTS - 1))) % ACCOUNTS;
        const amount = BigInt(1 + Math.floor(next() * 3_000));
        for (;;) {
          const snap = db.snapshot();
          const a = snap.kvGet(P, S, key(from));
          const b = snap.kvGet(P, S, key(to));
          if (a === undefined || b === undefined) throw new Error('an account is missing');
          const have = decodeU64(a.value);
          if (have < amount) break;
          try {
            const r = await db.commitEnvelope({
              baseSeq: snap.seq,
              readSet: {
                points: [
                  { type: 'kv', projectId: P, scopeId: S, key: key(from), version: a.version },
                  { type: 'kv', projectId: P, scopeId: S, key: key(to), version: b.version },
                ],
              },
              writeIntent: {
                mutations: [
                  {
                    type: 'kvSet',
                    projectId: P,
                    scopeId: S,
                    key: key(from),
                    value: encodeU64(have - amount),
                  },
                  {
                    type: 'kvSet',
                    projectId: P,
                    scopeId: S,
                    key: key(to),
                    value: encodeU64(decodeU64(b.value) + amount),
                  },
                  ledgerEvent({ from, to, amount }, `w${w}-${n}`),
                ],
              },
            });
            transfers.push({ seq: r.commitSeq, from, to, amount });
            break;
          } catch (err) {
            if (!(err instanceof AedbError) || err.code !== 'CONFLICT') throw err;
            conflicts++;
            if (Date.now() >= deadline) break;
          }
        }
      }
    };

    const check = (snap: Snapshot, how: string): void => {
      const balances = balancesAt(snap);
      snapshotsChecked++;
      if (sum(balances) !== TOTAL) {
        problems.push(`${how} at seq ${snap.seq}: total ${sum(balances)}, expected ${TOTAL}`);
      }
      keep({ seq: snap.seq, balances });
    };

    const reader = async (r: number): Promise<void> => {
      const next = rng(1_000 + r);
      while (Date.now() < deadline) {
        const head = db.headState().visibleHeadSeq;
        const kind = Math.floor(next() * 3);
        if (kind === 0) {
          check(db.snapshot(), 'snapshot()');
        } else {
          const seq = Math.max(funded.commitSeq, head - Math.floor(next() * 40));
          try {
            if (kind === 1) {
              const snap = db.snapshot({ atSeq: seq });
              if (snap.seq !== seq) problems.push(`snapshot({ atSeq: ${seq} }) is at ${snap.seq}`);
              check(snap, 'snapshot({ atSeq })');
            } else {
              const page = await db.kvScanPrefix(P, S, 'acct/', {
                limit: 1_000,
                consistency: { atSeq: seq },
              });
              const balances = page.entries.map((e) => decodeU64(e.value));
              snapshotsChecked++;
              if (balances.length !== ACCOUNTS || sum(balances) !== TOTAL) {
                problems.push(
                  `kvScanPrefix at seq ${seq}: ${balances.length} accounts, total ${sum(balances)}`,
                );
              }
              keep({ seq, balances });
            }
          } catch (err) {
            if (!(err instanceof AedbError) || err.code !== 'SNAPSHOT_TOO_OLD') throw err;
            tooOld++;
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };

    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) =>
        w % 2 === 0 ? numericWriter(w) : optimisticWriter(w),
      ),
      ...Array.from({ length: READERS }, (_, r) => reader(r)),
    ]);

    // Exact replay, in one pass: every sampled snapshot, then the final state, then the ledger.
    transfers.sort((a, b) => a.seq - b.seq);
    const head = db.headState().visibleHeadSeq;
    const checkpoints = [
      ...samples.map((x) => ({ ...x, what: `the snapshot at seq ${x.seq}` })),
      { seq: head, balances: balancesAt(db.snapshot()), what: 'the final state' },
    ].sort((a, b) => a.seq - b.seq);
    const replayed = new Array<bigint>(ACCOUNTS).fill(INITIAL);
    let next = 0;
    for (const c of checkpoints) {
      while (next < transfers.length && transfers[next].seq <= c.seq) {
        const t = transfers[next++];
        replayed[t.from] -= t.amount;
        replayed[t.to] += t.amount;
      }
      if (replayed.some((b, i) => b !== c.balances[i])) {
        problems.push(`${c.what} differs from the replay of the transfers up to it`);
      }
    }
    const ledger: string[] = [];
    for (let from = 0; ;) {
      const page = await db.readEventStream('transfer', from, 10_000);
      ledger.push(...page.events.map((e) => `${e.commitSeq}:${e.payloadJson}`));
      if (!page.hasMore || page.nextCommitSeq === undefined) break;
      from = page.nextCommitSeq;
    }
    const committed = transfers.map(
      (t) => `${t.seq}:${JSON.stringify({ from: t.from, to: t.to, amount: Number(t.amount) })}`,
    );
    if (ledger.join('|') !== committed.join('|'))
      problems.push('the ledger != the committed transfers');
    expect(problems.slice(0, 10)).toEqual([]);
    expect(transfers.length).toBeGreaterThan(WRITERS);
    expect(snapshotsChecked).toBeGreaterThan(READERS);
    recordReliability('concurrency stress', {
      commitsAcknowledged: transfers.length,
      commitsVerified: transfers.length,
      lost: 0,
      snapshotsChecked,
    });
    process.stdout.write(
      `stress ${config.durabilityMode}: ${transfers.length} transfers in ${DURATION_MS} ms ` +
        `(${conflicts} optimistic conflicts retried, ${underflows} underflows), ` +
        `${snapshotsChecked} snapshots with the same total (${samples.length} replayed exactly, ${tooOld} too old)\n`,
    );
  } finally {
    await db.close();
  }
}

describe('concurrency stress: 64 writers moving money while readers take snapshots', () => {
  it('full durability (real disk): every snapshot has the same total and matches the replay', async () => {
    const dir = makeTempDir();
    try {
      await stress({ durabilityMode: 'full' }, dir);
    } finally {
      removeTempDir(dir);
    }
  });

  it('batch durability (visible before durable): the same', async () => {
    const dir = makeFastTempDir('aedb-stress-');
    try {
      await stress({ durabilityMode: 'batch', batchIntervalMs: 2 }, dir);
    } finally {
      removeTempDir(dir);
    }
  });
});
