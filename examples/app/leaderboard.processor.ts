import {
  ReactiveProcessor,
  type OutboxEvent,
  type ProcessorHandlerContext,
  type ReactiveProcessorHandler,
} from '../../src/index';
import { LeaderboardService } from './leaderboard.service';
import { LEADERBOARD_PROCESSOR, TRANSFER_TOPIC } from './ledger.schema';

/**
 * Maintains the leaderboard from `transfer` events. `ctx.commit` writes the new totals together
 * with the processor's checkpoint, so each transfer is counted exactly once, across retries,
 * crashes and restarts.
 */
@ReactiveProcessor({
  name: LEADERBOARD_PROCESSOR,
  topic: TRANSFER_TOPIC,
  maxRetries: 5,
  maxAllowedLagCommits: 10_000,
})
export class LeaderboardProcessor implements ReactiveProcessorHandler {
  constructor(private readonly leaderboard: LeaderboardService) {}

  async handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> {
    const mutations = this.leaderboard.mutationsFor(events);
    if (mutations.length > 0) await ctx.commit(mutations);
  }
}
