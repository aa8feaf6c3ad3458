import { Subject, type Observable, type Subscription } from 'rxjs';
import type { AedbInstance } from '../aedb-instance';
import type { CommitBatchEvent } from '../storage/engine-events';
import { AlreadyExistsError, ClosedError, NotFoundError, ValidationError } from '../storage/errors';
import type { ConsistencyMode } from '../storage/storage-engine';
import type {
  CheckpointStore,
  ProcessorCommitResult,
  ReactiveProcessorCheckpoint,
} from './checkpoint-store';
import type { DeadLetterStore } from './dead-letter-store';
import { KeyedSerializer, type ProcessorEngine } from './processor-engine';
import type { ProcessorHandler, ReactiveProcessorErrorEvent } from './processor-handler';
import { ProcessorRunner } from './processor-runner';
import type { Mutation } from '../storage/mutation';
import type { ProcessorRegistration, RegistryStore } from './registry-store';
import type { ReactiveProcessorRuntimeStatus } from './runner-stats';
import {
  resolveProcessorOptions,
  validateProcessorName,
  type ReactiveProcessorOptions,
  type ResolvedProcessorOptions,
} from './reactive-processor-options';

/** A processor as `listReactiveProcessors` reports it: durable registration plus runtime state. */
export interface ReactiveProcessorInfo extends ProcessorRegistration {
  /** Whether it runs in this process now. */
  readonly running: boolean;
  /** Whether this process has a handler for it (it can be resumed here). */
  readonly handlerAttached: boolean;
  /** The persisted checkpoint (0 when none). */
  readonly checkpointSeq: number;
}

/** The parts the runtime works with. @internal */
export interface ProcessorRuntimeDeps {
  readonly db: AedbInstance;
  readonly engine: ProcessorEngine;
  readonly checkpoints: CheckpointStore;
  readonly registry: RegistryStore;
  readonly deadLetters: DeadLetterStore;
  readonly processorCommit: (
    name: string,
    seq: number,
    mutations: readonly Mutation[],
  ) => Promise<ProcessorCommitResult>;
}

/**
 * The scheduler and lifecycle of reactive processors: starts, stops, pauses and resumes
 * runners, keeps registrations durable, and wakes runners from `commits$` (one subscription for
 * all of them; a batch wakes the processors of the topics it emitted, and every unfiltered
 * processor when it emitted anything). Lifecycle calls for one processor run one at a time.
 */
export class ProcessorRuntime {
  private readonly runners = new Map<string, ProcessorRunner>();
  private readonly handlers = new Map<string, ProcessorHandler>();
  private readonly byTopic = new Map<string, Set<ProcessorRunner>>();
  private readonly unfiltered = new Set<ProcessorRunner>();
  private readonly lifecycle = new KeyedSerializer();
  /** Deliveries and dead-letter replays of one processor never overlap. */
  readonly exclusive = new KeyedSerializer();
  private readonly errorsSubject = new Subject<ReactiveProcessorErrorEvent>();
  /** Every processor error (handler failures, checkpoint and dead-letter write failures). */
  readonly errors$: Observable<ReactiveProcessorErrorEvent> = this.errorsSubject.asObservable();
  /** Handler calls in flight (deliveries and replays). */
  private activeHandlers = 0;
  /** Aborted at shutdown (for handler calls outside a runner: dead-letter replays). */
  readonly shutdownSignal: AbortSignal;
  private readonly shutdownController = new AbortController();
  private readonly subscription: Subscription;
  private shuttingDown = false;

  constructor(private readonly deps: ProcessorRuntimeDeps) {
    this.shutdownSignal = this.shutdownController.signal;
    this.subscription = deps.engine.commits$.subscribe((batch) => this.onCommit(batch));
  }

  /**
   * Whether `close()` is waiting for handler calls in flight to finish. The engine keeps
   * accepting calls meanwhile, so that those handlers can still read and write.
   */
  get draining(): boolean {
    return this.shuttingDown && this.activeHandlers > 0;
  }

  /** Run one handler call, counted in {@link ProcessorRuntime.draining}. */
  async runHandler(call: () => Promise<void> | void): Promise<void> {
    this.activeHandlers++;
    try {
      await call();
    } finally {
      this.activeHandlers--;
    }
  }

  /** The runner of `name` in this process, if running. */
  runner(name: string): ProcessorRunner | undefined {
    return this.runners.get(name);
  }

  /** The handler attached to `name` in this process, if any. */
  handler(name: string): ProcessorHandler | undefined {
    return this.handlers.get(name);
  }

