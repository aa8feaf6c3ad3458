/** The class-validator schema of the module options (used by `validateAedbModuleOptions`). */
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import type { AedbConfigInput } from '../storage/config';
import { describeValue } from './aedb.messages';
import type { AedbCallerResolver, AedbModuleOptions } from './aedb-module-options.interface';

/** A class-validator message: `<option>: expected <what>, got <value>`. */
function expected(what: string): ValidationOptions {
  return {
    message: (args: ValidationArguments) =>
      `${args.property}: expected ${what}, got ${describeValue(args.value)}`,
  };
}

/** class-validator has no function check; callers pass resolvers as functions. */
function IsFunction(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isFunction', validator: { validate: (value) => typeof value === 'function' } },
    options,
  );
}

/** An HTTP header name (RFC 9110 token characters). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/**
 * The shape of {@link AedbModuleOptions}, checked with class-validator. Engine options
 * (`config`) are checked by the engine's `resolveConfig`, which knows their ranges.
 * @internal
 */
export class AedbModuleOptionsSchema implements AedbModuleOptions {
  @IsString(expected('a non-empty string (the data directory path)'))
  @IsNotEmpty(expected('a non-empty string (the data directory path)'))
  dataDir!: string;

  @IsOptional()
  @IsObject(expected('an object of engine options (AedbConfigInput, see docs/configuration.md)'))
  config?: AedbConfigInput;

  @IsOptional()
  @IsBoolean(expected('a boolean'))
  checkpointOnShutdown?: boolean;

  @IsOptional()
  @IsBoolean(expected('a boolean'))
  secure?: boolean;

  @IsOptional()
  @IsFunction(expected('a function (context: ExecutionContext) => CallerContext | undefined'))
  callerResolver?: AedbCallerResolver;

  @IsOptional()
  @IsString(expected('an HTTP header name such as x-caller-id'))
  @Matches(HEADER_NAME, expected('an HTTP header name such as x-caller-id'))
  callerHeader?: string;
}

/** Every module option (the extras `name` and `isGlobal` are not options). @internal */
export const KNOWN_OPTIONS: readonly string[] = [
  'dataDir',
  'config',
  'checkpointOnShutdown',
  'secure',
  'callerResolver',
  'callerHeader',
];
