/**
 * W10 events (aedb only: no peer has an event stream). Durable (`full`) event emission:
 *
 * - `single`: `emitEvent`, one event per commit, 64 in flight;
 * - `batch-100`: `commitMany` of 100 `emitEvent` mutations per commit, 64 in flight.
 *
 * events/s counts events committed; latencies are per commit.
 */
import { AedbInstance, type EmitEventMutation } from '../adapters/aedb-api';
import type { ChildRequest, RowResult } from '../harness/protocol';
import { loopMetrics, runInFlight } from '../harness/timed-loops';
import { storeDir } from './store-dir';
import type { ScenarioGroup } from './workload';

const PROJECT = 'bench';
const SCOPE = 'events';
const TOPIC = 'hand_settled';
const BATCH = 100;

/** The payload of every event (~40 bytes of JSON). */
export const EVENT_PAYLOAD = JSON.stringify({ user: 'u1', wager: 100, pnl: -120 });

/** `count` `emitEvent` mutations with event keys `prefix0`, `prefix1`, ... */
export function emitMutations(
  projectId: string,
  scopeId: string,
  topic: string,
  prefix: string,
  count: number,
): EmitEventMutation[] {
  const out = new Array<EmitEventMutation>(count);
  for (let j = 0; j < count; j++) {
    out[j] = {
      type: 'emitEvent',
      projectId,
      scopeId,
      topic,
      eventKey: `${prefix}${j}`,
      payloadJson: EVENT_PAYLOAD,
    };
  }
  return out;
}

async function measure(req: ChildRequest, variant: 'single' | 'batch-100'): Promise<RowResult> {
  const db = await AedbInstance.open(storeDir(req.dir, variant), { durabilityMode: 'full' });
  try {
    await db.createProject(PROJECT, { ifNotExists: true });
    await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
    const timing = { warmupMs: req.sizes.warmupMs, durationMs: req.sizes.commitMs };
    const perCommit = variant === 'single' ? 1 : BATCH;
    const r =
      variant === 'single'
        ? await runInFlight(
            (i) => db.emitEvent(PROJECT, SCOPE, TOPIC, `e${i}`, EVENT_PAYLOAD),
            req.sizes.inFlight,
            timing,
          )
        : await runInFlight(
            (i) => db.commitMany(emitMutations(PROJECT, SCOPE, TOPIC, `c${i}.`, BATCH)),
            req.sizes.inFlight,
            timing,
          );
    return {
      variant,
      metrics: {
        ...loopMetrics(r),
        eventsPerSec: r.opsPerSec * perCommit,
        commitsPerSec: r.opsPerSec,
      },
      notes: [
        variant === 'single'
          ? `durabilityMode=full, finality=durable; emitEvent(project, scope, topic, key, payload), ${req.sizes.inFlight} in flight`
          : `durabilityMode=full, finality=durable; commitMany of ${BATCH} emitEvent mutations, ${req.sizes.inFlight} in flight`,
        `payload ${EVENT_PAYLOAD.length} bytes of JSON; one topic`,
      ],
    };
  } finally {
    await db.close();
  }
}

/** The W10 event emission scenario. */
export const w10Events: ScenarioGroup = {
  scenarios: [
    {
      id: 'events',
      title: 'W10 durable event emission, 64 commits in flight',
      engines: ['aedb'],
      columns: [
        { key: 'eventsPerSec', label: 'events/s', unit: 'ops/s' },
        { key: 'commitsPerSec', label: 'commits/s', unit: 'ops/s' },
        { key: 'p50Us', label: 'p50 per commit', unit: 'us' },
        { key: 'p99Us', label: 'p99 per commit', unit: 'us' },
      ],
      compare: { metric: 'eventsPerSec', higherIsBetter: true },
      targets: [],
      aedbOnly: 'no peer has an event stream committed with the data',
    },
  ],
  async run(req) {
    return { rows: [await measure(req, 'single'), await measure(req, 'batch-100')] };
  },
};
