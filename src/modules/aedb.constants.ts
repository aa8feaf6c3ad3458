/**
 * Injection tokens, metadata keys and defaults of the NestJS integration.
 *
 * Tokens that users need come with helpers (`getAedbToken`, `getAedbInstanceToken`,
 * `InjectAedb`); the rest is internal to `AedbModule`.
 */

/**
 * The name of the instance opened by an `AedbModule.forRoot()` without `name`. Its
 * `AedbService` and `AedbInstance` are injectable by class.
 *
 * @publicApi
 */
export const AEDB_DEFAULT_INSTANCE = 'default';

/**
 * Valid instance names (`AedbModule.forRoot({ name })`, `@ReactiveProcessor({ instance })`):
 * 1-64 characters of `[A-Za-z0-9_.-]`.
 *
 * @publicApi
 */
export const AEDB_INSTANCE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The header the default caller resolver reads. @publicApi */
export const AEDB_DEFAULT_CALLER_HEADER = 'x-caller-id';

/** Class metadata written by `@ReactiveProcessor()`. @internal */
export const REACTIVE_PROCESSOR_METADATA = 'aedb:reactive_processor';

/** The name of the instance a dynamic `AedbModule` opens (module-local). @internal */
export const AEDB_INSTANCE_NAME = 'AEDB_INSTANCE_NAME';

/** The validated, normalized module options (module-local). @internal */
export const AEDB_RESOLVED_OPTIONS = 'AEDB_RESOLVED_OPTIONS';

/** The `AedbInstance` of this dynamic module (module-local alias of its public token). @internal */
export const AEDB_LOCAL_INSTANCE = 'AEDB_LOCAL_INSTANCE';

/**
 * The request property where `AedbCallerGuard` stores what it resolved, read by `@Caller()`.
 * A symbol, so it never collides with properties set by other middleware.
 * @internal
 */
export const AEDB_CALLER_REQUEST_KEY: unique symbol = Symbol('aedb:caller');

/**
 * The injection token of the raw module options, as given to `forRoot` or resolved by
 * `forRootAsync`'s factory (before validation). The name `ConfigurableModuleBuilder` derives
 * from `moduleName: 'Aedb'`.
 *
 * @publicApi
 */
export const AEDB_MODULE_OPTIONS = 'AEDB_MODULE_OPTIONS';
