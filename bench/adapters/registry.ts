/**
 * The key-value engines and their roles. Every child loads all adapter modules (static imports:
 * under `node16` module resolution a dynamic `import()` would be real ESM); only the measured
 * engine is opened, and W9 measures memory as a difference after loading, so the others' few
 * MiB of code do not count.
 */
import type { EngineId } from '../harness/protocol';
import type { KvAdapter } from './adapter';
import { aedbAdapter } from './aedb-adapter';
import { betterSqlite3Adapter } from './better-sqlite3-adapter';
import { classicLevelAdapter } from './classic-level-adapter';
import { lmdbAdapter } from './lmdb-adapter';
import { mapAdapter } from './map-adapter';

/** Engines that are measured against each other. */
export const SUBJECT: EngineId = 'aedb';

/** The peers: what users would pick instead. */
export const PEERS: readonly EngineId[] = ['better-sqlite3', 'lmdb', 'classic-level'];

/** Physical ceilings: shown for scale, never counted as "best peer". */
export const CEILINGS: readonly EngineId[] = ['map', 'raw-disk'];

/** The role of an engine in the ratios. */
export function engineRole(engine: EngineId): 'subject' | 'peer' | 'ceiling' {
  if (engine === SUBJECT) return 'subject';
  return PEERS.includes(engine) ? 'peer' : 'ceiling';
}

/** The adapter of a key-value engine (`raw-disk` is a probe, not an adapter). */
export function kvAdapter(engine: EngineId): KvAdapter {
  switch (engine) {
    case 'aedb':
      return aedbAdapter;
    case 'better-sqlite3':
      return betterSqlite3Adapter;
    case 'lmdb':
      return lmdbAdapter;
    case 'classic-level':
      return classicLevelAdapter;
    case 'map':
      return mapAdapter;
    case 'raw-disk':
      throw new Error('raw-disk is a probe, not a key-value adapter');
  }
}
