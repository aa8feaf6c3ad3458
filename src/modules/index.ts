/**
 * The NestJS integration of aedb (DESIGN.md §8): module, service, processor decorator, caller
 * guard, health indicator. NestJS glue only; the engine never imports from here.
 * @packageDocumentation
 */
import 'reflect-metadata';

export {
  AEDB_DEFAULT_CALLER_HEADER,
  AEDB_DEFAULT_INSTANCE,
  AEDB_INSTANCE_NAME_PATTERN,
  AEDB_MODULE_OPTIONS,
} from './aedb.constants';
export { AedbModule } from './aedb.module';
export { AedbService } from './aedb.service';
export { getAedbInstanceToken, getAedbToken } from './aedb.utils';
export type { AedbToken } from './aedb.utils';
export { InjectAedb, InjectAedbInstance } from './inject-aedb.decorator';
export type {
  AedbCallerResolver,
  AedbModuleExtras,
  AedbModuleOptions,
  ResolvedAedbModuleOptions,
} from './aedb-module-options.interface';
export { validateAedbModuleOptions } from './aedb-module-options.validator';
export { ReactiveProcessor } from './reactive-processor.decorator';
export type {
  ReactiveProcessorClass,
  ReactiveProcessorDecoratorOptions,
} from './reactive-processor.decorator';
export type { ReactiveProcessorHandler } from './reactive-processor-handler.interface';
export { InvalidReactiveProcessorError } from './invalid-reactive-processor.error';
export { AedbCallerGuard } from './aedb-caller.guard';
export { Caller } from './caller.decorator';
export { defaultCallerResolver } from './aedb-caller.resolver';
export { AedbHealthIndicator } from './aedb.health';
export type {
  AedbHealthCheckOptions,
  AedbHealthDetails,
  AedbHealthIndicatorResult,
  AedbHealthSloBreach,
} from './aedb.health';
export {
  AEDB_ERROR_HTTP_STATUS,
  AedbExceptionFilter,
  aedbErrorToHttpException,
} from './aedb-exception.filter';
