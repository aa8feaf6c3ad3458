import { Module, type DynamicModule } from '@nestjs/common';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './aedb.module-definition';

/**
 * The aedb NestJS module: opens one database per `forRoot` / `forRootAsync` (crash recovery
 * completes before the application starts), provides {@link AedbService}, runs the
 * `@ReactiveProcessor()` classes of the application, and closes the database cleanly at
 * shutdown (processors stopped, commits drained and synced, checkpoint, lock released).
 *
 * Exports, per instance: `AedbService` and `AedbInstance` (by class for the default instance,
 * `@InjectAedb(name)` / `@InjectAedbInstance(name)` for named ones), `AedbHealthIndicator`, and
 * the caller settings `AedbCallerGuard` reads. See `docs/nestjs.md`.
 *
 * @publicApi
 */
@Module({})
export class AedbModule extends ConfigurableModuleClass {
  /**
   * Open the database in `options.dataDir`. Options are validated at startup; a bad one fails
   * it with a `ConfigError` naming the option and the expected value.
   *
   * @example
   * ```ts
   * @Module({
   *   imports: [AedbModule.forRoot({ dataDir: './data', config: { durabilityMode: 'full' }, isGlobal: true })],
   *   providers: [WalletService, LeaderboardProcessor],
   * })
   * export class AppModule {}
   * ```
   */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Like {@link AedbModule.forRoot}, with options from a factory (`useFactory` + `inject`,
   * `useClass` or `useExisting` with a `createAedbOptions()` method). `name` and `isGlobal`
   * go next to the factory, not in its result.
   *
   * @example
   * ```ts
   * AedbModule.forRootAsync({
   *   name: 'audit',
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ dataDir: config.get('AUDIT_DATA_DIR') }),
   * });
   * ```
   */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
