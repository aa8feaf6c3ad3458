/**
 * lmdb (lmdb-js): its default value encoding (msgpack through its own msgpackr, with shared
 * record structures) and ordered-binary string keys. Durable profiles: `overlappingSync`
 * (lmdb-js's default: commit, then flush in the background) and `no-overlappingSync`
 * (`overlappingSync: false`: the commit itself syncs); both await `db.flushed` after each
 * write. Non-durable: `noSync: true` with `overlappingSync: false` (writes reach the memory
 * map; the OS flushes them).
 * Batches: one `db.transaction()` callback of `put`s.
 */
import { open, type RootDatabase } from 'lmdb';
import type { BenchValue } from '../harness/data';
import { packageVersion } from '../harness/package-version';
import type { KvAdapter, KvStore, OpenOptions, ReadPath } from './adapter';

function settings(options: OpenOptions): { overlappingSync: boolean; noSync: boolean } {
  // lmdb-js refuses noSync together with overlappingSync.
  if (!options.durable) return { overlappingSync: false, noSync: true };
  return { overlappingSync: options.profile !== 'no-overlappingSync', noSync: false };
}

function openStore(dir: string, options: OpenOptions): Promise<KvStore> {
  const durable = options.durable;
  const db: RootDatabase<BenchValue, string> = open<BenchValue, string>({
    path: dir,
    ...settings(options),
  });
  const readPaths: readonly ReadPath[] = [
    {
      variant: 'sync',
      sync: true,
      canScan: true,
      reader: () => ({
        get: (key) => db.get(key),
        scan(start, limit) {
          let n = 0;
          for (const { value } of db.getRange({ start, limit })) if (value.id > 0) n++;
          return n;
        },
      }),
    },
  ];
  const store: KvStore = {
    async put(key, value) {
      await db.put(key, value);
      if (durable) await db.flushed;
    },
    async putBatch(keys, values) {
      await db.transaction(() => {
        for (let i = 0; i < keys.length; i++) void db.put(keys[i], values[i]);
      });
      if (durable) await db.flushed;
    },
    readPaths: () => readPaths,
    close: () => db.close(),
  };
  return Promise.resolve(store);
}

/** The lmdb adapter. */
export const lmdbAdapter: KvAdapter = {
  engine: 'lmdb',
  version: packageVersion('lmdb'),
  encoding:
    "lmdb's default: msgpack (its bundled msgpackr, shared structures); ordered-binary keys",
  profiles: (durable) => (durable ? ['overlappingSync', 'no-overlappingSync'] : ['noSync']),
  describe(options) {
    const s = settings(options);
    const flush = options.durable ? ', await db.flushed after each write' : '';
    return `overlappingSync=${String(s.overlappingSync)}, noSync=${String(s.noSync)}${flush}`;
  },
  open: openStore,
};
