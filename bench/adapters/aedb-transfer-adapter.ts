/**
 * aedb transfer: one `commitEnvelope` whose mutations are `kvSubU64Ex` on the source
 * (`onUnderflow: 'reject'`), `kvAddU64Ex` on the target and a `postflightCheck` that the source
 * is still `gte` the reserve. Balances are u64 KV values (8 bytes big-endian). `UNDERFLOW` and
 * `ASSERTION_FAILED` are the two rejections. Profiles as in the key-value adapter: durable
 * `full` (default finality), visible `batch-visible` (`durabilityMode: 'batch'`,
 * `finality: 'visible'`).
 */
import {
  AedbInstance,
  decodeU64,
  encodeU64,
  isAedbError,
  type CommitOptions,
  type KvSetMutation,
  type Mutation,
} from './aedb-api';
import { configFor } from './aedb-adapter';
import {
  accountKeys,
  type TransferAdapter,
  type TransferOpenOptions,
  type TransferSetup,
  type TransferStore,
} from './transfer-adapter';

const PROJECT = 'bench';
const SCOPE = 'bank';

async function openStore(
  dir: string,
  options: TransferOpenOptions,
  setup: TransferSetup,
): Promise<TransferStore> {
  const { config, commit } = configFor(options);
  const db = await AedbInstance.open(dir, config);
  await db.createProject(PROJECT, { ifNotExists: true });
  await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
  const keys = accountKeys(setup.accounts);
  const initial = encodeU64(setup.initial);
  for (let first = 1; first <= setup.accounts; first += 1000) {
    const chunk: KvSetMutation[] = [];
    for (let i = first; i < first + 1000 && i <= setup.accounts; i++) {
      chunk.push({
        type: 'kvSet',
        projectId: PROJECT,
        scopeId: SCOPE,
        key: keys[i],
        value: initial,
      });
    }
    await db.commitMany(chunk);
  }
  const reserve = BigInt(setup.reserve);
  const commitOptions: CommitOptions = commit;
  return {
    async transfer(from, to, amount) {
      const source = keys[from];
      const mutations: Mutation[] = [
        {
          type: 'kvSubU64Ex',
          projectId: PROJECT,
          scopeId: SCOPE,
          key: source,
          amount,
          onUnderflow: 'reject',
        },
        { type: 'kvAddU64Ex', projectId: PROJECT, scopeId: SCOPE, key: keys[to], amount },
        {
          type: 'postflightCheck',
          assertions: [
            {
              type: 'keyCompare',
              projectId: PROJECT,
              scopeId: SCOPE,
              key: source,
              op: 'gte',
              threshold: reserve,
            },
          ],
        },
      ];
      try {
        await db.commitEnvelope({ writeIntent: { mutations } }, commitOptions);
        return 'applied';
      } catch (err) {
        if (isAedbError(err, 'UNDERFLOW')) return 'underflow';
        if (isAedbError(err, 'ASSERTION_FAILED')) return 'reserve';
        throw err;
      }
    },
    totals() {
      const snap = db.snapshot();
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      for (let i = 1; i <= setup.accounts; i++) {
        const e = snap.kvGet(PROJECT, SCOPE, keys[i]);
        const v = e === undefined ? Number.NaN : Number(decodeU64(e.value));
        sum += v;
        if (v < min) min = v;
      }
      return Promise.resolve({ sum, min });
    },
    close: () => db.close(),
  };
}

/** The aedb transfer adapter. */
export const aedbTransferAdapter: TransferAdapter = {
  engine: 'aedb',
  profiles: (durable) => (durable ? ['full'] : ['batch-visible']),
  describe(options) {
    const { config, commit } = configFor(options);
    const settings = Object.entries(config).map(([k, v]) => `${k}=${String(v)}`);
    settings.push(`finality=${commit.finality ?? 'durable'}`);
    return (
      `${settings.join(', ')}; commitEnvelope: kvSubU64Ex(source, onUnderflow 'reject'), ` +
      'kvAddU64Ex(target), postflightCheck keyCompare(source gte reserve); u64 KV balances'
    );
  },
  open: openStore,
};
