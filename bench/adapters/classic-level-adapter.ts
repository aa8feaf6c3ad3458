/**
 * classic-level (LevelDB): `utf8` keys, `view` values holding msgpackr `pack` bytes, LevelDB's
 * defaults otherwise (Snappy compression, 8 MiB block cache). Durable writes pass `sync: true`.
 * Reads: `getSync` (synchronous) and `get` (asynchronous); scans: an iterator with `limit`.
 * Its W8 analogue of a checkpoint is `compactRange` over all keys (runs on a LevelDB thread).
 */
import { ClassicLevel } from 'classic-level';
import { pack, unpack } from 'msgpackr';
import type { BenchValue } from '../harness/data';
import { packageVersion } from '../harness/package-version';
import type { KvAdapter, KvStore, OpenOptions, ReadPath } from './adapter';

async function openStore(dir: string, options: OpenOptions): Promise<KvStore> {
  const db = new ClassicLevel<string, Uint8Array>(dir, {
    keyEncoding: 'utf8',
    valueEncoding: 'view',
  });
  await db.open();
  const writeOptions = { sync: options.durable };
  const decode = (v: Uint8Array): BenchValue => unpack(v) as BenchValue;
  const readPaths: readonly ReadPath[] = [
    {
      variant: 'getSync',
      sync: true,
      canScan: false,
      reader: () => ({
        get(key) {
          const v = db.getSync(key);
          return v === undefined ? undefined : decode(v);
        },
        scan() {
          throw new Error('classic-level has no synchronous iterator');
        },
      }),
    },
    {
      variant: 'async',
      sync: false,
      canScan: true,
      reader: () => ({
        async get(key) {
          const v = await db.get(key);
          return v === undefined ? undefined : decode(v);
        },
        async scan(start, limit) {
          const values = await db.values({ gte: start, limit }).all();
          let n = 0;
          for (const v of values) if (decode(v).id > 0) n++;
          return n;
        },
      }),
    },
  ];
  return {
    put: (key, value) => db.put(key, pack(value), writeOptions),
    putBatch(keys, values) {
      const ops = new Array<{ type: 'put'; key: string; value: Uint8Array }>(keys.length);
      for (let i = 0; i < keys.length; i++) {
        ops[i] = { type: 'put', key: keys[i], value: pack(values[i]) };
      }
      return db.batch(ops, writeOptions);
    },
    readPaths: () => readPaths,
    async checkpoint() {
      await db.compactRange('user:', 'user;');
      return "compactRange('user:', 'user;') (LevelDB background thread)";
    },
    close: () => db.close(),
  };
}

/** The classic-level adapter. */
export const classicLevelAdapter: KvAdapter = {
  engine: 'classic-level',
  version: packageVersion('classic-level'),
  encoding: 'keyEncoding utf8; valueEncoding view holding msgpackr pack() bytes',
  profiles: (durable) => (durable ? ['sync'] : ['no-sync']),
  describe: (options) => `sync=${String(options.durable)} on every write, defaults otherwise`,
  open: openStore,
};
