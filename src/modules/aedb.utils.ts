import { AedbInstance } from '../aedb-instance';
import { ConfigError } from '../storage/errors';
import { AEDB_DEFAULT_INSTANCE, AEDB_INSTANCE_NAME_PATTERN } from './aedb.constants';
import { INVALID_INSTANCE_NAME } from './aedb.messages';
import { AedbService } from './aedb.service';

/** What an instance token can be: a class for the default instance, a string otherwise. */
export type AedbToken<T> = (abstract new (...args: never[]) => T) | string;

/**
 * The instance name, `'default'` when none is given. Throws a `ConfigError` for an invalid name.
 * @internal
 */
export function normalizeInstanceName(name: string | undefined): string {
  if (name === undefined || name === AEDB_DEFAULT_INSTANCE) return AEDB_DEFAULT_INSTANCE;
  if (typeof name !== 'string' || !AEDB_INSTANCE_NAME_PATTERN.test(name)) {
    throw new ConfigError(INVALID_INSTANCE_NAME(name), { option: 'name' });
  }
  return name;
}

/**
 * The injection token of the {@link AedbService} of instance `name`: the `AedbService` class
 * for the default instance, `'AedbService_<name>'` for a named one.
 *
 * @example
 * ```ts
 * const audit = app.get<AedbService>(getAedbToken('audit'));
 * ```
 * @publicApi
 */
export function getAedbToken(name?: string): AedbToken<AedbService> {
  const instance = normalizeInstanceName(name);
  return instance === AEDB_DEFAULT_INSTANCE ? AedbService : `AedbService_${instance}`;
}

/**
 * The injection token of the raw {@link AedbInstance} of instance `name`: the `AedbInstance`
 * class for the default instance, `'AedbInstance_<name>'` for a named one.
 *
 * @example
 * ```ts
 * const db = app.get<AedbInstance>(getAedbInstanceToken());
 * ```
 * @publicApi
 */
export function getAedbInstanceToken(name?: string): AedbToken<AedbInstance> {
  const instance = normalizeInstanceName(name);
  return instance === AEDB_DEFAULT_INSTANCE ? AedbInstance : `AedbInstance_${instance}`;
}

/**
 * The token of the caller settings (secure mode, resolver) of instance `name`, read by
 * `AedbCallerGuard`.
 * @internal
 */
export function getAedbCallerSettingsToken(name?: string): string {
  return `AedbCallerSettings_${normalizeInstanceName(name)}`;
}
