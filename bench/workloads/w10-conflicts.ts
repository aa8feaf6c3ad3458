/**
 * W10 hot-key conflicts (aedb only: no peer has optimistic read sets). 64 workers increment
 * u64 counters on 4 hot keys, each picking a random one:
 *
 * - `read-set`: read-modify-write through an envelope: `kvGet` (value and version), a read set
 *   with that point version, and a `kvSet` of the value + 1. A `CONFLICT` (someone wrote the key
 *   after the read) is retried at once with a fresh read, up to 10 times; after that the
 *   increment is given up (counted as `gave up`).
 * - `numeric`: the same increments as an atomic `kvAddU64Ex` (no read, no read set): nothing
 *   can conflict.
 *
 * Each in `full` (durable) and `batch` + `finality: 'visible'`. committed/s counts increments
 * that applied; the conflict rate is conflicts / commit attempts; latency is per increment,
 * retries included. After the run the counters must sum to the increments committed.
 */
import {
  AedbInstance,
  decodeU64,
  encodeU64,
  isAedbError,
  type CommitOptions,
} from '../adapters/aedb-api';
import { configFor } from '../adapters/aedb-adapter';
import { seededRandom } from '../harness/prng';
import type { ChildRequest, RowResult } from '../harness/protocol';
import { loopMetrics, runInFlight } from '../harness/timed-loops';
import { storeDir } from './store-dir';
import type { ScenarioGroup } from './workload';

const PROJECT = 'bench';
const SCOPE = 'hot';
const HOT_KEYS = 4;
const MAX_RETRIES = 10;
const KEY_SEED = 0x4077;

type Method = 'read-set' | 'numeric';

const VARIANTS: readonly { method: Method; durable: boolean; profile: string }[] = [
  { method: 'read-set', durable: true, profile: 'full' },
  { method: 'read-set', durable: false, profile: 'batch-visible' },
  { method: 'numeric', durable: true, profile: 'full' },
  { method: 'numeric', durable: false, profile: 'batch-visible' },
];

interface Counters {
  committed: number;
  attempts: number;
  conflicts: number;
  retries: number;
  gaveUp: number;
}

function zero(): Counters {
  return { committed: 0, attempts: 0, conflicts: 0, retries: 0, gaveUp: 0 };
}

async function measureVariant(
  req: ChildRequest,
  method: Method,
  durable: boolean,
  profile: string,
): Promise<RowResult> {
  const { config, commit } = configFor({ durable, profile });
  const db = await AedbInstance.open(storeDir(req.dir, `${method}-${profile}`), config);
  const options: CommitOptions = commit;
  const keys = Array.from({ length: HOT_KEYS }, (_, i) => `hot:${i}`);
  const rnd = seededRandom(KEY_SEED);
  const pick = Uint8Array.from({ length: 1 << 16 }, () => Math.floor(rnd() * HOT_KEYS));
  let c = zero();
  let committedTotal = 0;
  try {
    await db.createProject(PROJECT, { ifNotExists: true });
    await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
    for (const key of keys) await db.kvSet(PROJECT, SCOPE, key, encodeU64(0));

    const readSetIncrement = async (key: string): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const e = await db.kvGet(PROJECT, SCOPE, key);
        const next = (e === undefined ? 0n : decodeU64(e.value)) + 1n;
        c.attempts++;
        try {
          await db.commitEnvelope(
            {
              readSet: {
                points: [
                  { type: 'kv', projectId: PROJECT, scopeId: SCOPE, key, version: e?.version ?? 0 },
                ],
              },
              writeIntent: {
                mutations: [
                  {
                    type: 'kvSet',
                    projectId: PROJECT,
                    scopeId: SCOPE,
                    key,
                    value: encodeU64(next),
                  },
                ],
              },
            },
            options,
          );
          c.committed++;
          committedTotal++;
          return;
        } catch (err) {
          if (!isAedbError(err, 'CONFLICT')) throw err;
          c.conflicts++;
          if (attempt >= MAX_RETRIES) {
            c.gaveUp++;
            return;
          }
          c.retries++;
        }
      }
    };
    const numericIncrement = async (key: string): Promise<void> => {
      c.attempts++;
      await db.commit(
        { type: 'kvAddU64Ex', projectId: PROJECT, scopeId: SCOPE, key, amount: 1 },
        options,
      );
      c.committed++;
      committedTotal++;
    };
    const increment = method === 'read-set' ? readSetIncrement : numericIncrement;
    const r = await runInFlight(
      (i) => increment(keys[pick[i & 0xffff]]),
      req.sizes.inFlight,
      { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs },
      () => (c = zero()),
    );
    const notes = [
      `${Object.entries(config)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')}, finality=${commit.finality ?? 'durable'}`,
      method === 'read-set'
        ? `kvGet -> commitEnvelope({ readSet: point at the version read, kvSet value + 1 }); ${HOT_KEYS} hot keys; on CONFLICT retried at once, up to ${MAX_RETRIES} times`
        : `commit(kvAddU64Ex amount 1), no read set; ${HOT_KEYS} hot keys`,
    ];
    const snap = db.snapshot();
    let sum = 0n;
    for (const key of keys) {
      const e = snap.kvGet(PROJECT, SCOPE, key);
      if (e !== undefined) sum += decodeU64(e.value);
    }
    if (sum !== BigInt(committedTotal)) {
      notes.push(
        `CHECK: the counters sum to ${sum}, but ${committedTotal} increments were committed`,
      );
    }
    return {
      variant: `${method}, ${profile}`,
      metrics: {
        ...loopMetrics(r),
        committedPerSec: (c.committed * 1000) / r.elapsedMs,
        attempts: c.attempts,
        conflicts: c.conflicts,
        conflictPct: c.attempts === 0 ? 0 : (c.conflicts / c.attempts) * 100,
        retries: c.retries,
        retriesPerCommit: c.committed === 0 ? 0 : c.retries / c.committed,
        gaveUp: c.gaveUp,
      },
      notes,
    };
  } finally {
    await db.close();
  }
}

/** The W10 hot-key conflict scenario. */
export const w10Conflicts: ScenarioGroup = {
  scenarios: [
    {
      id: 'conflicts',
      title: `W10 hot-key increments, ${HOT_KEYS} keys, 64 in flight: read set + retry vs. atomic numeric`,
      engines: ['aedb'],
      columns: [
        { key: 'committedPerSec', label: 'committed/s', unit: 'ops/s' },
        { key: 'conflictPct', label: 'conflicts / attempts', unit: '%' },
        { key: 'retries', label: 'retries', unit: 'count' },
        { key: 'retriesPerCommit', label: 'retries / committed', unit: 'x' },
        { key: 'gaveUp', label: `gave up (> ${MAX_RETRIES} retries)`, unit: 'count' },
        { key: 'p50Us', label: 'p50', unit: 'us' },
        { key: 'p99Us', label: 'p99', unit: 'us' },
      ],
      compare: { metric: 'committedPerSec', higherIsBetter: true },
      targets: [],
      aedbOnly:
        'no peer has optimistic read sets (better-sqlite3 and lmdb serialize their write transactions, so they never conflict)',
    },
  ],
  async run(req) {
    const rows: RowResult[] = [];
    for (const v of VARIANTS) rows.push(await measureVariant(req, v.method, v.durable, v.profile));
    return { rows };
  },
};
