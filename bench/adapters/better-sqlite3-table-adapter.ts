/**
 * better-sqlite3 typed table: a `STRICT` table `users` with the same columns and two indexes,
 * written with `INSERT ... ON CONFLICT(id) DO UPDATE`; WAL and `synchronous=NORMAL` (not
 * fsynced per commit, like aedb's `os` mode in this workload).
 */
import Database from 'better-sqlite3';
import * as path from 'node:path';
import type { TableAdapter, TableStore, UserRow } from './table-adapter';

type Params = [number, string, string, number, number, number];

function openStore(dir: string): Promise<TableStore> {
  const db = new Database(path.join(dir, 'tables.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL,
      age INTEGER NOT NULL, score REAL NOT NULL, active INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS users_by_email ON users(email);
    CREATE INDEX IF NOT EXISTS users_by_age ON users(age);`);
  const upsertStmt = db.prepare<Params>(
    `INSERT INTO users (id, email, name, age, score, active) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET email = excluded.email, name = excluded.name,
       age = excluded.age, score = excluded.score, active = excluded.active`,
  );
  const countStmt = db
    .prepare<[string], number>('SELECT count(*) FROM users WHERE email = ?')
    .pluck();
  const params = (r: UserRow): Params => [r.id, r.email, r.name, r.age, r.score, r.active ? 1 : 0];
  const upsertMany = db.transaction((rows: readonly UserRow[]) => {
    for (const r of rows) upsertStmt.run(...params(r));
  });
  return Promise.resolve({
    upsert(row) {
      upsertStmt.run(...params(row));
      return Promise.resolve();
    },
    upsertBatch(rows) {
      upsertMany(rows);
      return Promise.resolve();
    },
    countByEmail: (email) => Promise.resolve(countStmt.get(email) ?? 0),
    close() {
      db.close();
      return Promise.resolve();
    },
  });
}

/** The better-sqlite3 table adapter. */
export const betterSqlite3TableAdapter: TableAdapter = {
  engine: 'better-sqlite3',
  description:
    'STRICT table users(id INTEGER PRIMARY KEY, email TEXT, name TEXT, age INTEGER, score REAL, active INTEGER), indexes on email and age; INSERT ... ON CONFLICT(id) DO UPDATE; WAL, synchronous=NORMAL',
  open: openStore,
};
