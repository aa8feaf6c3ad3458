import type { ExecutionContext } from '@nestjs/common';
import type { CallerContext } from '../storage/commit/transaction-envelope';
import type { AedbCallerResolver } from './aedb-module-options.interface';

/** The request shape the default resolver reads (any Node HTTP request has it). */
interface RequestWithHeaders {
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * The default {@link AedbCallerResolver}: the caller id is the value of `header` (first value
 * when repeated, trimmed). Requests of other transports (RPC, WebSockets) have no caller
 * unless you configure a resolver for them.
 *
 * @example
 * ```ts
 * AedbModule.forRoot({ dataDir: './data', callerResolver: defaultCallerResolver('x-user-id') });
 * ```
 * @publicApi
 */
export function defaultCallerResolver(header: string): AedbCallerResolver {
  const name = header.toLowerCase();
  return (context: ExecutionContext): CallerContext | undefined => {
    if (context.getType() !== 'http') return undefined;
    const raw = context.switchToHttp().getRequest<RequestWithHeaders>().headers?.[name];
    const value = (typeof raw === 'string' ? raw : raw?.[0])?.trim();
    return value === undefined || value.length === 0 ? undefined : { callerId: value };
  };
}
