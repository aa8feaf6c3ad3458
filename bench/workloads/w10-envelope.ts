/**
 * W10 envelope: transfers between random pairs of accounts, 64 in flight. aedb commits each as
 * an envelope with two atomic numerics (`kvSubU64Ex` on the source with `onUnderflow: 'reject'`,
 * `kvAddU64Ex` on the target) and a `postflightCheck` (the source stays >= the reserve);
 * better-sqlite3 and lmdb run their closest transaction (read both balances, check, update both,
 * check the reserve; see bench/adapters/*-transfer-adapter.ts). Durable (aedb `full`, SQLite
 * `FULL`, lmdb awaiting `flushed`) and visible (aedb `batch` + `finality: 'visible'`, SQLite
 * `NORMAL`, lmdb `noSync`) are separate scenarios, so that each has its own best peer.
 *
 * Balances start at 1,000,000 with a reserve of 980,000 and transfers of 1-400, which never
 * come near the reserve in a run (a balance moves by a few thousand at most). Rejections are
 * built in instead, the same for every engine whatever its speed: every 20th transfer asks for
 * 50,000 (the source could pay, but would end below the reserve: the postflight check, or the
 * peers' second check, rejects it) and every 20th, offset by 10, for 2,000,000 (more than any
 * balance: underflow). So 10% of the transfers are rejected, half of each kind; they count in
 * envelopes/s and in the latencies, and are reported. After the run the sum of all balances
 * must be unchanged and no balance below the reserve (a `CHECK:` note otherwise).
 */
import { aedbTransferAdapter } from '../adapters/aedb-transfer-adapter';
import { betterSqlite3TransferAdapter } from '../adapters/better-sqlite3-transfer-adapter';
import { lmdbTransferAdapter } from '../adapters/lmdb-transfer-adapter';
import type { TransferAdapter, TransferOutcome, TransferSetup } from '../adapters/transfer-adapter';
import { seededRandom } from '../harness/prng';
import type { ChildRequest, EngineId, RowResult } from '../harness/protocol';
import { loopMetrics, runInFlight } from '../harness/timed-loops';
import { storeDir } from './store-dir';
import type { MetricColumn, Scenario, ScenarioGroup } from './workload';

const PAIR_SEED = 0x7a4f;
const PAIRS = 1 << 16;
const INITIAL = 1_000_000;
const RESERVE = 980_000;
const MAX_AMOUNT = 400;
/** Transfers `k` with `k % 20 === 7` break the reserve, those with `k % 20 === 17` underflow. */
const REJECT_EVERY = 20;
const BREAKS_RESERVE = 50_000;
const UNDERFLOWS = 2_000_000;

const ENGINES: readonly EngineId[] = ['aedb', 'better-sqlite3', 'lmdb'];

const NOT_APPLICABLE = {
  'classic-level': 'atomic write batches only: no transaction that reads, checks and writes',
} as const;

const COLUMNS: readonly MetricColumn[] = [
  { key: 'opsPerSec', label: 'envelopes/s', unit: 'ops/s' },
  { key: 'p50Us', label: 'p50', unit: 'us' },
  { key: 'p99Us', label: 'p99', unit: 'us' },
  { key: 'rejected', label: 'rejected', unit: 'count' },
  { key: 'rejectedPct', label: 'rejected %', unit: '%' },
];

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'envelope',
    title: 'W10 envelope (two numerics + postflight), durable, 64 in flight',
    engines: ENGINES,
    columns: COLUMNS,
    compare: { metric: 'opsPerSec', higherIsBetter: true },
    targets: [],
    notApplicable: NOT_APPLICABLE,
  },
  {
    id: 'envelope-visible',
    title: 'W10 envelope (two numerics + postflight), visible (not fsynced), 64 in flight',
    engines: ENGINES,
    columns: COLUMNS,
    compare: { metric: 'opsPerSec', higherIsBetter: true },
    targets: [],
    notApplicable: NOT_APPLICABLE,
  },
];

function transferAdapter(engine: EngineId): TransferAdapter {
  if (engine === 'aedb') return aedbTransferAdapter;
  if (engine === 'better-sqlite3') return betterSqlite3TransferAdapter;
  if (engine === 'lmdb') return lmdbTransferAdapter;
  throw new Error(`W10 envelope: no transfer adapter for ${engine}`);
}

