import {
  createParamDecorator,
  InternalServerErrorException,
  type ExecutionContext,
} from '@nestjs/common';
import type { CallerContext } from '../storage/commit/transaction-envelope';
import { AEDB_CALLER_REQUEST_KEY } from './aedb.constants';
import { requestOf } from './aedb-caller.guard';
import { CALLER_GUARD_MISSING } from './aedb.messages';

/**
 * Route parameter decorator: the {@link CallerContext} that `AedbCallerGuard` resolved for this
 * request, or `undefined` when the request has none (possible only outside secure mode). Using
 * it on a route without the guard is a programming error and fails the request with 500.
 *
 * @example
 * ```ts
 * @Post('transfers')
 * @UseGuards(AedbCallerGuard)
 * transfer(@Caller() caller: CallerContext | undefined, @Body() body: TransferDto) {
 *   return this.ledger.transfer(body, caller);
 * }
 * ```
 * @publicApi
 */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CallerContext | undefined => {
    const stored = requestOf(context)?.[AEDB_CALLER_REQUEST_KEY];
    if (stored === undefined) throw new InternalServerErrorException(CALLER_GUARD_MISSING);
    return stored.caller;
  },
);
