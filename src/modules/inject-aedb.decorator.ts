import { Inject } from '@nestjs/common';
import { getAedbInstanceToken, getAedbToken } from './aedb.utils';

/**
 * Inject the {@link AedbService} of instance `name` (default: the default instance, which is
 * also injectable by class).
 *
 * @example
 * ```ts
 * constructor(
 *   private readonly main: AedbService,
 *   @InjectAedb('audit') private readonly audit: AedbService,
 * ) {}
 * ```
 * @publicApi
 */
export function InjectAedb(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getAedbToken(name));
}

/**
 * Inject the raw `AedbInstance` of instance `name` (default: the default instance, which is
 * also injectable by class). Its lifecycle belongs to the module: do not close it.
 *
 * @example
 * ```ts
 * constructor(@InjectAedbInstance('audit') private readonly audit: AedbInstance) {}
 * ```
 * @publicApi
 */
export function InjectAedbInstance(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getAedbInstanceToken(name));
}
