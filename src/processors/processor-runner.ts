import { TimeoutError } from '../storage/errors';
import type { AedbInstance } from '../aedb-instance';
import type { OutboxEvent } from '../storage/events/event-stream';
import type { Mutation } from '../storage/mutation';
import type { CheckpointStore } from './checkpoint-store';
import type { DeadLetterStore } from './dead-letter-store';
import { NonRetryableProcessorError } from './non-retryable-processor-error';
import type { ProcessorEngine } from './processor-engine';
import type {
  ProcessorErrorPhase,
  ProcessorHandler,
  ProcessorHandlerContext,
  ReactiveProcessorErrorEvent,
} from './processor-handler';
import { RunnerStats, type ReactiveProcessorRuntimeStatus } from './runner-stats';
import { retryDelayMs, type ResolvedProcessorOptions } from './reactive-processor-options';

/** What a runner needs; built by the runtime. @internal */
export interface RunnerDeps {
  readonly name: string;
  readonly options: ResolvedProcessorOptions;
  readonly handler: ProcessorHandler;
  readonly db: AedbInstance;
  readonly engine: ProcessorEngine;
  readonly checkpoints: CheckpointStore;
  readonly deadLetters: DeadLetterStore;
  /** Runs `fn` alone among this processor's deliveries and dead-letter replays. */
  readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Runs one handler call, counted (the engine admits calls while `close()` drains them). */
  readonly runHandler: (call: () => Promise<void> | void) => Promise<void>;
  readonly reportError: (event: ReactiveProcessorErrorEvent) => void;
  /** Commits the handler's effects with a checkpoint (`db.processorCommit`). */
  readonly processorCommit: (
    seq: number,
    mutations: readonly Mutation[],
  ) => ReturnType<ProcessorHandlerContext['commit']>;
}

/**
 * The delivery loop of one running processor. It parks until {@link ProcessorRunner.notify}
 * (a matching commit) or its interval tick, then reads one page of the event stream, calls the
 * handler once with it (retrying with exponential backoff, dead-lettering when retries are
 * exhausted), advances its position and acknowledges the checkpoint once it moved
 * `checkpointWatermarkCommits` (at most one checkpoint commit in flight, never blocking the
 * next batch). One batch at a time, in commit order.
 */
