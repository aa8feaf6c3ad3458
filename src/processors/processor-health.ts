import { UnavailableError } from '../storage/errors';
import type { ConsistencyMode } from '../storage/storage-engine';
import type { CheckpointStore } from './checkpoint-store';
import type { ProcessorEngine } from './processor-engine';
import type { ProcessorRuntime } from './processor-runtime';
import type { ProcessorRegistration } from './registry-store';
import type { ProcessorLastError, ReactiveProcessorRuntimeStatus } from './runner-stats';
import { validateProcessorName } from './reactive-processor-options';

/**
 * How far a processor is behind. `lagCommits` counts the commits from its oldest pending event
 * to the head (0 when nothing matching its topic filter is pending), so unrelated commits never
 * make an idle processor look late.
 */
export interface ReactiveProcessorLag {
  readonly processorName: string;
  /** The persisted checkpoint (0 when none). */
  readonly checkpointSeq: number;
  /** The position handled so far: the checkpoint, or ahead of it while it runs in this process. */
  readonly processedSeq: number;
  /** The snapshot's head seq. */
  readonly headSeq: number;
  /** `headSeq - oldestPendingSeq + 1`, or 0 when nothing is pending. */
  readonly lagCommits: number;
  /** The commit of the oldest event not handled yet. */
  readonly oldestPendingSeq: number | undefined;
  /** Its commit time (epoch microseconds). */
  readonly oldestPendingAtMicros: number | undefined;
  readonly snapshotSeq: number;
}

/** A processor's overall state. */
export type ProcessorHealthState =
  /** Running here and healthy. */
  | 'running'
  /** Disabled by `pauseReactiveProcessor`. */
  | 'paused'
  /** Running here, and its last attempt failed (retrying or just dead-lettered). */
  | 'failing'
  /** Running here, with events pending longer than `maxAllowedStallMs` without progress. */
  | 'stalled'
  /** Enabled but not running in this process (stopped, or its handler not registered yet). */
  | 'stopped';

/** Lag, stall, state, last error, counters and timestamps of one processor. */
export interface ReactiveProcessorHealth extends ReactiveProcessorLag {
  readonly state: ProcessorHealthState;
  readonly enabled: boolean;
  readonly running: boolean;
  /** How long pending events have waited without progress (0 when nothing is pending). */
  readonly stallMs: number;
  /** When the checkpoint was last persisted (epoch microseconds; 0 when never). */
  readonly checkpointUpdatedAtMicros: number;
  readonly lastError: ProcessorLastError | undefined;
  /** Counters and timestamps of the runner in this process (`undefined` when not running). */
  readonly runtime: ReactiveProcessorRuntimeStatus | undefined;
}

/** A processor's SLO checks. */
export interface ReactiveProcessorSloStatus {
  readonly processorName: string;
  readonly enabled: boolean;
  readonly running: boolean;
  readonly lagCommits: number;
  readonly stallMs: number;
  readonly maxAllowedLagCommits: number | undefined;
  readonly maxAllowedStallMs: number | undefined;
  readonly lagBreached: boolean;
  readonly stallBreached: boolean;
  /** Whether any SLO is breached. */
  readonly breached: boolean;
  /** One line per breach, e.g. `lag 3000 commits > maxAllowedLagCommits 2000`. */
  readonly reasons: readonly string[];
  readonly snapshotSeq: number;
}

/** Lag, health and SLO evaluation over the durable state plus the runners of this process. */
export class ProcessorHealthMonitor {
  constructor(
    private readonly engine: ProcessorEngine,
    private readonly checkpoints: CheckpointStore,
    private readonly runtime: ProcessorRuntime,
  ) {}

