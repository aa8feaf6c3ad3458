import { ValidationError } from '../storage/errors';
import type { Mutation } from '../storage/mutation';
import type { Snapshot } from '../storage/snapshot';
import type { CheckpointStore } from './checkpoint-store';
import { nowMicros, systemDelete, systemRows, type ProcessorEngine } from './processor-engine';
import type { RegistryStore } from './registry-store';
import { describeValue } from '../storage/values/normalize-value';

/**
 * Which events `compactEvents` removes from the outbox. An event is removed when it is older
 * than `maxAgeMs` (if given), is not among the newest `keepLast` events (if given), and every
 * processor has passed it (unless `respectProcessorCheckpoints` is `false`). At least one of
 * `maxAgeMs` and `keepLast` is required.
 */
export interface EventRetentionPolicy {
  /** Keep events committed within this many milliseconds. */
  readonly maxAgeMs?: number;
  /** Always keep the newest `keepLast` events (whole commits). */
  readonly keepLast?: number;
  /**
   * Keep events after the lowest checkpoint of any processor (registered processors without a
   * checkpoint keep everything). Default `true`.
   */
  readonly respectProcessorCheckpoints?: boolean;
  /** Remove at most this many events per call (whole commits; default 10,000). */
  readonly maxPrunePerRun?: number;
}

/** What `compactEvents` did. */
export interface EventCompactionReport {
  /** Events removed. */
  readonly pruned: number;
  /** The newest commit seq whose events were eligible (0 when none). */
  readonly cutoffSeq: number;
  /** The lowest processor checkpoint that limited the cut, when it did. */
  readonly retainedByCheckpointSeq: number | undefined;
  /** Whether eligible events remain (the call stopped at `maxPrunePerRun`). */
  readonly hasMore: boolean;
  readonly snapshotSeq: number;
}

const DELETE_CHUNK = 1000;
const READ_PAGE = 1000;

/** Event retention: prunes `_system.app.event_outbox` per a policy. */
export class EventRetention {
  constructor(
    private readonly engine: ProcessorEngine,
    private readonly checkpoints: CheckpointStore,
    private readonly registry: RegistryStore,
  ) {}

  async compact(policy: EventRetentionPolicy): Promise<EventCompactionReport> {
    const p = checkPolicy(policy);
    const snap = this.engine.systemSnapshot();
    let cutoff = snap.seq;
    if (p.keepLast !== undefined && p.keepLast > 0) {
      cutoff = Math.min(cutoff, keepLastCut(snap, p.keepLast));
    }
    let retainedBy: number | undefined;
    if (p.respectProcessorCheckpoints) {
      const lowest = this.lowestCheckpoint();
      if (lowest !== undefined && lowest < cutoff) {
        cutoff = lowest;
        retainedBy = lowest;
      }
    }
    const ageLimit = p.maxAgeMs === undefined ? Infinity : nowMicros() - p.maxAgeMs * 1000;
    let pruned = 0;
    let hasMore = false;
    let batch: Mutation[] = [];
    let from = 0;
    // Commit by commit (a page never splits one), oldest first; commit times grow with seqs.
    scan: while (cutoff > 0) {
      const page = snap.readEventStream(undefined, from, READ_PAGE);
      const events = page.events;
      for (let i = 0; i < events.length;) {
        const first = events[i];
        if (first.commitSeq > cutoff || first.timestampMicros >= ageLimit) break scan;
        if (pruned >= p.maxPrunePerRun) {
          hasMore = true;
          break scan;
        }
        for (; i < events.length && events[i].commitSeq === first.commitSeq; i++) {
          const e = events[i];
          batch.push(
            systemDelete('event_outbox', {
              commit_seq: e.commitSeq,
              topic: e.topic,
              event_key: e.eventKey,
            }),
          );
          pruned++;
        }
      }
      if (batch.length >= DELETE_CHUNK) {
        await this.engine.commitInternal(batch);
        batch = [];
      }
      if (!page.hasMore || page.nextCommitSeq === undefined) break;
      from = page.nextCommitSeq;
    }
    if (batch.length > 0) await this.engine.commitInternal(batch);
    return {
      pruned,
      cutoffSeq: cutoff,
      retainedByCheckpointSeq: retainedBy,
      hasMore,
      snapshotSeq: snap.seq,
    };
  }

  /** The lowest checkpoint over every checkpoint row and registered processor (0 without one). */
  private lowestCheckpoint(): number | undefined {
    const snap = this.engine.systemSnapshot();
    let lowest: number | undefined;
    for (const row of systemRows(snap, 'reactive_processor_checkpoints')) {
      const seq = row.checkpoint_seq as number;
      if (lowest === undefined || seq < lowest) lowest = seq;
    }
    for (const r of this.registry.list()) {
      if (this.checkpoints.get(r.processorName) === undefined) lowest = 0;
    }
    return lowest;
  }
}

/** The newest seq whose events may go so that the newest `keepLast` events (whole commits) stay. */
function keepLastCut(snap: Snapshot, keepLast: number): number {
  let seen = 0;
  let toSeq: number | undefined;
  for (;;) {
    const page = snap.queryEvents({ order: 'desc', limit: 10_000, toSeqInclusive: toSeq });
    const need = keepLast - seen;
    if (page.events.length >= need) return page.events[need - 1].commitSeq - 1;
    seen += page.events.length;
    if (!page.hasMore) return 0;
    toSeq = page.events[page.events.length - 1].commitSeq - 1;
  }
}

interface CheckedPolicy {
  readonly maxAgeMs: number | undefined;
  readonly keepLast: number | undefined;
  readonly respectProcessorCheckpoints: boolean;
  readonly maxPrunePerRun: number;
}

function checkPolicy(policy: unknown): CheckedPolicy {
  if (policy === null || typeof policy !== 'object') {
    throw new ValidationError('compactEvents: expected a policy { maxAgeMs?, keepLast?, ... }');
  }
  const p = policy as EventRetentionPolicy;
  const int = (name: keyof EventRetentionPolicy, min: number, max: number): number | undefined => {
    const v = p[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new ValidationError(
        `compactEvents policy.${name}: expected an integer from ${min} to ${max}, got ${describeValue(v)}`,
      );
    }
    return v;
  };
  const maxAgeMs = int('maxAgeMs', 0, Number.MAX_SAFE_INTEGER);
  const keepLast = int('keepLast', 0, Number.MAX_SAFE_INTEGER);
  const maxPrunePerRun = int('maxPrunePerRun', 1, 10_000_000) ?? 10_000;
  const respect = p.respectProcessorCheckpoints ?? true;
  if (typeof respect !== 'boolean') {
    throw new ValidationError(
      `compactEvents policy.respectProcessorCheckpoints: expected a boolean, got ${typeof respect}`,
    );
  }
  if (maxAgeMs === undefined && keepLast === undefined) {
    throw new ValidationError('compactEvents: the policy needs maxAgeMs or keepLast (or both)');
  }
  return { maxAgeMs, keepLast, respectProcessorCheckpoints: respect, maxPrunePerRun };
}
