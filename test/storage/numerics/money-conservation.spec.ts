/**
 * Money conservation under concurrency: 20 accounts with u64 balances and 2,000 transfers, 64
 * in flight at a time, each an atomic `commitMany([kvSubU64Ex(from), kvAddU64Ex(to)])` (plus,
 * in the second suite, a `postflightCheck` that the payer keeps a reserve). No balance ever
 * goes negative (or below the reserve), rejections are typed and apply nothing, the total is
 * conserved, and every balance equals the ledger of the transfers that committed — also after
 * WAL replay and a checkpoint restore.
 */
import {
  AssertionFailedError,
  UnderflowError,
  decodeU64,
  encodeU64,
  type AedbInstance,
  type Mutation,
} from '../../../src/index';
import {
  NO_CHECKPOINT_ON_CLOSE,
  checkAcrossReopens,
  createScope,
  useEngine,
} from '../engine/engine-fixture';

const engine = useEngine();

const ACCOUNTS = 20;
const INITIAL = 500n;
const TRANSFERS = 2_000;
const IN_FLIGHT = 64;

interface Transfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

const account = (i: number): string => `acct/${String(i).padStart(2, '0')}`;

/** A deterministic pseudo-random transfer list (mulberry32). */
function transfers(seed: number): Transfer[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Transfer[] = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const from = Math.floor(next() * ACCOUNTS);
    let to = Math.floor(next() * (ACCOUNTS - 1));
    if (to >= from) to++;
    out.push({ from, to, amount: BigInt(1 + Math.floor(next() * 300)) });
  }
  return out;
}

async function balances(db: AedbInstance): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const e = await db.kvGet('bank', 'main', account(i));
    if (e === undefined) throw new Error(`account ${i} vanished`);
    out.push(decodeU64(e.value));
  }
  return out;
}

async function openBank(): Promise<AedbInstance> {
  const { db } = await engine.fresh(NO_CHECKPOINT_ON_CLOSE);
  await createScope(db, 'bank', 'main');
  await db.commitMany(
    Array.from({ length: ACCOUNTS }, (_, i): Mutation => ({
      type: 'kvSet',
      projectId: 'bank',
      scopeId: 'main',
      key: account(i),
      value: encodeU64(INITIAL),
    })),
  );
  return db;
}

/**
 * Run every transfer with at most `IN_FLIGHT` commits pending, sampling the balances while they
 * run. Returns which transfers committed and the rejection reasons of the others.
 */
async function runTransfers(
  db: AedbInstance,
  list: readonly Transfer[],
  build: (t: Transfer) => Mutation[],
  floor: bigint,
): Promise<{ applied: boolean[]; reasons: unknown[] }> {
  const applied: boolean[] = new Array<boolean>(list.length).fill(false);
  const reasons: unknown[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < list.length; i++) {
    const p: Promise<void> = db.commitMany(build(list[i]), { finality: 'visible' }).then(
      () => {
        applied[i] = true;
      },
      (err: unknown) => {
        reasons.push(err);
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= IN_FLIGHT) {
      await Promise.race(inFlight);
      // Every visible state in between keeps every balance at or above the floor.
      for (const b of await balances(db)) expect(b).toBeGreaterThanOrEqual(floor);
    }
  }
  await Promise.all(inFlight);
  return { applied, reasons };
}

/** The balances implied by the committed transfers (sums commute, so order does not matter). */
function ledger(list: readonly Transfer[], applied: readonly boolean[]): bigint[] {
  const out = new Array<bigint>(ACCOUNTS).fill(INITIAL);
  list.forEach((t, i) => {
    if (!applied[i]) return;
    out[t.from] -= t.amount;
    out[t.to] += t.amount;
  });
  return out;
}

const sub = (t: Transfer): Mutation => ({
  type: 'kvSubU64Ex',
  projectId: 'bank',
  scopeId: 'main',
  key: account(t.from),
  amount: t.amount,
  onMissing: 'reject',
  onUnderflow: 'reject',
});
const credit = (t: Transfer): Mutation => ({
  type: 'kvAddU64Ex',
  projectId: 'bank',
  scopeId: 'main',
  key: account(t.to),
  amount: t.amount,
  onMissing: 'reject',
});

async function checkBooks(
  db: AedbInstance,
  expected: readonly bigint[],
  floor: bigint,
): Promise<void> {
  const now = await balances(db);
  expect(now).toEqual(expected);
  for (const b of now) expect(b).toBeGreaterThanOrEqual(floor);
  expect(now.reduce((a, b) => a + b, 0n)).toBe(INITIAL * BigInt(ACCOUNTS));
}

describe('money conservation', () => {
  it('2,000 concurrent kvSubU64Ex + kvAddU64Ex transfers conserve the total', async () => {
    const db = await openBank();
    const list = transfers(42);
    const { applied, reasons } = await runTransfers(db, list, (t) => [sub(t), credit(t)], 0n);
    const committed = applied.filter(Boolean).length;
    expect(committed + reasons.length).toBe(TRANSFERS);
    expect(committed).toBeGreaterThan(TRANSFERS / 4);
    for (const r of reasons) expect(r).toBeInstanceOf(UnderflowError);
    const expected = ledger(list, applied);
    await checkBooks(db, expected, 0n);
    await checkAcrossReopens(engine, db, (d) => checkBooks(d, expected, 0n));
  });

  it('with a postflightCheck reserve: no payer ever ends below it', async () => {
    const RESERVE = 200n;
    const db = await openBank();
    const list = transfers(7);
    const reserve = (t: Transfer): Mutation => ({
      type: 'postflightCheck',
      assertions: [
        {
          type: 'keyCompare',
          projectId: 'bank',
          scopeId: 'main',
          key: account(t.from),
          op: 'gte',
          threshold: RESERVE,
        },
      ],
    });
    const { applied, reasons } = await runTransfers(
      db,
      list,
      (t) => [sub(t), credit(t), reserve(t)],
      RESERVE,
    );
    const committed = applied.filter(Boolean).length;
    expect(committed + reasons.length).toBe(TRANSFERS);
    expect(committed).toBeGreaterThan(0);
    expect(reasons.some((r) => r instanceof AssertionFailedError)).toBe(true);
    for (const r of reasons) {
      expect(r instanceof AssertionFailedError || r instanceof UnderflowError).toBe(true);
    }
    const expected = ledger(list, applied);
    await checkBooks(db, expected, RESERVE);
    await checkAcrossReopens(engine, db, (d) => checkBooks(d, expected, RESERVE));
  });
});
