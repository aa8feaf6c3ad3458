import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AedbModule } from '../../src/index';
import { HealthController } from './health.controller';
import { LeaderboardController } from './leaderboard.controller';
import { LeaderboardProcessor } from './leaderboard.processor';
import { LeaderboardService } from './leaderboard.service';
import { LedgerController } from './ledger.controller';
import { LedgerSchema } from './ledger.schema';
import { LedgerService } from './ledger.service';

/** Options of the example application. */
export interface LedgerAppOptions {
  /** The data directory. */
  readonly dataDir: string;
  /** Require a caller (`x-caller-id`) on ledger routes. Default `false`. */
  readonly secure?: boolean;
}

/** The ledger example: accounts, transfers, a processor-maintained leaderboard, health. */
@Module({})
export class AppModule {
  static forRoot(options: LedgerAppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AedbModule.forRoot({ dataDir: options.dataDir, secure: options.secure, isGlobal: true }),
        TerminusModule,
      ],
      controllers: [LedgerController, LeaderboardController, HealthController],
      providers: [LedgerSchema, LedgerService, LeaderboardService, LeaderboardProcessor],
    };
  }
}