export class ProcessorRunner {
  readonly stats: RunnerStats;
  /** Every event of commits up to this seq was handled (or dead-lettered). */
  private position: number;
  private wakeRequested = true;
  private intervalDue = false;
  private parked: (() => void) | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly loopDone: Promise<void>;
  private ackInFlight: Promise<void> | null = null;
  private cancelSleep: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly deps: RunnerDeps,
    startPosition: number,
  ) {
    this.position = startPosition;
    this.stats = new RunnerStats(deps.name, deps.options.topicFilter);
    if (deps.options.runOnInterval) {
      this.timer = setInterval(() => {
        this.intervalDue = true;
        this.notify();
      }, deps.options.runIntervalMs);
      this.timer.unref();
    }
    this.loopDone = this.loop();
  }

  /** The position handled so far in this process. */
  get processedSeq(): number {
    return this.position;
  }

  /** The topic filter (`undefined`: every topic). */
  get topicFilter(): string | undefined {
    return this.deps.options.topicFilter;
  }

  /** A matching commit became visible: run soon. Cheap; called from `commits$`. */
  notify(): void {
    this.wakeRequested = true;
    const resume = this.parked;
    if (resume !== null) {
      this.parked = null;
      resume();
    }
  }

  /** The runtime status (counters, timestamps, phase). */
  status(): ReactiveProcessorRuntimeStatus {
    return this.stats.snapshot(this.position, this.deps.checkpoints.seq(this.deps.name));
  }

  /**
   * Stop gracefully: a handler call in flight finishes (its signal is aborted), a backoff wait
   * ends at once (that batch is delivered again on the next start), and the latest position is
   * persisted. Idempotent.
   */
  stop(): Promise<void> {
    if (this.stopped !== null) return this.stopped;
    this.stopping = true;
    this.stats.phase = 'stopping';
    if (this.timer !== null) clearInterval(this.timer);
    this.abort.abort();
    this.cancelSleep?.();
    this.notify();
    this.stopped = (async () => {
      if (await this.finishesWithin(this.deps.options.stopTimeoutMs)) {
        await this.ackInFlight;
      } else {
        // The handler ignored its abort signal. Its batch never advanced the position, so
        // acknowledging the position below cannot skip it: it is delivered again on restart.
        this.report(
          'stop',
          new TimeoutError(
            `processor '${this.deps.name}': a handler call did not finish within stopTimeoutMs (${this.deps.options.stopTimeoutMs} ms) after stop; stopped without it (its batch will be delivered again)`,
          ),
          0,
          false,
          false,
          [],
        );
      }
      const name = this.deps.name;
      if (this.position > this.deps.checkpoints.seq(name)) {
        try {
          await this.deps.checkpoints.ack(name, this.position);
        } catch (err) {
          this.report('checkpoint', err, 0, false, false, []);
        }
      }
    })();
    return this.stopped;
  }

  /** Whether the delivery loop ends within `ms` (the timer never outlives the wait). */
  private finishesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), ms)),
    );
    return Promise.race([this.loopDone.then(() => true), timeout]).finally(() =>
      clearTimeout(timer),
    );
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.wakeRequested && !this.intervalDue) {
        this.stats.phase = 'idle';
        await new Promise<void>((resolve) => (this.parked = resolve));
        continue;
      }
      const interval = this.intervalDue;
      this.wakeRequested = false;
      this.intervalDue = false;
      let more: boolean;
      try {
        more = await this.deps.exclusive(() => this.runOnce(interval));
      } catch (err) {
        this.report('read', err, 0, true, false, []);
        await this.sleep(this.deps.options.idleBackoffMs);
        more = true;
      }
      if (more && !this.stopping) {
        this.wakeRequested = true;
        // Let I/O and timers in between batches, however fast the handler is.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** One batch. Resolves whether more events are pending right away. */
  private async runOnce(interval: boolean): Promise<boolean> {
    if (this.stopping) return false;
    const { options, engine } = this.deps;
    const snap = engine.systemSnapshot();
    const page = snap.readEventStream(options.topicFilter, this.position, options.maxEventsPerRun);
    let events = page.events;
    let more = page.hasMore;
    const keep = cutBatch(events, options.maxEventsPerRun, options.maxBytesPerRun);
    if (keep < events.length) {
      events = events.slice(0, keep);
      more = true;
    }
    if (events.length === 0 && !interval) {
      this.advance(snap.seq);
      return false;
    }
    const target = more ? events[events.length - 1].commitSeq : snap.seq;
    if (!(await this.deliver(events, target))) return false;
    this.advance(target);
    return more;
  }

  /** Deliver one batch until it succeeds or is dead-lettered; `false` when stopped first. */
  private async deliver(events: readonly OutboxEvent[], target: number): Promise<boolean> {
    const { options } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const error = await this.invoke(events, target, attempt);
      if (error === undefined) {
        this.stats.succeeded(events.length);
        return true;
      }
      const exhausted = error instanceof NonRetryableProcessorError || attempt > options.maxRetries;
      const deadLetter = exhausted && events.length > 0;
      this.stats.failed(error, attempt);
      this.report('handler', error, attempt, !exhausted && !this.stopping, deadLetter, events);
      if (exhausted) return deadLetter ? this.deadLetter(events, target, error, attempt) : true;
      if (this.stopping) return false;
      this.stats.retrying(Date.now() + retryDelayMs(options, attempt));
      await this.sleep(retryDelayMs(options, attempt));
      if (this.stopping) return false;
      this.stats.retries++;
    }
  }

  /** One handler call; resolves with its error, or `undefined` on success. */
  private async invoke(
    events: readonly OutboxEvent[],
    target: number,
    attempt: number,
  ): Promise<unknown> {
    const { deps } = this;
    const ctx: ProcessorHandlerContext = {
      db: deps.db,
      processorName: deps.name,
      attempt,
      signal: this.abort.signal,
      checkpointSeq: target,
      commit: (mutations) => deps.processorCommit(target, mutations),
    };
    this.stats.runStarted(events.length);
    try {
      await deps.runHandler(() => deps.handler(events, ctx));
      return undefined;
    } catch (err) {
      return err ?? new Error('handler threw a nullish value');
    } finally {
      this.stats.runEnded(deps.options.maxRunDurationMs);
    }
  }

  /** Dead-letter a batch and move the checkpoint past it, in one commit (retried until done). */
  private async deadLetter(
    events: readonly OutboxEvent[],
    target: number,
    error: unknown,
    attempts: number,
  ): Promise<boolean> {
    const { name, deadLetters, checkpoints, options } = this.deps;
    const mutations = deadLetters.record(name, events, error, attempts);
    for (;;) {
      try {
        await checkpoints.commitAdvance(name, target, mutations);
        this.stats.deadLettered(events.length);
        return true;
      } catch (err) {
        this.report('deadLetter', err, attempts, !this.stopping, false, events);
        if (this.stopping) return false;
        await this.sleep(options.idleBackoffMs);
        if (this.stopping) return false;
      }
    }
  }

  private advance(seq: number): void {
    if (seq > this.position) {
      this.position = seq;
      this.stats.lastProgressAtMs = Date.now();
    }
    this.maybeAck();
  }

  /** Persist the position once it is a watermark past the checkpoint; one ack in flight at most. */
  private maybeAck(): void {
    const { name, checkpoints, options } = this.deps;
    if (this.ackInFlight !== null || this.stopping) return;
    const watermark = options.checkpointWatermarkCommits;
    if (this.position - checkpoints.seq(name) < watermark) return;
    this.ackInFlight = checkpoints.ackBatched(name, this.position, watermark).then(
      () => {
        this.ackInFlight = null;
        this.maybeAck();
      },
      (err: unknown) => {
        this.ackInFlight = null;
        this.report('checkpoint', err, 0, true, false, []);
      },
    );
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.cancelSleep === done) this.cancelSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelSleep = done;
    });
  }

  private report(
    phase: ProcessorErrorPhase,
    err: unknown,
    attempt: number,
    willRetry: boolean,
    deadLettered: boolean,
    events: readonly OutboxEvent[],
  ): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (phase !== 'handler') this.stats.engineError(error, phase);
    this.deps.reportError({
      processorName: this.deps.name,
      phase,
      error,
      attempt,
      willRetry,
      deadLettered,
      events: events.length,
      firstSeq: events.length === 0 ? 0 : events[0].commitSeq,
      lastSeq: events.length === 0 ? 0 : events[events.length - 1].commitSeq,
      atMs: Date.now(),
    });
  }
}

/**
 * How many leading events make whole commits within `maxEvents` and `maxBytes` (payload, key
 * and topic characters); always at least the first commit, however large.
 */
export function cutBatch(
  events: readonly OutboxEvent[],
  maxEvents: number,
  maxBytes: number,
): number {
  let bytes = 0;
  let commitStart = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (i > 0 && e.commitSeq !== events[i - 1].commitSeq) commitStart = i;
    bytes += e.payloadJson.length + e.eventKey.length + e.topic.length;
    if ((bytes > maxBytes || i >= maxEvents) && commitStart > 0) return commitStart;
  }
  return events.length;
}
