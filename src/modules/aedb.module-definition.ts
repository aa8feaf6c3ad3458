import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AEDB_MODULE_OPTIONS } from './aedb.constants';
import type { AedbModuleExtras, AedbModuleOptions } from './aedb-module-options.interface';
import { defineAedbModule } from './aedb.providers';

/**
 * `AedbModule`'s `forRoot` / `forRootAsync`, built with Nest's `ConfigurableModuleBuilder`
 * (as `@nestjs/cache-manager` does). `moduleName: 'Aedb'` names the options token
 * `AEDB_MODULE_OPTIONS`; `isGlobal` and `name` are extras that shape the module (its providers
 * are named after the instance), so they sit next to the options, in `forRootAsync` too.
 * @internal
 */
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AedbModuleOptions>({
    moduleName: 'Aedb',
    optionsInjectionToken: AEDB_MODULE_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createAedbOptions')
    .setExtras<AedbModuleExtras>({ isGlobal: false, name: undefined }, defineAedbModule)
    .build();
