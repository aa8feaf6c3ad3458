/**
 * lmdb transfer: balances as numbers (lmdb's msgpack) under `acct:...` keys, and one
 * `db.childTransaction()` per transfer — the abortable form of `db.transaction()` — that `get`s
 * both balances, returns `ABORT` when the source cannot pay, `put`s both, `get`s the source again
 * and returns `ABORT` (rolling the puts back) when it is below the reserve. Profiles as in the
 * key-value adapter: durable `overlappingSync` and `no-overlappingSync` (both await
 * `db.flushed` after each transfer), visible `noSync`.
 */
import { ABORT, open, type RootDatabase } from 'lmdb';
import {
  accountKeys,
  type TransferAdapter,
  type TransferOpenOptions,
  type TransferOutcome,
  type TransferSetup,
  type TransferStore,
} from './transfer-adapter';

function settings(options: TransferOpenOptions): { overlappingSync: boolean; noSync: boolean } {
  // lmdb-js refuses noSync together with overlappingSync.
  if (!options.durable) return { overlappingSync: false, noSync: true };
  return { overlappingSync: options.profile !== 'no-overlappingSync', noSync: false };
}

async function openStore(
  dir: string,
  options: TransferOpenOptions,
  setup: TransferSetup,
): Promise<TransferStore> {
  const durable = options.durable;
  const db: RootDatabase<number, string> = open<number, string>({
    path: dir,
    ...settings(options),
  });
  const keys = accountKeys(setup.accounts);
  await db.transaction(() => {
    for (let i = 1; i <= setup.accounts; i++) void db.put(keys[i], setup.initial);
  });
  await db.flushed;
  const reserve = setup.reserve;
  return {
    async transfer(from, to, amount) {
      const source = keys[from];
      const target = keys[to];
      const result: { outcome: TransferOutcome } = { outcome: 'applied' };
      await db.childTransaction(() => {
        const s = db.get(source) ?? 0;
        const t = db.get(target) ?? 0;
        if (s < amount) {
          result.outcome = 'underflow';
          return ABORT;
        }
        void db.put(source, s - amount);
        void db.put(target, t + amount);
        if ((db.get(source) ?? 0) < reserve) {
          result.outcome = 'reserve';
          return ABORT;
        }
        return true;
      });
      if (durable) await db.flushed;
      return result.outcome;
    },
    totals() {
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      for (let i = 1; i <= setup.accounts; i++) {
        const v = db.get(keys[i]) ?? Number.NaN;
        sum += v;
        if (v < min) min = v;
      }
      return Promise.resolve({ sum, min });
    },
    close: () => db.close(),
  };
}

/** The lmdb transfer adapter. */
export const lmdbTransferAdapter: TransferAdapter = {
  engine: 'lmdb',
  profiles: (durable) => (durable ? ['overlappingSync', 'no-overlappingSync'] : ['noSync']),
  describe(options) {
    const s = settings(options);
    const flush = options.durable ? ', await db.flushed after each transfer' : '';
    return (
      `overlappingSync=${String(s.overlappingSync)}, noSync=${String(s.noSync)}${flush}; ` +
      'db.childTransaction(): get both balances, check (ABORT), put both, get the source, check the reserve (ABORT)'
    );
  },
  open: openStore,
};
