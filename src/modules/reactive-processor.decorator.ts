import { SetMetadata } from '@nestjs/common';
import type { ReactiveProcessorOptions } from '../processors/reactive-processor-options';
import { REACTIVE_PROCESSOR_METADATA } from './aedb.constants';
import type { ReactiveProcessorHandler } from './reactive-processor-handler.interface';

/**
 * Options of `@ReactiveProcessor()`: the engine's processor options (retries, backoff, batch
 * limits, SLOs, `startFrom`; see `docs/processors.md`) plus the processor's name, its topic and
 * the instance it runs on.
 *
 * @publicApi
 */
export interface ReactiveProcessorDecoratorOptions extends Omit<
  ReactiveProcessorOptions,
  'topicFilter'
> {
  /**
   * The processor's durable name (1-128 characters of `[A-Za-z0-9_.:-]`): its checkpoint,
   * registration and dead letters are stored under it, so keep it stable across releases.
   */
  readonly name: string;
  /** Deliver only events of this topic. Default: every topic. */
  readonly topic?: string;
  /** The `AedbModule` instance (`forRoot({ name })`) it runs on. Default: the default instance. */
  readonly instance?: string;
}

/** A class whose instances implement {@link ReactiveProcessorHandler}. */
export type ReactiveProcessorClass = new (...args: never[]) => ReactiveProcessorHandler;

/**
 * Declare a provider class as a reactive processor. The class is an ordinary provider (list it
 * in a module's `providers`; constructor injection works) that implements
 * {@link ReactiveProcessorHandler}. `AedbModule` discovers it at bootstrap, registers it durably
 * and starts it after every module is initialized; after a restart it resumes from its
 * checkpoint. At shutdown it is stopped gracefully (the batch in flight finishes) before the
 * database closes. Handler errors are logged and retried, then dead-lettered.
 *
 * @example
 * ```ts
 * @ReactiveProcessor({ name: 'leaderboard', topic: 'transfer', maxRetries: 5 })
 * export class LeaderboardProcessor implements ReactiveProcessorHandler {
 *   constructor(private readonly leaderboard: LeaderboardService) {}
 *
 *   async handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext) {
 *     await ctx.commit(this.leaderboard.mutationsFor(events));
 *   }
 * }
 *
 * @Module({ imports: [AedbModule.forRoot({ dataDir: './data' })], providers: [LeaderboardService, LeaderboardProcessor] })
 * export class AppModule {}
 * ```
 * @publicApi
 */
export function ReactiveProcessor(
  options: ReactiveProcessorDecoratorOptions,
): <T extends ReactiveProcessorClass>(target: T) => void {
  // Metadata only: the class's own @Injectable({ scope }) (if any) stays as written.
  const decorate = SetMetadata(REACTIVE_PROCESSOR_METADATA, Object.freeze({ ...options }));
  return (target) => decorate(target);
}
