/**
 * Open an engine with its set-up profile and load the large data set (W5, W6): the shared
 * first half of the read workloads.
 */
import type { KvAdapter, KvStore } from '../adapters/adapter';
import type { ChildRequest } from '../harness/protocol';
import { loadRows, type LoadResult } from './load-rows';
import { setupOptions } from './setup-profile';
import { storeDir } from './store-dir';

/** A store holding rows `1..sizes.rows`, and how long loading took. */
export async function openLoadedStore(
  adapter: KvAdapter,
  req: ChildRequest,
): Promise<{ store: KvStore; load: LoadResult; settings: string }> {
  const options = setupOptions(req.engine);
  const store = await adapter.open(storeDir(req.dir, 'data'), options);
  const load = await loadRows(store, req.sizes.rows, req.sizes.batchRows, 'sequential');
  return { store, load, settings: adapter.describe(options) };
}