  /** Lag of any processor name (a manual consumer too: no registration needed). */
  lag(name: string, consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorLag {
    validateProcessorName(name);
    const registration = this.registration(name, consistency);
    return this.computeLag(name, registration?.options.topicFilter, consistency);
  }

  /** Lag, stall, state, last error and counters of a registered processor. */
  health(name: string, consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorHealth {
    validateProcessorName(name);
    const registration = this.runtime.requireRegistration(name, consistency);
    return this.evaluate(registration, consistency);
  }

  /** The SLO checks of a registered processor. */
  slo(name: string, consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorSloStatus {
    validateProcessorName(name);
    const registration = this.runtime.requireRegistration(name, consistency);
    return toSlo(registration, this.evaluate(registration, consistency));
  }

  /** The SLO checks of every registered processor. */
  listSlo(consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorSloStatus[] {
    return this.runtime
      .list(consistency)
      .map((registration) => toSlo(registration, this.evaluate(registration, consistency)));
  }

  /** The SLO statuses, or `UnavailableError` naming every enabled processor in breach. */
  enforce(consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorSloStatus[] {
    const statuses = this.listSlo(consistency);
    const breaching = statuses.filter((s) => s.enabled && s.breached);
    if (breaching.length > 0) {
      throw new UnavailableError(
        `reactive processor SLOs breached: ${breaching
          .map((s) => `${s.processorName} (${s.reasons.join('; ')})`)
          .join(', ')}`,
        { processors: breaching.map((s) => s.processorName), statuses: breaching },
      );
    }
    return statuses;
  }

  private registration(
    name: string,
    consistency: ConsistencyMode,
  ): ProcessorRegistration | undefined {
    return this.runtime.registration(name, consistency);
  }

  private evaluate(
    registration: ProcessorRegistration,
    consistency: ConsistencyMode,
  ): ReactiveProcessorHealth {
    const name = registration.processorName;
    const options = registration.options;
    const lag = this.computeLag(name, options.topicFilter, consistency);
    const runner = this.runtime.runner(name);
    const status = runner?.status();
    const checkpoint = this.checkpoints.get(name, consistency);
    const checkpointAtMs = (checkpoint?.updatedAtMicros ?? 0) / 1000;
    const progressAtMs = status?.lastProgressAtMs ?? checkpointAtMs;
    const stallMs =
      lag.oldestPendingAtMicros === undefined
        ? 0
        : Math.max(0, Date.now() - Math.max(progressAtMs, lag.oldestPendingAtMicros / 1000));
    let state: ProcessorHealthState;
    if (!registration.enabled) state = 'paused';
    else if (status === undefined) state = 'stopped';
    else if (status.consecutiveFailures > 0) state = 'failing';
    else if (options.maxAllowedStallMs !== undefined && stallMs > options.maxAllowedStallMs) {
      state = 'stalled';
    } else state = 'running';
    return {
      ...lag,
      state,
      enabled: registration.enabled,
      running: status !== undefined,
      stallMs: Math.round(stallMs),
      checkpointUpdatedAtMicros: checkpoint?.updatedAtMicros ?? 0,
      lastError: status?.lastError,
      runtime: status,
    };
  }

  private computeLag(
    name: string,
    topicFilter: string | undefined,
    consistency: ConsistencyMode,
  ): ReactiveProcessorLag {
    const snap = this.engine.systemSnapshot(consistency);
    const checkpointSeq = this.checkpoints.get(name, consistency)?.checkpointSeq ?? 0;
    const running = consistency === 'atLatest' ? this.runtime.runner(name) : undefined;
    const head = snap.seq;
    const processedSeq = Math.min(head, Math.max(checkpointSeq, running?.processedSeq ?? 0));
    const first = snap.readEventStream(topicFilter, processedSeq, 1).events[0];
    return {
      processorName: name,
      checkpointSeq,
      processedSeq,
      headSeq: head,
      lagCommits: first === undefined ? 0 : head - first.commitSeq + 1,
      oldestPendingSeq: first?.commitSeq,
      oldestPendingAtMicros: first?.timestampMicros,
      snapshotSeq: head,
    };
  }
}

function toSlo(
  registration: ProcessorRegistration,
  health: ReactiveProcessorHealth,
): ReactiveProcessorSloStatus {
  const { maxAllowedLagCommits, maxAllowedStallMs } = registration.options;
  const lagBreached =
    maxAllowedLagCommits !== undefined && health.lagCommits > maxAllowedLagCommits;
  const stallBreached = maxAllowedStallMs !== undefined && health.stallMs > maxAllowedStallMs;
  const reasons: string[] = [];
  if (lagBreached) {
    reasons.push(`lag ${health.lagCommits} commits > maxAllowedLagCommits ${maxAllowedLagCommits}`);
  }
  if (stallBreached) {
    reasons.push(`stalled ${health.stallMs} ms > maxAllowedStallMs ${maxAllowedStallMs}`);
  }
  return {
    processorName: registration.processorName,
    enabled: registration.enabled,
    running: health.running,
    lagCommits: health.lagCommits,
    stallMs: health.stallMs,
    maxAllowedLagCommits,
    maxAllowedStallMs,
    lagBreached,
    stallBreached,
    breached: lagBreached || stallBreached,
    reasons,
    snapshotSeq: health.snapshotSeq,
  };
}