  /** Emit a processor error on `errors$`. */
  reportError(event: ReactiveProcessorErrorEvent): void {
    this.errorsSubject.next(event);
  }

  /** Register `name` (enabled) and run it; see `AedbInstance.startReactiveProcessor`. */
  start(
    name: string,
    options: ReactiveProcessorOptions | undefined,
    handler: ProcessorHandler,
  ): Promise<void> {
    validateProcessorName(name);
    const resolved = resolveProcessorOptions(name, options);
    checkHandler(name, handler);
    return this.lifecycle.run(name, async () => {
      this.checkOpen();
      if (this.runners.has(name)) {
        throw new AlreadyExistsError(`reactive processor '${name}' is already running`, {
          processorName: name,
        });
      }
      const position = await this.deps.checkpoints.commitInitial(
        name,
        () => this.initialPosition(name, resolved),
        [this.deps.registry.upsert(name, resolved, true)],
      );
      this.handlers.set(name, handler);
      this.launch(name, resolved, handler, position);
    });
  }

  /** Stop `name` here, gracefully (the registration stays enabled). */
  stop(name: string): Promise<void> {
    validateProcessorName(name);
    return this.lifecycle.run(name, async () => {
      const runner = this.runners.get(name);
      if (runner === undefined) {
        this.requireRegistration(name);
        return;
      }
      await this.halt(name, runner);
    });
  }

  /** Disable `name` durably, then stop it. */
  pause(name: string): Promise<void> {
    validateProcessorName(name);
    return this.lifecycle.run(name, async () => {
      const registration = this.requireRegistration(name);
      if (registration.enabled) {
        await this.deps.engine.commitInternal([
          this.deps.registry.upsert(name, registration.options, false),
        ]);
      }
      const runner = this.runners.get(name);
      if (runner !== undefined) await this.halt(name, runner);
    });
  }

  /** Enable `name` and run it with the handler attached here; resolves whether it runs. */
  resume(name: string): Promise<boolean> {
    validateProcessorName(name);
    return this.lifecycle.run(name, async () => {
      this.checkOpen();
      const registration = this.requireRegistration(name);
      if (!registration.enabled) {
        await this.deps.engine.commitInternal([
          this.deps.registry.upsert(name, registration.options, true),
        ]);
      }
      if (this.runners.has(name)) return true;
      const handler = this.handlers.get(name);
      if (handler === undefined) return false;
      await this.resumeRunner(name, registration.options, handler);
      return true;
    });
  }

  /** Attach `handler` to the registered `name`; run it when enabled (resolves whether it runs). */
  registerHandler(name: string, handler: ProcessorHandler): Promise<boolean> {
    validateProcessorName(name);
    checkHandler(name, handler);
    return this.lifecycle.run(name, async () => {
      this.checkOpen();
      const registration = this.deps.registry.get(name);
      if (registration === undefined) {
        throw new NotFoundError(
          `reactive processor '${name}' is not registered: start it once with startReactiveProcessor`,
          { processorName: name },
        );
      }
      if (this.runners.has(name)) {
        throw new AlreadyExistsError(`reactive processor '${name}' is already running`, {
          processorName: name,
        });
      }
      this.handlers.set(name, handler);
      if (!registration.enabled) return false;
      await this.resumeRunner(name, registration.options, handler);
      return true;
    });
  }

  /** Stop `name` and delete its registration and checkpoint. */
  remove(name: string): Promise<void> {
    validateProcessorName(name);
    return this.lifecycle.run(name, async () => {
      this.requireRegistration(name);
      const runner = this.runners.get(name);
      if (runner !== undefined) await this.halt(name, runner);
      this.handlers.delete(name);
      await this.deps.checkpoints.remove(name, [this.deps.registry.remove(name)]);
    });
  }

  /** Move the checkpoint of `name`, backwards too; it must not run here. */
  resetCheckpoint(name: string, seq: number): Promise<ReactiveProcessorCheckpoint> {
    validateProcessorName(name);
    return this.lifecycle.run(name, () => {
      if (this.runners.has(name)) {
        throw new ValidationError(
          `reactive processor '${name}' is running: stop it before resetting its checkpoint`,
          { processorName: name },
        );
      }
      return this.deps.checkpoints.reset(name, seq);
    });
  }

