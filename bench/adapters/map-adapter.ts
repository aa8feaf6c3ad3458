/**
 * The in-memory ceiling: a plain `Map<string, Buffer>` of msgpackr `pack` bytes. No durability,
 * no transactions, no ordered scans: it shows what the JS runtime itself costs.
 */
import { pack, unpack } from 'msgpackr';
import type { BenchValue } from '../harness/data';
import type { KvAdapter, KvStore, ReadPath } from './adapter';

function openStore(): Promise<KvStore> {
  const map = new Map<string, Buffer>();
  const readPaths: readonly ReadPath[] = [
    {
      variant: 'sync',
      sync: true,
      canScan: false,
      reader: () => ({
        get(key) {
          const v = map.get(key);
          return v === undefined ? undefined : (unpack(v) as BenchValue);
        },
        scan() {
          throw new Error('a Map has no ordered scan');
        },
      }),
    },
  ];
  return Promise.resolve({
    put(key, value) {
      map.set(key, pack(value));
      return Promise.resolve();
    },
    putBatch(keys, values) {
      for (let i = 0; i < keys.length; i++) map.set(keys[i], pack(values[i]));
      return Promise.resolve();
    },
    readPaths: () => readPaths,
    close() {
      map.clear();
      return Promise.resolve();
    },
  });
}

/** The Map ceiling. */
export const mapAdapter: KvAdapter = {
  engine: 'map',
  version: '-',
  encoding: 'Map<string, Buffer> of msgpackr pack() bytes (in memory only)',
  profiles: (durable) => (durable ? [] : ['memory']),
  describe: () => 'in memory, nothing written to disk',
  open: openStore,
};
