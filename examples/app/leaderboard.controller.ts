import { Controller, DefaultValuePipe, Get, ParseIntPipe, Query } from '@nestjs/common';
import { LeaderboardService, type LeaderboardView } from './leaderboard.service';

@Controller('leaderboard')
export class LeaderboardController {
  constructor(private readonly leaderboard: LeaderboardService) {}

  /** The top accounts by transfer volume (eventually consistent: see `processor.lagCommits`). */
  @Get()
  top(
    @Query('limit', new DefaultValuePipe(10), ParseIntPipe) limit: number,
  ): Promise<LeaderboardView> {
    return this.leaderboard.top(Math.min(Math.max(limit, 1), 100));
  }
}
