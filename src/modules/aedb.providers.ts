import type { DynamicModule, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { AedbInstance } from '../aedb-instance';
import { ConfigError } from '../storage/errors';
import {
  AEDB_INSTANCE_NAME,
  AEDB_LOCAL_INSTANCE,
  AEDB_MODULE_OPTIONS,
  AEDB_RESOLVED_OPTIONS,
} from './aedb.constants';
import { AedbHealthIndicator } from './aedb.health';
import { INVALID_MODULE_OPTIONS } from './aedb.messages';
import { AedbOrchestrator } from './aedb.orchestrator';
import { AedbService } from './aedb.service';
import {
  getAedbCallerSettingsToken,
  getAedbInstanceToken,
  getAedbToken,
  normalizeInstanceName,
} from './aedb.utils';
import { defaultCallerResolver } from './aedb-caller.resolver';
import { openAedbInstance } from './aedb-instance.factory';
import type {
  AedbCallerSettings,
  AedbModuleExtras,
  ResolvedAedbModuleOptions,
} from './aedb-module-options.interface';
import { validateAedbModuleOptions } from './aedb-module-options.validator';
import { ReactiveProcessorMetadataAccessor } from './reactive-processor-metadata.accessor';
import { ReactiveProcessorExplorer } from './reactive-processor.explorer';

/**
 * The providers of one dynamic `AedbModule` for instance `name`: its validated options, the
 * instance (an async provider: the application starts after recovery), the service, and the
 * caller settings of the guard.
 * @internal
 */
export function createAedbProviders(name: string): Provider[] {
  const instanceToken = getAedbInstanceToken(name);
  return [
    { provide: AEDB_INSTANCE_NAME, useValue: name },
    {
      provide: AEDB_RESOLVED_OPTIONS,
      useFactory: (options: unknown) => validateAedbModuleOptions(options, name),
      inject: [AEDB_MODULE_OPTIONS],
    },
    { provide: instanceToken, useFactory: openAedbInstance, inject: [AEDB_RESOLVED_OPTIONS] },
    { provide: AEDB_LOCAL_INSTANCE, useExisting: instanceToken },
    {
      provide: getAedbToken(name),
      useFactory: (db: AedbInstance) => new AedbService(db, name),
      inject: [instanceToken],
    },
    {
      provide: getAedbCallerSettingsToken(name),
      useFactory: (options: ResolvedAedbModuleOptions): AedbCallerSettings => ({
        instance: name,
        secure: options.secure,
        callerHeader: options.callerHeader,
        resolve: options.callerResolver ?? defaultCallerResolver(options.callerHeader),
      }),
      inject: [AEDB_RESOLVED_OPTIONS],
    },
  ];
}

/**
 * The `ConfigurableModuleBuilder` transform: turns the builder's definition (which provides
 * only `AEDB_MODULE_OPTIONS`) into the full module of instance `extras.name`.
 * @internal
 */
export function defineAedbModule(
  definition: DynamicModule,
  extras: AedbModuleExtras,
): DynamicModule {
  let name: string;
  try {
    name = normalizeInstanceName(extras.name);
  } catch (err) {
    throw new ConfigError(
      INVALID_MODULE_OPTIONS(String(extras.name), err instanceof Error ? err.message : String(err)),
      { option: 'name' },
    );
  }
  return {
    ...definition,
    global: extras.isGlobal === true,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers: [
      ...(definition.providers ?? []),
      ...createAedbProviders(name),
      ReactiveProcessorMetadataAccessor,
      ReactiveProcessorExplorer,
      AedbOrchestrator,
      AedbHealthIndicator,
    ],
    exports: [
      getAedbInstanceToken(name),
      getAedbToken(name),
      getAedbCallerSettingsToken(name),
      AedbHealthIndicator,
    ],
  };
}
