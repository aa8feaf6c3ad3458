import type { ProcessorHandlerContext } from '../processors/processor-handler';
import type { OutboxEvent } from '../storage/events/event-stream';

/**
 * What a `@ReactiveProcessor()` class implements: `handle` receives one batch of events at a
 * time, in commit order (whole commits, never split), with the processor context. Resolving
 * acknowledges the batch; throwing retries it with backoff, and a
 * `NonRetryableProcessorError` dead-letters it at once (see `docs/processors.md`).
 *
 * For exactly-once effects, write through `ctx.commit(mutations)`: the mutations commit
 * together with the processor's checkpoint, and a redelivered batch becomes a no-op.
 *
 * @example
 * ```ts
 * @ReactiveProcessor({ name: 'points', topic: 'hand_settled' })
 * export class PointsProcessor implements ReactiveProcessorHandler {
 *   constructor(private readonly rules: PointsRules) {}
 *
 *   async handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> {
 *     await ctx.commit(events.map((e) => this.rules.award(e)));
 *   }
 * }
 * ```
 * @publicApi
 */
export interface ReactiveProcessorHandler {
  handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> | void;
}
