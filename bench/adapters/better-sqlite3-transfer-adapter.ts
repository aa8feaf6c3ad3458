/**
 * better-sqlite3 transfer: a `STRICT` table `accounts(id INTEGER PRIMARY KEY, balance INTEGER)`
 * and one `db.transaction()` per transfer that reads both balances, rejects when the source
 * cannot pay, updates both, reads the source again and rejects (rolling the updates back) when
 * it is below the reserve. WAL; `synchronous=FULL` when durable, `NORMAL` otherwise. SQLite is
 * synchronous: with 64 in flight the transfers simply run one after another.
 */
import Database from 'better-sqlite3';
import * as path from 'node:path';
import type {
  TransferAdapter,
  TransferOpenOptions,
  TransferOutcome,
  TransferSetup,
  TransferStore,
} from './transfer-adapter';

/** Thrown inside the transaction to roll it back. */
class Rejected extends Error {
  constructor(readonly outcome: TransferOutcome) {
    super(outcome);
  }
}

function settings(options: TransferOpenOptions): string[] {
  return ['journal_mode=WAL', `synchronous=${options.durable ? 'FULL' : 'NORMAL'}`];
}

function openStore(
  dir: string,
  options: TransferOpenOptions,
  setup: TransferSetup,
): Promise<TransferStore> {
  const db = new Database(path.join(dir, 'bank.sqlite'));
  for (const s of settings(options)) db.pragma(s);
  db.exec(
    'CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL) STRICT',
  );
  const insert = db.prepare<[number, number]>('INSERT INTO accounts (id, balance) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= setup.accounts; i++) insert.run(i, setup.initial);
  })();
  const balance = db.prepare<[number], number>('SELECT balance FROM accounts WHERE id = ?').pluck();
  const update = db.prepare<[number, number]>('UPDATE accounts SET balance = ? WHERE id = ?');
  const totals = db.prepare<[], { sum: number; min: number }>(
    'SELECT SUM(balance) AS sum, MIN(balance) AS min FROM accounts',
  );
  const reserve = setup.reserve;
  const transfer = db.transaction((from: number, to: number, amount: number): void => {
    const source = balance.get(from) ?? 0;
    const target = balance.get(to) ?? 0;
    if (source < amount) throw new Rejected('underflow');
    update.run(source - amount, from);
    update.run(target + amount, to);
    if ((balance.get(from) ?? 0) < reserve) throw new Rejected('reserve');
  });
  return Promise.resolve({
    transfer(from, to, amount) {
      try {
        transfer(from, to, amount);
        return Promise.resolve('applied');
      } catch (err) {
        if (err instanceof Rejected) return Promise.resolve(err.outcome);
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    totals() {
      const t = totals.get();
      return Promise.resolve({ sum: t?.sum ?? Number.NaN, min: t?.min ?? Number.NaN });
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  });
}

/** The better-sqlite3 transfer adapter. */
export const betterSqlite3TransferAdapter: TransferAdapter = {
  engine: 'better-sqlite3',
  profiles: (durable) => (durable ? ['FULL'] : ['NORMAL']),
  describe: (options) =>
    `${settings(options).join(', ')}; STRICT table accounts(id INTEGER PRIMARY KEY, balance INTEGER); ` +
    'db.transaction(): SELECT both balances, check, UPDATE both, SELECT the source, check the reserve (throw = ROLLBACK)',
  open: openStore,
};
