import {
  BadRequestException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { CallerContext } from '../storage/commit/transaction-envelope';
import { AEDB_CALLER_REQUEST_KEY } from './aedb.constants';
import { CALLER_REQUIRED, INVALID_CALLER, describeValue } from './aedb.messages';
import { getAedbCallerSettingsToken, normalizeInstanceName } from './aedb.utils';
import type { AedbCallerSettings } from './aedb-module-options.interface';

/** What the guard stores on the request for `@Caller()`. @internal */
export interface StoredCaller {
  readonly caller: CallerContext | undefined;
}

/** The longest accepted caller id (idempotency keys are scoped by it). */
const MAX_CALLER_ID = 256;

/**
 * Resolves the {@link CallerContext} of a request with the instance's caller resolver (default:
 * the `x-caller-id` header) and stores it for `@Caller()`. With `secure: true` in the module
 * options, a request without a caller is rejected with 401; otherwise it passes with no caller.
 *
 * Guards protect routes only: they never run in front of direct `AedbService` calls, timers or
 * processors. Pass the caller on to the engine (`commitEnvelope({ caller, ... })`); engine-side
 * enforcement in secure mode belongs to the security layer (see `docs/nestjs.md`).
 *
 * Uses the default instance's settings; `AedbCallerGuard.forInstance(name)` uses a named one's.
 *
 * @example
 * ```ts
 * @Controller('wallet')
 * @UseGuards(AedbCallerGuard)
 * export class WalletController {
 *   @Post('withdraw')
 *   withdraw(@Caller() caller: CallerContext | undefined, @Body() body: WithdrawDto) {
 *     return this.wallet.withdraw(caller, body);
 *   }
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class AedbCallerGuard implements CanActivate {
  private static readonly named = new Map<string, Type<AedbCallerGuard>>();

  constructor(
    @Inject(getAedbCallerSettingsToken()) private readonly settings: AedbCallerSettings,
  ) {}

  /**
   * A guard class that uses the caller settings of instance `name` (cached per name).
   *
   * @example
   * ```ts
   * @UseGuards(AedbCallerGuard.forInstance('audit'))
   * ```
   */
  static forInstance(name: string): Type<AedbCallerGuard> {
    const instance = normalizeInstanceName(name);
    let guard = AedbCallerGuard.named.get(instance);
    if (guard === undefined) {
      @Injectable()
      class NamedAedbCallerGuard extends AedbCallerGuard {
        constructor(@Inject(getAedbCallerSettingsToken(instance)) settings: AedbCallerSettings) {
          super(settings);
        }
      }
      guard = NamedAedbCallerGuard;
      AedbCallerGuard.named.set(instance, guard);
    }
    return guard;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { settings } = this;
    const resolved: unknown = await settings.resolve(context);
    if (resolved !== undefined && !isCallerContext(resolved)) {
      throw new BadRequestException(INVALID_CALLER(settings.instance, describeCaller(resolved)));
    }
    if (resolved === undefined && settings.secure) {
      throw new UnauthorizedException(CALLER_REQUIRED(settings.instance, settings.callerHeader));
    }
    const stored: StoredCaller = {
      caller: resolved === undefined ? undefined : { callerId: resolved.callerId },
    };
    const target = requestOf(context);
    if (target !== undefined) target[AEDB_CALLER_REQUEST_KEY] = stored;
    return true;
  }
}

/** The object the caller is stored on: the HTTP request, the RPC context, or the WS client. */
export function requestOf(
  context: ExecutionContext,
): { [AEDB_CALLER_REQUEST_KEY]?: StoredCaller } | undefined {
  const type = context.getType();
  const target: unknown =
    type === 'http'
      ? context.switchToHttp().getRequest()
      : type === 'rpc'
        ? context.switchToRpc().getContext()
        : type === 'ws'
          ? context.switchToWs().getClient()
          : context.getArgByIndex(2);
  return target !== null && typeof target === 'object' ? target : undefined;
}

function isCallerContext(value: unknown): value is CallerContext {
  if (value === null || typeof value !== 'object') return false;
  const id = (value as { callerId?: unknown }).callerId;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_CALLER_ID;
}

function describeCaller(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'callerId' in value) {
    return `{ callerId: ${describeValue((value as { callerId?: unknown }).callerId)} }`;
  }
  return describeValue(value);
}
