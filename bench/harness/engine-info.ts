/** The engines' versions, encodings and settings per profile, for the output. */
import { RAW_DISK_DESCRIPTION } from '../adapters/raw-disk-probe';
import { kvAdapter } from '../adapters/registry';
import type { EngineInfo } from '../report/results-model';
import type { EngineId } from './protocol';

/** Describe `engines`. */
export function describeEngines(engines: readonly EngineId[]): EngineInfo[] {
  const out: EngineInfo[] = [];
  for (const engine of engines) {
    if (engine === 'raw-disk') {
      out.push({
        engine,
        version: '-',
        encoding: '4 KiB blocks of bytes',
        profiles: { sync: RAW_DISK_DESCRIPTION, async: RAW_DISK_DESCRIPTION },
      });
      continue;
    }
    const adapter = kvAdapter(engine);
    const profiles: Record<string, string> = {};
    for (const durable of [true, false]) {
      for (const profile of adapter.profiles(durable)) {
        profiles[`${profile} (${durable ? 'durable' : 'non-durable'})`] = adapter.describe({
          durable,
          profile,
        });
      }
    }
    out.push({ engine, version: adapter.version, encoding: adapter.encoding, profiles });
  }
  return out;
}
