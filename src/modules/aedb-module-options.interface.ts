import type { ExecutionContext } from '@nestjs/common';
import type { CallerContext } from '../storage/commit/transaction-envelope';
import type { AedbConfig, AedbConfigInput } from '../storage/config';

/**
 * Resolves who is calling from a route's execution context, for `AedbCallerGuard` and
 * `@Caller()`. Return `undefined` when the request carries no caller. Throwing an
 * `HttpException` (say, for a malformed token) rejects the request with it.
 *
 * @example
 * ```ts
 * const fromBearer: AedbCallerResolver = (ctx) => {
 *   const auth = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
 *     .headers.authorization;
 *   return auth?.startsWith('Bearer ') ? { callerId: auth.slice(7) } : undefined;
 * };
 * ```
 * @publicApi
 */
export type AedbCallerResolver = (
  context: ExecutionContext,
) => CallerContext | undefined | Promise<CallerContext | undefined>;

/**
 * Options of `AedbModule.forRoot()` / the value `forRootAsync()`'s factory resolves with.
 * Validated when the application starts: a bad option fails startup with a `ConfigError`
 * (code `INVALID_CONFIG`) naming the option and the expected value.
 *
 * @publicApi
 */
export interface AedbModuleOptions {
  /** The data directory (created if missing; relative paths resolve from the working directory). */
  dataDir: string;
  /**
   * Engine configuration (durability mode, limits, checkpoints, ...), validated by the engine's
   * `resolveConfig`. Defaults: `DEFAULT_CONFIG` (see `docs/configuration.md`).
   */
  config?: AedbConfigInput;
  /**
   * Write a checkpoint when the application shuts down, so the next start replays no WAL.
   * Same as `config.checkpointOnClose` (set one of them). Default `true`.
   */
  checkpointOnShutdown?: boolean;
  /**
   * Secure mode: `AedbCallerGuard` rejects requests without a caller (401). Engine-side
   * enforcement of callers on every call belongs to the security layer (see `docs/nestjs.md`).
   * Default `false`.
   */
  secure?: boolean;
  /** How `AedbCallerGuard` finds the caller. Default: the `callerHeader` request header. */
  callerResolver?: AedbCallerResolver;
  /** The header the default resolver reads. Default `'x-caller-id'`. */
  callerHeader?: string;
}

/**
 * Options of `AedbModule.forRoot()` / `forRootAsync()` that shape the module itself, given next
 * to the others (also in `forRootAsync`, outside the factory).
 *
 * @publicApi
 */
export interface AedbModuleExtras {
  /** Register the module globally (its exports injectable everywhere). Default `false`. */
  isGlobal?: boolean;
  /**
   * The instance name, to open several data directories in one application. Inject that
   * instance with `@InjectAedb(name)`. Default: the default instance, injectable by class.
   */
  name?: string;
}

/** The module options after validation, with every default applied. @publicApi */
export interface ResolvedAedbModuleOptions {
  /** The instance name (`'default'` when none was given). */
  readonly name: string;
  /** The data directory, absolute. */
  readonly dataDir: string;
  /** The validated engine configuration. */
  readonly config: AedbConfig;
  readonly secure: boolean;
  readonly callerHeader: string;
  readonly callerResolver: AedbCallerResolver | undefined;
}

/** What `AedbCallerGuard` needs of an instance's options. @internal */
export interface AedbCallerSettings {
  readonly instance: string;
  readonly secure: boolean;
  readonly callerHeader: string;
  readonly resolve: AedbCallerResolver;
}
