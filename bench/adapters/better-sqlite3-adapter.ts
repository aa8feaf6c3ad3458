/**
 * better-sqlite3: one `WITHOUT ROWID` table `kv(k TEXT PRIMARY KEY, v BLOB)`, WAL journal,
 * `synchronous=FULL` when durable and `NORMAL` otherwise (the issue's settings; everything else
 * is SQLite's default, e.g. a 2 MiB page cache). Values are msgpackr `pack` bytes in the BLOB.
 * Prepared statements; batches in `db.transaction()`. The set-up profile `no-autocheckpoint`
 * sets `wal_autocheckpoint=0` so that W8's `wal_checkpoint(TRUNCATE)` has the whole data set
 * to move.
 */
import Database from 'better-sqlite3';
import { pack, unpack } from 'msgpackr';
import * as path from 'node:path';
import type { BenchValue } from '../harness/data';
import { packageVersion } from '../harness/package-version';
import type { KvAdapter, KvStore, OpenOptions, ReadPath } from './adapter';

function settings(options: OpenOptions): string[] {
  const out = ['journal_mode=WAL', `synchronous=${options.durable ? 'FULL' : 'NORMAL'}`];
  if (options.profile === 'no-autocheckpoint') out.push('wal_autocheckpoint=0');
  return out;
}

function openStore(dir: string, options: OpenOptions): Promise<KvStore> {
  const db = new Database(path.join(dir, 'bench.sqlite'));
  for (const s of settings(options)) db.pragma(s);
  db.exec('CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
  const putStmt = db.prepare<[string, Buffer]>('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
  const getStmt = db.prepare<[string], Buffer>('SELECT v FROM kv WHERE k = ?').pluck();
  const scanStmt = db
    .prepare<[string, number], Buffer>('SELECT v FROM kv WHERE k >= ? ORDER BY k LIMIT ?')
    .pluck();
  const putMany = db.transaction((keys: readonly string[], values: readonly BenchValue[]) => {
    for (let i = 0; i < keys.length; i++) putStmt.run(keys[i], pack(values[i]));
  });
  const readPaths: readonly ReadPath[] = [
    {
      variant: 'sync',
      sync: true,
      canScan: true,
      reader: () => ({
        get(key) {
          const v = getStmt.get(key);
          return v === undefined ? undefined : (unpack(v) as BenchValue);
        },
        scan(start, limit) {
          let n = 0;
          for (const v of scanStmt.all(start, limit)) if ((unpack(v) as BenchValue).id > 0) n++;
          return n;
        },
      }),
    },
  ];
  const store: KvStore = {
    put(key, value) {
      putStmt.run(key, pack(value));
      return Promise.resolve();
    },
    putBatch(keys, values) {
      putMany(keys, values);
      return Promise.resolve();
    },
    readPaths: () => readPaths,
    checkpoint() {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve('PRAGMA wal_checkpoint(TRUNCATE) (synchronous)');
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
  return Promise.resolve(store);
}

/** The better-sqlite3 adapter. */
export const betterSqlite3Adapter: KvAdapter = {
  engine: 'better-sqlite3',
  version: packageVersion('better-sqlite3'),
  encoding: 'WITHOUT ROWID table kv(k TEXT PRIMARY KEY, v BLOB); value: msgpackr pack() bytes',
  profiles: (durable) => (durable ? ['FULL'] : ['NORMAL']),
  describe: (options) => settings(options).join(', '),
  open: openStore,
};
