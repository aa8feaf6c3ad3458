import { readEffects } from '../effects/effect-codec';
import { SnapshotTooOldError, ValidationError } from '../errors';
import { DbState } from './db-state';
import { ReplayVisitor } from './replay-visitor';
import { WorkingState } from './working-state';
import { describeValue } from '../values/normalize-value';

/** One published group-commit batch, kept for `atSeq` reads. */
export interface HistoryEntry {
  /** The state after the batch's last commit. */
  readonly state: DbState;
  readonly firstSeq: number;
  /** Effects of every commit of the batch, back to back (see effect-codec). */
  readonly effects: Buffer;
  /** `offsets[i]` is where commit `firstSeq + i` starts in `effects`; one extra entry marks the end. */
  readonly offsets: readonly number[];
}

/** How many materialized mid-batch states to cache. */
const MATERIALIZED_CACHE = 16;

/**
 * The bounded ring of recent published states that serves `atSeq` reads, plus the state of the
 * last checkpoint for `atCheckpoint`. A batch publishes one state; a seq inside a batch is
 * materialized exactly by replaying that batch's effects onto the previous batch's state.
 */
export class SnapshotHistory {
  private readonly ring: HistoryEntry[] = [];
  private readonly materialized = new Map<number, DbState>();
  private checkpoint: DbState;

  constructor(
    initial: DbState,
    private readonly capacity: number,
    checkpointState: DbState,
  ) {
    this.ring.push({ state: initial, firstSeq: initial.seq, effects: EMPTY, offsets: [0] });
    this.checkpoint = checkpointState;
  }

  /** The latest published state. */
  get latest(): DbState {
    return this.ring[this.ring.length - 1].state;
  }

  /** The state of the last checkpoint (or of the empty database before the first one). */
  get checkpointState(): DbState {
    return this.checkpoint;
  }

  /** The oldest seq an `atSeq` read can still be served at. */
  get oldestSeq(): number {
    return this.ring[0].state.seq;
  }

  /** Record a newly published batch. */
  push(entry: HistoryEntry): void {
    this.ring.push(entry);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** Remember the state a checkpoint was written from. */
  setCheckpoint(state: DbState): void {
    this.checkpoint = state;
  }

  /** The exact state at `seq`. */
  at(seq: number): DbState {
    const latest = this.latest;
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new ValidationError(
        `atSeq: expected a non-negative integer seq, got ${describeValue(seq)}`,
      );
    }
    if (seq > latest.seq) {
      throw new ValidationError(
        `atSeq ${seq} is not visible yet (latest visible seq is ${latest.seq})`,
        {
          seq,
          visibleSeq: latest.seq,
        },
      );
    }
    if (seq === latest.seq) return latest;
    if (seq === this.checkpoint.seq) return this.checkpoint;
    const cached = this.materialized.get(seq);
    if (cached !== undefined) return cached;
    // Find the batch containing seq: the first entry whose state.seq >= seq.
    const ring = this.ring;
    let lo = 0;
    let hi = ring.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid].state.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    const entry = ring[lo];
    if (entry.state.seq === seq) return entry.state;
    const base = lo > 0 ? ring[lo - 1].state : undefined;
    if (base === undefined || seq < entry.firstSeq || base.seq !== entry.firstSeq - 1) {
      throw new SnapshotTooOldError(
        `atSeq ${seq} is older than the retained snapshots (oldest retained seq is ${ring[0].state.seq}; raise snapshotRetention to keep more)`,
        { seq, oldestSeq: ring[0].state.seq },
      );
    }
    const state = materialize(base, entry, seq);
    if (this.materialized.size >= MATERIALIZED_CACHE) {
      this.materialized.delete(this.materialized.keys().next().value as number);
    }
    this.materialized.set(seq, state);
    return state;
  }
}

const EMPTY = Buffer.alloc(0);

function materialize(base: DbState, entry: HistoryEntry, seq: number): DbState {
  const working = new WorkingState(base);
  const visitor = new ReplayVisitor(working);
  for (let s = entry.firstSeq; s <= seq; s++) {
    const i = s - entry.firstSeq;
    visitor.seq = s;
    readEffects(entry.effects, entry.offsets[i], entry.offsets[i + 1], visitor);
  }
  return working.publish(seq);
}
