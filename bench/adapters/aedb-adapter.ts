/**
 * aedb, the engine under test: KV keys `user:...` in one scope (`bench`/`kv`), values encoded
 * with msgpackr `pack` and decoded with `unpack`.
 *
 * Profiles: durable `full` = `durabilityMode: 'full'` with the default (`durable`) finality;
 * non-durable `os` = `durabilityMode: 'os'` (the one the ratios use: like the peers' non-synced
 * modes, it survives a process crash but not power loss), `batch-visible` =
 * `durabilityMode: 'batch'` with `finality: 'visible'`. The set-up profile `no-checkpoints` (with
 * either durability) turns every checkpoint trigger off, including `checkpointOnClose` (W7 "from
 * WAL only", W8).
 */
import { pack, unpack } from 'msgpackr';
import {
  AedbInstance,
  type AedbConfigInput,
  type CommitOptions,
  type KvSetMutation,
} from './aedb-api';
import type { BenchValue } from '../harness/data';
import { ownVersion } from '../harness/package-version';
import type { AsyncReader, KvAdapter, KvStore, OpenOptions, ReadPath, SyncReader } from './adapter';

const PROJECT = 'bench';
const SCOPE = 'kv';

const NO_CHECKPOINTS: AedbConfigInput = {
  checkpointWalBytes: 0,
  checkpointCommits: 0,
  checkpointIntervalMs: 0,
  checkpointOnClose: false,
};

/**
 * The open config and commit options of a profile (`full` when durable; `os` or `batch-visible`
 * otherwise; see the file comment). Also used by the W10 workloads that drive aedb directly.
 */
export function configFor(options: OpenOptions): {
  config: AedbConfigInput;
  commit: CommitOptions;
} {
  const profile = options.profile ?? '';
  const extra = profile === 'no-checkpoints' ? NO_CHECKPOINTS : {};
  if (options.durable) return { config: { durabilityMode: 'full', ...extra }, commit: {} };
  if (profile === 'batch-visible') {
    return { config: { durabilityMode: 'batch' }, commit: { finality: 'visible' } };
  }
  return { config: { durabilityMode: 'os', ...extra }, commit: {} };
}

function decode(value: Uint8Array): BenchValue {
  return unpack(value) as BenchValue;
}

/** An open aedb store; `db` is the instance itself. */
export class AedbStore implements KvStore {
  constructor(
    readonly db: AedbInstance,
    private readonly commitOptions: CommitOptions,
  ) {}

  async put(key: string, value: BenchValue): Promise<void> {
    await this.db.kvSet(PROJECT, SCOPE, key, pack(value), this.commitOptions);
  }

  async putBatch(keys: readonly string[], values: readonly BenchValue[]): Promise<void> {
    const mutations = new Array<KvSetMutation>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      mutations[i] = {
        type: 'kvSet',
        projectId: PROJECT,
        scopeId: SCOPE,
        key: keys[i],
        value: pack(values[i]),
      };
    }
    await this.db.commitMany(mutations, this.commitOptions);
  }

  readPaths(): readonly ReadPath[] {
    const db = this.db;
    return [
      {
        variant: 'snapshot',
        sync: true,
        canScan: true,
        reader(): SyncReader {
          const snap = db.snapshot();
          return {
            get(key) {
              const e = snap.kvGet(PROJECT, SCOPE, key);
              return e === undefined ? undefined : decode(e.value);
            },
            scan(start, limit) {
              const page = snap.kvScanRange(PROJECT, SCOPE, { start }, { limit });
              let n = 0;
              for (const e of page.entries) if (decode(e.value).id > 0) n++;
              return n;
            },
          };
        },
      },
      {
        variant: 'async',
        sync: false,
        canScan: true,
        reader(): AsyncReader {
          return {
            async get(key) {
              const e = await db.kvGet(PROJECT, SCOPE, key);
              return e === undefined ? undefined : decode(e.value);
            },
            async scan(start, limit) {
              const page = await db.kvScanRange(PROJECT, SCOPE, { start }, { limit });
              let n = 0;
              for (const e of page.entries) if (decode(e.value).id > 0) n++;
              return n;
            },
          };
        },
      },
    ];
  }

  readonly checkpoint = async (): Promise<string> => {
    const event = await this.db.checkpointNow();
    return event === undefined ? 'checkpointNow(): nothing to write' : 'checkpointNow()';
  };

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Open an aedb store directly (for workloads that need the instance, e.g. W7). With
 * `ensureNamespace` off it commits nothing (the project and scope must exist), so that a
 * reopen measures recovery alone.
 */
export async function openAedbStore(
  dir: string,
  options: OpenOptions,
  ensureNamespace = true,
): Promise<AedbStore> {
  const { config, commit } = configFor(options);
  const db = await AedbInstance.open(dir, config);
  if (ensureNamespace) {
    await db.createProject(PROJECT, { ifNotExists: true });
    await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
  }
  return new AedbStore(db, commit);
}

/** The aedb adapter. */
export const aedbAdapter: KvAdapter = {
  engine: 'aedb',
  version: ownVersion(),
  encoding: 'KV in one scope; key: UTF-8 string; value: msgpackr pack() bytes',
  profiles: (durable) => (durable ? ['full'] : ['os', 'batch-visible']),
  describe(options) {
    const { config, commit } = configFor(options);
    const parts = Object.entries(config).map(([k, v]) => `${k}=${String(v)}`);
    parts.push(`finality=${commit.finality ?? 'durable'}`);
    return parts.join(', ');
  },
  open: (dir, options) => openAedbStore(dir, options),
};