  /** Every registration, with its checkpoint and runtime state here. */
  list(consistency: ConsistencyMode = 'atLatest'): ReactiveProcessorInfo[] {
    return this.deps.registry.list(consistency).map((r) => ({
      ...r,
      running: this.runners.has(r.processorName),
      handlerAttached: this.handlers.has(r.processorName),
      checkpointSeq: this.deps.checkpoints.get(r.processorName, consistency)?.checkpointSeq ?? 0,
    }));
  }

  /** The runner's counters, or `undefined` when `name` does not run here. */
  runtimeStatus(name: string): ReactiveProcessorRuntimeStatus | undefined {
    validateProcessorName(name);
    return this.runners.get(name)?.status();
  }

  /** The registration of `name`, if any. */
  registration(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): ProcessorRegistration | undefined {
    return this.deps.registry.get(name, consistency);
  }

  /** The registration of `name`, or `NotFoundError`. */
  requireRegistration(
    name: string,
    consistency: ConsistencyMode = 'atLatest',
  ): ProcessorRegistration {
    const registration = this.deps.registry.get(name, consistency);
    if (registration === undefined) {
      throw new NotFoundError(`reactive processor '${name}' is not registered`, {
        processorName: name,
      });
    }
    return registration;
  }

  /** Stop every processor gracefully (from `close()`); afterwards nothing starts. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.shutdownController.abort();
    this.subscription.unsubscribe();
    await Promise.all([...this.runners].map(([name, runner]) => this.halt(name, runner)));
    this.errorsSubject.complete();
  }

  /** Throw `ClosedError` once shutdown began. */
  checkOpen(): void {
    if (this.shuttingDown) throw new ClosedError('the database is closed');
  }

  private async resumeRunner(
    name: string,
    options: ResolvedProcessorOptions,
    handler: ProcessorHandler,
  ): Promise<void> {
    const existing = this.deps.checkpoints.get(name);
    const position =
      existing?.checkpointSeq ??
      (await this.deps.checkpoints.commitInitial(
        name,
        () => this.initialPosition(name, options),
        [],
      ));
    this.launch(name, options, handler, position);
  }

  private initialPosition(name: string, options: ResolvedProcessorOptions): number {
    const head = this.deps.engine.systemSnapshot().seq;
    const from = options.startFrom;
    if (from === 'beginning') return 0;
    if (from === 'end') return head;
    if (from > head) {
      throw new ValidationError(
        `reactive processor '${name}' option startFrom: commit seq ${from} is beyond the visible head ${head}`,
        { processorName: name, option: 'startFrom' },
      );
    }
    return from;
  }

  private launch(
    name: string,
    options: ResolvedProcessorOptions,
    handler: ProcessorHandler,
    position: number,
  ): void {
    this.checkOpen();
    const { deps } = this;
    const runner = new ProcessorRunner(
      {
        name,
        options,
        handler,
        db: deps.db,
        engine: deps.engine,
        checkpoints: deps.checkpoints,
        deadLetters: deps.deadLetters,
        exclusive: (fn) => this.exclusive.run(name, fn),
        runHandler: (call) => this.runHandler(call),
        reportError: (e) => this.reportError(e),
        processorCommit: (seq, mutations) => deps.processorCommit(name, seq, mutations),
      },
      position,
    );
    this.runners.set(name, runner);
    const topic = options.topicFilter;
    if (topic === undefined) this.unfiltered.add(runner);
    else {
      let set = this.byTopic.get(topic);
      if (set === undefined) this.byTopic.set(topic, (set = new Set()));
      set.add(runner);
    }
  }

  private async halt(name: string, runner: ProcessorRunner): Promise<void> {
    this.runners.delete(name);
    this.unfiltered.delete(runner);
    const topic = runner.topicFilter;
    if (topic !== undefined) {
      const set = this.byTopic.get(topic);
      set?.delete(runner);
      if (set?.size === 0) this.byTopic.delete(topic);
    }
    await runner.stop();
  }

  private onCommit(batch: CommitBatchEvent): void {
    const topics = batch.topics;
    if (topics.length === 0) return;
    for (const runner of this.unfiltered) runner.notify();
    if (this.byTopic.size === 0) return;
    for (const topic of topics) {
      const set = this.byTopic.get(topic);
      if (set !== undefined) for (const runner of set) runner.notify();
    }
  }
}

function checkHandler(name: string, handler: unknown): asserts handler is ProcessorHandler {
  if (typeof handler !== 'function') {
    throw new ValidationError(
      `reactive processor '${name}' handler: expected a function (events, ctx) => Promise<void> | void, got ${handler === null ? 'null' : typeof handler}`,
      { processorName: name },
    );
  }
}
