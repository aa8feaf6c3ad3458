import * as path from 'node:path';
import { validateSync } from 'class-validator';
import { resolveConfig } from '../storage/config';
import { ConfigError, isAedbError } from '../storage/errors';
import { AEDB_DEFAULT_CALLER_HEADER } from './aedb.constants';
import { INVALID_MODULE_OPTIONS, describeValue } from './aedb.messages';
import type { ResolvedAedbModuleOptions } from './aedb-module-options.interface';
import { AedbModuleOptionsSchema, KNOWN_OPTIONS } from './aedb-module-options.schema';

/**
 * Validate the options of instance `name` and apply the defaults. Throws a `ConfigError`
 * (code `INVALID_CONFIG`) whose message names the instance, the option and what was expected,
 * e.g. `Invalid AedbModule options (instance "default"): config.durabilityMode: expected one of
 * 'full', 'batch', 'os', got 'fast'`.
 *
 * @publicApi
 */
export function validateAedbModuleOptions(
  options: unknown,
  name: string,
): ResolvedAedbModuleOptions {
  const fail = (detail: string, option?: string): never => {
    throw new ConfigError(INVALID_MODULE_OPTIONS(name, detail), { instance: name, option });
  };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return fail(`expected an object { dataDir, config?, ... }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key === 'name' || key === 'isGlobal') {
      fail(
        `${key}: shapes the module, so it goes next to the factory (forRootAsync({ ${key}, useFactory })), not in its result`,
        key,
      );
    }
    if (!KNOWN_OPTIONS.includes(key)) {
      fail(`${key}: unknown option (valid options: ${KNOWN_OPTIONS.join(', ')})`, key);
    }
  }
  // Assign (not class-transformer): resolvers, Uint8Array keys and config objects stay as given.
  const schema = Object.assign(new AedbModuleOptionsSchema(), options);
  const [error] = validateSync(schema, { stopAtFirstError: true, forbidUnknownValues: true });
  if (error !== undefined) {
    fail(Object.values(error.constraints ?? {})[0] ?? `${error.property}: invalid`, error.property);
  }

  const given = schema.config ?? {};
  const fromConfig = given.checkpointOnClose;
  const fromModule = schema.checkpointOnShutdown;
  if (fromConfig !== undefined && fromModule !== undefined && fromConfig !== fromModule) {
    fail(
      `checkpointOnShutdown (${String(fromModule)}) contradicts config.checkpointOnClose (${String(fromConfig)}): set only one of them`,
      'checkpointOnShutdown',
    );
  }
  let config;
  try {
    config = resolveConfig({ ...given, checkpointOnClose: fromModule ?? fromConfig ?? true });
  } catch (err) {
    if (isAedbError(err, 'INVALID_CONFIG')) {
      throw new ConfigError(INVALID_MODULE_OPTIONS(name, err.message), {
        ...err.details,
        instance: name,
      });
    }
    throw err;
  }
  return Object.freeze({
    name,
    dataDir: path.resolve(schema.dataDir),
    config,
    secure: schema.secure ?? false,
    callerHeader: (schema.callerHeader ?? AEDB_DEFAULT_CALLER_HEADER).toLowerCase(),
    callerResolver: schema.callerResolver,
  });
}
