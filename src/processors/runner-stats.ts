import type { ProcessorErrorPhase } from './processor-handler';

/** What a running processor is doing right now. */
export type ProcessorRunPhase =
  /** Caught up: parked until a matching commit (or its interval tick). */
  | 'idle'
  /** A handler call is in flight. */
  | 'running'
  /** Waiting out the backoff before retrying a failed batch. */
  | 'retrying'
  /** `stop()` was called: finishing the batch in flight. */
  | 'stopping';

/** The last error of a processor. */
export interface ProcessorLastError {
  readonly phase: ProcessorErrorPhase;
  readonly name: string;
  readonly message: string;
  /** The attempt that failed (handler errors), else 0. */
  readonly attempt: number;
  /** Epoch ms. */
  readonly atMs: number;
}

/**
 * In-memory counters and timestamps of a processor running in this process
 * (`reactiveProcessorRuntimeStatus`). Timestamps are epoch milliseconds.
 */
export interface ReactiveProcessorRuntimeStatus {
  readonly processorName: string;
  readonly phase: ProcessorRunPhase;
  readonly topicFilter: string | undefined;
  /** Every event of the commits up to this seq was handled here (may be ahead of the checkpoint). */
  readonly processedSeq: number;
  /** The persisted checkpoint. */
  readonly checkpointSeq: number;
  /** Handler calls (every attempt counts). */
  readonly runs: number;
  /** Events passed to handler calls (retries count again). */
  readonly eventsDelivered: number;
  /** Events of batches the handler acknowledged. */
  readonly eventsHandled: number;
  /** Batches the handler acknowledged. */
  readonly batchesHandled: number;
  /** Handler calls that threw. */
  readonly failures: number;
  /** Handler calls that were retries. */
  readonly retries: number;
  readonly deadLetteredEvents: number;
  readonly deadLetteredBatches: number;
  /** Failed attempts since the last success (0 when healthy). */
  readonly consecutiveFailures: number;
  /** Handler calls that took longer than `maxRunDurationMs`. */
  readonly overruns: number;
  readonly lastRunDurationMs: number | undefined;
  readonly longestRunDurationMs: number;
  readonly lastError: ProcessorLastError | undefined;
  readonly startedAtMs: number;
  readonly lastRunAtMs: number | undefined;
  readonly lastSuccessAtMs: number | undefined;
  /** The last time the position advanced (the start time until then). */
  readonly lastProgressAtMs: number;
  /** When the handler call in flight started. */
  readonly currentRunStartedAtMs: number | undefined;
  /** When the pending retry is due. */
  readonly nextRetryAtMs: number | undefined;
}

/** The mutable counters behind {@link ReactiveProcessorRuntimeStatus}. @internal */
export class RunnerStats {
  phase: ProcessorRunPhase = 'idle';
  runs = 0;
  eventsDelivered = 0;
  eventsHandled = 0;
  batchesHandled = 0;
  failures = 0;
  retries = 0;
  deadLetteredEvents = 0;
  deadLetteredBatches = 0;
  consecutiveFailures = 0;
  overruns = 0;
  lastRunDurationMs: number | undefined = undefined;
  longestRunDurationMs = 0;
  lastError: ProcessorLastError | undefined = undefined;
  readonly startedAtMs = Date.now();
  lastRunAtMs: number | undefined = undefined;
  lastSuccessAtMs: number | undefined = undefined;
  lastProgressAtMs = this.startedAtMs;
  currentRunStartedAtMs: number | undefined = undefined;
  nextRetryAtMs: number | undefined = undefined;
  private runStartedAt = 0;

  constructor(
    readonly processorName: string,
    readonly topicFilter: string | undefined,
  ) {}

  runStarted(events: number): void {
    this.phase = this.phase === 'stopping' ? 'stopping' : 'running';
    this.runs++;
    this.eventsDelivered += events;
    this.nextRetryAtMs = undefined;
    this.lastRunAtMs = this.currentRunStartedAtMs = Date.now();
    this.runStartedAt = performance.now();
  }

  runEnded(maxRunDurationMs: number): void {
    const ms = performance.now() - this.runStartedAt;
    this.lastRunDurationMs = ms;
    if (ms > this.longestRunDurationMs) this.longestRunDurationMs = ms;
    if (ms > maxRunDurationMs) this.overruns++;
    this.currentRunStartedAtMs = undefined;
  }

  succeeded(events: number): void {
    this.eventsHandled += events;
    this.batchesHandled++;
    this.consecutiveFailures = 0;
    this.lastSuccessAtMs = Date.now();
  }

  failed(error: unknown, attempt: number): void {
    this.failures++;
    this.consecutiveFailures++;
    this.lastError = toLastError('handler', error, attempt);
  }

  retrying(dueAtMs: number): void {
    if (this.phase !== 'stopping') this.phase = 'retrying';
    this.nextRetryAtMs = dueAtMs;
  }

  deadLettered(events: number): void {
    this.deadLetteredEvents += events;
    this.deadLetteredBatches++;
    this.consecutiveFailures = 0;
  }

  engineError(error: unknown, phase: ProcessorErrorPhase): void {
    this.lastError = toLastError(phase, error, 0);
  }

  snapshot(processedSeq: number, checkpointSeq: number): ReactiveProcessorRuntimeStatus {
    return {
      processorName: this.processorName,
      phase: this.phase,
      topicFilter: this.topicFilter,
      processedSeq,
      checkpointSeq,
      runs: this.runs,
      eventsDelivered: this.eventsDelivered,
      eventsHandled: this.eventsHandled,
      batchesHandled: this.batchesHandled,
      failures: this.failures,
      retries: this.retries,
      deadLetteredEvents: this.deadLetteredEvents,
      deadLetteredBatches: this.deadLetteredBatches,
      consecutiveFailures: this.consecutiveFailures,
      overruns: this.overruns,
      lastRunDurationMs: this.lastRunDurationMs,
      longestRunDurationMs: this.longestRunDurationMs,
      lastError: this.lastError,
      startedAtMs: this.startedAtMs,
      lastRunAtMs: this.lastRunAtMs,
      lastSuccessAtMs: this.lastSuccessAtMs,
      lastProgressAtMs: this.lastProgressAtMs,
      currentRunStartedAtMs: this.currentRunStartedAtMs,
      nextRetryAtMs: this.nextRetryAtMs,
    };
  }
}

function toLastError(
  phase: ProcessorErrorPhase,
  error: unknown,
  attempt: number,
): ProcessorLastError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { phase, name: e.name, message: e.message, attempt, atMs: Date.now() };
}
