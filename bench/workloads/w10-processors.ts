/**
 * W10 reactive processors (aedb only: no peer has processors). Durable (`full`) databases.
 *
 * - `processor-catch-up`: emit `catchUpEvents` events (1,000,000; `--quick` 100,000) in
 *   commits of 1,000 (8 commits in flight), then start a reactive processor from the beginning
 *   (default options, `topicFilter` set) whose handler only counts, and time it from the
 *   `startReactiveProcessor` call until the handler has seen every event: events/s delivered
 *   and the wall time. The emission rate and RSS before the processor starts are reported too.
 * - `processor-latency`: with a processor idle on a topic, commit one event at a time
 *   (`emitEvent`, default finality) and measure, per event, the time from calling `emitEvent` to
 *   the handler seeing it, from the commit's Promise resolving to the handler (negative when the
 *   handler ran before the awaiting code resumed), and from the commit becoming visible
 *   (`commits$`) to the handler. 1 ms idle between events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { AedbInstance } from '../adapters/aedb-api';
import { LatencyRecorder } from '../harness/latency';
import { settledMemory } from '../harness/memory';
import type { ChildRequest, RowResult } from '../harness/protocol';
import { emitMutations } from './w10-events';
import { storeDir } from './store-dir';
import type { Scenario, ScenarioGroup } from './workload';

const PROJECT = 'bench';
const SCOPE = 'events';
const TOPIC = 'hand_settled';
const PER_COMMIT = 1_000;
const EMIT_IN_FLIGHT = 8;

const AEDB_ONLY = 'no peer has reactive processors';

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'processor-catch-up',
    title: 'W10 processor catch-up from the beginning (events emitted 1,000 per commit)',
    engines: ['aedb'],
    columns: [
      { key: 'eventsPerSec', label: 'events/s delivered', unit: 'ops/s' },
      { key: 'wallMs', label: 'wall time', unit: 'ms' },
      { key: 'events', label: 'events', unit: 'count' },
      { key: 'handlerCalls', label: 'handler calls', unit: 'count' },
      { key: 'emitEventsPerSec', label: 'emitted events/s', unit: 'ops/s' },
      { key: 'rssBytes', label: 'RSS before start', unit: 'bytes' },
    ],
    compare: { metric: 'eventsPerSec', higherIsBetter: true },
    targets: [],
    aedbOnly: AEDB_ONLY,
  },
  {
    id: 'processor-latency',
    title: 'W10 commit-to-processor latency, idle processor, durable single-event commits',
    engines: ['aedb'],
    columns: [
      { key: 'callP50Us', label: 'emitEvent → handler p50', unit: 'us' },
      { key: 'callP99Us', label: 'emitEvent → handler p99', unit: 'us' },
      { key: 'commitP50Us', label: 'emitEvent → resolved p50', unit: 'us' },
      { key: 'resolvedP50Us', label: 'resolved → handler p50', unit: 'us' },
      { key: 'resolvedP99Us', label: 'resolved → handler p99', unit: 'us' },
      { key: 'visibleP50Us', label: 'visible → handler p50', unit: 'us' },
      { key: 'visibleP99Us', label: 'visible → handler p99', unit: 'us' },
      { key: 'samples', label: 'events', unit: 'count' },
    ],
    compare: { metric: 'callP50Us', higherIsBetter: false },
    targets: [],
    aedbOnly: AEDB_ONLY,
  },
];

async function openDb(req: ChildRequest, name: string): Promise<AedbInstance> {
  const db = await AedbInstance.open(storeDir(req.dir, name), { durabilityMode: 'full' });
  await db.createProject(PROJECT, { ifNotExists: true });
  await db.createScope(PROJECT, SCOPE, { ifNotExists: true });
  return db;
}

async function catchUp(req: ChildRequest): Promise<RowResult> {
  const db = await openDb(req, 'catch-up');
  try {
    const total = req.sizes.catchUpEvents;
    const commits = Math.ceil(total / PER_COMMIT);
    let next = 0;
    const emitter = async (): Promise<void> => {
      while (next < commits) {
        const c = next++;
        const count = Math.min(PER_COMMIT, total - c * PER_COMMIT);
        await db.commitMany(emitMutations(PROJECT, SCOPE, TOPIC, `c${c}.`, count));
      }
    };
    const e0 = performance.now();
    await Promise.all(Array.from({ length: EMIT_IN_FLIGHT }, emitter));
    const emitMs = performance.now() - e0;
    const memory = await settledMemory();

    let seen = 0;
    let doneAt = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const t0 = performance.now();
    await db.startReactiveProcessor('catch-up', { topicFilter: TOPIC }, (events) => {
      seen += events.length;
      if (seen >= total && doneAt === 0) {
        doneAt = performance.now();
        finish();
      }
    });
    await finished;
    const wallMs = doneAt - t0;
    const status = db.reactiveProcessorRuntimeStatus('catch-up');
    const notes = [
      `durabilityMode=full; ${total} events of one topic emitted in commits of ${PER_COMMIT} (commitMany of emitEvent, ${EMIT_IN_FLIGHT} in flight)`,
      `startReactiveProcessor('catch-up', { topicFilter }, handler that counts): default options (maxEventsPerRun 256, whole commits: one commit of ${PER_COMMIT} per call); timed from the call until the handler saw the last event`,
    ];
    if (seen !== total) notes.push(`CHECK: the handler saw ${seen} events, ${total} were emitted`);
    return {
      variant: 'default',
      metrics: {
        eventsPerSec: (total * 1000) / wallMs,
        wallMs,
        events: seen,
        handlerCalls: status?.runs ?? Number.NaN,
        emitEventsPerSec: (total * 1000) / emitMs,
        emitMs,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
      notes,
    };
  } finally {
    await db.close();
  }
}

async function latency(req: ChildRequest): Promise<RowResult> {
  const db = await openDb(req, 'latency');
  const visibleAt = new Map<number, number>();
  const subscription = db.commits$.subscribe((batch) => {
    if (batch.topics.includes('ping')) visibleAt.set(batch.lastSeq, performance.now());
  });
  try {
    let handlerAt = 0;
    let wake: () => void = () => undefined;
    await db.startReactiveProcessor('latency', { topicFilter: 'ping' }, () => {
      handlerAt = performance.now();
      wake();
    });
    const fromCall = new LatencyRecorder();
    const fromResolved = new LatencyRecorder();
    const fromVisible = new LatencyRecorder();
    const commit = new LatencyRecorder();
    let i = 0;
    const sample = async (record: boolean): Promise<void> => {
      const handled = new Promise<void>((resolve) => (wake = resolve));
      const t0 = performance.now();
      const { commitSeq } = await db.emitEvent(PROJECT, SCOPE, 'ping', `p${i++}`, '{}');
      const resolvedAt = performance.now();
      await handled;
      if (record) {
        fromCall.add(handlerAt - t0);
        fromResolved.add(handlerAt - resolvedAt);
        commit.add(resolvedAt - t0);
        const v = visibleAt.get(commitSeq);
        if (v !== undefined) fromVisible.add(handlerAt - v);
      }
      visibleAt.clear();
      await sleep(1); // idle again
    };
    const warmEnd = performance.now() + req.sizes.warmupMs;
    while (performance.now() < warmEnd) await sample(false);
    const end = performance.now() + req.sizes.commitMs;
    while (performance.now() < end) await sample(true);
    const call = fromCall.summary();
    const resolved = fromResolved.summary();
    const visible = fromVisible.summary();
    return {
      variant: 'default',
      metrics: {
        callP50Us: call.p50Us,
        callP99Us: call.p99Us,
        callP999Us: call.p999Us,
        commitP50Us: commit.summary().p50Us,
        commitP99Us: commit.summary().p99Us,
        resolvedP50Us: resolved.p50Us,
        resolvedP99Us: resolved.p99Us,
        visibleP50Us: visible.p50Us,
        visibleP99Us: visible.p99Us,
        samples: call.count,
      },
      notes: [
        "durabilityMode=full, finality=durable; processor { topicFilter: 'ping' } with default options, idle (1 ms pause after each event is handled)",
        'visible: the commits$ event of the batch; in full mode a commit becomes visible after its fsync, right before its Promise resolves',
      ],
    };
  } finally {
    subscription.unsubscribe();
    await db.close();
  }
}

/** The W10 processor scenarios. */
export const w10Processors: ScenarioGroup = {
  scenarios: SCENARIOS,
  async run(req) {
    return {
      rows: [req.scenario === 'processor-catch-up' ? await catchUp(req) : await latency(req)],
    };
  },
};