/** Seeded random transfers: source, target (never the source) and amount. */
function randomTransfers(accounts: number): {
  from: Uint32Array;
  to: Uint32Array;
  amount: Uint32Array;
} {
  const rnd = seededRandom(PAIR_SEED);
  const from = new Uint32Array(PAIRS);
  const to = new Uint32Array(PAIRS);
  const amount = new Uint32Array(PAIRS);
  for (let i = 0; i < PAIRS; i++) {
    const a = 1 + Math.floor(rnd() * accounts);
    const b = 1 + Math.floor(rnd() * (accounts - 1));
    from[i] = a;
    to[i] = b >= a ? b + 1 : b;
    const designed = designedOutcome(i);
    const random = 1 + Math.floor(rnd() * MAX_AMOUNT);
    amount[i] =
      designed === 'reserve' ? BREAKS_RESERVE : designed === 'underflow' ? UNDERFLOWS : random;
  }
  return { from, to, amount };
}

/** What transfer `k` must end as (see the file comment). */
function designedOutcome(k: number): TransferOutcome {
  const slot = k % REJECT_EVERY;
  return slot === 7 ? 'reserve' : slot === 17 ? 'underflow' : 'applied';
}

async function measureProfile(
  adapter: TransferAdapter,
  req: ChildRequest,
  durable: boolean,
  profile: string,
): Promise<RowResult> {
  const setup: TransferSetup = { accounts: req.sizes.accounts, initial: INITIAL, reserve: RESERVE };
  const options = { durable, profile };
  const store = await adapter.open(storeDir(req.dir, profile), options, setup);
  const t = randomTransfers(setup.accounts);
  const counts: Record<TransferOutcome, number> = { applied: 0, underflow: 0, reserve: 0 };
  const notes = [adapter.describe(options)];
  let metrics: Record<string, number>;
  try {
    let unexpected = 0;
    const op = async (i: number): Promise<void> => {
      const k = i % PAIRS;
      const outcome = await store.transfer(t.from[k], t.to[k], t.amount[k]);
      counts[outcome]++;
      if (outcome !== designedOutcome(k)) unexpected++;
    };
    const reset = (): void => {
      counts.applied = counts.underflow = counts.reserve = 0;
    };
    const r = await runInFlight(
      op,
      req.sizes.inFlight,
      { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs },
      reset,
    );
    const rejected = counts.underflow + counts.reserve;
    const total = rejected + counts.applied;
    metrics = {
      ...loopMetrics(r),
      rejected,
      rejectedPct: total === 0 ? 0 : (rejected / total) * 100,
      rejectedUnderflow: counts.underflow,
      rejectedReserve: counts.reserve,
      appliedPerSec: (counts.applied * 1000) / r.elapsedMs,
    };
    notes.push(
      `${setup.accounts} accounts at ${INITIAL}, reserve ${RESERVE}; amounts 1-${MAX_AMOUNT}, and of every ${REJECT_EVERY} transfers one of ${BREAKS_RESERVE} (breaks the reserve) and one of ${UNDERFLOWS} (underflow): 10% rejected by design`,
    );
    if (unexpected > 0) {
      notes.push(`CHECK: ${unexpected} transfers ended otherwise than designed`);
    }
    const { sum, min } = await store.totals();
    if (sum !== setup.accounts * INITIAL || min < RESERVE) {
      notes.push(
        `CHECK: after the run the balances sum to ${sum} (expected ${setup.accounts * INITIAL}), minimum ${min} (reserve ${RESERVE})`,
      );
    }
  } finally {
    await store.close();
  }
  return { variant: profile, metrics, notes };
}

/** The W10 envelope scenarios. */
export const w10Envelope: ScenarioGroup = {
  scenarios: SCENARIOS,
  async run(req) {
    const adapter = transferAdapter(req.engine);
    const durable = req.scenario === 'envelope';
    const rows: RowResult[] = [];
    for (const profile of adapter.profiles(durable)) {
      rows.push(await measureProfile(adapter, req, durable, profile));
    }
    return { rows };
  },
};
