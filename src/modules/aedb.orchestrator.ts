import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { AedbInstance } from '../aedb-instance';
import type {
  ProcessorHandler,
  ReactiveProcessorErrorEvent,
} from '../processors/processor-handler';
import type { ReactiveProcessorInfo } from '../processors/processor-runtime';
import {
  DEFAULT_PROCESSOR_OPTIONS,
  resolveProcessorOptions,
  type ReactiveProcessorOptions,
  type ResolvedProcessorOptions,
} from '../processors/reactive-processor-options';
import { AEDB_INSTANCE_NAME, AEDB_LOCAL_INSTANCE } from './aedb.constants';
import { DUPLICATE_PROCESSOR } from './aedb.messages';
import { InvalidReactiveProcessorError } from './invalid-reactive-processor.error';

/** A processor found by the explorer. @internal */
export interface DiscoveredProcessor {
  readonly name: string;
  readonly className: string;
  readonly options: ReactiveProcessorOptions;
  readonly handler: ProcessorHandler;
}

/**
 * The lifecycle of one instance inside the application:
 * - constructed right after the instance opened: logs every processor error;
 * - `onApplicationBootstrap`: starts the discovered processors (new ones are registered,
 *   registered ones resume from their checkpoint, paused ones stay paused);
 * - `beforeApplicationShutdown`: stops them gracefully (batches in flight finish, positions
 *   are persisted);
 * - `onApplicationShutdown`: closes the instance (drain queued commits, fsync, final checkpoint
 *   unless disabled, release the directory lock).
 * @internal
 */
@Injectable()
export class AedbOrchestrator
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('AedbModule');
  private readonly processors = new Map<string, DiscoveredProcessor>();
  private readonly running = new Set<string>();
  private readonly errors: Subscription;

  constructor(
    @Inject(AEDB_LOCAL_INSTANCE) private readonly db: AedbInstance,
    @Inject(AEDB_INSTANCE_NAME) private readonly instance: string,
  ) {
    this.errors = db.processorErrors$.subscribe((e) => this.logProcessorError(e));
  }

  /** Add a discovered processor (before bootstrap). Throws for a duplicate name. */
  addProcessor(processor: DiscoveredProcessor): void {
    const existing = this.processors.get(processor.name);
    if (existing !== undefined) {
      throw new InvalidReactiveProcessorError(
        DUPLICATE_PROCESSOR(this.instance, processor.name, existing.className, processor.className),
      );
    }
    this.processors.set(processor.name, processor);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.processors.size === 0) return;
    const registered = new Map(
      (await this.db.listReactiveProcessors()).map((r) => [r.processorName, r]),
    );
    for (const processor of this.processors.values()) {
      await this.start(processor, registered.get(processor.name));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.db.closed) return;
    const names = [...this.running];
    this.running.clear();
    await Promise.all(
      names.map((name) =>
        this.db.stopReactiveProcessor(name).catch((err: unknown) => {
          this.logger.error(`Reactive processor "${name}" did not stop cleanly: ${describe(err)}`);
        }),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      if (!this.db.closed) {
        await this.db.close();
        this.logger.log(`Closed ${this.db.dir} (instance "${this.instance}")`);
      }
    } finally {
      this.errors.unsubscribe();
    }
  }

  /**
   * Start one processor: a new one with its options; a registered, enabled one resumes from its
   * checkpoint (its registration is updated when the decorator's options changed); a paused one
   * only gets its handler attached (`resumeReactiveProcessor` starts it).
   */
  private async start(
    processor: DiscoveredProcessor,
    registration: ReactiveProcessorInfo | undefined,
  ): Promise<void> {
    const { name, options, handler } = processor;
    const label = `Reactive processor "${name}" (${processor.className}${
      options.topicFilter === undefined ? '' : `, topic ${options.topicFilter}`
    })`;
    if (registration === undefined) {
      await this.db.startReactiveProcessor(name, options, handler);
      this.running.add(name);
      this.logger.log(`${label} registered and started`);
      return;
    }
    if (!registration.enabled) {
      await this.db.registerReactiveProcessorHandler(name, handler);
      this.logger.warn(`${label} is paused; resumeReactiveProcessor("${name}") starts it`);
      return;
    }
    if (sameOptions(registration.options, resolveProcessorOptions(name, options))) {
      await this.db.registerReactiveProcessorHandler(name, handler);
    } else {
      await this.db.startReactiveProcessor(name, options, handler);
      this.logger.log(`${label}: options changed, registration updated`);
    }
    this.running.add(name);
    this.logger.log(`${label} resumed from checkpoint seq ${registration.checkpointSeq}`);
  }

  private logProcessorError(e: ReactiveProcessorErrorEvent): void {
    const where =
      e.phase === 'handler'
        ? `handler failed on attempt ${e.attempt}`
        : e.phase === 'read'
          ? 'could not read its events'
          : e.phase === 'checkpoint'
            ? 'could not persist its checkpoint'
            : 'could not write its dead letters';
    const batch = e.events === 0 ? '' : ` (${e.events} events, seq ${e.firstSeq}..${e.lastSeq})`;
    const outcome = e.deadLettered ? '; moved to dead letters' : e.willRetry ? '; will retry' : '';
    const message = `Reactive processor "${e.processorName}" ${where}${batch}: ${e.error.message}${outcome}`;
    if (e.deadLettered || e.phase !== 'handler') this.logger.error(message, e.error.stack);
    else this.logger.warn(message);
  }
}

function sameOptions(a: ResolvedProcessorOptions, b: ResolvedProcessorOptions): boolean {
  return (Object.keys(DEFAULT_PROCESSOR_OPTIONS) as (keyof ResolvedProcessorOptions)[]).every(
    (key) => a[key] === b[key],
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
